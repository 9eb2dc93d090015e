//! Training: parameters, validation split, fitting, calibration and the `unknown` threshold.
//!
//! Follows linfa's shape: [`TrainParams`] (a builder whose every method documents its default) →
//! [`TrainParams::check`] → [`ValidParams::fit`] → a [`Trained`] model with its validation report.
//! Validation predictions come from a model that never saw them (a stratified hold-out, or k-fold
//! out-of-fold predictions); the shipped model is then refitted on all the data with the same
//! hyper-parameters, temperature and threshold.
//!
//! Imports `calibrate`, `dataset`, `eval`, `linear` and `sgd`; must not import `artefact`,
//! `manifest` or `job` (which sit on top of it), nor anything that does I/O.

pub use super::calibrate::{decide, fit_temperature, pick_threshold};
use super::dataset::Example;
use super::eval::{EvalReport, evaluate};
use super::linear::{LinearModel, argmax, softmax_in_place};
use super::sgd::{self, SgdConfig};
use crate::label::UNKNOWN;
use crate::text::{FeatureConfig, SparseVec, Vectorizer};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// How classes are weighted in the loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassWeight {
    /// Every example counts the same.
    None,
    /// Classes count inversely to their frequency in the loss (scikit-learn's "balanced").
    Balanced,
    /// Unweighted fit, then each class's log prior is subtracted from its logit ("logit
    /// adjustment", Menon et al. 2021): the decision rule that maximises balanced recall when the
    /// probabilities are calibrated, without the unstable steps of 50× example weights.
    Adjusted,
}

/// How validation predictions are obtained.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Validation {
    /// A stratified hold-out of this fraction.
    Holdout(f32),
    /// Stratified k-fold out-of-fold predictions.
    KFold(u32),
}

impl Validation {
    /// How the validation predictions were obtained, for reports and model cards.
    pub fn describe(&self) -> String {
        match self {
            Self::KFold(k) => format!("stratified {k}-fold, out-of-fold predictions"),
            Self::Holdout(f) => format!("stratified hold-out of {:.0} %", 100.0 * f),
        }
    }
}

/// Hyper-parameters of a training run; see each builder method for its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainParams {
    /// Text → features.
    pub features: FeatureConfig,
    /// Minimum number of training documents a feature must appear in.
    pub min_df: u32,
    /// L2 strength, as scikit-learn's `1 / (C · n)`; `None` derives it from `c`.
    pub l2: Option<f32>,
    /// Inverse regularisation strength, as scikit-learn's `C`.
    pub c: f32,
    /// SGD passes over the data.
    pub epochs: u32,
    /// Initial SGD step.
    pub learning_rate: f32,
    /// Class weighting.
    pub class_weight: ClassWeight,
    /// Validation scheme.
    pub validation: Validation,
    /// Label of out-of-scope examples in the data, if any.
    pub oos_label: Option<String>,
    /// Answers are withheld (`unknown`) where fewer than this share of them would be right.
    pub min_precision: f32,
    /// Random seed (split and shuffles).
    pub seed: u64,
}

impl Default for TrainParams {
    fn default() -> Self {
        Self {
            features: FeatureConfig::default(),
            min_df: 1,
            l2: None,
            c: 20.0,
            epochs: 12,
            learning_rate: 0.8,
            class_weight: ClassWeight::None,
            validation: Validation::Holdout(0.2),
            oos_label: None,
            min_precision: 0.3,
            seed: 42,
        }
    }
}

impl TrainParams {
    /// Feature configuration. Default: word 1–2-grams, char 2–5-grams, sublinear TF.
    pub fn features(mut self, f: FeatureConfig) -> Self {
        self.features = f;
        self
    }
    /// Minimum document frequency of a feature. Default 1.
    pub fn min_df(mut self, n: u32) -> Self {
        self.min_df = n;
        self
    }
    /// Inverse regularisation strength (scikit-learn's C). Default 20.
    pub fn c(mut self, c: f32) -> Self {
        self.c = c;
        self
    }
    /// SGD passes. Default 12.
    pub fn epochs(mut self, n: u32) -> Self {
        self.epochs = n;
        self
    }
    /// Initial step size. Default 0.8.
    pub fn learning_rate(mut self, lr: f32) -> Self {
        self.learning_rate = lr;
        self
    }
    /// Class weighting. Default none.
    pub fn class_weight(mut self, w: ClassWeight) -> Self {
        self.class_weight = w;
        self
    }
    /// Validation scheme. Default a 20 % stratified hold-out.
    pub fn validation(mut self, v: Validation) -> Self {
        self.validation = v;
        self
    }
    /// Out-of-scope label. Default none.
    pub fn oos_label(mut self, l: Option<String>) -> Self {
        self.oos_label = l;
        self
    }
    /// Share of right answers under which the model abstains; picks the `unknown` threshold. Default 0.3.
    pub fn min_precision(mut self, q: f32) -> Self {
        self.min_precision = q;
        self
    }
    /// Seed. Default 42.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }

    /// Checks the parameters.
    pub fn check(self) -> Result<ValidParams, TrainError> {
        self.features
            .check()
            .map_err(|e| TrainError::Params(e.to_string()))?;
        let bad = |m: String| Err(TrainError::Params(m));
        if !(self.c.is_finite() && self.c > 0.0) {
            return bad(format!("C must be positive, not {}", self.c));
        }
        if self.epochs == 0 || self.epochs > 1000 {
            return bad(format!("epochs must be in 1..=1000, not {}", self.epochs));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return bad(format!(
                "learning rate must be positive, not {}",
                self.learning_rate
            ));
        }
        if !(0.0..1.0).contains(&self.min_precision) {
            return bad(format!(
                "min_precision must be in 0..1, not {}",
                self.min_precision
            ));
        }
        match self.validation {
            Validation::Holdout(f) if !(0.02..=0.5).contains(&f) => {
                return bad(format!(
                    "validation fraction must be in 0.02..=0.5, not {f}"
                ));
            }
            Validation::KFold(k) if !(2..=20).contains(&k) => {
                return bad(format!("folds must be in 2..=20, not {k}"));
            }
            _ => {}
        }
        Ok(ValidParams(self))
    }
}

/// Parameters that passed [`TrainParams::check`].
#[derive(Debug, Clone)]
pub struct ValidParams(TrainParams);

/// Why training failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A hyper-parameter is out of range.
    #[error("invalid training parameter: {0}")]
    Params(String),
    /// Fewer than two classes.
    #[error("training needs at least two classes, found {found}")]
    TooFewClasses {
        /// Classes found.
        found: usize,
    },
    /// The out-of-scope label is not in the data.
    #[error("out-of-scope label `{0}` does not occur in the data")]
    OosLabelAbsent(String),
    /// A reserved label.
    #[error("`{UNKNOWN}` is reserved for the model's abstentions and cannot be a training label")]
    ReservedLabel,
}

/// A trained model and what is known of its quality.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The model refitted on all the data, calibrated.
    pub model: LinearModel,
    /// Top probability under which the model answers `unknown`.
    pub unknown_threshold: f32,
    /// Index of the out-of-scope class, if trained with one.
    pub oos_class: Option<usize>,
    /// Report on the validation predictions, with the threshold applied.
    pub validation: EvalReport,
    /// Accuracy on validation predictions without abstaining (argmax only).
    pub validation_argmax_accuracy: f64,
    /// Validation texts.
    pub validation_size: usize,
    /// Classes with a single example: trained on, never validated.
    pub singleton_classes: Vec<String>,
    /// The parameters used (with `l2` resolved).
    pub params: TrainParams,
}

/// Progress callbacks: `(stage, done, total)`.
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

impl ValidParams {
    /// The checked parameters.
    pub fn params(&self) -> &TrainParams {
        &self.0
    }

    /// Trains on `examples`: validation fits and the final fit on all the data side by side, then
    /// temperature and threshold from the validation predictions.
    pub fn fit(&self, examples: &[Example], progress: Progress<'_>) -> Result<Trained, TrainError> {
        let p = &self.0;
        let classes = Classes::of(examples, p.oos_label.as_deref())?;
        let texts: Vec<&str> = examples.iter().map(|e| e.text.as_str()).collect();
        let folds = stratified_folds(&classes.y, classes.labels.len(), p.validation, p.seed);
        let fitter = Fitter {
            p,
            texts: &texts,
            classes: &classes,
            total_fits: folds.len() as u64 + 1,
            progress,
        };
        let all: Vec<usize> = (0..examples.len()).collect();
        // The validation fits and the final refit are independent: run them side by side.
        let (fold_models, final_model) = rayon::join(
            || {
                folds
                    .par_iter()
                    .map(|(train, _)| fitter.fit_one(train))
                    .collect::<Vec<_>>()
            },
            || fitter.fit_one(&all),
        );
        let (val_idx, val_logits) = out_of_fold_logits(&fold_models, &folds, &texts);
        let val_y: Vec<u32> = val_idx.iter().map(|&i| classes.y[i]).collect();
        let temperature = fit_temperature(&val_logits, &val_y);
        let probs: Vec<Vec<f32>> = val_logits
            .into_iter()
            .map(|mut z| {
                softmax_in_place(&mut z, temperature);
                z
            })
            .collect();
        let unknown_threshold = pick_threshold(
            &probs,
            &val_y,
            classes.oos_class,
            f64::from(p.min_precision),
        );
        let (validation, validation_argmax_accuracy) =
            classes.report(&probs, &val_y, unknown_threshold, p.oos_label.as_deref());
        let mut model = final_model;
        model.temperature = temperature;
        let mut params = p.clone();
        params.l2 = Some(p.l2.unwrap_or(1.0 / (p.c * examples.len() as f32)));
        Ok(Trained {
            model,
            unknown_threshold,
            oos_class: classes.oos_class,
            validation,
            validation_argmax_accuracy,
            validation_size: val_idx.len(),
            singleton_classes: classes.singletons(),
            params,
        })
    }
}

/// The classes of a training set: sorted labels, each example's class, the out-of-scope class.
struct Classes {
    labels: Vec<String>,
    y: Vec<u32>,
    oos_class: Option<usize>,
}

impl Classes {
    /// Refuses the reserved `unknown` label, fewer than two classes and an absent `oos_label`.
    fn of(examples: &[Example], oos_label: Option<&str>) -> Result<Self, TrainError> {
        let labels: Vec<String> = examples
            .iter()
            .map(|e| e.label.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if labels.iter().any(|l| l == UNKNOWN) {
            return Err(TrainError::ReservedLabel);
        }
        if labels.len() < 2 {
            return Err(TrainError::TooFewClasses {
                found: labels.len(),
            });
        }
        let oos_class = match oos_label {
            Some(o) => Some(
                labels
                    .iter()
                    .position(|l| l == o)
                    .ok_or_else(|| TrainError::OosLabelAbsent(o.to_string()))?,
            ),
            None => None,
        };
        let y = examples
            .iter()
            .map(|e| labels.binary_search(&e.label).unwrap_or(0) as u32)
            .collect();
        Ok(Self {
            labels,
            y,
            oos_class,
        })
    }

    /// Labels with a single example: trained on, never validated.
    fn singletons(&self) -> Vec<String> {
        let mut counts = vec![0usize; self.labels.len()];
        self.y.iter().for_each(|&c| counts[c as usize] += 1);
        self.labels
            .iter()
            .zip(&counts)
            .filter(|(_, n)| **n == 1)
            .map(|(l, _)| l.clone())
            .collect()
    }

    /// The validation report with the threshold applied, and the accuracy without abstaining.
    fn report(
        &self,
        probs: &[Vec<f32>],
        val_y: &[u32],
        threshold: f32,
        oos_label: Option<&str>,
    ) -> (EvalReport, f64) {
        let labels = &self.labels;
        let gold: Vec<String> = val_y.iter().map(|&c| labels[c as usize].clone()).collect();
        let argmax_pred: Vec<String> = probs
            .iter()
            .map(|p| labels[argmax(p).map_or(0, |a| a.0)].clone())
            .collect();
        let pred: Vec<String> = probs
            .iter()
            .map(|p| {
                decide(p, threshold, self.oos_class)
                    .map_or(UNKNOWN.to_string(), |c| labels[c].clone())
            })
            .collect();
        (
            evaluate(&gold, &pred, oos_label),
            evaluate(&gold, &argmax_pred, oos_label).accuracy,
        )
    }
}

/// Fits one model on a subset of the examples with the run's parameters.
struct Fitter<'a> {
    p: &'a TrainParams,
    texts: &'a [&'a str],
    classes: &'a Classes,
    total_fits: u64,
    progress: Progress<'a>,
}

impl Fitter<'_> {
    fn fit_one(&self, train_idx: &[usize]) -> LinearModel {
        let (p, n_labels) = (self.p, self.classes.labels.len());
        let docs: Vec<&str> = train_idx.iter().map(|&i| self.texts[i]).collect();
        let ys: Vec<u32> = train_idx.iter().map(|&i| self.classes.y[i]).collect();
        let vectorizer = Vectorizer::fit(p.features.clone(), &docs, p.min_df);
        let x: Vec<SparseVec> = docs.par_iter().map(|d| vectorizer.transform(d)).collect();
        let l2 = p.l2.unwrap_or(1.0 / (p.c * docs.len() as f32));
        let cw = match p.class_weight {
            ClassWeight::None | ClassWeight::Adjusted => vec![1.0; n_labels],
            ClassWeight::Balanced => sgd::balanced_weights(&ys, n_labels),
        };
        let cfg = SgdConfig {
            l2,
            epochs: p.epochs,
            learning_rate: p.learning_rate,
            seed: p.seed,
        };
        let mut f = sgd::fit(&cfg, &x, &ys, vectorizer.vocab.len(), &cw, |_| {});
        if p.class_weight == ClassWeight::Adjusted {
            let mut counts = vec![0usize; n_labels];
            ys.iter().for_each(|&c| counts[c as usize] += 1);
            for (b, &n) in f.bias.iter_mut().zip(&counts) {
                // A class absent from this fold keeps its bias: it is never predicted anyway.
                if n > 0 {
                    *b -= (n as f32 / ys.len() as f32).ln();
                }
            }
        }
        (self.progress)("fit", 1, self.total_fits);
        LinearModel::new(
            self.classes.labels.clone(),
            vectorizer,
            &f.weights,
            f.bias,
            1.0,
        )
    }
}

/// The logits of every validated example, from the fold model that did not see it, with the
/// examples' indices in the same order.
fn out_of_fold_logits(
    fold_models: &[LinearModel],
    folds: &[(Vec<usize>, Vec<usize>)],
    texts: &[&str],
) -> (Vec<usize>, Vec<Vec<f32>>) {
    let mut val_idx = Vec::new();
    let mut val_logits: Vec<Vec<f32>> = Vec::new();
    for (model, (_, val)) in fold_models.iter().zip(folds) {
        let logits: Vec<Vec<f32>> = val
            .par_iter()
            .map(|&i| {
                let x = model.vectorizer.transform(texts[i]);
                let mut z = Vec::new();
                model.logits_into(&x, &mut z);
                z
            })
            .collect();
        val_idx.extend_from_slice(val);
        val_logits.extend(logits);
    }
    (val_idx, val_logits)
}

/// Stratified `(train, validation)` index sets. Classes with a single example stay in training.
pub fn stratified_folds(
    y: &[u32],
    n_classes: usize,
    v: Validation,
    seed: u64,
) -> Vec<(Vec<usize>, Vec<usize>)> {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5EED);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
    for (i, &c) in y.iter().enumerate() {
        by_class[c as usize].push(i);
    }
    let k = match v {
        Validation::Holdout(_) => 1,
        Validation::KFold(k) => k as usize,
    };
    let mut val_sets: Vec<Vec<usize>> = vec![Vec::new(); k];
    for idx in &mut by_class {
        if idx.len() < 2 {
            continue;
        }
        rng.shuffle(idx);
        match v {
            Validation::Holdout(f) => {
                let n = ((idx.len() as f32 * f).round() as usize).clamp(1, idx.len() - 1);
                val_sets[0].extend_from_slice(&idx[..n]);
            }
            Validation::KFold(_) => {
                for (j, &i) in idx.iter().enumerate() {
                    val_sets[j % k].push(i);
                }
            }
        }
    }
    val_sets
        .into_iter()
        .map(|mut val| {
            val.sort_unstable();
            let train = (0..y.len())
                .filter(|i| val.binary_search(i).is_err())
                .collect();
            (train, val)
        })
        .collect()
}

#[cfg(test)]
mod tests;
