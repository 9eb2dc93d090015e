//! What an outreach model is, apart from its weights: the manifest saved beside them, with the
//! feature definitions and their hash, the encoding, the training data, both candidates'
//! validation and the one chosen. Read by [`super::artefact`] and [`super::card`]; imports neither.

use super::calibrate::Platt;
use super::encode::Encoding;
use super::eval::Metrics;
use super::features::FeatureSpec;
use super::logistic::LogisticParams;
use super::row::{FeatureDef, FeatureRow};
use super::trees::TreeParams;
use crate::digest::sha256_hex;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The outreach artefact format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// The manifest's `kind`.
pub const KIND: &str = "outreach";

/// What computes the scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutreachBackend {
    /// Logistic regression (linfa-logistic) on standardised features.
    Logistic,
    /// Gradient-boosted trees ([`super::trees`]).
    Trees,
    /// A graph run by ONNX Runtime (feature `onnx`), e.g. a scikit-learn pipeline exported by
    /// `training/python/export_tabular.py`.
    Onnx,
}

impl OutreachBackend {
    /// `logistic` or `trees`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Logistic => "logistic",
            Self::Trees => "trees",
            Self::Onnx => "onnx",
        }
    }
}

/// The features a model reads, and their hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSet {
    /// With a spec: computed from contact histories ([`mod@super::features`]); without: the columns
    /// of a table.
    pub spec: Option<FeatureSpec>,
    /// Every feature, in encoding order.
    pub definitions: Vec<FeatureDef>,
    /// SHA-256 of the definitions and the spec ([`FeatureSet::hash`]).
    pub sha256: String,
}

impl FeatureSet {
    /// The set of `definitions` (and `spec`), hashed.
    pub fn new(definitions: Vec<FeatureDef>, spec: Option<FeatureSpec>) -> Self {
        let sha256 = Self::hash(&definitions, spec.as_ref());
        Self {
            spec,
            definitions,
            sha256,
        }
    }

    /// SHA-256 of the JSON of `(definitions, spec)`.
    pub fn hash(definitions: &[FeatureDef], spec: Option<&FeatureSpec>) -> String {
        sha256_hex(serde_json::to_vec(&(definitions, spec)).unwrap_or_default())
    }
}

/// What was predicted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelInfo {
    /// The label column, or the store label (`repeat_contact_30d`…).
    pub name: String,
    /// The positive value given, if any (else yes/true/1).
    pub positive: Option<String>,
    /// For store labels: the time features were computed as of.
    pub as_of: Option<DateTime<Utc>>,
}

/// The data a model was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// File name, or the store query.
    pub source: String,
    /// SHA-256 of the file, or of the store rows' ids and labels.
    pub sha256: String,
    /// Rows.
    pub rows: usize,
    /// Positive rows.
    pub positives: usize,
    /// What reading left out or assumed.
    pub notes: Vec<String>,
}

/// One model kind's out-of-fold quality.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The model kind.
    pub backend: OutreachBackend,
    /// Metrics of its calibrated out-of-fold probabilities.
    pub metrics: Metrics,
    /// Seconds to fit all folds.
    pub seconds: f64,
}

/// How the model was chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    /// How validation scores were obtained.
    pub method: String,
    /// Every candidate compared (one unless `auto`).
    pub candidates: Vec<Candidate>,
    /// The kept one (highest ROC AUC).
    pub chosen: OutreachBackend,
}

/// Training hyper-parameters of both kinds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Hyperparameters {
    /// Folds of the stratified cross-validation.
    pub folds: usize,
    /// Seed of the folds.
    pub seed: u64,
    /// Logistic regression.
    pub logistic: LogisticParams,
    /// Boosted trees.
    pub trees: TreeParams,
}

/// Everything about an outreach model except its weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutreachManifest {
    /// Artefact format.
    pub format_version: u32,
    /// Model name.
    pub name: String,
    /// Always `outreach`.
    pub kind: String,
    /// What computes the scores.
    pub backend: OutreachBackend,
    /// Unique version: name, date and the weights' hash.
    pub model_version: String,
    /// When it was trained.
    pub created_at: DateTime<Utc>,
    /// The instrada version that trained it.
    pub instrada_version: String,
    /// The features and their hash.
    pub features: FeatureSet,
    /// How features become numbers.
    pub encoding: Encoding,
    /// What is predicted.
    pub label: LabelInfo,
    /// The training data.
    pub training_data: TrainingInfo,
    /// Platt scaling of the logit.
    pub calibration: Platt,
    /// Calibrated probability from which a citizen is flagged (best F1 out of fold).
    pub flag_threshold: f64,
    /// Candidates and choice.
    pub validation: Validation,
    /// Training hyper-parameters.
    pub hyperparameters: Hyperparameters,
    /// SHA-256 of each file of the artefact.
    pub files: BTreeMap<String, String>,
    /// With backend `onnx`: the graph and the reference row of the reasons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onnx: Option<OnnxSpec>,
}

impl OutreachManifest {
    /// The feature spec of a model trained on histories; a model trained on a table's columns
    /// does not read histories and is refused.
    pub fn history_spec(&self) -> Result<&FeatureSpec, super::OutreachError> {
        self.features
            .spec
            .as_ref()
            .ok_or_else(|| super::OutreachError::NotHistoryModel {
                model_version: self.model_version.clone(),
            })
    }

    /// The window of the repeat-contact feature, for the reasons' sentences.
    pub fn repeat_days(&self) -> u32 {
        self.features
            .spec
            .as_ref()
            .map_or(FeatureSpec::default().repeat_days, |s| s.repeat_days)
    }
}

/// The graph of an ONNX outreach model: one input per feature, named as the feature (`[N,1]`
/// float for a number, string for a category), and an output of `[N,2]` probabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OnnxSpec {
    /// The graph file, beside the manifest (its SHA-256 in `files`).
    pub model: String,
    /// The output with the class probabilities; the positive class's is the second.
    pub probabilities: String,
    /// The row reasons perturb towards: median numbers, most frequent categories.
    pub reference: FeatureRow,
    /// What else the exporter recorded (versions, pipeline), kept as written.
    #[serde(flatten)]
    pub about: BTreeMap<String, serde_json::Value>,
}
