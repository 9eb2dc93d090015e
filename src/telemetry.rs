//! Logging and metrics set-up: the `tracing` subscriber (text or JSON lines) and the Prometheus
//! recorder of a service instance.
//!
//! What is logged is the caller's to keep clean: request text, citizen identifiers and anything
//! else personal never goes into a log field; text that must appear in a log goes through
//! [`crate::text::redact`] first.

use crate::config::{LogFormat, LogSettings};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use std::io::IsTerminal;
use std::sync::Arc;
use tracing_subscriber::EnvFilter;

/// Buckets of latency histograms, in seconds: 25 µs to 1 s, dense below 2 ms where the service lives.
pub const LATENCY_BUCKETS: [f64; 20] = [
    0.000_025, 0.000_05, 0.000_075, 0.000_1, 0.000_15, 0.000_2, 0.000_3, 0.000_4, 0.000_5,
    0.000_75, 0.001, 0.001_5, 0.002, 0.003, 0.005, 0.01, 0.025, 0.1, 0.25, 1.0,
];
/// Buckets of confidence histograms.
pub const CONFIDENCE_BUCKETS: [f64; 10] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];

/// Installs the global `tracing` subscriber, writing to standard output; `RUST_LOG` wins over
/// `settings.level`. Text lines are coloured only on a terminal and when `NO_COLOR` is unset, so
/// that a log file or a pipe gets no escape codes. Does nothing if a subscriber is already
/// installed (tests start many services in one process).
pub fn init_tracing(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = use_colour(
        std::io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stdout)
        .with_ansi(ansi);
    let _ = match settings.format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Colour on a terminal, unless `NO_COLOR` is set to anything but the empty string
/// (<https://no-color.org>).
fn use_colour(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(std::ffi::OsStr::is_empty)
}

/// The Prometheus recorder of one service instance, and what renders it.
///
/// Each service instance (`api::AppState`) has its own, rather than one global recorder for the process, so
/// that two services in one process (the black-box tests start dozens) never count each other's
/// traffic. Call sites record through [`Metrics::record`], which makes this recorder the current
/// one for the duration of a synchronous closure (`metrics::with_local_recorder`).
#[derive(Clone)]
pub struct Metrics {
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh recorder with the service's histogram buckets.
    pub fn new() -> Self {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Suffix("_confidence".into()), &CONFIDENCE_BUCKETS)
            });
        let builder = match builder {
            Ok(b) => b,
            // Only fails on empty bucket lists, which the constants above are not.
            Err(_) => PrometheusBuilder::new(),
        };
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        Self {
            recorder: Arc::new(recorder),
            handle,
        }
    }

    /// Runs `f`, in which the `metrics` macros record into this recorder.
    pub fn record<T>(&self, f: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(self.recorder.as_ref(), f)
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// Folds histograms (the recorder needs periodic upkeep).
    pub fn run_upkeep(&self) {
        self.handle.run_upkeep();
    }
}

#[cfg(test)]
mod tests {
    use super::use_colour;
    use std::ffi::OsStr;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(use_colour(true, None));
        assert!(use_colour(true, Some(OsStr::new(""))));
        assert!(!use_colour(true, Some(OsStr::new("1"))));
        assert!(!use_colour(false, None));
    }
}
