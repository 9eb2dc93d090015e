//! The human side of outreach: `POST /v1/outreach/{flag_id}/review` (a case worker's decision,
//! who and when, the note redacted), `POST /v1/outreach/optout` (a citizen excluded: never scored
//! again), `POST /v1/outreach/reveal` (whom a flag is about, in the access log) and `GET
//! /v1/outreach/report` (flag rates and review outcomes by group, so that a
//! reviewer can spot unequal treatment). The rules are [`crate::ops::outreach`]'s; the types
//! here are schema mirrors for OpenAPI.

use super::model;
use crate::api::auth::Authenticated;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::ApiJson;
use crate::api::state::AppState;
use crate::ops;
use crate::outreach::flags;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

// The schema of [`ops::outreach::ReviewRequest`] (never built).
/// A case worker's decision on a flag.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `contacted`, `dismissed` or `not_needed`.
    pub status: String,
    /// The case worker's name or staff id as they give it (at most 128 characters): a note; who
    /// recorded the review is the caller's API key, whatever this says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
    /// Why (at most 2000 characters); personal data in it is redacted before it is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

// The schema of [`ops::outreach::ReviewOut`] (never built).
/// A review as recorded.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
pub struct ReviewOut {
    /// Always true: the flag was advice; this is the person's decision.
    pub advisory: bool,
    /// The flag.
    pub flag_id: Uuid,
    /// The decision.
    pub status: String,
    /// The case worker as they named themselves, else who recorded it.
    pub reviewer: String,
    /// Who recorded it: the API key's name.
    pub recorded_by: String,
    /// When.
    pub reviewed_at: DateTime<Utc>,
    /// The note as stored (redacted).
    pub note: Option<String>,
}

/// Records a case worker's decision on a flag: who, when, and a note redacted of personal data.
#[utoipa::path(post, path = "/v1/outreach/{flag_id}/review", tag = "outreach", request_body = ReviewRequest,
    params(("flag_id" = Uuid, Path, description = "The flag's id")),
    responses(
        (status = 201, description = "Recorded; a dismissed or settled flag stays out of the list until new evidence arrives", body = ReviewOut),
        (status = 404, description = "`unknown_flag`", body = ErrorBody),
        (status = 422, description = "`invalid_request` (status, reviewer, note, flag id)", body = ErrorBody),
        (status = 503, description = "`store_unavailable`", body = ErrorBody),
    ))]
pub async fn review(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(flag_id): Path<String>,
    ApiJson(req): ApiJson<ops::outreach::ReviewRequest>,
) -> Result<(StatusCode, Json<ops::outreach::ReviewOut>), ApiError> {
    let out = ops::outreach::review(&state.service, &flag_id, req, &actor).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

// The schema of [`ops::outreach::OptOutRequest`] (never built).
/// A citizen who no longer wants to be scored.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
#[serde(deny_unknown_fields)]
pub struct OptOutRequest {
    /// The citizen's identifier, as in events (pseudonymised, never stored as sent).
    pub citizen_id: String,
    /// Why, if they said (redacted of personal data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

// The schema of [`ops::outreach::OptOutAck`] (never built).
/// An opt-out as recorded.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
pub struct OptOutAck {
    /// Always true: the citizen is never scored from now on, nor listed.
    pub opted_out: bool,
    /// False when they had already opted out.
    pub new: bool,
}

/// Excludes a citizen from outreach: never scored again, never listed.
#[utoipa::path(post, path = "/v1/outreach/optout", tag = "outreach", request_body = OptOutRequest,
    responses(
        (status = 200, description = "Recorded", body = OptOutAck),
        (status = 422, description = "`invalid_request` (empty citizen_id)", body = ErrorBody),
        (status = 503, description = "`store_unavailable`", body = ErrorBody),
    ))]
pub async fn optout(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<ops::outreach::OptOutRequest>,
) -> Result<Json<ops::outreach::OptOutAck>, ApiError> {
    Ok(Json(
        ops::outreach::optout(&state.service, req, &actor).await?,
    ))
}

// The schema of [`ops::outreach::RevealRequest`] (never built).
/// A case worker asking whom a flag is about.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    /// The citizen's pseudonym, as a flag carries it (64 hex digits).
    pub citizen: String,
    /// Why (at most 500 characters), kept in the access log redacted of personal data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

// The schema of [`ops::outreach::RevealOut`] (never built).
/// The reference, as the administration sent it.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
pub struct RevealOut {
    /// The pseudonym asked about.
    pub citizen: String,
    /// The citizen's identifier as the administration's systems sent it with an event.
    pub citizen_id: String,
    /// "advice for a case worker; a person decides".
    pub note: String,
}

/// Whom a flag is about: the reference sent with the citizen's events (`citizen_id`), kept
/// sealed (AES-256-GCM, key apart from the database) and opened for a case worker. Every reveal is
/// in the access log (`outreach.reveal`, with the reason) before the answer; never cached.
#[utoipa::path(post, path = "/v1/outreach/reveal", tag = "outreach", request_body = RevealRequest,
    responses(
        (status = 200, description = "The reference (`Cache-Control: no-store`)", body = RevealOut),
        (status = 404, description = "`no_reference`", body = ErrorBody),
        (status = 409, description = "`opted_out`", body = ErrorBody),
        (status = 422, description = "`invalid_request` (citizen, reason)", body = ErrorBody),
        (status = 503, description = "`store_unavailable`", body = ErrorBody),
    ))]
pub async fn reveal(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<ops::outreach::RevealRequest>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let out = ops::outreach::reveal(&state.service, req, &actor).await?;
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], Json(out)))
}

// The schema of the domain's `flags::GroupStats`, which the report serves as it is: never
// built; a test below checks that the fields are the same.
/// Flag rates and review outcomes of one group.
#[derive(ToSchema)]
#[allow(dead_code)] // a schema only
pub struct GroupOut {
    /// `channel`, `language` or a configured attribute.
    pub dimension: String,
    /// The group (`unknown` when not known).
    pub value: String,
    /// Citizens scored in their latest run.
    pub scored: usize,
    /// Of those, flagged.
    pub flagged: usize,
    /// `flagged / scored`.
    pub flag_rate: f64,
    /// Flags reviewed (all runs).
    pub reviewed: usize,
    /// Reviews ending `contacted`.
    pub contacted: usize,
    /// Reviews ending `dismissed`.
    pub dismissed: usize,
    /// Reviews ending `not_needed`.
    pub not_needed: usize,
}

// The schema of [`ops::outreach::ReportOut`] (never built).
/// The fairness report.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
pub struct ReportOut {
    /// Always true: advice, not a decision.
    pub advisory: bool,
    /// "advice for a case worker; a person decides".
    pub note: String,
    /// The model serving now.
    pub model_version: Option<String>,
    /// Per channel, language and configured attribute.
    #[schema(value_type = Vec<GroupOut>)]
    pub groups: Vec<flags::GroupStats>,
}

/// Flag rates and review outcomes by channel, language and `[outreach] fairness_attributes`, so
/// that a reviewer can spot unequal treatment.
#[utoipa::path(get, path = "/v1/outreach/report", tag = "outreach",
    responses(
        (status = 200, description = "Per group: scored, flagged, flag rate, reviews and their outcomes", body = ReportOut),
        (status = 503, description = "`store_unavailable`", body = ErrorBody),
    ))]
pub async fn report(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Json<ops::outreach::ReportOut>, ApiError> {
    Ok(Json(
        ops::outreach::report(&state.service, &model(&state), &actor).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::PartialSchema;

    #[test]
    fn the_group_schema_describes_every_field_the_report_serves() {
        let served = serde_json::to_value(flags::GroupStats::default()).unwrap();
        let served: Vec<&String> = served.as_object().unwrap().keys().collect();
        let schema = serde_json::to_value(GroupOut::schema()).unwrap();
        let described: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
        assert_eq!(served, described);
    }
}
