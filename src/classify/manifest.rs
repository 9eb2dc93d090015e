//! What a model is, apart from its weights: the manifest saved beside every artefact, with its
//! kind, backend, training data and validation quality.
//!
//! A leaf of `classify`'s files on disk: read by [`super::artefact`] (which saves and loads it) and
//! [`super::card`] (which renders it); it must import neither.

use super::dataset::Example;
use super::eval::EvalReport;
use super::train::{TrainParams, Trained};
use crate::text::FeatureConfig;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The artefact format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// What a model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Which service or office a request is about.
    Topic,
    /// How fast it must be handled.
    Urgency,
}

/// What computes a model's predictions. Older manifests, written before the field existed, are
/// linear models trained by instrada.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Hashed n-gram features with a linear softmax layer, trained in Rust ([`super::linear`]).
    #[default]
    Linear,
    /// A graph exported to ONNX (e.g. a scikit-learn pipeline by `training/python/export_text.py`),
    /// run by ONNX Runtime; only builds with the `onnx` feature can load it.
    Onnx,
}

impl Backend {
    /// `linear` or `onnx`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Linear => "linear",
            Self::Onnx => "onnx",
        }
    }
}

/// What an ONNX model's manifest adds: its graph, the graph's input and output, and how it was made.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OnnxSpec {
    /// The graph file in the model directory, e.g. `model.onnx`.
    pub model: String,
    /// The input: a string tensor of shape `[N, 1]`.
    pub input: String,
    /// The output of class probabilities, `[N, labels]` floats in the manifest's label order.
    pub probabilities: String,
    /// The JSON file describing the TF-IDF step for evidence words (with `explain.safetensors`
    /// beside it); `None`: the backend gives no evidence words.
    #[serde(default)]
    pub explain: Option<String>,
    /// The pipeline in one line, e.g. `TfidfVectorizer(...) + LogisticRegression(C=20)`.
    pub pipeline: String,
    /// scikit-learn version that trained it.
    #[serde(default)]
    pub sklearn_version: String,
    /// skl2onnx version that exported it.
    #[serde(default)]
    pub skl2onnx_version: String,
    /// The export script.
    #[serde(default)]
    pub exporter: String,
}

impl ModelKind {
    /// `topic` or `urgency`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Topic => "topic",
            Self::Urgency => "urgency",
        }
    }
}

/// The data a model was trained on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrainingData {
    /// File name.
    pub file: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Examples used.
    pub rows: usize,
    /// Text columns.
    pub text_columns: Vec<String>,
    /// Label column.
    pub label_column: String,
    /// Labels renamed on reading.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub label_map: BTreeMap<String, String>,
    /// Examples per label.
    pub label_counts: BTreeMap<String, usize>,
}

/// How good the model was on data it did not see.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ValidationSummary {
    /// How validation predictions were obtained.
    pub method: String,
    /// Validation texts.
    pub size: usize,
    /// Accuracy of the top label without abstaining.
    pub argmax_accuracy: f64,
    /// The full report, with abstentions.
    pub report: EvalReport,
}

/// Everything about a model except its weights.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Artefact format.
    pub format_version: u32,
    /// Model name, e.g. `topic-comune`.
    pub name: String,
    /// What it predicts.
    pub kind: ModelKind,
    /// What computes its predictions.
    #[serde(default)]
    pub backend: Backend,
    /// Unique version: name, date and the weights' hash.
    pub model_version: String,
    /// When it was trained.
    pub created_at: DateTime<Utc>,
    /// The instrada version that trained it.
    pub instrada_version: String,
    /// Class labels.
    pub labels: Vec<String>,
    /// Out-of-scope label, if trained with one.
    pub oos_label: Option<String>,
    /// Top probability under which the model answers `unknown`.
    pub unknown_threshold: f32,
    /// Softmax temperature from calibration.
    pub temperature: f32,
    /// Feature configuration.
    pub features: FeatureConfig,
    /// Training hyper-parameters.
    pub hyperparameters: TrainParams,
    /// Training data.
    pub training_data: TrainingData,
    /// Validation quality.
    pub validation: ValidationSummary,
    /// Features kept.
    pub n_features: usize,
    /// SHA-256 of each file of the artefact.
    pub files: BTreeMap<String, String>,
    /// The graph of an ONNX model (backend `onnx`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onnx: Option<OnnxSpec>,
}

impl TrainingData {
    /// Describes `examples`, read from `file` (whose SHA-256 is `sha256`): rows and label counts.
    pub fn from_examples(
        file: impl Into<String>,
        sha256: impl Into<String>,
        examples: &[Example],
        text_columns: Vec<String>,
        label_column: impl Into<String>,
    ) -> Self {
        let mut label_counts = BTreeMap::new();
        for e in examples {
            *label_counts.entry(e.label.clone()).or_insert(0) += 1;
        }
        Self {
            file: file.into(),
            sha256: sha256.into(),
            rows: examples.len(),
            text_columns,
            label_column: label_column.into(),
            label_map: BTreeMap::new(),
            label_counts,
        }
    }
}

impl Manifest {
    /// The manifest of a freshly trained model; [`save`](super::artefact::save) fills in its version, feature count and
    /// file checksums.
    pub fn for_trained(
        name: impl Into<String>,
        kind: ModelKind,
        trained: &Trained,
        training_data: TrainingData,
    ) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            name: name.into(),
            kind,
            backend: Backend::Linear,
            model_version: String::new(),
            created_at: Utc::now(),
            instrada_version: env!("CARGO_PKG_VERSION").into(),
            labels: trained.model.labels.clone(),
            oos_label: trained.params.oos_label.clone(),
            unknown_threshold: trained.unknown_threshold,
            temperature: trained.model.temperature,
            features: trained.params.features.clone(),
            hyperparameters: trained.params.clone(),
            training_data,
            validation: ValidationSummary {
                method: trained.params.validation.describe(),
                size: trained.validation_size,
                argmax_accuracy: trained.validation_argmax_accuracy,
                report: trained.validation.clone(),
            },
            n_features: 0,
            files: BTreeMap::new(),
            onnx: None,
        }
    }
}
