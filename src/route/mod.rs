//! Routing: turns a classified request into a decision (queue, priority, skills, SLA, review).
//!
//! The policy is explicit configuration, not a model: the `[routing]` table of `instrada.toml`
//! ([`config`]) is validated once into a [`Policy`] (every mistake reported together, each naming
//! its entry), and [`Policy::decide`] then routes each request in microseconds and says why in
//! sentences a supervisor understands.
//!
//! - [`config`]: the serde shape of `[routing]`.
//! - [`policy`]: [`Policy`], [`RouteInput`], [`RouteOutcome`] and the decision order.
//! - [`sla`]: SLA durations and business-hours arithmetic (what `4h` and `2d` mean).
//! - [`hours`]: weekly opening hours.
//! - [`holidays`]: Italian national holidays (with Easter) and local closures.
//! - [`error`]: [`PolicyError`] and the [`PolicyProblem`]s of a refused configuration.

pub mod channel;
mod compile;
pub mod config;
pub mod error;
pub mod holidays;
pub mod hours;
pub mod policy;
pub mod sla;
#[cfg(test)]
mod test_support;

pub use channel::Channel;
pub use config::{QueueConfig, RoutingConfig, RuleConfig, SlaConfig, WhenConfig};
pub use error::{PolicyError, PolicyProblem};
pub use policy::{Policy, RouteInput, RouteOutcome, UNKNOWN_TOPIC};
