//! Recording a correction (or a confirmation) of a decision: what the person who handled the
//! request decided, kept in the audit trail beside the decision and exported as training data
//! (`instrada export-feedback`).
//!
//! The rules: a topic must be one of the serving topic model's labels and a queue one of the
//! policy's; at least one of topic, urgency, queue and note; a note of at most 2,000 characters,
//! kept redacted ([`crate::text::keep_note`]). The answer comes once the feedback is committed.

use super::actor::Actor;
use super::decode::Input;
use super::error::OpError;
use super::service::Service;
use crate::classify::UrgencyLevel;
use crate::route::Router;
use crate::store::{FeedbackRecord, StoreError};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

/// What a key needs for these operations.
pub const SCOPE: crate::access::Scope = crate::access::Scope::Route;

/// Longest note accepted, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;
/// How long feedback waits for its commit before it is `store_unavailable`.
const COMMIT_WAIT: Duration = Duration::from_secs(5);

/// A correction of a decision: at least one of `topic`, `urgency`, `queue` and `note`; of topic
/// and urgency, one left out confirms the prediction.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// The decision corrected.
    pub decision_id: Uuid,
    /// The right topic label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// The right urgency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<UrgencyLevel>,
    /// The queue the request really belonged to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// A free note (kept redacted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Input for FeedbackRequest {
    const REQUIRED: &'static [&'static str] = &["decision_id"];
}

/// The feedback was committed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackAck {
    /// The decision it is about.
    pub decision_id: Uuid,
    /// Always `recorded`.
    pub status: String,
}

/// Checks a correction against the serving models and policy, and commits it.
pub async fn record(
    svc: &Service,
    router: &Router,
    req: FeedbackRequest,
    actor: &Actor,
) -> Result<FeedbackAck, OpError> {
    let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let topic = blank(req.topic);
    if let Some(t) = &topic {
        let labels = &router.bundle().topic.manifest().labels;
        if !labels.contains(t) {
            return Err(OpError::invalid(format!(
                "topic `{t}` is not a label of the topic model (labels: {})",
                labels.join(", ")
            )));
        }
    }
    let queue = blank(req.queue);
    if let Some(q) = &queue
        && !router.policy().queue_names().any(|n| n == q)
    {
        return Err(OpError::invalid(format!(
            "queue `{q}` is not a queue of the routing policy (queues: {})",
            router.policy().queue_names().collect::<Vec<_>>().join(", ")
        )));
    }
    let note = blank(req.note);
    if topic.is_none() && req.urgency.is_none() && queue.is_none() && note.is_none() {
        return Err(OpError::invalid(
            "feedback must correct something: give at least one of `topic`, `urgency`, `queue` \
             and `note` (to confirm a decision as it was, send its topic)",
        ));
    }
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        return Err(OpError::invalid(format!(
            "note is longer than {MAX_NOTE_CHARS} characters"
        )));
    }
    let record = FeedbackRecord {
        decision_id: req.decision_id,
        topic,
        urgency: req.urgency.map(|u| u.as_str().to_string()),
        queue,
        note: crate::text::keep_note(note.as_deref()),
        received_at: Utc::now(),
        recorded_by: Some(actor.as_str().to_string()),
    };
    match svc
        .within(
            COMMIT_WAIT,
            "feedback committed",
            svc.store.feedback(record),
        )
        .await?
    {
        Ok(()) => Ok(FeedbackAck {
            decision_id: req.decision_id,
            status: "recorded".into(),
        }),
        Err(StoreError::UnknownDecision { decision_id }) => {
            Err(OpError::UnknownDecision { decision_id })
        }
        Err(e) => Err(svc.unavailable(e)),
    }
}
