//! The command line: argument definitions (`args.rs`, clap), the errors of the commands, and the
//! commands, one file each (`train`, `evaluate`, `classify`, `route`, `import`, `feedback`,
//! `backtest`, `forecast`, `staffing`, `outreach`, `keys`, `store`).
//!
//! `main.rs` only parses and dispatches; the commands live here so that tests and benches can call
//! them. An edge, like `api`: each command translates arguments into one call of [`crate::ops`]
//! or [`crate::jobs`] (or a library call for training and evaluation, which have no other edge)
//! and prints its result; a refusal is the operation's message, the one the API gives. It must
//! not import `api`; nothing in the library imports it.

mod args;
mod backtest;
mod classify;
mod evaluate;
mod feedback;
mod forecast;
mod import;
mod keys;
mod outreach;
mod outreach_ops;
mod route;
mod staffing;
mod store;
mod train;

pub use args::*;
pub use backtest::backtest_cmd;
pub use classify::classify_cmd;
pub use evaluate::{evaluate_cmd, predict_labels};
pub use feedback::{FeedbackArgs, feedback_cmd};
pub use forecast::{ForecastArgs, forecast_cmd};
pub use import::{import_events, import_report};
pub use keys::{AuditCommand, KeysCommand, audit_cmd, keys_cmd};
pub use outreach::{
    BacktestOutreachArgs, BacktestOutreachCommand, FeatureSpecArgs, TrainCommand,
    TrainOutreachArgs, TrainOutreachCommand, backtest_outreach, evaluate_outreach,
    is_outreach_model, train_outreach,
};
pub use outreach_ops::{
    OutreachCommand, OutreachListArgs, OutreachOptoutArgs, OutreachReviewArgs, OutreachScoreArgs,
    outreach_cmd,
};
pub use route::{RouteSummary, route_lines, route_report};
pub use staffing::staffing_cmd;
pub use store::{StoreCommand, StoreMigrateArgs, StorePruneArgs, StoreStatsArgs, store_cmd};
pub use train::{ClassWeightArg, ModelKindArg, train};

use crate::classify::artefact;
use crate::classify::bundle::BundleError;
use crate::classify::dataset::{self, DataSpec, DatasetError};
use crate::classify::job::JobError;
use crate::classify::train::TrainError;
use crate::config::Settings;
use crate::ops::{OpError, OpenError, Service};
use crate::store::ExportSummary;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad data.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// Training failed.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// A training run failed.
    #[error(transparent)]
    Job(#[from] JobError),
    /// Artefact I/O.
    #[error(transparent)]
    Artefact(#[from] artefact::ArtefactError),
    /// Model loading.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// A file could not be read (the cause is the error's source, printed by [`error_chain`]).
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Neither a model nor a bundle where `classify` looked.
    #[error(
        "{}: not a model directory (no {}) nor a bundle (no topic/{}); {}",
        dir.display(), artefact::MANIFEST, artefact::MANIFEST,
        if *defaulted {
            "`--model` defaults to ./models, the bundle of the repository root: run from there, or pass `--model DIR` (a model directory, or a bundle such as the `models.dir` of your instrada.toml)"
        } else {
            "pass `--model DIR` with a model directory, or a bundle with topic/ and urgency/ such as the `models.dir` of your instrada.toml"
        }
    )]
    NoModel {
        /// Where it looked.
        dir: PathBuf,
        /// Whether that was the default of `--model`.
        defaulted: bool,
    },
    /// A series, model or backtest problem.
    #[error(transparent)]
    Forecast(#[from] crate::forecast::series::ForecastError),
    /// A forecast chart could not be drawn.
    #[error(transparent)]
    Chart(#[from] crate::forecast::chart::ChartError),
    /// Staffing parameters out of range, or a target no staffing meets.
    #[error(transparent)]
    Staffing(#[from] crate::forecast::staffing::StaffingError),
    /// Outreach data, training or model.
    #[error(transparent)]
    Outreach(#[from] crate::outreach::OutreachError),
    /// Arguments that do not fit together.
    #[error("{0}")]
    Usage(String),
    /// An operation refused or failed: the message the API gives for the same input (with the
    /// cause of a store or internal failure, which the API only logs: this is the operator's own
    /// terminal).
    #[error("{}", op_message(.0))]
    Op(#[from] OpError),
    /// The service's store or pseudonym key could not be opened.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// The settings could not be read.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The store could not be opened or written.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The configuration does not validate (every problem is listed).
    #[error(transparent)]
    Invalid(#[from] crate::registry::Invalid),
    /// `instrada store copy` found the destination different from the source.
    #[error("the copy does not match its source: {0}")]
    NotVerified(String),
    /// `instrada route` refused some lines (each was reported with its number).
    #[error("{refused} of {total} lines refused")]
    Refused {
        /// Lines refused.
        refused: usize,
        /// Lines read, blank lines aside.
        total: u64,
    },
}

fn op_message(e: &OpError) -> String {
    match e {
        OpError::StoreUnavailable { cause, .. } | OpError::Internal { cause } => {
            format!("{e}: {cause}")
        }
        _ => e.to_string(),
    }
}

/// A runtime for the operations a command runs (they are async: the service shares them).
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| CliError::Io {
            path: "the async runtime".into(),
            source,
        })
}

/// Runs `op` on a service opened on `settings`, then closes its store, which commits everything
/// the operation wrote.
pub(crate) fn with_service<T>(
    settings: &Settings,
    op: impl AsyncFnOnce(Service) -> Result<T, CliError>,
) -> Result<T, CliError> {
    let svc = Service::open(settings.clone())?;
    let out = runtime()?.block_on(op(svc.clone()));
    close(&svc)?;
    out
}

/// The bytes of `path`, or of standard input for `-`.
pub(crate) fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    use std::io::Read;
    let io = |source| CliError::Io {
        path: path.to_path_buf(),
        source,
    };
    if path.as_os_str() == "-" {
        let mut out = Vec::new();
        std::io::stdin().read_to_end(&mut out).map_err(io)?;
        Ok(out)
    } else {
        std::fs::read(path).map_err(io)
    }
}

/// Closes the store of `svc`, committing everything enqueued.
pub(crate) fn close(svc: &Service) -> Result<(), CliError> {
    runtime()?.block_on(svc.store.close())?;
    Ok(())
}

/// `err` and its causes on one line, `outer: cause: root cause`, each cause once: a cause whose
/// text the error above it already shows (a `"{path}: {source}"` message that also returns
/// `source`) is not repeated.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut line = err.to_string();
    let mut above = line.clone();
    let mut cause = err.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !text.is_empty() && !above.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        above = text;
        cause = c.source();
    }
    line
}

/// What `instrada export-feedback` prints: `out.csv: 1 corrected decision exported (…)`.
pub fn export_report(out: &Path, s: &ExportSummary) -> String {
    format!(
        "{}: {} exported ({} without stored text and {} with topic `unknown` skipped)",
        out.display(),
        count(s.exported, "corrected decision", "corrected decisions"),
        s.skipped_no_text,
        s.skipped_unknown_topic
    )
}

/// `1 label`, `2 labels`.
pub(crate) fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(crate) fn parse_label_map(s: Option<&str>) -> Result<HashMap<String, String>, CliError> {
    let Some(s) = s else {
        return Ok(HashMap::new());
    };
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
                Ok((a.trim().to_string(), b.trim().to_string()))
            }
            _ => Err(CliError::Usage(format!(
                "--label-map: `{pair}` is not FROM=TO"
            ))),
        })
        .collect()
}

pub(crate) fn data_spec(d: &DataArgs, fallbacks: Vec<String>) -> Result<DataSpec, CliError> {
    let delimiter = match d.delimiter {
        Some(c) if c.is_ascii() => Some(c as u8),
        Some(c) => {
            return Err(CliError::Usage(format!(
                "--delimiter must be one ASCII character, not `{c}`"
            )));
        }
        None => None,
    };
    Ok(DataSpec {
        path: d.data.clone(),
        text_cols: d.text_col.clone(),
        label_col: d.label_col.clone(),
        label_fallbacks: fallbacks,
        delimiter,
        skip_bad_rows: d.skip_bad_rows,
        label_map: parse_label_map(d.label_map.as_deref())?,
    })
}

pub(crate) fn report_skips(loaded: &dataset::Loaded) {
    if !loaded.skipped_empty_text.is_empty() {
        let lines: Vec<String> = loaded
            .skipped_empty_text
            .iter()
            .take(10)
            .map(u64::to_string)
            .collect();
        eprintln!(
            "warning: {} rows with empty text skipped (lines {}{})",
            loaded.skipped_empty_text.len(),
            lines.join(", "),
            if loaded.skipped_empty_text.len() > 10 {
                ", …"
            } else {
                ""
            }
        );
    }
    for (line, why) in loaded.skipped_bad.iter().take(10) {
        eprintln!("warning: {}:{line}: skipped: {why}", loaded.file);
    }
    if loaded.skipped_bad.len() > 10 {
        eprintln!(
            "warning: … {} malformed rows skipped in all",
            loaded.skipped_bad.len()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read {path}: {source}")]
    struct Repeats {
        path: &'static str,
        source: std::io::Error,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("training failed")]
    struct Outer {
        #[source]
        source: Repeats,
    }

    #[test]
    fn the_error_chain_prints_each_cause_once() {
        let io = || std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = Repeats {
            path: "x.csv",
            source: io(),
        };
        assert_eq!(error_chain(&e), "cannot read x.csv: no such file");
        let e = Outer {
            source: Repeats {
                path: "x.csv",
                source: io(),
            },
        };
        assert_eq!(
            error_chain(&e),
            "training failed: cannot read x.csv: no such file"
        );
        let e = CliError::Io {
            path: "y.md".into(),
            source: io(),
        };
        assert_eq!(error_chain(&e), "cannot read y.md: no such file");
    }

    #[test]
    fn the_export_report_counts_in_the_singular_and_the_plural() {
        let s = |exported| ExportSummary {
            exported,
            skipped_no_text: 2,
            skipped_unknown_topic: 1,
        };
        assert_eq!(
            export_report(Path::new("f.csv"), &s(1)),
            "f.csv: 1 corrected decision exported (2 without stored text and 1 with topic \
             `unknown` skipped)"
        );
        assert!(
            export_report(Path::new("f.csv"), &s(0)).contains(": 0 corrected decisions exported")
        );
        assert!(
            export_report(Path::new("f.csv"), &s(2)).contains(": 2 corrected decisions exported")
        );
    }
}
