//! Ingesting contact events (calls answered, e-mails, tickets) for the workload series and,
//! pseudonymised, for outreach: from a JSON array or NDJSON ([`ingest`], `POST /v1/events`) or
//! from the rows of a CSV export ([`import_csv`], `instrada import events`). One parser, one set
//! of checks and one set of messages for all three.
//!
//! Each event is checked on its own: a bad one is rejected with its index (array) or line (NDJSON,
//! CSV) and the reason, and the good ones are stored. The answer comes once those are committed,
//! so an acknowledged event is never lost; an `event_id` already stored is counted as a duplicate
//! and left as it was, so a sender may retry a batch whose answer it did not get. `citizen_id` is
//! replaced by its keyed pseudonym before anything is stored or logged.

mod csv;

pub use csv::{FIELDS, Mapping, import_csv};

use super::decode::{self, Input};
use super::error::{OpError, quote};
use super::fields::{check_attributes, check_name};
use super::service::Service;
use crate::classify::UrgencyLevel;
use crate::digest::Pseudonymiser;
use crate::route::Channel;
use crate::seal::ReferenceSeal;
use crate::store::{EventRecord, EventsStored};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// What a key needs for these operations.
pub const SCOPE: crate::access::Scope = crate::access::Scope::Events;

/// Most events in one call.
pub const MAX_EVENTS: usize = 10_000;
/// Longest handle time accepted: a day.
pub const MAX_HANDLE_SECONDS: f64 = 86_400.0;
/// How far in the future an event may be (clocks drift; a day is a mistake).
const FUTURE_SLACK: TimeDelta = TimeDelta::minutes(10);
/// How long the answer waits for the commit before it is `store_unavailable` (nothing is
/// acknowledged then).
const COMMIT_WAIT: Duration = Duration::from_secs(10);

/// One contact event as a sender reports it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventIn {
    /// The sender's id of the event (at most 128 characters).
    pub event_id: String,
    /// When the contact happened; not before 2000, not in the future.
    pub occurred_at: DateTime<Utc>,
    /// The channel it came through.
    pub channel: String,
    /// The queue that handled it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Its topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Its urgency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<String>,
    /// The citizen's identifier in the sender's systems: stored only as a keyed pseudonym.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen_id: Option<String>,
    /// Time spent handling it, in seconds (0 to 86,400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle_seconds: Option<f64>,
    /// How it ended (at most 128 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Other facts (at most 32; keys up to 64 characters, values up to 256).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

impl Input for EventIn {
    const REQUIRED: &'static [&'static str] = &["event_id", "occurred_at", "channel"];
}

/// What happened to the events of a call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// Where events came from, as the store records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `POST /v1/events`.
    Api,
    /// `instrada import events`.
    Import,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Import => "import",
        }
    }
}

impl EventIn {
    /// Checks the event and pseudonymises its citizen, sealing the reference under `references`
    /// when given (events to store; a history only scored keeps none); `now` bounds
    /// `occurred_at`.
    pub fn parse(
        self,
        pseudonyms: &Pseudonymiser,
        references: Option<&ReferenceSeal>,
        origin: Origin,
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
                quote(&self.channel, 40),
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
        check_attributes(&self.attributes, "`attributes`")?;
        let citizen_id = self.citizen_id.filter(|c| !c.trim().is_empty());
        let citizen = citizen_id.as_deref().map(|c| pseudonyms.pseudonym(c));
        let reference = match (references, &citizen, &citizen_id) {
            (Some(seal), Some(pseudonym), Some(id)) => seal.seal(pseudonym, id),
            _ => None,
        };
        Ok(EventRecord {
            event_id,
            occurred_at: self.occurred_at,
            channel: channel.as_str().to_string(),
            queue: check_name("queue", self.queue)?,
            topic: check_name("topic", self.topic)?,
            urgency,
            citizen,
            reference,
            handle_seconds: self.handle_seconds,
            outcome: check_name("outcome", self.outcome)?,
            attributes: self.attributes,
            source: origin.as_str().to_string(),
            received_at: now,
        })
    }
}

/// Parses one event's JSON: the cheap path first, the field-naming messages on failure.
pub fn parse_event(value: serde_json::Value) -> Result<EventIn, String> {
    // Deserialising from a borrowed `Value` leaves it for the error path: no copy per event.
    match EventIn::deserialize(&value) {
        Ok(e) => Ok(e),
        Err(_) => {
            let bytes = serde_json::to_vec(&value).unwrap_or_default();
            decode::json::<EventIn>(&bytes).map_err(|e| e.to_string())
        }
    }
}

/// How a body of events is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A JSON array of events.
    JsonArray,
    /// One event a line (`application/x-ndjson`).
    Ndjson,
}

/// The events of a body, each parsed on its own: `(index or line, event or why not)`.
type Parsed = Vec<(Position, Result<EventIn, String>)>;

/// Where an event was in the body.
#[derive(Debug, Clone, Copy)]
enum Position {
    Index(usize),
    Line(u64),
}

fn split_body(bytes: &[u8], format: Format) -> Result<Parsed, OpError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if format == Format::Ndjson {
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
            return Err(OpError::invalid(
                "the body must be a JSON array of events (or NDJSON with content-type \
                 application/x-ndjson)",
            ));
        }
        Err(e) => {
            return Err(OpError::MalformedJson {
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

/// Stores the events of a body (a JSON array or NDJSON) and answers once the good ones are
/// committed: at least one event, at most [`MAX_EVENTS`].
pub async fn ingest(svc: &Service, body: &[u8], format: Format) -> Result<EventsAck, OpError> {
    let parsed = split_body(body, format)?;
    if parsed.is_empty() {
        return Err(OpError::invalid("no events: send at least one"));
    }
    if parsed.len() > MAX_EVENTS {
        return Err(OpError::BatchTooLarge {
            count: parsed.len(),
            max: MAX_EVENTS,
        });
    }
    let (good, mut ack) = check_all(
        parsed,
        &svc.pseudonyms,
        svc.references.as_ref(),
        Origin::Api,
        Utc::now(),
    );
    let stored = commit(svc, good).await?;
    ack.stored = stored.stored;
    ack.duplicates = stored.duplicates;
    Ok(ack)
}

/// Validates every parsed event: the good ones, and an acknowledgement listing the rejected.
fn check_all(
    parsed: Parsed,
    pseudonyms: &Pseudonymiser,
    references: Option<&ReferenceSeal>,
    origin: Origin,
    now: DateTime<Utc>,
) -> (Vec<EventRecord>, EventsAck) {
    let mut good = Vec::with_capacity(parsed.len());
    let mut ack = EventsAck::default();
    for (at, event) in parsed {
        match event.and_then(|e| e.parse(pseudonyms, references, origin, now)) {
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

/// Commits `events`, or says the store cannot take them (nothing is acknowledged then).
async fn commit(svc: &Service, mut events: Vec<EventRecord>) -> Result<EventsStored, OpError> {
    if events.is_empty() {
        return Ok(EventsStored::default());
    }
    let sent = svc.known_references.strip_known(&mut events);
    let stored = svc
        .within(
            COMMIT_WAIT,
            "the events committed",
            svc.store.events(events),
        )
        .await?
        .map_err(|e| svc.unavailable(e))?;
    svc.known_references.remember(sent);
    Ok(stored)
}
