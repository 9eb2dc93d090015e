//! Training, the linfa way: [`OutreachParams`] (a builder whose methods document their
//! defaults) → [`OutreachParams::check`] → [`ValidParams::fit`] on a [`Table`] → a
//! [`NativeModel`] with its manifest.
//!
//! Every candidate (both with `auto`) is scored by stratified k-fold cross-validation: the
//! encoding and the model are fitted on k−1 folds and score the held-out one, so every row gets
//! an out-of-fold logit. The candidate with the higher out-of-fold ROC AUC is kept and refitted on
//! all rows; its out-of-fold logits fit the Platt calibration and the flag threshold. Folds run in
//! parallel (rayon); results do not depend on the number of threads.

use super::OutreachError;
use super::calibrate::{Platt, best_f1_threshold};
use super::encode::Encoding;
use super::eval::Metrics;
use super::features::FeatureSpec;
use super::logistic::{Logistic, LogisticParams};
use super::manifest::{
    Candidate, FORMAT_VERSION, FeatureSet, Hyperparameters, KIND, LabelInfo, OutreachBackend,
    OutreachManifest, TrainingInfo, Validation,
};
use super::model::{Estimator, NativeModel};
use super::row::FeatureRow;
use super::table::Table;
use super::trees::{TreeParams, Trees};
use chrono::Utc;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::time::Instant;

/// Which model kinds to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelChoice {
    /// Both; keep the higher out-of-fold ROC AUC.
    Auto,
    /// Logistic regression only.
    Logistic,
    /// Boosted trees only.
    Trees,
}

impl ModelChoice {
    /// `auto`, `logistic` or `trees`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "auto" => Some(Self::Auto),
            "logistic" => Some(Self::Logistic),
            "trees" | "gbt" | "forest" => Some(Self::Trees),
            _ => None,
        }
    }
}

/// Training settings (unchecked).
#[derive(Debug, Clone, PartialEq)]
pub struct OutreachParams {
    name: String,
    model: ModelChoice,
    folds: usize,
    seed: u64,
    logistic: LogisticParams,
    trees: TreeParams,
}

/// Checked training settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidParams(OutreachParams);

impl OutreachParams {
    /// Settings for a model called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            model: ModelChoice::Auto,
            folds: 5,
            seed: 42,
            logistic: LogisticParams::default(),
            trees: TreeParams::default(),
        }
    }

    /// The model's name. Default: the one given to [`OutreachParams::new`].
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Model kinds to try. Default [`ModelChoice::Auto`].
    pub fn model(mut self, m: ModelChoice) -> Self {
        self.model = m;
        self
    }

    /// Cross-validation folds (2 to 20). Default 5.
    pub fn folds(mut self, k: usize) -> Self {
        self.folds = k;
        self
    }

    /// Seed of the folds and the trees' sampling. Default 42.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Logistic regression settings. Default [`LogisticParams::default`].
    pub fn logistic(mut self, p: LogisticParams) -> Self {
        self.logistic = p;
        self
    }

    /// Boosted trees settings. Default [`TreeParams::default`].
    pub fn trees(mut self, p: TreeParams) -> Self {
        self.trees = p;
        self
    }

    /// Checks the settings.
    pub fn check(self) -> Result<ValidParams, OutreachError> {
        if !(2..=20).contains(&self.folds) {
            return Err(OutreachError::Params(format!(
                "folds must be 2 to 20, not {}",
                self.folds
            )));
        }
        if !self.logistic.alpha.is_finite()
            || self.logistic.alpha < 0.0
            || self.trees.n_trees == 0
            || !self.trees.learning_rate.is_finite()
            || self.trees.learning_rate <= 0.0
        {
            return Err(OutreachError::Params(
                "alpha must be ≥ 0, n_trees ≥ 1 and learning_rate > 0".into(),
            ));
        }
        if self.name.trim().is_empty() {
            return Err(OutreachError::Params("the model needs a name".into()));
        }
        Ok(ValidParams(self))
    }
}

/// Stratified folds: each class shuffled with `seed`, then dealt round-robin.
pub fn stratified_folds(y: &[bool], k: usize, seed: u64) -> Vec<usize> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut fold = vec![0; y.len()];
    for class in [true, false] {
        let mut idx: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        rng.shuffle(&mut idx);
        for (j, i) in idx.into_iter().enumerate() {
            fold[i] = j % k;
        }
    }
    fold
}

/// Fits `backend` on `rows`: the encoding, then the estimator.
fn fit_one(
    backend: OutreachBackend,
    table: &Table,
    rows: &[usize],
    p: &OutreachParams,
) -> Result<(Encoding, Estimator), OutreachError> {
    let train: Vec<FeatureRow> = rows.iter().map(|&i| table.rows[i].clone()).collect();
    let y: Vec<bool> = rows.iter().map(|&i| table.labels[i]).collect();
    let enc = Encoding::fit(&table.defs, &train);
    let x = enc.matrix(&train);
    let est = match backend {
        OutreachBackend::Logistic => Estimator::Logistic(Logistic::fit(&x, &y, &p.logistic)?),
        OutreachBackend::Trees => Estimator::Trees(Trees::fit(&x, &y, &p.trees)?),
        OutreachBackend::Onnx => {
            return Err(OutreachError::Params(
                "ONNX models are trained in Python (training/python/export_tabular.py)".into(),
            ));
        }
    };
    Ok((enc, est))
}

/// Out-of-fold logits of `backend`, and the seconds all folds took.
fn out_of_fold(
    backend: OutreachBackend,
    table: &Table,
    fold: &[usize],
    p: &OutreachParams,
) -> Result<(Vec<f64>, f64), OutreachError> {
    let started = Instant::now();
    let parts: Vec<Vec<(usize, f64)>> = (0..p.folds)
        .into_par_iter()
        .map(|f| {
            let train: Vec<usize> = (0..fold.len()).filter(|&i| fold[i] != f).collect();
            let (enc, est) = fit_one(backend, table, &train, p)?;
            Ok((0..fold.len())
                .filter(|&i| fold[i] == f)
                .map(|i| (i, est.logit(&enc.encode(&table.rows[i]))))
                .collect())
        })
        .collect::<Result<_, OutreachError>>()?;
    let mut logits = vec![0.0; fold.len()];
    for (i, s) in parts.into_iter().flatten() {
        logits[i] = s;
    }
    Ok((logits, started.elapsed().as_secs_f64()))
}

impl ValidParams {
    /// Trains on `table`: cross-validates the candidates, keeps the best, refits it on all rows.
    /// `spec` is the history feature spec when the table was computed from histories.
    pub fn fit(
        &self,
        table: &Table,
        spec: Option<&FeatureSpec>,
        label: LabelInfo,
    ) -> Result<NativeModel, OutreachError> {
        let p = &self.0;
        let pos = table.positives();
        let neg = table.labels.len() - pos;
        if pos.min(neg) < p.folds {
            return Err(OutreachError::Classes {
                rows: table.labels.len(),
                positives: pos,
                folds: p.folds,
            });
        }
        if table.defs.is_empty() {
            return Err(OutreachError::Params(
                "no feature columns to learn from".into(),
            ));
        }
        let backends = match p.model {
            ModelChoice::Auto => vec![OutreachBackend::Logistic, OutreachBackend::Trees],
            ModelChoice::Logistic => vec![OutreachBackend::Logistic],
            ModelChoice::Trees => vec![OutreachBackend::Trees],
        };
        let fold = stratified_folds(&table.labels, p.folds, p.seed);
        let mut candidates = Vec::new();
        let mut best: Option<(f64, OutreachBackend, Vec<f64>)> = None;
        for b in backends {
            let (logits, seconds) = out_of_fold(b, table, &fold, p)?;
            let cal = Platt::fit(&logits, &table.labels);
            let probs: Vec<f64> = logits.iter().map(|s| cal.apply(*s)).collect();
            let metrics = Metrics::of(&probs, &table.labels);
            if best
                .as_ref()
                .is_none_or(|(auc, _, _)| metrics.roc_auc > *auc)
            {
                best = Some((metrics.roc_auc, b, logits));
            }
            candidates.push(Candidate {
                backend: b,
                metrics,
                seconds,
            });
        }
        let Some((_, chosen, logits)) = best else {
            return Err(OutreachError::Params("no model kind to train".into()));
        };
        let calibration = Platt::fit(&logits, &table.labels);
        let probs: Vec<f64> = logits.iter().map(|s| calibration.apply(*s)).collect();
        let all: Vec<usize> = (0..table.rows.len()).collect();
        let (encoding, estimator) = fit_one(chosen, table, &all, p)?;
        let manifest = OutreachManifest {
            format_version: FORMAT_VERSION,
            name: p.name.clone(),
            kind: KIND.into(),
            backend: chosen,
            model_version: String::new(),
            created_at: Utc::now(),
            instrada_version: env!("CARGO_PKG_VERSION").into(),
            features: FeatureSet::new(table.defs.clone(), spec.cloned()),
            encoding,
            label,
            training_data: TrainingInfo {
                source: table.source.clone(),
                sha256: table.sha256.clone(),
                rows: table.rows.len(),
                positives: pos,
                notes: table.notes.clone(),
            },
            calibration,
            flag_threshold: best_f1_threshold(&probs, &table.labels),
            validation: Validation {
                method: format!(
                    "{}-fold stratified cross-validation (seed {}), out-of-fold predictions",
                    p.folds, p.seed
                ),
                candidates,
                chosen,
            },
            hyperparameters: Hyperparameters {
                folds: p.folds,
                seed: p.seed,
                logistic: p.logistic,
                trees: p.trees,
            },
            files: BTreeMap::new(),
            onnx: None,
        };
        Ok(NativeModel::new(manifest, estimator))
    }
}

#[cfg(test)]
#[path = "train_tests.rs"]
mod tests;
