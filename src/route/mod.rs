//! Routing: turns a classified request into a decision (queue, priority, skills, SLA, review).
//!
//! The policy is explicit configuration, not a model: the `[routing]` table of `instrada.toml`
//! ([`config`]) is validated once into a [`Policy`] (every mistake reported together, each naming
//! its entry), and [`Policy::decide`] then routes each request in microseconds and says why in
//! sentences a supervisor understands.
//!
//! - [`config`]: the serde shape of `[routing]`.
//! - [`router`]: [`Router`], "classify and route one request", which [`crate::ops::route`] calls;
//!   [`decision`]: the [`Decision`] it returns, with the [`Audit`] data the decision does not
//!   carry; `audit.rs`: the decision serialised once for the caller and its audit record.
//! - [`policy`]: [`Policy`] and the decision order; [`types`]: [`RouteInput`] and [`RouteOutcome`].
//!   `compile.rs` builds a [`Policy`] from configuration, `compiled.rs` holds the compiled queues
//!   and rules both read (one-way: compile → policy → compiled → types).
//! - [`sla`]: SLA durations and what `4h` and `2d` mean; the business-time arithmetic, opening
//!   hours and holidays are in [`crate::calendar`].
//! - [`error`]: [`PolicyError`] and the [`PolicyProblem`]s of a refused configuration.
//!
//! Imports [`crate::calendar`], `classify`, `text` and `label`; `audit.rs` also `store` for the
//! audit record it builds. Never `ops`, `jobs`, `api` or `cli`, which call it.

mod audit;
pub mod channel;
mod compile;
mod compiled;
pub mod config;
pub mod decision;
pub mod error;
pub mod policy;
mod reasons;
pub mod router;
pub mod sla;
#[cfg(test)]
mod test_support;
pub mod types;

pub use audit::{Answer, forget_words};
pub use channel::Channel;
pub use config::{QueueConfig, RoutingConfig, RuleConfig, SlaConfig, WhenConfig};
pub use decision::Decision;
pub use error::{PolicyError, PolicyProblem};
pub use policy::Policy;
pub use router::{Audit, Request, Routed, Router, RouterOptions};
pub use types::{RouteInput, RouteOutcome};
