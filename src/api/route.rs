//! `POST /v1/route` and `POST /v1/route/batch`: classify a citizen's request and say where it goes.
//!
//! The request DTOs are validated at the boundary into a [`route::Request`] (channel parsed, text
//! non-empty, language and attributes checked, `citizen_id` dropped: it is neither logged nor
//! stored); [`route::Router::route`] then does the work, and the decision is enqueued for the
//! audit trail before it is returned, so that every decision a caller sees is recorded.

use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use super::metrics as m;
use super::schema::Decision;
use super::state::AppState;
use crate::route::{self, Channel, Routed};
use crate::store::DecisionRecord;
use crate::text::normalize::{clean, has_content};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use tracing::{Span, instrument};
use utoipa::ToSchema;

/// Longest caller id accepted.
const MAX_ID_CHARS: usize = 128;

/// A citizen's request to route.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
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

/// Never prints the text, the subject or the citizen's id: a request in a log would leak them.
impl std::fmt::Debug for RouteRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouteRequest")
            .field("id", &self.id)
            .field("channel", &self.channel)
            .field("text_chars", &self.text.chars().count())
            .field("language", &self.language)
            .field("received_at", &self.received_at)
            .finish_non_exhaustive()
    }
}

/// Several requests routed in one call.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
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

impl RouteRequest {
    /// Validates the request; `at` prefixes field names in messages (`requests[3].`).
    pub fn parse(self, at: &str) -> Result<route::Request, ApiError> {
        // Invisible characters, lookalikes and spelled-out words are dealt with once, here:
        // language, features, signals and the stored copy all read the cleaned text. A text
        // without a letter or digit after it (blank, only zero-width characters, only emoji) says
        // nothing anyone could route.
        let text = clean(&self.text);
        if !has_content(&text) {
            return Err(ApiError::EmptyText {
                field: format!("{at}text"),
            });
        }
        let text = text.into_owned();
        let channel = self
            .channel
            .parse::<Channel>()
            .map_err(|_| ApiError::UnknownChannel {
                field: format!("{at}channel"),
                channel: self.channel.chars().take(40).collect(),
            })?;
        if let Some(id) = &self.id
            && (id.chars().count() > MAX_ID_CHARS || id.chars().any(char::is_control))
        {
            return Err(ApiError::invalid(format!(
                "{at}id must be at most {MAX_ID_CHARS} characters, without control characters"
            )));
        }
        let language = match self.language.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(l) if (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic()) => {
                Some(l.to_ascii_lowercase())
            }
            Some(_) => {
                return Err(ApiError::invalid(format!(
                    "{at}language must be an ISO 639-1 code such as \"it\" or \"en\""
                )));
            }
        };
        super::extract::check_attributes(&self.attributes, &format!("{at}attributes"))
            .map_err(ApiError::invalid)?;
        // `citizen_id` ends here: nothing downstream ever sees it.
        Ok(route::Request {
            request_id: self.id,
            channel,
            text_sha256: crate::digest::sha256_hex(&self.text),
            text,
            subject: self
                .subject
                .map(|s| clean(&s).into_owned())
                .filter(|s| has_content(s)),
            language,
            received_at: self.received_at,
            attributes: self.attributes,
        })
    }
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
    ApiJson(request): ApiJson<RouteRequest>,
) -> Result<Response, ApiError> {
    let request = request.parse("")?;
    let routed = decide(&state, &state.router(), &request);
    let span = Span::current();
    span.record(
        "decision_id",
        tracing::field::display(routed.decision.decision_id),
    );
    span.record("channel", request.channel.as_str());
    let body = routed.body;
    record(&state, routed.record).await?;
    count_decision(&state, &routed.decision);
    tracing::debug!(queue = %routed.decision.queue, timing_us = routed.decision.timing_us, "routed");
    Ok(json_response(body))
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
    ApiJson(batch): ApiJson<BatchRequest>,
) -> Result<Response, ApiError> {
    let max = state.settings.server.max_batch;
    let count = batch.requests.len();
    Span::current().record("requests", count);
    if count == 0 {
        return Err(ApiError::EmptyBatch);
    }
    if count > max {
        return Err(ApiError::BatchTooLarge { count, max });
    }
    // All or nothing: a bad request anywhere refuses the batch before anything is routed.
    let requests = batch
        .requests
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.parse(&format!("requests[{i}].")))
        .collect::<Result<Vec<_>, _>>()?;
    let router = state.router();
    let mut decisions = Vec::with_capacity(count);
    // `{"decisions":[...]}` from the decisions' JSON, serialised once each when they were made.
    let mut body = String::from("{\"decisions\":[");
    for (i, request) in requests.iter().enumerate() {
        let routed = decide(&state, &router, request);
        if i > 0 {
            body.push(',');
        }
        body.push_str(&routed.body);
        record(&state, routed.record).await?;
        decisions.push(routed.decision);
    }
    body.push_str("]}");
    decisions.iter().for_each(|d| count_decision(&state, d));
    Ok(json_response(body))
}

/// Routes `request` now and times it in the metrics.
fn decide(state: &AppState, router: &route::Router, request: &route::Request) -> Routed {
    let routed = router.route(request, Utc::now());
    state.metrics.record(|| {
        metrics::histogram!(m::DECIDE_SECONDS).record(routed.elapsed.as_secs_f64());
    });
    routed
}

/// Enqueues a decision for the audit trail. Waits at most `store.enqueue_timeout_ms` for room in a
/// full queue; a store that cannot take it is a 503 and the decision is not returned.
async fn record(state: &AppState, record: DecisionRecord) -> Result<(), ApiError> {
    let wait = Duration::from_millis(state.settings.store.enqueue_timeout_ms);
    let cause = match tokio::time::timeout(wait, state.store.record(record)).await {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("the write queue stayed full for {} ms", wait.as_millis()),
    };
    state
        .metrics
        .record(|| metrics::counter!(m::STORE_REFUSED).increment(1));
    Err(ApiError::StoreUnavailable {
        retry_after_secs: state.settings.server.retry_after_secs,
        cause,
    })
}

/// Counts a returned decision in the metrics.
fn count_decision(state: &AppState, decision: &route::Decision) {
    state.metrics.record(|| {
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
