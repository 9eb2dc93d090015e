//! `POST /v1/events`: contact events from the contact centre's systems (calls answered, e-mails,
//! tickets), stored for the workload series and, pseudonymised, for outreach.
//!
//! The body is a JSON array of events, or NDJSON (`content-type: application/x-ndjson`, one event
//! a line). Each event is checked on its own: a bad one is rejected with its index (array) or line
//! (NDJSON) and the reason, and the good ones are stored. The answer comes once those are
//! committed, so an acknowledged event is never lost; an `event_id` already stored is counted as a
//! duplicate and left as it was, so a sender may retry a batch whose answer it did not get.
//! `citizen_id` is replaced by its keyed pseudonym before anything is stored or logged.

use super::error::{ApiError, ErrorBody};
use super::extract;
use super::state::AppState;
use crate::classify::UrgencyLevel;
use crate::digest::Pseudonymiser;
use crate::route::Channel;
use crate::store::{EventRecord, EventsStored};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, header};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use tracing::{Span, instrument};
use utoipa::ToSchema;

/// Most events in one call.
pub const MAX_EVENTS: usize = 10_000;
/// Longest id, queue, topic or outcome.
const MAX_NAME_CHARS: usize = 128;
/// Longest handle time accepted: a day.
const MAX_HANDLE_SECONDS: f64 = 86_400.0;
/// How far in the future an event may be (clocks drift; a day is a mistake).
const FUTURE_SLACK: TimeDelta = TimeDelta::minutes(10);
/// How long the answer waits for the commit before it is a 503 (nothing is acknowledged then).
const COMMIT_WAIT: Duration = Duration::from_secs(10);

/// One contact event as a sender reports it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
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

/// What happened to the events of a call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
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

/// A refused event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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

fn check_name(field: &str, value: Option<String>) -> Result<Option<String>, String> {
    match value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    {
        Some(v) if v.chars().count() > MAX_NAME_CHARS || v.chars().any(char::is_control) => {
            Err(format!(
                "`{field}` must be at most {MAX_NAME_CHARS} characters, without control characters"
            ))
        }
        other => Ok(other),
    }
}

impl EventIn {
    /// Checks the event and pseudonymises its citizen; `now` bounds `occurred_at`.
    pub fn parse(
        self,
        pseudonyms: &Pseudonymiser,
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<EventRecord, String> {
        let event_id = check_name("event_id", Some(self.event_id))?
            .ok_or_else(|| "`event_id` is empty".to_string())?;
        let earliest = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single();
        if earliest.is_some_and(|e| self.occurred_at < e) {
            return Err(format!(
                "`occurred_at` {} is before 2000",
                self.occurred_at.to_rfc3339()
            ));
        }
        if self.occurred_at > now + FUTURE_SLACK {
            return Err(format!(
                "`occurred_at` {} is in the future",
                self.occurred_at.to_rfc3339()
            ));
        }
        let channel = self.channel.parse::<Channel>().map_err(|_| {
            format!(
                "`channel`: unknown channel `{}` (expected one of {})",
                self.channel.chars().take(40).collect::<String>(),
                Channel::ALL.map(Channel::as_str).join(", ")
            )
        })?;
        let urgency = match self.urgency.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(u) => Some(
                u.parse::<UrgencyLevel>()
                    .map_err(|_| {
                        format!("`urgency`: `{u}` is not one of low, normal, high, critical")
                    })?
                    .as_str()
                    .to_string(),
            ),
        };
        if let Some(h) = self.handle_seconds
            && (!h.is_finite() || !(0.0..=MAX_HANDLE_SECONDS).contains(&h))
        {
            return Err(format!(
                "`handle_seconds` must be between 0 and {MAX_HANDLE_SECONDS}, not {h}"
            ));
        }
        extract::check_attributes(&self.attributes, "`attributes`")?;
        Ok(EventRecord {
            event_id,
            occurred_at: self.occurred_at,
            channel: channel.as_str().to_string(),
            queue: check_name("queue", self.queue)?,
            topic: check_name("topic", self.topic)?,
            urgency,
            citizen: self
                .citizen_id
                .filter(|c| !c.trim().is_empty())
                .map(|c| pseudonyms.pseudonym(&c)),
            handle_seconds: self.handle_seconds,
            outcome: check_name("outcome", self.outcome)?,
            attributes: self.attributes,
            source: source.to_string(),
            received_at: now,
        })
    }
}

/// Parses one event's JSON: the cheap path first, the API's field-naming messages on failure.
pub fn parse_event(value: serde_json::Value) -> Result<EventIn, String> {
    // Deserialising from a borrowed `Value` leaves it for the error path: no copy per event.
    match EventIn::deserialize(&value) {
        Ok(e) => Ok(e),
        Err(_) => {
            let bytes = serde_json::to_vec(&value).unwrap_or_default();
            match extract::parse::<EventIn>(&bytes) {
                Ok(e) => Ok(e),
                Err(e) => Err(e.to_string()),
            }
        }
    }
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

/// The events of a body, each parsed on its own: `(index or line, event or why not)`.
type Parsed = Vec<(Position, Result<EventIn, String>)>;

/// Where an event was in the body.
#[derive(Debug, Clone, Copy)]
enum Position {
    Index(usize),
    Line(u64),
}

fn split_body(bytes: &[u8], ndjson: bool) -> Result<Parsed, ApiError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if ndjson {
        let mut out = Vec::new();
        for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let parsed = serde_json::from_slice::<serde_json::Value>(line)
                .map_err(|e| format!("not JSON: {e}"))
                .and_then(parse_event);
            out.push((Position::Line(i as u64 + 1), parsed));
        }
        return Ok(out);
    }
    let values: Vec<serde_json::Value> = match serde_json::from_slice(bytes) {
        Ok(serde_json::Value::Array(values)) => values,
        Ok(_) => {
            return Err(ApiError::invalid(
                "the body must be a JSON array of events (or NDJSON with content-type \
                 application/x-ndjson)",
            ));
        }
        Err(e) => {
            return Err(ApiError::MalformedJson {
                detail: e.to_string(),
            });
        }
    };
    Ok(values
        .into_iter()
        .enumerate()
        .map(|(i, v)| (Position::Index(i), parse_event(v)))
        .collect())
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
) -> Result<Json<EventsAck>, ApiError> {
    let ndjson = is_ndjson(req.headers());
    if !ndjson && !extract::is_json(req.headers()) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let bytes = Bytes::from_request(req, &state)
        .await
        .map_err(|e| extract::unreadable(&e, &state))?;
    let parsed = split_body(&bytes, ndjson)?;
    Span::current().record("events", parsed.len());
    if parsed.is_empty() {
        return Err(ApiError::invalid("no events: send at least one"));
    }
    if parsed.len() > MAX_EVENTS {
        return Err(ApiError::BatchTooLarge {
            count: parsed.len(),
            max: MAX_EVENTS,
        });
    }
    let (good, mut ack) = check_all(parsed, &state.pseudonyms, "api", Utc::now());
    let stored = store(&state, good).await?;
    ack.stored = stored.stored;
    ack.duplicates = stored.duplicates;
    state.metrics.record(|| {
        metrics::counter!(super::metrics::EVENTS, "outcome" => "stored").increment(ack.stored);
        metrics::counter!(super::metrics::EVENTS, "outcome" => "duplicate")
            .increment(ack.duplicates);
        metrics::counter!(super::metrics::EVENTS, "outcome" => "rejected").increment(ack.rejected);
    });
    Ok(Json(ack))
}

/// Validates every parsed event: the good ones, and an acknowledgement listing the rejected.
fn check_all(
    parsed: Parsed,
    pseudonyms: &Pseudonymiser,
    source: &str,
    now: DateTime<Utc>,
) -> (Vec<EventRecord>, EventsAck) {
    let mut good = Vec::with_capacity(parsed.len());
    let mut ack = EventsAck::default();
    for (at, event) in parsed {
        match event.and_then(|e| e.parse(pseudonyms, source, now)) {
            Ok(record) => good.push(record),
            Err(reason) => {
                let (index, line) = match at {
                    Position::Index(i) => (Some(i), None),
                    Position::Line(l) => (None, Some(l)),
                };
                ack.errors.push(RejectedEvent {
                    index,
                    line,
                    reason,
                });
            }
        }
    }
    ack.rejected = ack.errors.len() as u64;
    (good, ack)
}

/// Commits `events`, or says the store cannot take them (503: nothing is acknowledged).
async fn store(state: &AppState, events: Vec<EventRecord>) -> Result<EventsStored, ApiError> {
    if events.is_empty() {
        return Ok(EventsStored::default());
    }
    let cause = match tokio::time::timeout(COMMIT_WAIT, state.store.events(events)).await {
        Ok(Ok(done)) => return Ok(done),
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!(
            "the events were not committed within {} s",
            COMMIT_WAIT.as_secs()
        ),
    };
    Err(ApiError::StoreUnavailable {
        retry_after_secs: state.settings.server.retry_after_secs,
        cause,
    })
}
