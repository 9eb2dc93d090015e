//! Topic and urgency classification.

pub mod dataset;
pub mod eval;
pub mod linear;
pub mod sgd;
pub mod train;
pub mod urgency;

pub use urgency::UrgencyLevel;
