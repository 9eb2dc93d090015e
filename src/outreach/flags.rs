//! Flags: scores turned into stored advice for case workers, the one place the API and the CLI
//! call for scoring runs, ad hoc scores, reviews, opt-outs and the fairness report. Knows no
//! HTTP; the store keeps the records ([`crate::store::outreach`]).
//!
//! A scoring run ([`run`]) reads every citizen's history up to "as of" once, in pseudonym order,
//! skips the citizens who opted out (they are never scored), and stores every score with its
//! model version, the SHA-256 of its feature row, the last contact and the latest event it saw
//! (the evidence a later review is weighed against). It runs off the request path and writes in
//! chunks, so memory stays flat however many citizens the store holds.

use super::OutreachError;
use super::features::{History, NOTICE_OUTCOME, features};
use super::model::{OutreachModel, Score};
use super::reasons::Reason;
use super::row::FeatureRow;
use crate::digest::sha256_hex;
use crate::store::outreach::{self as rec, FlagRecord, GroupRow};
use crate::store::{HistoryReader, Store};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Instant;
use uuid::Uuid;

/// The note every answer carries: the score advises, a person decides.
pub const ADVISORY_NOTE: &str = "advice for a case worker; a person decides";
/// Scores written per store job during a run.
const CHUNK: usize = 5_000;
/// The group every report has besides the channel and the configured attributes.
pub const LANGUAGE: &str = "language";

/// What a run does.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    /// Features as of this time (events after it are not read).
    pub as_of: DateTime<Utc>,
    /// Attributes the report groups by.
    pub fairness_attributes: Vec<String>,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// When it scored (every score of the run carries this time).
    pub scored_at: DateTime<Utc>,
    /// Features as of.
    pub as_of: DateTime<Utc>,
    /// Citizens scored and stored.
    pub scored: usize,
    /// Of those, flagged.
    pub flagged: usize,
    /// Citizens left out because they opted out.
    pub opted_out: usize,
    /// The model.
    pub model_version: String,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// SHA-256 of a feature row's JSON (names sorted): the hash stored with its score.
pub fn inputs_sha256(row: &FeatureRow) -> String {
    sha256_hex(serde_json::to_vec(row).unwrap_or_default())
}

/// A score and what it was computed from, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessed {
    /// The score with reasons.
    pub score: Score,
    /// The record to store.
    pub record: FlagRecord,
}

/// The fields of a record that come from the citizen's history.
fn from_history<'h>(
    history: &'h History,
    as_of: DateTime<Utc>,
    attributes: &[String],
) -> (
    Option<DateTime<Utc>>,
    Option<&'h crate::store::HistoryEvent>,
    BTreeMap<String, String>,
) {
    let end = history.events.partition_point(|e| e.occurred_at <= as_of);
    let past = &history.events[..end];
    let evidence = past.last().map(|e| e.occurred_at);
    let last = past
        .iter()
        .rev()
        .find(|e| e.outcome.as_deref() != Some(NOTICE_OUTCOME));
    let mut groups = BTreeMap::new();
    for a in std::iter::once(LANGUAGE).chain(attributes.iter().map(String::as_str)) {
        if let Some(v) = past.iter().rev().find_map(|e| e.attributes.get(a)) {
            groups.insert(a.to_string(), v.clone());
        }
    }
    (evidence, last, groups)
}

/// Scores `row` and builds its record (no history: no last contact, no evidence).
pub fn assess_row(
    model: &dyn OutreachModel,
    row: &FeatureRow,
    as_of: DateTime<Utc>,
    scored_at: DateTime<Utc>,
) -> Result<Assessed, OutreachError> {
    let score = model.score(row)?;
    let record = FlagRecord {
        flag_id: Uuid::now_v7(),
        citizen: None,
        source: rec::SOURCE_REQUEST.into(),
        scored_at,
        as_of,
        score: score.probability,
        flagged: score.flagged,
        reasons_json: serde_json::to_string(&score.reasons).unwrap_or_else(|_| "[]".into()),
        model_version: score.model_version.clone(),
        inputs_sha256: inputs_sha256(row),
        last_contact: None,
        queue: None,
        channel: None,
        groups: BTreeMap::new(),
        status: rec::OPEN.into(),
        evidence_at: None,
    };
    Ok(Assessed { score, record })
}

/// Scores `citizen`'s `history` as of `as_of` with the model's own feature spec.
pub fn assess_history(
    model: &dyn OutreachModel,
    citizen: Option<&str>,
    history: &History,
    spec: &RunSpec,
    scored_at: DateTime<Utc>,
) -> Result<Assessed, OutreachError> {
    let fs = model.manifest().history_spec()?;
    let row = features(history, spec.as_of, fs);
    let mut a = assess_row(model, &row, spec.as_of, scored_at)?;
    let (evidence, last, groups) = from_history(history, spec.as_of, &spec.fairness_attributes);
    a.record.citizen = citizen.map(str::to_string);
    a.record.evidence_at = evidence;
    a.record.last_contact = last.map(|e| e.occurred_at);
    a.record.queue = last.and_then(|e| e.queue.clone());
    a.record.channel = last.map(|e| e.channel.clone());
    a.record.groups = groups;
    Ok(a)
}

/// Scores every citizen in `store` who has not opted out, and stores each score. Blocking and
/// long (seconds for 100,000 citizens): call it from a blocking thread or the command line.
pub fn run(
    store: &Store,
    model: &dyn OutreachModel,
    spec: &RunSpec,
) -> Result<RunSummary, OutreachError> {
    let started = Instant::now();
    let scored_at = Utc::now();
    let path = store.location();
    let opted = rec::opted_out(path)?;
    let reader = HistoryReader::open(path)?;
    let (mut scored, mut flagged, mut skipped) = (0, 0, 0);
    let mut chunk = Vec::with_capacity(CHUNK);
    reader.each_citizen(spec.as_of, |citizen, events| {
        if opted.contains(citizen) {
            skipped += 1;
            return Ok::<_, OutreachError>(());
        }
        let mut a = assess_history(model, Some(citizen), &History::new(events), spec, scored_at)?;
        a.record.source = rec::SOURCE_RUN.into();
        flagged += usize::from(a.record.flagged);
        scored += 1;
        chunk.push(a.record);
        if chunk.len() >= CHUNK {
            store.save_flags_blocking(std::mem::take(&mut chunk))?;
        }
        Ok(())
    })?;
    if !chunk.is_empty() {
        store.save_flags_blocking(chunk)?;
    }
    Ok(RunSummary {
        scored_at,
        as_of: spec.as_of,
        scored,
        flagged,
        opted_out: skipped,
        model_version: model.manifest().model_version.clone(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The reasons stored with a flag.
pub fn reasons(record: &FlagRecord) -> Vec<Reason> {
    serde_json::from_str(&record.reasons_json).unwrap_or_default()
}

/// Flag rates and review outcomes of one group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupStats {
    /// `channel`, `language` or an attribute.
    pub dimension: String,
    /// The group's value (`unknown` when a citizen has none).
    pub value: String,
    /// Citizens scored (latest run score each).
    pub scored: usize,
    /// Of those, flagged.
    pub flagged: usize,
    /// `flagged / scored`.
    pub flag_rate: f64,
    /// Flags reviewed, all runs.
    pub reviewed: usize,
    /// Reviews that ended `contacted`.
    pub contacted: usize,
    /// Reviews that ended `dismissed`.
    pub dismissed: usize,
    /// Reviews that ended `not_needed`.
    pub not_needed: usize,
}

/// The value of `dimension` in `row`.
fn group_of(row: &GroupRow, dimension: &str) -> String {
    let v = if dimension == "channel" {
        row.channel.clone()
    } else {
        row.groups.get(dimension).cloned()
    };
    v.unwrap_or_else(|| "unknown".into())
}

fn stats<'a>(
    by: &'a mut BTreeMap<String, GroupStats>,
    dimension: &str,
    value: String,
) -> &'a mut GroupStats {
    by.entry(value.clone()).or_insert_with(|| GroupStats {
        dimension: dimension.to_string(),
        value,
        ..GroupStats::default()
    })
}

/// Per group of each dimension (the channel, `language`, then `attributes`): how many citizens
/// were scored and flagged, and how the reviews ended; so that a reviewer can spot unequal
/// treatment. Dimensions with no value at all still show their `unknown` group.
pub fn report(
    scores: &[GroupRow],
    reviewed: &[GroupRow],
    attributes: &[String],
) -> Vec<GroupStats> {
    let dims = ["channel", LANGUAGE]
        .into_iter()
        .map(str::to_string)
        .chain(attributes.iter().cloned());
    let mut out = Vec::new();
    for dim in dims {
        let mut by: BTreeMap<String, GroupStats> = BTreeMap::new();
        for r in scores {
            let g = stats(&mut by, &dim, group_of(r, &dim));
            g.scored += 1;
            g.flagged += usize::from(r.flagged);
        }
        for r in reviewed {
            let g = stats(&mut by, &dim, group_of(r, &dim));
            g.reviewed += 1;
            match r.status.as_str() {
                "contacted" => g.contacted += 1,
                "dismissed" => g.dismissed += 1,
                "not_needed" => g.not_needed += 1,
                _ => {}
            }
        }
        for mut g in by.into_values() {
            g.flag_rate = if g.scored == 0 {
                0.0
            } else {
                g.flagged as f64 / g.scored as f64
            };
            out.push(g);
        }
    }
    out
}
