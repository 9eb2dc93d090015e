//! instrada: classifies citizens' requests by topic and urgency and routes them to a queue;
//! forecasts workload and staffing; flags citizens to contact proactively, as advice to a person.
//!
//! What lives where. Arrows point inward only:
//! `api | cli → ops | jobs → registry → route → classify | forecast | outreach → text | calendar |
//! store | label | digest | duration | onnxrt` (`jobs` also imports `ops`; `ops` never imports
//! `jobs`).
//!
//! Edges (translate HTTP or arguments into one call of `ops` or `jobs`, and back; no rule a user
//! could observe lives here, and no edge imports another):
//! - [`api`]: the HTTP service: schema mirrors for OpenAPI, extractors, statuses, handlers,
//!   metrics, start-up and shutdown.
//! - [`cli`]: the command line's commands (serve, train, evaluate, classify, route, import,
//!   feedback, backtest, forecast, staffing, outreach, export).
//!
//! The operations every edge calls:
//! - [`ops`]: one function per operation (route, feedback, events, staffing, outreach, forecast
//!   reading), their inputs and answers, one [`ops::OpError`] with stable codes, and the
//!   [`ops::Service`] they work with (settings, store, pseudonymiser).
//! - [`jobs`]: the forecast refit and the outreach scoring run: one of each at a time, on a
//!   blocking thread, persisted, on a schedule, and the start-up restore of the last refit.
//!
//! Models and use cases below them:
//! - [`registry`]: loads, validates, warms up, swaps and rolls back every model kind, and serves
//!   the forecasts of the last refit.
//! - [`route`]: [`route::Router`], "classify and route one request", and the policy (queues,
//!   rules, SLA) that turns predictions into a [`route::Decision`] with reasons and audit data.
//! - [`classify`]: the [`classify::TextClassifier`] trait, the linear model, its trainer, datasets,
//!   evaluation reports, model artefacts and the urgency lexicon.
//! - [`forecast`]: workload series, forecasting models, backtests, staffing (Erlang) and charts.
//! - [`outreach`]: citizens' features from their contact history, scored with reasons (advice).
//!
//! Leaves (import nothing of the crate, or only other leaves):
//! - [`text`]: normalisation, tokenisation, hashed n-gram features with TF-IDF, language, PII
//!   redaction, and what is kept of free text ([`text::kept`]).
//! - [`calendar`]: Italian holidays, local closures, opening hours and business-time arithmetic.
//! - [`store`]: the audit trail of decisions and the feedback on them, events, outreach records,
//!   the forecast cache (SQLite).
//! - [`label`], [`digest`]: the `unknown` label; SHA-256 as hex, citizens' pseudonyms.
//! - [`seal`]: citizens' references sealed (AES-256-GCM) under a key kept apart.
//! - [`duration`]: the one grammar of durations (`30m`, `1d4h`, `2w`, `1800`) that configuration,
//!   command line and API all read with.
//! - [`config`]: the service settings, parsed into types when read; [`telemetry`]: logging and
//!   the metrics recorder.
//! - `onnxrt` (feature `onnx`): the ONNX Runtime library and session pool both ONNX backends use.

pub mod access;
pub mod api;
pub mod calendar;
pub mod classify;
pub mod cli;
pub mod config;
pub mod digest;
pub mod duration;
pub mod forecast;
pub mod jobs;
pub mod label;
#[cfg(feature = "onnx")]
pub mod onnxrt;
pub mod ops;
pub mod outreach;
pub mod registry;
pub mod route;
pub mod seal;
pub mod store;
pub mod telemetry;
pub mod text;
