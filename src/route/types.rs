//! What goes into [`Policy::decide`](super::Policy::decide) and what comes out: plain data, no
//! logic. A file of its own so that the compiled rules (`compiled.rs`, which match a
//! [`RouteInput`]) and the policy (`policy.rs`, which answers a [`RouteOutcome`]) share it without
//! importing each other. Imports nothing of `route` but [`Channel`].

use crate::classify::UrgencyLevel;
use crate::route::Channel;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the policy needs to know about a classified request.
#[derive(Debug, Clone, Copy)]
pub struct RouteInput<'a> {
    /// Where the request came from.
    pub channel: Channel,
    /// Topic label of the model, or [`crate::label::UNKNOWN`] when the classifier abstained.
    pub topic: &'a str,
    /// Confidence of the topic, 0..=1.
    pub topic_confidence: f32,
    /// Urgency level.
    pub urgency: UrgencyLevel,
    /// Confidence of the urgency, 0..=1.
    pub urgency_confidence: f32,
    /// Names of the lexicon signals that fired (may be empty).
    pub urgency_signals: &'a [String],
    /// The highest level among those signals, if any fired.
    pub signal_level: Option<UrgencyLevel>,
    /// ISO 639-1 language of the text, e.g. `it`.
    pub language: &'a str,
    /// Request attributes that rules can test (e.g. from a web form).
    pub attributes: &'a BTreeMap<String, String>,
    /// When the request was received.
    pub received_at: DateTime<Utc>,
}

/// The decision for one request, with the reasons a supervisor reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteOutcome {
    /// Queue chosen.
    pub queue: String,
    /// The urgency the request was routed with: the input's, except a critical from the model
    /// alone that did not meet the emergency threshold, which is high.
    pub urgency: UrgencyLevel,
    /// 1 (most urgent) ..= 5.
    pub priority: u8,
    /// Skills the operator needs: the queue's, the rule's, and `lang:xx` for a language the queue lacks.
    pub skills: Vec<String>,
    /// When the SLA of the queue for this urgency expires.
    pub sla_due_at: DateTime<Utc>,
    /// Whether a person must check the classification.
    pub needs_human_review: bool,
    /// Why a review is needed, when it is.
    pub review_reason: Option<String>,
    /// The rule that chose the queue, if a rule did.
    pub rule: Option<String>,
    /// Sentences explaining each part of the decision, in order.
    pub reasons: Vec<String>,
}
