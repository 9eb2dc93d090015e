//! Logging and metrics set-up: the `tracing` subscriber (text or JSON lines) and the process-wide
//! Prometheus recorder.
//!
//! What is logged is the caller's to keep clean: request text, citizen identifiers and anything
//! else personal never goes into a log field; text that must appear in a log goes through
//! [`crate::text::redact`] first.

use crate::config::{LogFormat, LogSettings};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::io::IsTerminal;
use std::sync::OnceLock;
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

/// The process-wide Prometheus recorder, installed on first use.
///
/// One per process because `metrics` has one global recorder; when another recorder was installed
/// first, a detached one is returned (it renders nothing the macros record) rather than failing.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Suffix("_confidence".into()),
                        &CONFIDENCE_BUCKETS,
                    )
                });
            let builder = match builder {
                Ok(b) => b,
                // Only fails on empty bucket lists, which the constants above are not.
                Err(_) => PrometheusBuilder::new(),
            };
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed: /metrics will be empty");
            }
            handle
        })
        .clone()
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
