//! Workload for planners: series of contacts per interval, forecasts with honest intervals chosen
//! by backtest, and the staff they call for (Erlang C and A, or a response-time target for the
//! channels not answered live).
//!
//! - [`staffing`]: agents for a workload: Erlang C, Erlang A, backlog channels.
//! - [`series`]: counts per interval in a time zone, with open and closed intervals.
//! - [`models`]: seasonal naive, daily total × intraday profile, MSTL (augurs).
//! - [`config`]: `[forecast]` of `instrada.toml` (zone, series, models, refit, staffing), read
//!   into types when the settings are loaded.
//! - [`plan`]: the forecasts planners read, fitted off the request path (backtest, fit, staff),
//!   on the store's contacts read once for every series.
//! - [`backtest`]: rolling-origin evaluation (MASE, sMAPE, interval coverage) and the one rule
//!   that chooses a model.
//! - [`chart`]: a forecast with its intervals and recent history, as SVG or PNG.
//! - [`staffed`]: agents only while a queue is open, the closed hours' mail carried to the
//!   opening.
//!
//! Inside, imports run one way: `chart → plan → config | backtest → models | series | staffing`.
//! A model family like `classify`: it imports the [`crate::calendar`] and [`crate::duration`]
//! leaves and the store's contact counts, never `api`, `cli`, `registry` or `route`.

pub mod backtest;
pub mod chart;
pub mod config;
pub mod models;
pub mod plan;
pub mod series;
pub mod staffed;
pub mod staffing;
