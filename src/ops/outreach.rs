//! Proactive outreach, advice for a case worker: the ranked list ([`list`]), the score of a
//! supplied history or feature row ([`score`]), and in `review.rs` a case worker's review
//! ([`review`]), a citizen's opt-out ([`optout`]) and the fairness report ([`report`]); in
//! `reveal.rs` whom a flag is about ([`reveal`]: the sealed reference, opened). The
//! scoring run over the whole store is a job ([`crate::jobs`]).
//!
//! Every answer is labelled advisory: a score is advice, and a person decides. Without an
//! outreach model, scoring is `not_ready` saying how to train one; the list, the reviews, the
//! report and opt-outs keep working on what is stored. `citizen_id` is pseudonymised before
//! anything is stored, and no citizen's id or pseudonym is ever logged. Every one of these
//! operations writes the access log (who, when, what, how many citizens) before it answers.

mod reveal;
mod review;

pub use reveal::{MAX_REASON_CHARS, RevealOut, RevealRequest, reveal};
pub use review::{
    MAX_NOTE_CHARS, MAX_REVIEWER_CHARS, OptOutAck, OptOutRequest, ReportOut, ReviewOut,
    ReviewRequest, optout, report, review,
};

/// What the access log calls each outreach operation.
pub const ACCESS_ACTIONS: [&str; 6] = [
    "outreach.list",
    "outreach.reveal",
    "outreach.score",
    "outreach.report",
    "outreach.review",
    "outreach.optout",
];

use super::actor::Actor;
use super::decode::Input;
use super::error::{OpError, quote};
use super::events::{EventIn, MAX_EVENTS, Origin};
use super::service::Service;
use crate::access::Scope;
use crate::outreach::flags::{self, ADVISORY_NOTE, RunSpec};
use crate::outreach::{FeatureRow, History, Kind, OutreachError, OutreachModel, Reason, Value};
use crate::store::HistoryEvent;
use crate::store::outreach::{self as rec, FlagQuery, FlagRecord};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use uuid::Uuid;

/// What a key needs for these operations.
pub const SCOPE: Scope = Scope::Caseworker;

/// Most flags in one list.
pub const MAX_LIMIT: usize = 1_000;

/// The outreach model serving, or why there is none (the registry's outreach slot).
pub type ModelSlot = Result<Arc<dyn OutreachModel>, String>;

/// A stored score.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flag {
    /// Its id, for the review.
    pub flag_id: Uuid,
    /// The citizen's pseudonym; none for a scored feature row.
    pub citizen: Option<String>,
    /// Calibrated probability of the model's label.
    pub score: f64,
    /// Whether it reaches the model's threshold.
    pub flagged: bool,
    /// The main factors, largest first, in Italian and English.
    pub reasons: Vec<Reason>,
    /// The last contact (deadline notices aside).
    pub last_contact: Option<DateTime<Utc>>,
    /// The queue of the last contact.
    pub queue: Option<String>,
    /// The channel of the last contact.
    pub channel: Option<String>,
    /// The model that scored.
    pub model_version: String,
    /// SHA-256 of the feature row scored.
    pub inputs_sha256: String,
    /// When it was scored.
    pub scored_at: DateTime<Utc>,
    /// The time its features were computed as of.
    pub as_of: DateTime<Utc>,
    /// The latest event it saw.
    pub evidence_at: Option<DateTime<Utc>>,
    /// `open`, `contacted`, `dismissed` or `not_needed`.
    pub status: String,
}

impl From<FlagRecord> for Flag {
    fn from(r: FlagRecord) -> Self {
        Self {
            reasons: flags::reasons(&r),
            flag_id: r.flag_id,
            citizen: r.citizen,
            score: r.score,
            flagged: r.flagged,
            last_contact: r.last_contact,
            queue: r.queue,
            channel: r.channel,
            model_version: r.model_version,
            inputs_sha256: r.inputs_sha256,
            scored_at: r.scored_at,
            as_of: r.as_of,
            evidence_at: r.evidence_at,
            status: r.status,
        }
    }
}

/// The ranked list.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutreachList {
    /// Always true: advice, not a decision.
    pub advisory: bool,
    /// "advice for a case worker; a person decides".
    pub note: String,
    /// The model serving now (the flags carry the one that scored them).
    pub model_version: Option<String>,
    /// The lowest score listed.
    pub min_score: f64,
    /// Citizens to consider contacting, highest score first.
    pub flags: Vec<Flag>,
}

/// What the list takes.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    /// Most flags (1 to 1000). Default 50.
    pub limit: Option<usize>,
    /// Lowest score, in [0, 1]. Default `[outreach] min_score`, else 0.
    pub min_score: Option<f64>,
    /// Only citizens whose last contact was handled by this queue.
    pub queue: Option<String>,
}

/// The version of the model serving, if any.
fn version(model: &ModelSlot) -> Option<String> {
    model
        .as_ref()
        .ok()
        .map(|m| m.manifest().model_version.clone())
}

/// Citizens a case worker may contact first: the flagged ones of the latest run, highest score
/// first; a reviewed one only after new evidence.
pub async fn list(
    svc: &Service,
    model: &ModelSlot,
    q: ListQuery,
    actor: &Actor,
) -> Result<OutreachList, OpError> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(OpError::invalid(format!(
            "`limit` must be between 1 and {MAX_LIMIT}, not {limit}"
        )));
    }
    let min_score = q
        .min_score
        .or(svc.settings.outreach.min_score)
        .unwrap_or(0.0);
    if !(0.0..=1.0).contains(&min_score) {
        return Err(OpError::invalid(format!(
            "`min_score` must be between 0 and 1, not {min_score}"
        )));
    }
    let fq = FlagQuery {
        limit,
        min_score,
        queue: q.queue.filter(|s| !s.trim().is_empty()),
    };
    let detail = format!(
        "limit={limit} min_score={min_score}{}",
        fq.queue
            .as_deref()
            .map(|q| format!(" queue={}", quote(q, 64)))
            .unwrap_or_default()
    );
    let rows = svc.read(move |p| rec::list_flags(p, &fq)).await?;
    let citizens = rows.iter().filter(|r| r.citizen.is_some()).count();
    svc.record_access(actor, "outreach.list", citizens, Some(detail))
        .await?;
    Ok(OutreachList {
        advisory: true,
        note: ADVISORY_NOTE.into(),
        model_version: version(model),
        min_score,
        flags: rows.into_iter().map(Flag::from).collect(),
    })
}

/// A history or a feature row to score.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreRequest {
    /// A citizen's contact events, as `POST /v1/events` takes them (one citizen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<EventIn>>,
    /// A feature row by name (numbers, categories, null for missing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<serde_json::Map<String, serde_json::Value>>,
    /// Score as of this time (history only). Default now; not in the future.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<DateTime<Utc>>,
}

impl Input for ScoreRequest {
    const REQUIRED: &'static [&'static str] = &[];
}

/// A score, stored with its model version and inputs hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScoreResponse {
    /// Always true: advice, not a decision.
    pub advisory: bool,
    /// "advice for a case worker; a person decides".
    pub note: String,
    /// The score as stored.
    pub flag: Flag,
}

/// The model, or `not_ready` with the reason (how to train one).
fn serving(model: &ModelSlot) -> Result<Arc<dyn OutreachModel>, OpError> {
    model.clone().map_err(|reason| OpError::NotReady { reason })
}

/// A model that failed on a row is the service's fault (internal, the cause logged); anything
/// else (a table model given a history) is the request's.
fn scoring_error(e: OutreachError) -> OpError {
    match e {
        OutreachError::Scoring { .. } => OpError::internal(e.to_string()),
        other => OpError::invalid(other.to_string()),
    }
}

/// Scores a supplied history or feature row (advice only); the score is stored, the history is
/// not. A citizen who opted out is never scored.
pub async fn score(
    svc: &Service,
    model: &ModelSlot,
    req: ScoreRequest,
    actor: &Actor,
) -> Result<ScoreResponse, OpError> {
    let model = serving(model)?;
    let now = Utc::now();
    let as_of = req.as_of.unwrap_or(now);
    if as_of > now + TimeDelta::minutes(10) {
        return Err(OpError::invalid("`as_of` is in the future"));
    }
    let assessed = match (req.history, req.features) {
        (Some(events), None) => {
            let (citizen, history) = history_of(svc, events, now)?;
            if let Some(c) = citizen.clone()
                && svc.read(move |p| rec::is_opted_out(p, &c)).await?
            {
                return Err(OpError::OptedOut);
            }
            let spec = RunSpec {
                as_of,
                fairness_attributes: svc.settings.outreach.fairness_attributes.clone(),
            };
            flags::assess_history(&*model, citizen.as_deref(), &history, &spec, now)
                .map_err(scoring_error)?
        }
        (None, Some(map)) => flags::assess_row(&*model, &feature_row(&*model, map)?, as_of, now)
            .map_err(scoring_error)?,
        _ => {
            return Err(OpError::invalid(
                "give exactly one of `history` (events) and `features` (a feature row)",
            ));
        }
    };
    let record = assessed.record;
    svc.store
        .save_flags(vec![record.clone()])
        .await
        .map_err(|e| svc.unavailable(e))?;
    let citizens = usize::from(record.citizen.is_some());
    svc.record_access(
        actor,
        "outreach.score",
        citizens,
        Some(format!("flag {}", record.flag_id)),
    )
    .await?;
    Ok(ScoreResponse {
        advisory: true,
        note: ADVISORY_NOTE.into(),
        flag: record.into(),
    })
}

fn feature_row(
    model: &dyn OutreachModel,
    map: serde_json::Map<String, serde_json::Value>,
) -> Result<FeatureRow, OpError> {
    let defs = &model.manifest().features.definitions;
    let mut row = FeatureRow::default();
    for (name, v) in map {
        let Some(def) = defs.iter().find(|d| d.name == name) else {
            let known: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
            return Err(OpError::invalid(format!(
                "`features.{}` is not a feature of the model (its features: {})",
                quote(&name, 64),
                known.join(", ")
            )));
        };
        let value = match (def.kind, v) {
            (_, serde_json::Value::Null) => Value::Missing,
            (Kind::Numeric, serde_json::Value::Number(n)) => Value::Num(n.as_f64().unwrap_or(0.0)),
            (Kind::Categorical, serde_json::Value::String(s)) => Value::Cat(s),
            (Kind::Categorical, serde_json::Value::Number(n)) => Value::Cat(n.to_string()),
            (kind, _) => {
                return Err(OpError::invalid(format!(
                    "`features.{name}` must be {} or null",
                    if kind == Kind::Numeric {
                        "a number"
                    } else {
                        "a string"
                    }
                )));
            }
        };
        row.set(name, value);
    }
    Ok(row)
}

/// The events of `history` as the features read them, and their one citizen's pseudonym.
fn history_of(
    svc: &Service,
    events: Vec<EventIn>,
    now: DateTime<Utc>,
) -> Result<(Option<String>, History), OpError> {
    if events.len() > MAX_EVENTS {
        return Err(OpError::invalid(format!(
            "`history` has {} events, more than {MAX_EVENTS}",
            events.len(),
        )));
    }
    let mut citizen: Option<String> = None;
    let mut out = Vec::with_capacity(events.len());
    for (i, e) in events.into_iter().enumerate() {
        let r = e
            .parse(&svc.pseudonyms, None, Origin::Api, now)
            .map_err(|why| OpError::invalid(format!("history[{i}]: {why}")))?;
        if let Some(c) = &r.citizen {
            if citizen.as_ref().is_some_and(|seen| seen != c) {
                return Err(OpError::invalid(format!(
                    "history[{i}]: a history is one citizen's: every `citizen_id` must be the same"
                )));
            }
            citizen = Some(c.clone());
        }
        out.push(HistoryEvent {
            occurred_at: r.occurred_at,
            channel: r.channel,
            queue: r.queue,
            topic: r.topic,
            urgency: r.urgency,
            outcome: r.outcome,
            attributes: r.attributes,
        });
    }
    Ok((citizen, History::new(out)))
}
