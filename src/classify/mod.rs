//! Topic and urgency classification.

pub mod urgency;

pub use urgency::UrgencyLevel;
