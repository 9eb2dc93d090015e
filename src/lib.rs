//! instrada: classifies citizens' requests by topic and urgency and routes them to a queue.
//!
//! What lives where (arrows point inward: `api → route → classify → text | store`):
//! - [`text`]: normalisation, tokenisation, hashed n-gram features with TF-IDF, language, PII redaction.
//! - [`classify`]: the [`classify::TextClassifier`] trait, the linear model, its trainer, datasets,
//!   evaluation reports, model artefacts and the urgency lexicon.
//! - [`route`]: the routing policy (queues, rules, SLA in business hours) that turns predictions into a
//!   decision with reasons.
//! - [`store`]: the audit trail of decisions and the feedback on them (SQLite).
//! - [`api`]: the HTTP service.
//! - [`config`]: the service settings.

pub mod api;
pub mod calendar;
pub mod classify;
pub mod cli;
pub mod config;
pub mod digest;
pub mod label;
pub mod registry;
pub mod route;
pub mod store;
pub mod telemetry;
pub mod text;
