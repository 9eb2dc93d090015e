//! `POST /v1/feedback`: a handler's correction (or confirmation) of a decision, kept for audits and
//! exported as training data (`instrada export-feedback`).

use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use super::state::AppState;
use crate::classify::UrgencyLevel;
use crate::config::StoredText;
use crate::store::{FeedbackRecord, StoreError};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tracing::{Span, instrument};
use utoipa::ToSchema;
use uuid::Uuid;

/// Longest note accepted, in characters.
const MAX_NOTE_CHARS: usize = 2000;
/// How long feedback waits for its commit before answering 503.
const COMMIT_WAIT: Duration = Duration::from_secs(5);

/// A correction of a decision: at least one of `topic`, `urgency`, `queue` and `note`; of topic
/// and urgency, one left out confirms the prediction.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
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
    /// redacted unless `store.text` is `raw`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

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
    ApiJson(req): ApiJson<FeedbackRequest>,
) -> Result<(StatusCode, Json<FeedbackAck>), ApiError> {
    Span::current().record("decision_id", tracing::field::display(req.decision_id));
    let router = state.router();
    let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let topic = blank(req.topic);
    if let Some(t) = &topic {
        let labels = &router.bundle().topic.manifest().labels;
        if !labels.contains(t) {
            return Err(ApiError::invalid(format!(
                "topic `{t}` is not a label of the topic model (labels: {})",
                labels.join(", ")
            )));
        }
    }
    let queue = blank(req.queue);
    if let Some(q) = &queue
        && !router.policy().queue_names().any(|n| n == q)
    {
        return Err(ApiError::invalid(format!(
            "queue `{q}` is not a queue of the routing policy (queues: {})",
            router.policy().queue_names().collect::<Vec<_>>().join(", ")
        )));
    }
    let note = blank(req.note);
    if topic.is_none() && req.urgency.is_none() && queue.is_none() && note.is_none() {
        return Err(ApiError::invalid(
            "feedback must correct something: give at least one of `topic`, `urgency`, `queue` \
             and `note` (to confirm a decision as it was, send its topic)",
        ));
    }
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        return Err(ApiError::invalid(format!(
            "note is longer than {MAX_NOTE_CHARS} characters"
        )));
    }
    let note = match state.settings.store.text {
        StoredText::Raw => note,
        _ => note.map(|n| crate::text::redact(&n).into_owned()),
    };
    let record = FeedbackRecord {
        decision_id: req.decision_id,
        topic,
        urgency: req.urgency.map(|u| u.as_str().to_string()),
        queue,
        note,
        received_at: Utc::now(),
    };
    let unavailable = |cause: String| ApiError::StoreUnavailable {
        retry_after_secs: state.settings.server.retry_after_secs,
        cause,
    };
    match tokio::time::timeout(COMMIT_WAIT, state.store.feedback(record)).await {
        Ok(Ok(())) => {
            state
                .metrics
                .record(|| metrics::counter!(super::metrics::FEEDBACK).increment(1));
            Ok((
                StatusCode::CREATED,
                Json(FeedbackAck {
                    decision_id: req.decision_id,
                    status: "recorded".into(),
                }),
            ))
        }
        Ok(Err(StoreError::UnknownDecision { decision_id })) => {
            Err(ApiError::UnknownDecision { decision_id })
        }
        Ok(Err(e)) => Err(unavailable(e.to_string())),
        Err(_) => Err(unavailable(format!(
            "feedback not committed within {} s",
            COMMIT_WAIT.as_secs()
        ))),
    }
}
