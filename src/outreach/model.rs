//! Scoring: the [`OutreachModel`] trait every backend implements (the Rust-trained
//! [`NativeModel`] here, the ONNX one in `onnx.rs`), and the score with its reasons.
//!
//! Reasons come from the model itself. For the logistic regression, a feature's contribution is
//! the sum of its columns' terms `coef · standardised value` (how far it moves the logit from the
//! average citizen's). For the trees, it is the drop in logit when the feature's columns are set to
//! the reference row's (median numbers, most frequent categories): a perturbation attribution,
//! one extra prediction per feature.

use super::OutreachError;
use super::calibrate::Platt;
use super::features::{History, features};
use super::logistic::Logistic;
use super::manifest::OutreachManifest;
use super::reasons::{Reason, top_reasons};
use super::row::FeatureRow;
use super::trees::Trees;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// One citizen's score: advice to a person, never a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Calibrated probability of the label (e.g. a repeat contact in the next 30 days).
    pub probability: f64,
    /// Whether the probability reaches the model's flag threshold.
    pub flagged: bool,
    /// The main factors that raised it, largest first.
    pub reasons: Vec<Reason>,
    /// The model that scored.
    pub model_version: String,
}

/// A scorer of feature rows; cheap to call from many threads.
pub trait OutreachModel: Send + Sync {
    /// The score of `row`, with reasons. An error is the model's failure (an ONNX graph that does
    /// not run), never a score of 0 that would hide the citizen.
    fn score(&self, row: &FeatureRow) -> Result<Score, OutreachError>;
    /// The calibrated probability of each of `rows`, without reasons (for evaluation).
    fn probabilities(&self, rows: &[FeatureRow]) -> Result<Vec<f64>, OutreachError>;
    /// The model's manifest (features, encoding, threshold, version).
    fn manifest(&self) -> &OutreachManifest;
}

/// The fitted estimator of a [`NativeModel`].
#[derive(Debug, Clone, PartialEq)]
pub enum Estimator {
    /// Logistic regression.
    Logistic(Logistic),
    /// Boosted trees.
    Trees(Trees),
}

impl Estimator {
    /// The logit of an encoded row.
    pub fn logit(&self, x: &[f64]) -> f64 {
        match self {
            Self::Logistic(m) => m.logit(x),
            Self::Trees(m) => m.logit(x),
        }
    }
}

/// A model trained by instrada: the manifest's encoding and calibration around an estimator.
#[derive(Debug, Clone)]
pub struct NativeModel {
    manifest: OutreachManifest,
    estimator: Estimator,
    reference: Vec<f64>,
    groups: Vec<Range<usize>>,
}

impl NativeModel {
    /// Wraps `estimator` with `manifest` (whose encoding it was fitted on).
    pub fn new(manifest: OutreachManifest, estimator: Estimator) -> Self {
        let reference = manifest.encoding.reference();
        let groups = manifest.encoding.groups();
        Self {
            manifest,
            estimator,
            reference,
            groups,
        }
    }

    /// The manifest, for [`super::artefact::save`] to fill in the version and checksums.
    pub(super) fn manifest_mut(&mut self) -> &mut OutreachManifest {
        &mut self.manifest
    }

    /// The estimator.
    pub fn estimator(&self) -> &Estimator {
        &self.estimator
    }

    /// The calibrated probability of `row`, without reasons.
    pub fn probability(&self, row: &FeatureRow) -> f64 {
        let x = self.manifest.encoding.encode(row);
        self.manifest.calibration.apply(self.estimator.logit(&x))
    }

    /// Each feature's contribution to the logit of encoded row `x`.
    pub fn contributions(&self, x: &[f64]) -> Vec<f64> {
        match &self.estimator {
            Estimator::Logistic(m) => {
                let terms = m.terms(x);
                self.groups
                    .iter()
                    .map(|g| terms[g.clone()].iter().sum())
                    .collect()
            }
            Estimator::Trees(m) => {
                let full = m.logit(x);
                let mut probe = x.to_vec();
                self.groups
                    .iter()
                    .map(|g| {
                        probe[g.clone()].copy_from_slice(&self.reference[g.clone()]);
                        let c = full - m.logit(&probe);
                        probe[g.clone()].copy_from_slice(&x[g.clone()]);
                        c
                    })
                    .collect()
            }
        }
    }
}

impl Score {
    /// The score of `probability` under `manifest`'s threshold, with the reasons drawn from each
    /// feature's `(name, value, contribution to the logit)`: every backend's one way to answer.
    pub fn of(
        manifest: &OutreachManifest,
        probability: f64,
        contributions: Vec<(String, super::row::Value, f64)>,
    ) -> Self {
        Self {
            probability,
            flagged: probability >= manifest.flag_threshold,
            reasons: top_reasons(contributions, manifest.repeat_days()),
            model_version: manifest.model_version.clone(),
        }
    }
}

impl OutreachModel for NativeModel {
    fn score(&self, row: &FeatureRow) -> Result<Score, OutreachError> {
        let x = self.manifest.encoding.encode(row);
        let cal: Platt = self.manifest.calibration;
        let probability = cal.apply(self.estimator.logit(&x));
        // Calibration rescales the logit by `a`: contributions are reported on that scale.
        let contributions = self
            .contributions(&x)
            .into_iter()
            .zip(&self.manifest.encoding.columns)
            .map(|(c, col)| {
                (
                    col.name().to_string(),
                    row.get(col.name()).clone(),
                    cal.a * c,
                )
            })
            .collect();
        Ok(Score::of(&self.manifest, probability, contributions))
    }

    fn probabilities(&self, rows: &[FeatureRow]) -> Result<Vec<f64>, OutreachError> {
        Ok(rows.iter().map(|r| self.probability(r)).collect())
    }

    fn manifest(&self) -> &OutreachManifest {
        &self.manifest
    }
}

/// The score of a citizen's `history` as of `as_of`, with the model's own feature spec. Refuses
/// a model trained on a table's columns (it does not read histories).
pub fn score_history(
    model: &dyn OutreachModel,
    history: &History,
    as_of: DateTime<Utc>,
) -> Result<Score, OutreachError> {
    let spec = model.manifest().history_spec()?;
    model.score(&features(history, as_of, spec))
}
