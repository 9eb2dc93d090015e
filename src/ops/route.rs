//! Routing a citizen's request: one ([`route_one`]), several all or nothing ([`route_batch`]),
//! or a rehearsal that records nothing ([`rehearse`], `instrada route`).
//!
//! The input is what callers send ([`RouteRequest`], the body of `POST /v1/route` and a line of
//! `instrada route`), validated here into a [`route::Request`] (text cleaned and non-empty,
//! channel known, language and attributes checked, `citizen_id` dropped: it is neither logged nor
//! stored); [`Router::route`] does the work; the decision is recorded in the audit trail before
//! it is returned, so that every decision a caller sees is recorded: committed first with
//! `store.durability = "commit"`, enqueued first with `"async"` (the store decides which, in
//! [`crate::store::Store::record`]).

use super::decode::{self, Input};
use super::error::{OpError, quote};
use super::fields::check_attributes;
use super::service::Service;
use crate::route::{self, Answer, Channel, Router};
use crate::store::Durability;
use crate::text::normalize::{clean, has_content};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// What a key needs for these operations.
pub const SCOPE: crate::access::Scope = crate::access::Scope::Route;

/// Longest caller id accepted.
pub const MAX_ID_CHARS: usize = 128;

/// A citizen's request to route, as a caller sends it.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRequest {
    /// The caller's id of the request (a ticket number), stored and echoed; at most 128 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The channel it arrived through.
    pub channel: String,
    /// What the citizen wrote or said. Must not be blank.
    pub text: String,
    /// A subject line; classified together with the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// ISO 639-1 language of the text, when the caller knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The citizen's identifier: accepted, never logged, stored or used to route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen_id: Option<String>,
    /// When the request was received; SLA deadlines count from here. Default: now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<DateTime<Utc>>,
    /// Facts set by the caller that routing rules can test.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

impl Input for RouteRequest {
    const REQUIRED: &'static [&'static str] = &["channel", "text"];
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
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// The requests, at most `server.max_batch`.
    pub requests: Vec<RouteRequest>,
}

impl Input for BatchRequest {
    const REQUIRED: &'static [&'static str] = &["requests"];
}

impl RouteRequest {
    /// Validates the request; `at` prefixes field names in messages (`requests[3].`).
    pub fn parse(self, at: &str) -> Result<route::Request, OpError> {
        // Invisible characters, lookalikes and spelled-out words are dealt with once, here:
        // language, features, signals and the stored copy all read the cleaned text. A text
        // without a letter or digit after it (blank, only zero-width characters, only emoji) says
        // nothing anyone could route.
        let text = clean(&self.text);
        if !has_content(&text) {
            return Err(OpError::EmptyText {
                field: format!("{at}text"),
            });
        }
        let text = text.into_owned();
        let channel = self
            .channel
            .parse::<Channel>()
            .map_err(|_| OpError::UnknownChannel {
                field: format!("{at}channel"),
                channel: quote(&self.channel, 40),
            })?;
        if let Some(id) = &self.id
            && (id.chars().count() > MAX_ID_CHARS || id.chars().any(char::is_control))
        {
            return Err(OpError::invalid(format!(
                "{at}id must be at most {MAX_ID_CHARS} characters, without control characters"
            )));
        }
        let language = match self.language.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(l) if (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic()) => {
                Some(l.to_ascii_lowercase())
            }
            Some(_) => {
                return Err(OpError::invalid(format!(
                    "{at}language must be an ISO 639-1 code such as \"it\" or \"en\""
                )));
            }
        };
        check_attributes(&self.attributes, &format!("{at}attributes")).map_err(OpError::invalid)?;
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

/// Routes one request now and records its audit record; the answer is returned only once the
/// store has taken the record — committed it, or enqueued it, by `store.durability` — at most
/// `store.enqueue_timeout_ms` later; past that, or when the store refuses it,
/// `store_unavailable` and no decision.
pub async fn route_one(
    svc: &Service,
    router: &Router,
    request: RouteRequest,
) -> Result<Answer, OpError> {
    let request = request.parse("")?;
    let (answer, record) = router.route(&request, Utc::now()).answer();
    let wait = enqueue_wait(svc);
    svc.within(wait, recorded(svc), svc.store.record(record))
        .await?
        .map_err(|e| svc.unavailable(e))?;
    Ok(answer)
}

/// Routes several requests, all or nothing: a bad request anywhere refuses the batch before
/// anything is routed, and the decisions are recorded together, once all are routed (one place
/// in the write queue; one savepoint when committed before the answer), so that a store that
/// cannot take them leaves none in the audit trail.
pub async fn route_batch(
    svc: &Service,
    router: &Router,
    batch: BatchRequest,
) -> Result<Vec<Answer>, OpError> {
    let max = svc.settings.server.max_batch;
    let count = batch.requests.len();
    if count == 0 {
        return Err(OpError::EmptyBatch);
    }
    if count > max {
        return Err(OpError::BatchTooLarge { count, max });
    }
    let requests = batch
        .requests
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.parse(&format!("requests[{i}].")))
        .collect::<Result<Vec<_>, _>>()?;
    let (answers, records): (Vec<Answer>, Vec<_>) = requests
        .iter()
        .map(|r| router.route(r, Utc::now()).answer())
        .unzip();
    let wait = enqueue_wait(svc);
    svc.within(wait, recorded(svc), svc.store.record_all(records))
        .await?
        .map_err(|e| svc.unavailable(e))?;
    Ok(answers)
}

/// How long a decision waits to be recorded (room in a full write queue, and its commit with
/// `store.durability = "commit"`).
fn enqueue_wait(svc: &Service) -> Duration {
    Duration::from_millis(svc.settings.store.enqueue_timeout_ms)
}

/// What did not happen in time, for the log of a `store_unavailable`.
fn recorded(svc: &Service) -> &'static str {
    match svc.store.durability() {
        Durability::Commit => "the decision committed",
        Durability::Async => "a place in the write queue",
    }
}

/// Routes one request given as JSON (a line of `instrada route`), checked exactly as
/// `POST /v1/route` checks its body, and returns the decision's JSON; nothing is recorded: a
/// rehearsal is not a decision anyone received. A document longer than `max_bytes` (the API's
/// `server.max_body_bytes`) is refused as the API would refuse its body.
pub fn rehearse(router: &Router, json: &[u8], max_bytes: usize) -> Result<String, OpError> {
    if json.len() > max_bytes {
        return Err(OpError::TooLarge {
            limit: format!("{max_bytes} bytes (server.max_body_bytes)"),
        });
    }
    let request = decode::json::<RouteRequest>(json)?.parse("")?;
    Ok(router.route(&request, Utc::now()).body())
}
