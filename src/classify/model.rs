//! The classifier trait every topic or urgency backend implements, and the linear backend.
//!
//! Imports `artefact` (to load) and `linear`; must not import `train`, `job` or `bundle`.

use super::artefact::{self, ArtefactError, Manifest};
use super::linear::{Evidence, Features, LinearModel, argmax, with_features};
use crate::label::UNKNOWN;
use serde::Serialize;
use std::path::Path;

/// A label and its probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoredLabel {
    /// The label.
    pub label: String,
    /// Calibrated probability.
    pub probability: f32,
}

/// Why a classifier answered `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Abstention {
    /// The out-of-scope class came first.
    OutOfScope,
    /// The top probability was under the model's threshold.
    BelowThreshold {
        /// The threshold.
        threshold: f32,
    },
}

/// What to compute besides the label.
#[derive(Debug, Clone, Copy)]
pub struct PredictOptions {
    /// Alternatives to return after the top label.
    pub alternatives: usize,
    /// Words to return as evidence (0: skip the explanation).
    pub evidence: usize,
}

impl Default for PredictOptions {
    fn default() -> Self {
        Self {
            alternatives: 3,
            evidence: 5,
        }
    }
}

/// One model's answer for one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// The label, or `unknown` when the model abstains.
    pub label: String,
    /// Calibrated probability of the best label (also when abstaining).
    pub confidence: f32,
    /// The best label even when abstaining.
    pub best: String,
    /// The next labels, most probable first.
    pub alternatives: Vec<ScoredLabel>,
    /// Set when `label` is `unknown`.
    pub abstention: Option<Abstention>,
    /// Words that weighed most for the best label.
    pub evidence: Vec<Evidence>,
    /// The text was longer than the model reads and was cut.
    pub truncated: bool,
}

/// A text classifier: the one trait every backend (linear, ONNX…) implements; each builds its
/// answer with [`Answer::prediction`].
pub trait TextClassifier: Send + Sync + std::fmt::Debug {
    /// What the model is: name, version, labels, validation metrics.
    fn manifest(&self) -> &Manifest;
    /// Classifies one text. Never fails: empty input is the caller's to refuse.
    fn predict(&self, text: &str, opts: PredictOptions) -> Prediction;
}

/// The Rust-trained linear model with its manifest.
#[derive(Debug, Clone)]
pub struct LinearClassifier {
    manifest: Manifest,
    model: LinearModel,
    oos_class: Option<usize>,
}

impl LinearClassifier {
    /// Wraps a model and its manifest.
    pub fn new(manifest: Manifest, model: LinearModel) -> Self {
        let oos_class = manifest
            .oos_label
            .as_ref()
            .and_then(|o| model.labels.iter().position(|l| l == o));
        Self {
            manifest,
            model,
            oos_class,
        }
    }

    /// Loads the artefact in `dir`.
    pub fn load(dir: &Path) -> Result<Self, ArtefactError> {
        let (manifest, model) = artefact::load(dir)?;
        Ok(Self::new(manifest, model))
    }

    /// The underlying model.
    pub fn model(&self) -> &LinearModel {
        &self.model
    }

    /// Approximate heap memory of the loaded model, in bytes.
    pub fn memory_bytes(&self) -> usize {
        let v = &self.model.vectorizer.vocab;
        // keys + idf + blocks + the key→row map (~ 8 bytes a slot, 8/7 load factor, control bytes)
        self.model.weight_floats() * 4
            + self.model.bias.len() * 4
            + v.len() * (4 + 4 + 1)
            + v.len() * 8 * 8 / 7
            + v.len()
    }
}

impl TextClassifier for LinearClassifier {
    fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    fn predict(&self, text: &str, opts: PredictOptions) -> Prediction {
        with_features(&self.model.vectorizer, text, |f| {
            self.predict_features(f, opts)
        })
    }
}

impl LinearClassifier {
    /// Predicts from features computed by a vectoriser equal to this model's (see
    /// [`Vectorizer::same_as`](crate::text::Vectorizer::same_as)).
    pub fn predict_features(&self, f: &Features<'_>, opts: PredictOptions) -> Prediction {
        let (probs, evidence) = self.model.score(f, opts.evidence, self.oos_class);
        let answer = Answer {
            labels: &self.model.labels,
            oos_class: self.oos_class,
            threshold: self.manifest.unknown_threshold,
        };
        answer.prediction(&probs, opts.alternatives, evidence, f.truncated)
    }
}

/// How a backend's class probabilities become a [`Prediction`]: the same rule for every backend,
/// so that a policy cannot tell them apart.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// Class labels, in the probabilities' order.
    pub labels: &'a [String],
    /// The out-of-scope class, if any: answered `unknown`.
    pub oos_class: Option<usize>,
    /// Top probability under which the answer is `unknown`.
    pub threshold: f32,
}

impl Answer<'_> {
    /// The prediction for `probs` (one per label), with `alternatives` next labels and `evidence`.
    pub fn prediction(
        &self,
        probs: &[f32],
        alternatives: usize,
        evidence: Vec<Evidence>,
        truncated: bool,
    ) -> Prediction {
        let (best, confidence) = argmax(probs).unwrap_or((0, 0.0));
        let mut order: Vec<usize> = (0..probs.len()).filter(|&c| c != best).collect();
        order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
        let alternatives = order
            .into_iter()
            .take(alternatives)
            .map(|c| ScoredLabel {
                label: self.labels[c].clone(),
                probability: probs[c],
            })
            .collect();
        let threshold = self.threshold;
        let abstention = if Some(best) == self.oos_class {
            Some(Abstention::OutOfScope)
        } else if confidence < threshold {
            Some(Abstention::BelowThreshold { threshold })
        } else {
            None
        };
        let best = self.labels[best].clone();
        Prediction {
            label: if abstention.is_some() {
                UNKNOWN.to_string()
            } else {
                best.clone()
            },
            confidence,
            best,
            alternatives,
            abstention,
            evidence,
            truncated,
        }
    }
}
