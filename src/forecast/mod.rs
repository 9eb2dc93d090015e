//! Workload for planners: series of contacts per interval, forecasts with honest intervals chosen
//! by backtest, and the staff they call for (Erlang C and A, or a response-time target for the
//! channels not answered live).
//!
//! - [`staffing`]: agents for a workload: Erlang C, Erlang A, backlog channels.
//! - [`series`]: counts per interval in a time zone, with open and closed intervals.
//! - [`models`]: seasonal naive, daily total × intraday profile, MSTL (augurs).
//! - [`config`]: `[forecast]` of `instrada.toml` (zone, series, decisions as contacts).
//! - [`plan`]: the forecasts planners read, fitted off the request path (backtest, fit, staff).
//! - [`backtest`]: rolling-origin evaluation (MASE, sMAPE, interval coverage) and model choice.
//! - [`chart`]: a forecast with its intervals and recent history, as SVG or PNG.
//!
//! A model family like `classify`: it imports the [`crate::calendar`] and [`crate::label`] leaves,
//! never `api`, `cli`, `registry` or `route`.

pub mod backtest;
pub mod chart;
pub mod config;
pub mod models;
pub mod plan;
pub mod series;
pub mod staffing;
