//! `POST /v1/events`: contact events from the contact centre's systems (calls answered, e-mails,
//! tickets), stored for the workload series and, pseudonymised, for outreach.
//!
//! The body is a JSON array of events, or NDJSON (`content-type: application/x-ndjson`, one event
//! a line). Parsing, the checks, pseudonymisation and the commit are [`crate::ops::events`]'s,
//! shared with `instrada import events`; this file reads the body, says which format it is, and
//! describes the shapes for OpenAPI (schema mirrors, never built).

use super::error::{ApiError, ErrorBody};
use super::extract;
use super::state::AppState;
use crate::ops::{self, events::Format};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, header};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tracing::{Span, instrument};
use utoipa::ToSchema;

// The schema of [`ops::events::EventIn`] (a test checks the fields are the same).
/// One contact event as a sender reports it.
#[derive(Default, Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "event_id": "CTI-2026-11-23-000871",
    "occurred_at": "2026-11-23T09:15:00+01:00",
    "channel": "phone",
    "queue": "tributi",
    "handle_seconds": 214,
    "outcome": "resolved"
}))]
pub struct EventIn {
    /// The sender's id of the event (at most 128 characters); a re-sent id is not counted twice.
    pub event_id: String,
    /// When the contact happened (RFC 3339); not before 2000, not in the future.
    pub occurred_at: DateTime<Utc>,
    /// The channel it came through.
    #[schema(value_type = super::schema::Channel)]
    pub channel: String,
    /// The queue that handled it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Its topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Its urgency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<super::schema::UrgencyLevel>)]
    pub urgency: Option<String>,
    /// The citizen's identifier in the sender's systems (e.g. a codice fiscale): stored only as
    /// a keyed pseudonym, never as sent, never logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen_id: Option<String>,
    /// Time spent handling it, in seconds (0 to 86,400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle_seconds: Option<f64>,
    /// How it ended, e.g. `resolved`, `abandoned`, `transferred` (at most 128 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Other facts (at most 32; keys up to 64 characters, values up to 256).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

// The schema of [`ops::events::EventsAck`].
/// What happened to the events of a call.
#[derive(Default, Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
pub struct EventsAck {
    /// Events stored and committed.
    pub stored: u64,
    /// Events whose `event_id` was already stored: left as they were.
    pub duplicates: u64,
    /// Events refused; each is listed in `errors`.
    pub rejected: u64,
    /// Why each refused event was refused.
    pub errors: Vec<RejectedEvent>,
}

// The schema of [`ops::events::RejectedEvent`].
/// A refused event.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
pub struct RejectedEvent {
    /// Its position in a JSON array, from 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// Its line in NDJSON or in an imported file, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// What is wrong, naming the field.
    pub reason: String,
}

/// Whether the body is declared as NDJSON.
fn is_ndjson(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            let v = v.trim();
            v.eq_ignore_ascii_case("application/x-ndjson")
                || v.eq_ignore_ascii_case("application/jsonl")
        })
}

/// Stores contact events.
#[utoipa::path(
    post,
    path = "/v1/events",
    tag = "events",
    request_body(content = Vec<EventIn>, description = "A JSON array of events, or NDJSON (`application/x-ndjson`), one event a line", content_type = "application/json"),
    responses(
        (status = 200, description = "Counts of events stored, duplicated and rejected, with each rejection's index or line and reason; the stored ones are committed", body = EventsAck),
        (status = 400, description = "`malformed_json` (the array itself is not JSON)", body = ErrorBody),
        (status = 413, description = "`body_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_request` (not an array, no events), `batch_too_large`", body = ErrorBody),
        (status = 503, description = "`overloaded`, `store_unavailable` (nothing stored is acknowledged; resend)", body = ErrorBody),
    )
)]
#[instrument(skip_all, fields(events))]
pub async fn events(
    State(state): State<AppState>,
    req: Request,
) -> Result<Json<ops::events::EventsAck>, ApiError> {
    let format = if is_ndjson(req.headers()) {
        Format::Ndjson
    } else if extract::is_json(req.headers()) {
        Format::JsonArray
    } else {
        return Err(ApiError::UnsupportedMediaType);
    };
    let bytes = Bytes::from_request(req, &state)
        .await
        .map_err(|e| extract::unreadable(&e, &state))?;
    let ack = ops::events::ingest(&state.service, &bytes, format).await?;
    Span::current().record("events", ack.stored + ack.duplicates + ack.rejected);
    state.metrics.record(|| {
        metrics::counter!(super::metrics::EVENTS, "outcome" => "stored").increment(ack.stored);
        metrics::counter!(super::metrics::EVENTS, "outcome" => "duplicate")
            .increment(ack.duplicates);
        metrics::counter!(super::metrics::EVENTS, "outcome" => "rejected").increment(ack.rejected);
    });
    Ok(Json(ack))
}
