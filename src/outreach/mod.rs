//! Proactive outreach: which citizens a case worker may contact before they call a third time
//! about the same unresolved problem, each with a calibrated score and the reasons behind it. It
//! advises a person; it never decides.
//!
//! Owns the citizen features and their definitions ([`mod@features`], the one place), tabular data
//! and its encoding ([`table`], [`encode`]), the two model kinds ([`logistic`], [`trees`]), their
//! cross-validated training and choice ([`train`]), calibration, evaluation, reasons, the
//! [`OutreachModel`] trait, artefacts with manifest and model card, and the store-based training
//! table and backtest ([`dataset`]), the `[outreach]` settings ([`config`]) and the flags: scoring
//! runs, reviews, opt-outs and the fairness report ([`flags`]).
//!
//! May import `store` (histories), `digest`, `label` and `calendar`, and with feature `onnx` the
//! ONNX runtime and session pool of `classify::onnx` (for [`onnx`]); never `api`, `cli`,
//! `registry`, `route` or the rest of `classify` (the registry loads these models through
//! [`artefact::load`] or `onnx::OnnxOutreach::load` by the manifest's backend, and dispatches on
//! the manifest's `kind`).

pub mod artefact;
pub mod calibrate;
pub mod card;
pub mod config;
pub mod dataset;
pub mod encode;
pub mod eval;
pub mod features;
pub mod flags;
pub mod logistic;
pub mod manifest;
pub mod model;
#[cfg(feature = "onnx")]
pub mod onnx;
pub mod reasons;
pub mod row;
pub mod synthetic;
pub mod table;
pub mod train;
pub mod trees;

pub use dataset::{BacktestReport, backtest, store_table};
pub use eval::Metrics;
pub use features::{FeatureSpec, History, OutreachLabel, features};
pub use manifest::{OutreachBackend, OutreachManifest};
pub use model::{NativeModel, OutreachModel, Score, score_history};
pub use reasons::Reason;
pub use row::{FeatureDef, FeatureRow, Kind, Value};
pub use table::{Table, TableSpec, read_csv};
pub use train::{ModelChoice, OutreachParams, ValidParams};

use std::path::PathBuf;

/// Why outreach data, training or a model failed.
#[derive(Debug, thiserror::Error)]
pub enum OutreachError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A table that cannot be read as labelled rows.
    #[error("{}: {message}", path.display())]
    Data {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Too few rows of a class for the folds (a label with one class, a wrong `--positive`).
    #[error(
        "{positives} positive and {} negative rows of {rows}: each class needs at least {folds} (one per fold); check the label column and --positive",
        rows - positives
    )]
    Classes {
        /// Rows.
        rows: usize,
        /// Positive rows.
        positives: usize,
        /// Folds.
        folds: usize,
    },
    /// Settings out of range.
    #[error("{0}")]
    Params(String),
    /// A model could not be fitted.
    #[error("{0}")]
    Fit(String),
    /// An artefact file that is malformed, of another kind or version, or modified.
    #[error("{}: {message}", path.display())]
    Artefact {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A model trained on other feature definitions than this build computes.
    #[error("{}: trained on other feature definitions ({detail}): retrain it with this version", path.display())]
    FeatureMismatch {
        /// The manifest.
        path: PathBuf,
        /// The first difference.
        detail: String,
    },
    /// A loaded model that failed to score (an ONNX graph that does not run on a row).
    #[error("{}: the model failed to score: {message}", path.display())]
    Scoring {
        /// The model file.
        path: PathBuf,
        /// What the runtime said.
        message: String,
    },
    /// A table model asked to score a history.
    #[error("{model_version} was trained on a table's columns, not on contact histories")]
    NotHistoryModel {
        /// The model.
        model_version: String,
    },
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}
