//! Training tables from the store: every citizen's history read once, the features as of a time
//! and a label from the 30 days after ([`store_table`]); and the time-based backtest
//! ([`backtest`]): train on the past, predict the following 30 days.

use super::OutreachError;
use super::eval::Metrics;
use super::features::{FeatureSpec, History, LABEL_DAYS, OutreachLabel, features};
use super::manifest::{LabelInfo, OutreachManifest};
use super::model::{NativeModel, OutreachModel};
use super::table::Table;
use super::train::ValidParams;
use crate::digest::sha256_hex;
use crate::store::HistoryReader;
use crate::store::Location;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The table of every citizen with a contact in the year up to `as_of`: features as of `as_of`,
/// `label` in `(as_of, as_of + 30 days]`, ids the pseudonyms. Citizens first seen later are
/// not in it (nothing was known of them at `as_of`).
pub fn store_table(
    store: &Location,
    as_of: DateTime<Utc>,
    label: OutreachLabel,
    spec: &FeatureSpec,
) -> Result<Table, OutreachError> {
    let reader = HistoryReader::open(store)?;
    let from = as_of - Duration::days(365);
    let mut t = Table {
        defs: spec.definitions(),
        rows: Vec::new(),
        labels: Vec::new(),
        ids: Vec::new(),
        source: format!("store {} as of {}", store, as_of.to_rfc3339()),
        sha256: String::new(),
        notes: Vec::new(),
    };
    let mut digest = String::new();
    reader.each_citizen(as_of + Duration::days(LABEL_DAYS), |citizen, events| {
        let h = History::new(events);
        if !h
            .events
            .iter()
            .any(|e| e.occurred_at > from && e.occurred_at <= as_of)
        {
            return Ok::<_, OutreachError>(());
        }
        let y = label.happens(&h, as_of);
        t.rows.push(features(&h, as_of, spec));
        t.labels.push(y);
        digest.push_str(&format!("{citizen},{}\n", u8::from(y)));
        t.ids.push(citizen.to_string());
        Ok(())
    })?;
    t.sha256 = sha256_hex(digest);
    Ok(t)
}

/// What the backtest measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestReport {
    /// The label.
    pub label: OutreachLabel,
    /// Training features as of this time (labels up to `cutoff`).
    pub train_as_of: DateTime<Utc>,
    /// Test features as of this time (labels in the 30 days after).
    pub cutoff: DateTime<Utc>,
    /// Training rows.
    pub train_rows: usize,
    /// Training positives.
    pub train_positives: usize,
    /// Quality of the model's scores on the following 30 days.
    pub metrics: Metrics,
    /// Citizens flagged (probability at or above the threshold).
    pub flagged: usize,
    /// Share of flagged citizens for whom the label happened.
    pub flag_precision: f64,
    /// The model trained on the past (its manifest has both candidates' cross-validation).
    pub model: OutreachManifest,
}

/// Trains on features as of `cutoff − 30 days` (labels up to `cutoff`), then scores every citizen
/// as of `cutoff` and measures against what happened in the 30 days after. Nothing the model or
/// its features see lies after `cutoff`.
pub fn backtest(
    store: &Location,
    cutoff: DateTime<Utc>,
    label: OutreachLabel,
    spec: &FeatureSpec,
    params: &ValidParams,
) -> Result<(BacktestReport, NativeModel), OutreachError> {
    let train_as_of = cutoff - Duration::days(LABEL_DAYS);
    let train = store_table(store, train_as_of, label, spec)?;
    let info = LabelInfo {
        name: label.as_str().into(),
        positive: None,
        as_of: Some(train_as_of),
    };
    let model = params.fit(&train, Some(spec), info)?;
    let test = store_table(store, cutoff, label, spec)?;
    let probs: Vec<f64> = test.rows.iter().map(|r| model.probability(r)).collect();
    let threshold = model.manifest().flag_threshold;
    let flagged: Vec<bool> = probs.iter().map(|p| *p >= threshold).collect();
    let hits = flagged
        .iter()
        .zip(&test.labels)
        .filter(|(f, y)| **f && **y)
        .count();
    let n_flagged = flagged.iter().filter(|f| **f).count();
    let report = BacktestReport {
        label,
        train_as_of,
        cutoff,
        train_rows: train.rows.len(),
        train_positives: train.positives(),
        metrics: Metrics::of(&probs, &test.labels),
        flagged: n_flagged,
        flag_precision: if n_flagged == 0 {
            0.0
        } else {
            hits as f64 / n_flagged as f64
        },
        model: model.manifest().clone(),
    };
    Ok((report, model))
}

/// The time of the latest event with a citizen in the store (the default backtest cutoff is 30
/// days before it, so that the last 30 days are the test window).
pub fn latest_event(store: &Location) -> Result<Option<DateTime<Utc>>, OutreachError> {
    Ok(HistoryReader::open(store)?.latest()?)
}
