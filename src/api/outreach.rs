//! Proactive outreach over HTTP: `GET /v1/outreach` (the ranked list), `POST /v1/outreach/score`,
//! `POST /v1/outreach/run`, `POST /v1/outreach/{flag_id}/review`, `POST /v1/outreach/optout` and
//! `GET /v1/outreach/report`. Every answer is labelled advisory: a score is advice for a case
//! worker, and a person decides.
//!
//! The work is [`crate::outreach::flags`] and the store's records; these handlers translate HTTP
//! into one call of them. Scoring the whole store runs on a blocking thread (seconds), on
//! `[outreach] schedule` and on `POST /v1/outreach/run`, never per listing. Without an outreach
//! model, scoring answers 503 `not_ready` saying how to train one; the list, the reviews, the
//! report and opt-outs keep working on what is stored. `citizen_id` is pseudonymised before
//! anything is stored, and no citizen's id or pseudonym is ever logged.

use super::error::{ApiError, ErrorBody};
use super::events::EventIn;
use super::extract::{ApiJson, ApiQuery};
use super::state::{AppState, Job};
use crate::outreach::flags::{self, ADVISORY_NOTE, RunSpec};
use crate::outreach::{FeatureRow, History, Kind, OutreachError, OutreachModel, Value};
use crate::store::outreach::{self as rec, FlagQuery, FlagRecord};
use crate::store::{HistoryEvent, StoreError};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

pub mod review;

pub use review::{
    GroupOut, OptOutAck, OptOutRequest, ReportOut, ReviewOut, ReviewRequest, optout, report, review,
};

/// Most flags in one list.
const MAX_LIMIT: usize = 1_000;

/// The outreach routes; histories are large, so they take the batch body limit.
pub fn routes(server: &crate::config::ServerSettings) -> Router<AppState> {
    Router::new()
        .route("/v1/outreach", get(list))
        .route("/v1/outreach/score", post(score))
        .route("/v1/outreach/run", post(run))
        .route("/v1/outreach/report", get(report))
        .route("/v1/outreach/optout", post(optout))
        .route("/v1/outreach/{flag_id}/review", post(review))
        .layer(axum::extract::DefaultBodyLimit::max(
            server.max_batch_body_bytes,
        ))
}

/// One reason a score is high.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReasonOut {
    /// The feature.
    pub feature: String,
    /// Its value (a number, a category or null).
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
    /// How much it raised the log-odds.
    pub contribution: f64,
    /// In Italian.
    pub it: String,
    /// In English.
    pub en: String,
}

/// A stored score.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FlagOut {
    /// Its id, for the review.
    pub flag_id: Uuid,
    /// The citizen's pseudonym (the store never holds the id); none for a scored feature row.
    pub citizen: Option<String>,
    /// Calibrated probability of the model's label (e.g. a repeat contact in 30 days).
    pub score: f64,
    /// Whether it reaches the model's threshold.
    pub flagged: bool,
    /// The main factors, largest first, in Italian and English.
    pub reasons: Vec<ReasonOut>,
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

fn flag_out(r: FlagRecord) -> FlagOut {
    let reasons = flags::reasons(&r)
        .into_iter()
        .map(|x| ReasonOut {
            feature: x.feature,
            value: serde_json::to_value(&x.value).unwrap_or_default(),
            contribution: x.contribution,
            it: x.it,
            en: x.en,
        })
        .collect();
    FlagOut {
        flag_id: r.flag_id,
        citizen: r.citizen,
        score: r.score,
        flagged: r.flagged,
        reasons,
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

/// The ranked list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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
    pub flags: Vec<FlagOut>,
}

/// What `GET /v1/outreach` takes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Most flags (1 to 1000). Default 50.
    pub limit: Option<usize>,
    /// Lowest score, in [0, 1]. Default `[outreach] min_score`, else 0 (every flagged citizen).
    pub min_score: Option<f64>,
    /// Only citizens whose last contact was handled by this queue.
    pub queue: Option<String>,
}

pub(super) fn model(state: &AppState) -> Result<Arc<dyn OutreachModel>, ApiError> {
    state
        .registry
        .outreach()
        .map_err(|reason| ApiError::NotReady { reason })
}

pub(super) fn unavailable(state: &AppState, e: impl ToString) -> ApiError {
    ApiError::StoreUnavailable {
        retry_after_secs: state.settings.server.retry_after_secs,
        cause: e.to_string(),
    }
}

/// Runs a store read on a blocking thread.
/// A model that failed on a row is the service's fault (500, the cause logged); anything else
/// (a table model given a history) is the request's.
fn scoring_error(e: OutreachError) -> ApiError {
    match e {
        OutreachError::Scoring { .. } => ApiError::Internal {
            cause: e.to_string(),
        },
        other => ApiError::invalid(other.to_string()),
    }
}

pub(super) async fn read<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&std::path::Path) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let path = state.settings.store.path.clone();
    tokio::task::spawn_blocking(move || f(&path))
        .await
        .map_err(|e| ApiError::Internal {
            cause: format!("the store read failed: {e}"),
        })?
        .map_err(|e| unavailable(state, e))
}

/// Citizens a case worker may contact first, ranked, with reasons (advice only).
#[utoipa::path(get, path = "/v1/outreach", tag = "outreach", params(ListQuery),
    responses(
        (status = 200, description = "Flagged citizens of the latest run, highest score first; reviewed ones only after new evidence", body = OutreachList),
        (status = 422, description = "`invalid_request` (limit, min_score)", body = ErrorBody),
        (status = 503, description = "`store_unavailable`", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<OutreachList>, ApiError> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(format!(
            "`limit` must be between 1 and {MAX_LIMIT}, not {limit}"
        )));
    }
    let min_score = q
        .min_score
        .or(state.settings.outreach.min_score)
        .unwrap_or(0.0);
    if !(0.0..=1.0).contains(&min_score) {
        return Err(ApiError::invalid(format!(
            "`min_score` must be between 0 and 1, not {min_score}"
        )));
    }
    let fq = FlagQuery {
        limit,
        min_score,
        queue: q.queue.filter(|s| !s.trim().is_empty()),
    };
    let rows = read(&state, move |p| rec::list_flags(p, &fq)).await?;
    Ok(Json(OutreachList {
        advisory: true,
        note: ADVISORY_NOTE.into(),
        model_version: state
            .registry
            .outreach()
            .ok()
            .map(|m| m.manifest().model_version.clone()),
        min_score,
        flags: rows.into_iter().map(flag_out).collect(),
    }))
}

/// A history or a feature row to score.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreRequest {
    /// A citizen's contact events, as `POST /v1/events` takes them (one citizen; `citizen_id`
    /// is pseudonymised and never stored as sent). Give this or `features`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<EventIn>>,
    /// A feature row by name (numbers, categories, null for missing), e.g. for a table model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub features: Option<serde_json::Map<String, serde_json::Value>>,
    /// Score as of this time (history only). Default now; not in the future.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<DateTime<Utc>>,
}

/// A score, stored with its model version and inputs hash.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScoreResponse {
    /// Always true: advice, not a decision.
    pub advisory: bool,
    /// "advice for a case worker; a person decides".
    pub note: String,
    /// The score as stored.
    pub flag: FlagOut,
}

fn feature_row(
    model: &dyn OutreachModel,
    map: serde_json::Map<String, serde_json::Value>,
) -> Result<FeatureRow, ApiError> {
    let defs = &model.manifest().features.definitions;
    let mut row = FeatureRow::default();
    for (name, v) in map {
        let Some(def) = defs.iter().find(|d| d.name == name) else {
            let known: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
            return Err(ApiError::invalid(format!(
                "`features.{}` is not a feature of the model (its features: {})",
                name.chars().take(64).collect::<String>(),
                known.join(", ")
            )));
        };
        let value = match (def.kind, v) {
            (_, serde_json::Value::Null) => Value::Missing,
            (Kind::Numeric, serde_json::Value::Number(n)) => Value::Num(n.as_f64().unwrap_or(0.0)),
            (Kind::Categorical, serde_json::Value::String(s)) => Value::Cat(s),
            (Kind::Categorical, serde_json::Value::Number(n)) => Value::Cat(n.to_string()),
            (kind, _) => {
                return Err(ApiError::invalid(format!(
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
    state: &AppState,
    events: Vec<EventIn>,
    now: DateTime<Utc>,
) -> Result<(Option<String>, History), ApiError> {
    if events.len() > super::events::MAX_EVENTS {
        return Err(ApiError::invalid(format!(
            "`history` has {} events, more than {}",
            events.len(),
            super::events::MAX_EVENTS
        )));
    }
    let mut citizen: Option<String> = None;
    let mut out = Vec::with_capacity(events.len());
    for (i, e) in events.into_iter().enumerate() {
        let r = e
            .parse(&state.pseudonyms, "api", now)
            .map_err(|why| ApiError::invalid(format!("history[{i}]: {why}")))?;
        if let Some(c) = &r.citizen {
            if citizen.as_ref().is_some_and(|seen| seen != c) {
                return Err(ApiError::invalid(format!(
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

/// Scores a supplied history or feature row (advice only); the score is stored, the history is not.
#[utoipa::path(post, path = "/v1/outreach/score", tag = "outreach", request_body = ScoreRequest,
    responses(
        (status = 200, description = "The score with its reasons, as stored", body = ScoreResponse),
        (status = 400, description = "`malformed_json`", body = ErrorBody),
        (status = 409, description = "`opted_out`: the citizen opted out and is never scored", body = ErrorBody),
        (status = 422, description = "`invalid_request` (neither or both of history and features, a bad event, an unknown feature, a future as_of)", body = ErrorBody),
        (status = 503, description = "`not_ready` (no outreach model), `store_unavailable`", body = ErrorBody),
    ))]
pub async fn score(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ScoreRequest>,
) -> Result<Json<ScoreResponse>, ApiError> {
    let model = model(&state)?;
    let now = Utc::now();
    let as_of = req.as_of.unwrap_or(now);
    if as_of > now + TimeDelta::minutes(10) {
        return Err(ApiError::invalid("`as_of` is in the future"));
    }
    let assessed = match (req.history, req.features) {
        (Some(events), None) => {
            let (citizen, history) = history_of(&state, events, now)?;
            if let Some(c) = citizen.clone()
                && read(&state, move |p| rec::is_opted_out(p, &c)).await?
            {
                return Err(ApiError::OptedOut);
            }
            let spec = RunSpec {
                as_of,
                fairness_attributes: state.settings.outreach.fairness_attributes.clone(),
            };
            flags::assess_history(&*model, citizen.as_deref(), &history, &spec, now)
                .map_err(scoring_error)?
        }
        (None, Some(map)) => flags::assess_row(&*model, &feature_row(&*model, map)?, as_of, now)
            .map_err(scoring_error)?,
        _ => {
            return Err(ApiError::invalid(
                "give exactly one of `history` (events) and `features` (a feature row)",
            ));
        }
    };
    let record = assessed.record;
    state
        .store
        .save_flags(vec![record.clone()])
        .await
        .map_err(|e| unavailable(&state, e))?;
    Ok(Json(ScoreResponse {
        advisory: true,
        note: ADVISORY_NOTE.into(),
        flag: flag_out(record),
    }))
}

/// What a scoring run did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RunOut {
    /// Always true: advice, not a decision.
    pub advisory: bool,
    /// "advice for a case worker; a person decides".
    pub note: String,
    /// When it scored.
    pub scored_at: DateTime<Utc>,
    /// Features as of.
    pub as_of: DateTime<Utc>,
    /// Citizens scored and stored.
    pub scored: usize,
    /// Of those, flagged.
    pub flagged: usize,
    /// Citizens left out: they opted out.
    pub opted_out: usize,
    /// The model.
    pub model_version: String,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// Scores every citizen in the store (on a blocking thread), after the run going (if any).
pub async fn run_now(state: &AppState) -> Result<RunOut, ApiError> {
    let model = model(state)?;
    let running = state.start(Job::OutreachRun).await;
    run_holding(state, model, running).await
}

/// Scores every citizen unless a run is going (`None`): for the `[outreach] schedule`.
pub async fn run_if_idle(state: &AppState) -> Option<Result<RunOut, ApiError>> {
    let model = match model(state) {
        Ok(m) => m,
        Err(e) => return Some(Err(e)),
    };
    let running = state.try_start(Job::OutreachRun)?;
    Some(run_holding(state, model, running).await)
}

/// The run, with `running` held until the scoring ends.
async fn run_holding(
    state: &AppState,
    model: Arc<dyn OutreachModel>,
    running: tokio::sync::OwnedMutexGuard<()>,
) -> Result<RunOut, ApiError> {
    let task = state.clone();
    let spec = RunSpec {
        as_of: Utc::now(),
        fairness_attributes: state.settings.outreach.fairness_attributes.clone(),
    };
    let s = tokio::task::spawn_blocking(move || {
        let _running = running;
        flags::run(&task.store, &*model, &spec)
    })
    .await
    .map_err(|e| ApiError::Internal {
        cause: format!("the outreach run failed: {e}"),
    })?
    .map_err(|e| unavailable(state, e))?;
    tracing::info!(
        scored = s.scored,
        flagged = s.flagged,
        opted_out = s.opted_out,
        seconds = s.seconds,
        "outreach scoring run"
    );
    Ok(RunOut {
        advisory: true,
        note: ADVISORY_NOTE.into(),
        scored_at: s.scored_at,
        as_of: s.as_of,
        scored: s.scored,
        flagged: s.flagged,
        opted_out: s.opted_out,
        model_version: s.model_version,
        seconds: s.seconds,
    })
}

/// Scores every citizen in the store who has not opted out, off the request path.
#[utoipa::path(post, path = "/v1/outreach/run", tag = "outreach",
    responses(
        (status = 200, description = "Every citizen scored and stored", body = RunOut),
        (status = 503, description = "`not_ready` (no outreach model), `store_unavailable`", body = ErrorBody),
    ))]
pub async fn run(State(state): State<AppState>) -> Result<Json<RunOut>, ApiError> {
    run_now(&state).await.map(Json)
}

/// Scores the store at each `[outreach] schedule` time, while the service runs.
pub async fn run_on_schedule(state: AppState) {
    while let Some(next) = state.settings.outreach.next_run(Utc::now()) {
        let wait = (next - Utc::now()).to_std().unwrap_or_default();
        tokio::time::sleep(wait).await;
        match run_if_idle(&state).await {
            Some(Ok(_)) => {}
            None => tracing::info!("an outreach run is going: the scheduled one is skipped"),
            Some(Err(ApiError::NotReady { reason })) => {
                tracing::info!(%reason, "no scheduled outreach run");
            }
            Some(Err(e)) => tracing::error!(error = %e, "the scheduled outreach run failed"),
        }
    }
}

/// Reloads the outreach model (on SIGHUP, with the routing models).
pub async fn reload(state: &AppState) {
    let task = state.clone();
    match tokio::task::spawn_blocking(move || task.registry.reload_outreach()).await {
        Ok(Ok(version)) => tracing::info!(%version, "outreach model reloaded"),
        Ok(Err(why)) => tracing::warn!(%why, "outreach model not reloaded"),
        Err(e) => tracing::error!(error = %e, "the outreach reload task failed"),
    }
}
