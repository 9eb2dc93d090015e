//! `POST /v1/route` and `POST /v1/route/batch`: classify a citizen's request and say where it goes.
//!
//! The work, its checks and its messages are [`crate::ops::route`]'s; this file translates HTTP
//! into one call of it, counts the decisions in the metrics, and describes the shapes for OpenAPI
//! ([`RouteRequest`], [`BatchRequest`]: schema mirrors of the operation's inputs, never built).

use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use super::metrics as m;
use super::schema::Decision;
use super::state::AppState;
use crate::ops::{self, OpError};
use crate::route::{self, Answer};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tracing::{Span, instrument};
use utoipa::ToSchema;

// The schema of [`ops::route::RouteRequest`] (a test checks the fields are the same).
/// A citizen's request to route.
#[derive(Default, Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "id": "TCK-2026-000123",
    "channel": "email",
    "subject": "Avviso TARI",
    "text": "Buongiorno, ho ricevuto un avviso di pagamento TARI per un immobile che ho venduto nel 2024. Come posso chiedere l'annullamento?",
    "received_at": "2026-11-23T09:15:00Z"
}))]
pub struct RouteRequest {
    /// The caller's id of the request (e.g. a ticket number), stored with the decision and echoed
    /// back; at most 128 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The channel it arrived through.
    #[schema(value_type = super::schema::Channel)]
    pub channel: String,
    /// What the citizen wrote or said (a transcript for phone calls). Must not be blank.
    pub text: String,
    /// A subject line (e-mail, PEC, web form); classified together with the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// ISO 639-1 language of the text, when the caller knows it; detected otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The citizen's identifier in the caller's systems. Accepted for convenience; never logged,
    /// never stored, never used to route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen_id: Option<String>,
    /// When the request was received (RFC 3339); SLA deadlines count from here. Default: now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<DateTime<Utc>>,
    /// Facts set by the caller that routing rules can test (e.g. a web form's `servizio`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

// The schema of [`ops::route::BatchRequest`].
/// Several requests routed in one call.
#[derive(Default, Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// The requests, at most `server.max_batch`.
    pub requests: Vec<RouteRequest>,
}

/// The decisions of a batch, in the order of its requests.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchResponse {
    /// One decision per request, same order.
    #[schema(value_type = Vec<Decision>)]
    pub decisions: Vec<route::Decision>,
}

/// Routes one request.
#[utoipa::path(
    post,
    path = "/v1/route",
    tag = "routing",
    request_body = RouteRequest,
    responses(
        (status = 200, description = "Where the request goes, and why", body = Decision),
        (status = 400, description = "`malformed_json`", body = ErrorBody),
        (status = 413, description = "`body_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_request`, `empty_text`, `unknown_channel`", body = ErrorBody),
        (status = 503, description = "`overloaded`, `store_unavailable` (with Retry-After)", body = ErrorBody),
    )
)]
#[instrument(skip_all, fields(decision_id, channel))]
pub async fn route_one(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ops::route::RouteRequest>,
) -> Result<Response, ApiError> {
    let span = Span::current();
    if let Ok(channel) = request.channel.parse::<route::Channel>() {
        span.record("channel", channel.as_str());
    }
    let answer = ops::route::route_one(&state.service, &state.router(), request)
        .await
        .map_err(|e| refused(&state, e))?;
    span.record(
        "decision_id",
        tracing::field::display(answer.decision.decision_id),
    );
    tracing::debug!(queue = %answer.decision.queue, timing_us = answer.decision.timing_us, "routed");
    count(&state, &answer);
    Ok(json_response(answer.body))
}

/// Routes several requests; the decisions come back in the same order.
#[utoipa::path(
    post,
    path = "/v1/route/batch",
    tag = "routing",
    request_body = BatchRequest,
    responses(
        (status = 200, description = "One decision per request, in order", body = BatchResponse),
        (status = 400, description = "`malformed_json`", body = ErrorBody),
        (status = 413, description = "`body_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_request`, `empty_text`, `unknown_channel` (naming `requests[i]`), `empty_batch`, `batch_too_large`", body = ErrorBody),
        (status = 503, description = "`overloaded`, `store_unavailable` (with Retry-After)", body = ErrorBody),
    )
)]
#[instrument(skip_all, fields(requests))]
pub async fn route_batch(
    State(state): State<AppState>,
    ApiJson(batch): ApiJson<ops::route::BatchRequest>,
) -> Result<Response, ApiError> {
    Span::current().record("requests", batch.requests.len());
    let answers = ops::route::route_batch(&state.service, &state.router(), batch)
        .await
        .map_err(|e| refused(&state, e))?;
    // `{"decisions":[...]}` from the decisions' JSON, serialised once each when they were made.
    let mut body = String::from("{\"decisions\":[");
    for (i, answer) in answers.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&answer.body);
        count(&state, answer);
    }
    body.push_str("]}");
    Ok(json_response(body))
}

/// A refusal, counted in the metrics when the store could not take the decisions.
fn refused(state: &AppState, e: OpError) -> ApiError {
    if matches!(e, OpError::StoreUnavailable { .. }) {
        state
            .metrics
            .record(|| metrics::counter!(m::STORE_REFUSED).increment(1));
    }
    e.into()
}

/// Counts a returned decision, and the time it took, in the metrics.
fn count(state: &AppState, answer: &Answer) {
    let decision = &answer.decision;
    state.metrics.record(|| {
        metrics::histogram!(m::DECIDE_SECONDS).record(answer.elapsed.as_secs_f64());
        metrics::counter!(m::DECISIONS, "queue" => decision.queue.clone()).increment(1);
        if decision.needs_human_review {
            metrics::counter!(m::HUMAN_REVIEW).increment(1);
        }
        metrics::histogram!(m::TOPIC_CONFIDENCE).record(f64::from(decision.topic.confidence));
        metrics::histogram!(m::URGENCY_CONFIDENCE).record(f64::from(decision.urgency.confidence));
    });
}

/// A JSON body that is already serialised.
fn json_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}
