//! [`Decision`]: where a request goes and why, as the API returns it, `instrada route` prints it and
//! the audit trail keeps it (the same JSON in all three; the store gives it back with its keys in
//! alphabetical order).
//!
//! Plain serde data: no HTTP and no schema derive here. The OpenAPI description of this shape
//! lives at the edge (`api/schema.rs`), with a test that the two agree field for field.

use crate::classify::UrgencyLevel;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where a request goes and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Id of this decision (UUID v7, time-ordered).
    pub decision_id: Uuid,
    /// The caller's id of the request, if it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// What the request is about.
    pub topic: TopicResult,
    /// How fast it must be handled.
    pub urgency: UrgencyResult,
    /// ISO 639-1 language of the text (the caller's, or detected).
    pub language: String,
    /// The queue it goes to.
    pub queue: String,
    /// 1 (most urgent) ..= 5.
    pub priority: u8,
    /// Skills the operator needs.
    pub skills: Vec<String>,
    /// When the queue's service level for this urgency expires.
    pub sla_due_at: DateTime<Utc>,
    /// Whether a person must check the classification.
    pub needs_human_review: bool,
    /// Why, when a review is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_reason: Option<String>,
    /// The policy rule that chose the queue, if a rule did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Sentences explaining the decision.
    pub reasons: Vec<String>,
    /// Versions of the models that decided.
    pub models: ModelVersions,
    /// Time taken to decide, in microseconds.
    pub timing_us: u64,
    /// The text was cut before classification.
    pub truncated: bool,
}

/// The topic of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicResult {
    /// A topic label, or [`crate::label::UNKNOWN`].
    pub label: String,
    /// Calibrated probability of the most likely label.
    pub confidence: f32,
    /// Other labels worth considering, most probable first (with `unknown`, the best guess first).
    pub alternatives: Vec<Alternative>,
}

/// A label and its probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    /// The label.
    pub label: String,
    /// Its calibrated probability.
    pub probability: f32,
}

/// The urgency of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UrgencyResult {
    /// The level the request was routed with.
    pub level: UrgencyLevel,
    /// The model's probability for its own level.
    pub confidence: f32,
    /// Urgency signals found in the text.
    pub signals: Vec<SignalHit>,
}

/// An urgency signal that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalHit {
    /// Its name, e.g. `gas_leak`.
    pub name: String,
    /// The level it raises urgency to, at least.
    pub level: UrgencyLevel,
    /// What it means.
    pub description: String,
}

/// The model versions behind a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelVersions {
    /// Topic model version.
    pub topic: String,
    /// Urgency model version.
    pub urgency: String,
}
