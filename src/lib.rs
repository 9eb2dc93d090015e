//! instrada: classifies citizens' requests by topic and urgency and routes them to a queue;
//! forecasts workload and staffing; flags citizens to contact proactively, as advice to a person.
//!
//! What lives where. Arrows point inward only:
//! `api | cli → registry → route → classify | forecast | outreach → text | calendar | store |
//! label | digest | duration | onnxrt`.
//!
//! Edges (translate HTTP or arguments into one library call, and back):
//! - [`api`]: the HTTP service: DTOs, extractors, the error table, handlers, metrics.
//! - [`cli`]: the command line's commands (serve, train, evaluate, classify, route, import,
//!   backtest, forecast, staffing, outreach, export).
//!
//! Use cases and models:
//! - [`registry`]: loads, validates, warms up, swaps and rolls back every model kind.
//! - [`route`]: [`route::Router`], "classify and route one request", and the policy (queues,
//!   rules, SLA) that turns predictions into a [`route::Decision`] with reasons.
//! - [`classify`]: the [`classify::TextClassifier`] trait, the linear model, its trainer, datasets,
//!   evaluation reports, model artefacts and the urgency lexicon.
//! - [`forecast`]: workload series, forecasting models, backtests, staffing (Erlang) and charts.
//! - [`outreach`]: citizens' features from their contact history, scored with reasons (advice).
//!
//! Leaves (import nothing of the crate, or only other leaves):
//! - [`text`]: normalisation, tokenisation, hashed n-gram features with TF-IDF, language, PII redaction.
//! - [`calendar`]: Italian holidays, local closures, opening hours and business-time arithmetic.
//! - [`store`]: the audit trail of decisions and the feedback on them (SQLite).
//! - [`label`], [`digest`]: the `unknown` label; SHA-256 as hex.
//! - [`duration`]: the one grammar of durations (`30m`, `1d4h`, `2w`, `1800`) that configuration,
//!   command line and API all read with.
//! - [`config`]: the service settings; [`telemetry`]: logging and the metrics recorder.
//! - `onnxrt` (feature `onnx`): the ONNX Runtime library and session pool both ONNX backends use.

pub mod api;
pub mod calendar;
pub mod classify;
pub mod cli;
pub mod config;
pub mod digest;
pub mod duration;
pub mod forecast;
pub mod label;
#[cfg(feature = "onnx")]
pub mod onnxrt;
pub mod outreach;
pub mod registry;
pub mod route;
pub mod store;
pub mod telemetry;
pub mod text;
