//! `GET /v1/audit/access` (admin): the access log of personal data — who read or changed which
//! outreach data, when, and how many citizens it concerned — through [`crate::ops::audit`], the
//! same reading as `instrada audit access`.

use super::auth::Authenticated;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiQuery;
use super::state::AppState;
use crate::ops;
use crate::store::AccessRecord;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// What `GET /v1/audit/access` takes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessQuery {
    /// From this time on (RFC 3339).
    pub since: DateTime<Utc>,
    /// Only this actor's (a key's name, or `cli:USER`).
    pub actor: Option<String>,
}

/// The accesses asked for, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessLog {
    /// One per access.
    pub accesses: Vec<AccessRecord>,
}

// The schema of [`AccessLog`] and [`AccessRecord`] (never built).
/// The accesses asked for, oldest first.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(as = AccessLog)]
#[allow(dead_code)] // a schema only
pub struct AccessLogSchema {
    /// One per access.
    pub accesses: Vec<AccessEntry>,
}

/// One access to personal data.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
pub struct AccessEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who: a key's name, or `cli:USER`.
    pub actor: String,
    /// What: `outreach.list`, `outreach.score`, `outreach.report`, `outreach.review`,
    /// `outreach.optout`.
    pub action: String,
    /// How many citizens' data it showed or changed.
    pub citizens: u64,
    /// A detail that identifies nobody (a flag id, the list's query).
    pub detail: Option<String>,
}

/// Who accessed citizens' outreach data, from a time on.
#[utoipa::path(get, path = "/v1/audit/access", tag = "audit", params(AccessQuery),
    responses(
        (status = 200, description = "The accesses, oldest first", body = AccessLogSchema),
        (status = 422, description = "`invalid_request` (since)", body = ErrorBody),
        (status = 503, description = "`store_unavailable`", body = ErrorBody),
    ))]
pub async fn access(
    State(state): State<AppState>,
    Authenticated(_by): Authenticated,
    ApiQuery(q): ApiQuery<AccessQuery>,
) -> Result<Json<AccessLog>, ApiError> {
    let accesses = ops::audit::access(&state.service, q.since, q.actor).await?;
    Ok(Json(AccessLog { accesses }))
}
