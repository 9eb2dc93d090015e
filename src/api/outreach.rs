//! Proactive outreach over HTTP: `GET /v1/outreach` (the ranked list), `POST /v1/outreach/score`,
//! `POST /v1/outreach/run`, `POST /v1/outreach/{flag_id}/review`, `POST /v1/outreach/optout`,
//! `POST /v1/outreach/reveal` and `GET /v1/outreach/report`. Every answer is labelled advisory: a score is advice for a case
//! worker, and a person decides.
//!
//! The work, its rules and its messages are [`crate::ops::outreach`]'s (the same for `instrada
//! outreach …`); the scoring run is a job of [`crate::jobs`]. These handlers translate HTTP into
//! one call of them, and the types here are schema mirrors of the operations' inputs and answers
//! for OpenAPI (never built; tests check the fields are the same).

use super::auth::Authenticated;
use super::error::{ApiError, ErrorBody};
use super::events::EventIn;
use super::extract::{ApiJson, ApiQuery};
use super::state::AppState;
use crate::ops;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

pub mod review;

pub use review::{
    GroupOut, OptOutAck, OptOutRequest, ReportOut, RevealOut, RevealRequest, ReviewOut,
    ReviewRequest, optout, report, reveal, review,
};

/// A reason's value: a number or a category.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
#[serde(untagged)]
pub enum ReasonValue {
    /// A number.
    Number(f64),
    /// A category.
    Category(String),
}

/// The outreach routes but the scoring run (a job: see `api::build_router`); histories are large,
/// so they take the batch body limit.
pub fn routes(server: &crate::config::ServerSettings) -> Router<AppState> {
    Router::new()
        .route("/v1/outreach", get(list))
        .route("/v1/outreach/score", post(score))
        .route("/v1/outreach/report", get(report))
        .route("/v1/outreach/optout", post(optout))
        .route("/v1/outreach/reveal", post(reveal))
        .route("/v1/outreach/{flag_id}/review", post(review))
        .layer(axum::extract::DefaultBodyLimit::max(
            server.max_batch_body_bytes,
        ))
}

// The schema of the operation's answer or input (never built).
/// One reason a score is high.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
pub struct ReasonOut {
    /// The feature.
    pub feature: String,
    /// Its value (a number, a category or null).
    #[schema(value_type = Option<ReasonValue>)]
    pub value: serde_json::Value,
    /// How much it raised the log-odds.
    pub contribution: f64,
    /// In Italian.
    pub it: String,
    /// In English.
    pub en: String,
}

// The schema of the operation's answer or input (never built).
/// A stored score.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
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

// The schema of the operation's answer or input (never built).
/// The ranked list.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
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

// The parameters of [`ops::outreach::ListQuery`], for OpenAPI.
/// What `GET /v1/outreach` takes.
#[derive(Deserialize, IntoParams)]
#[allow(dead_code)] // a schema only
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Most flags (1 to 1000). Default 50.
    pub limit: Option<usize>,
    /// Lowest score, in [0, 1]. Default `[outreach] min_score`, else 0 (every flagged citizen).
    pub min_score: Option<f64>,
    /// Only citizens whose last contact was handled by this queue.
    pub queue: Option<String>,
}

/// The outreach model serving, or why none is.
pub(super) fn model(state: &AppState) -> ops::outreach::ModelSlot {
    state.registry.outreach()
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
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<ops::outreach::ListQuery>,
) -> Result<Json<ops::outreach::OutreachList>, ApiError> {
    Ok(Json(
        ops::outreach::list(&state.service, &model(&state), q, &actor).await?,
    ))
}

// The schema of the operation's answer or input (never built).
/// A history or a feature row to score.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
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

// The schema of the operation's answer or input (never built).
/// A score, stored with its model version and inputs hash.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
pub struct ScoreResponse {
    /// Always true: advice, not a decision.
    pub advisory: bool,
    /// "advice for a case worker; a person decides".
    pub note: String,
    /// The score as stored.
    pub flag: FlagOut,
}

/// Scores a supplied history or feature row (advice only); the score is stored, the history is not.
///
/// A history is one citizen's: events that name different citizens are refused with 422
/// `invalid_request` (a rule across events, which JSON Schema cannot state).
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
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<ops::outreach::ScoreRequest>,
) -> Result<Json<ops::outreach::ScoreResponse>, ApiError> {
    Ok(Json(
        ops::outreach::score(&state.service, &model(&state), req, &actor).await?,
    ))
}

// The schema of [`crate::jobs::run::RunOut`] (never built).
/// What a scoring run did.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
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

/// Scores every citizen in the store who has not opted out, off the request path.
#[utoipa::path(post, path = "/v1/outreach/run", tag = "outreach",
    responses(
        (status = 200, description = "Every citizen scored and stored", body = RunOut),
        (status = 503, description = "`not_ready` (no outreach model), `store_unavailable`", body = ErrorBody),
    ))]
pub async fn run(
    State(state): State<AppState>,
) -> Result<Json<crate::jobs::run::RunOut>, ApiError> {
    let out = crate::jobs::run::run_now(&state.jobs, &state.service, &model(&state)).await?;
    Ok(Json(out))
}
