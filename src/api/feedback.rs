//! `POST /v1/feedback`: a handler's correction (or confirmation) of a decision, kept for audits and
//! exported as training data (`instrada export-feedback`). The rules are
//! [`crate::ops::feedback`]'s; this file translates HTTP and describes the shapes for OpenAPI
//! (schema mirrors of the operation's input and answer).

use super::auth::Authenticated;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use super::state::AppState;
use crate::classify::UrgencyLevel;
use crate::ops;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tracing::{Span, instrument};
use utoipa::ToSchema;
use uuid::Uuid;

// The schema of [`ops::feedback::FeedbackRequest`] (a test checks the fields are the same).
/// A correction of a decision: at least one of `topic`, `urgency`, `queue` and `note`; of topic
/// and urgency, one left out confirms the prediction.
#[derive(Default, Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "decision_id": "019ab3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b",
    "topic": "tributi",
    "queue": "tributi",
    "note": "era una richiesta di rimborso IMU"
}))]
pub struct FeedbackRequest {
    /// The decision corrected.
    pub decision_id: Uuid,
    /// The right topic label (one of the topic model's labels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// The right urgency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<super::schema::UrgencyLevel>)]
    pub urgency: Option<UrgencyLevel>,
    /// The queue the request really belonged to (one of the policy's queues).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// A free note for the model's maintainers (at most 2000 characters; personal data in it is
    /// redacted before it is stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

// The schema of [`ops::feedback::FeedbackAck`]; tests read answers with it.
/// The feedback was committed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FeedbackAck {
    /// The decision it is about.
    pub decision_id: Uuid,
    /// Always `recorded`.
    pub status: String,
}

/// Records a correction of a decision.
#[utoipa::path(
    post,
    path = "/v1/feedback",
    tag = "feedback",
    request_body = FeedbackRequest,
    responses(
        (status = 201, description = "Committed to the audit trail", body = FeedbackAck),
        (status = 400, description = "`malformed_json`", body = ErrorBody),
        (status = 404, description = "`unknown_decision`", body = ErrorBody),
        (status = 413, description = "`body_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_request` (none of topic, urgency, queue and note; unknown topic or queue, bad urgency)", body = ErrorBody),
        (status = 503, description = "`overloaded`, `store_unavailable`", body = ErrorBody),
    )
)]
#[instrument(skip_all, fields(decision_id))]
pub async fn feedback(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<ops::feedback::FeedbackRequest>,
) -> Result<(StatusCode, Json<ops::feedback::FeedbackAck>), ApiError> {
    Span::current().record("decision_id", tracing::field::display(req.decision_id));
    let ack = ops::feedback::record(&state.service, &state.router(), req, &actor).await?;
    state
        .metrics
        .record(|| metrics::counter!(super::metrics::FEEDBACK).increment(1));
    Ok((StatusCode::CREATED, Json(ack)))
}
