//! Routing: turns a classified request into a decision (queue, priority, skills, SLA, review).

pub mod channel;
pub mod config;
pub mod error;
pub mod holidays;
pub mod hours;
pub mod sla;
pub use channel::Channel;
