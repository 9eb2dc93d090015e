//! The human side of outreach: `POST /v1/outreach/{flag_id}/review` (a case worker's decision,
//! who and when, the note redacted), `POST /v1/outreach/optout` (a citizen excluded: never scored
//! again) and `GET /v1/outreach/report` (flag rates and review outcomes by group, so that a
//! reviewer can spot unequal treatment).

use super::{read, unavailable};
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::ApiJson;
use crate::api::state::AppState;
use crate::outreach::flags::{self, ADVISORY_NOTE};
use crate::store::outreach::{self as rec, ReviewRecord};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Longest reviewer name and note.
const MAX_REVIEWER_CHARS: usize = 128;
const MAX_NOTE_CHARS: usize = 2_000;

/// A case worker's decision on a flag.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `contacted`, `dismissed` or `not_needed`.
    pub status: String,
    /// Who decided (a name or staff id, at most 128 characters).
    pub reviewer: String,
    /// Why (at most 2000 characters); personal data in it is redacted before it is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A review as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReviewOut {
    /// Always true: the flag was advice; this is the person's decision.
    pub advisory: bool,
    /// The flag.
    pub flag_id: Uuid,
    /// The decision.
    pub status: String,
    /// Who decided.
    pub reviewer: String,
    /// When.
    pub reviewed_at: DateTime<Utc>,
    /// The note as stored (redacted).
    pub note: Option<String>,
}

fn check_review(req: &ReviewRequest) -> Result<(), ApiError> {
    if !rec::REVIEW_STATUSES.contains(&req.status.as_str()) {
        return Err(ApiError::invalid(format!(
            "`status` must be one of {}, not `{}`",
            rec::REVIEW_STATUSES.join(", "),
            req.status.chars().take(40).collect::<String>()
        )));
    }
    let reviewer = req.reviewer.trim();
    if reviewer.is_empty()
        || reviewer.chars().count() > MAX_REVIEWER_CHARS
        || reviewer.chars().any(char::is_control)
    {
        return Err(ApiError::invalid(format!(
            "`reviewer` must be 1 to {MAX_REVIEWER_CHARS} characters, without control characters"
        )));
    }
    if req
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        return Err(ApiError::invalid(format!(
            "`note` is longer than {MAX_NOTE_CHARS} characters"
        )));
    }
    Ok(())
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
    Path(flag_id): Path<String>,
    ApiJson(req): ApiJson<ReviewRequest>,
) -> Result<(StatusCode, Json<ReviewOut>), ApiError> {
    let flag_id = Uuid::parse_str(flag_id.trim())
        .map_err(|_| ApiError::invalid("the flag id in the path is not a UUID"))?;
    check_review(&req)?;
    let record = ReviewRecord {
        flag_id,
        reviewer: req.reviewer.trim().to_string(),
        reviewed_at: Utc::now(),
        status: req.status,
        note: req
            .note
            .filter(|n| !n.trim().is_empty())
            .map(|n| crate::text::redact(&n).into_owned()),
    };
    let found = state
        .store
        .review_flag(record.clone())
        .await
        .map_err(|e| unavailable(&state, e))?;
    if !found {
        return Err(ApiError::UnknownFlag { flag_id });
    }
    tracing::info!(%flag_id, status = %record.status, "outreach flag reviewed");
    Ok((
        StatusCode::CREATED,
        Json(ReviewOut {
            advisory: true,
            flag_id,
            status: record.status,
            reviewer: record.reviewer,
            reviewed_at: record.reviewed_at,
            note: record.note,
        }),
    ))
}

/// A citizen who no longer wants to be scored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptOutRequest {
    /// The citizen's identifier, as in events (pseudonymised, never stored as sent).
    pub citizen_id: String,
    /// Why, if they said (redacted of personal data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An opt-out as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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
    ApiJson(req): ApiJson<OptOutRequest>,
) -> Result<Json<OptOutAck>, ApiError> {
    if req.citizen_id.trim().is_empty() {
        return Err(ApiError::invalid("`citizen_id` is empty"));
    }
    let citizen = state.pseudonyms.pseudonym(&req.citizen_id);
    let reason = req.reason.filter(|r| !r.trim().is_empty()).map(|r| {
        crate::text::redact(&r)
            .chars()
            .take(MAX_NOTE_CHARS)
            .collect()
    });
    let new = state
        .store
        .opt_out(citizen, Utc::now(), reason)
        .await
        .map_err(|e| unavailable(&state, e))?;
    Ok(Json(OptOutAck {
        opted_out: true,
        new,
    }))
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

/// The fairness report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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
pub async fn report(State(state): State<AppState>) -> Result<Json<ReportOut>, ApiError> {
    let (scores, reviewed) = read(&state, rec::report_rows).await?;
    let attrs = &state.settings.outreach.fairness_attributes;
    let groups = flags::report(&scores, &reviewed, attrs);
    Ok(Json(ReportOut {
        advisory: true,
        note: ADVISORY_NOTE.into(),
        model_version: state
            .registry
            .outreach()
            .ok()
            .map(|m| m.manifest().model_version.clone()),
        groups,
    }))
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
