//! The work behind `/v1/route`: text → topic, urgency and language → policy → a [`Decision`] with
//! reasons a supervisor understands, and the [`DecisionRecord`] that goes into the audit trail.
//!
//! Everything here is synchronous and takes microseconds (the linear models answer in a few),
//! so it runs inline in the handler; only [`record`] awaits, and only when the store's write
//! queue is full.

use super::error::ApiError;
use super::metrics as m;
use super::route::ValidRequest;
use super::state::{AppState, Engine};
use crate::classify::model::Abstention;
use crate::classify::{PredictOptions, UrgencyLevel};
use crate::config::StoredText;
use crate::route::RouteInput;
use crate::store::DecisionRecord;
use crate::text::normalize::truncate_chars;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt::Write;
use std::time::{Duration, Instant};
use utoipa::ToSchema;
use uuid::Uuid;

/// Labels returned besides the topic.
const ALTERNATIVES: usize = 3;
/// Words quoted as the topic's evidence.
const EVIDENCE_WORDS: usize = 3;

/// Where a request goes and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Decision {
    /// Id of this decision (UUID v7, time-ordered); quote it in `POST /v1/feedback`.
    pub decision_id: Uuid,
    /// The caller's `id` of the request, if it sent one.
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
    /// Sentences explaining the decision: the topic's evidence, the urgency signals, the rule
    /// and the SLA.
    pub reasons: Vec<String>,
    /// Versions of the models that decided.
    pub models: ModelVersions,
    /// Time taken to decide, in microseconds (classification and policy, not HTTP).
    pub timing_us: u64,
    /// The text was longer than `server.max_text_chars` (or than the model reads) and was cut.
    pub truncated: bool,
}

/// The topic of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TopicResult {
    /// A topic label, or `unknown` when the model is not confident enough.
    pub label: String,
    /// Calibrated probability of the most likely label.
    pub confidence: f32,
    /// Other labels worth considering, most probable first (with `unknown`, the best guess first).
    pub alternatives: Vec<Alternative>,
}

/// A label and its probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Alternative {
    /// The label.
    pub label: String,
    /// Its calibrated probability.
    pub probability: f32,
}

/// The urgency of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UrgencyResult {
    /// The level the request was routed with: the model's, raised by any signal; a critical from
    /// the model alone that the policy does not escalate is `high` (the reasons say so).
    pub level: UrgencyLevel,
    /// The model's probability for its own level.
    pub confidence: f32,
    /// Urgency signals found in the text.
    pub signals: Vec<SignalHit>,
}

/// An urgency signal that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SignalHit {
    /// Its name, e.g. `gas_leak`.
    pub name: String,
    /// The level it raises urgency to, at least.
    pub level: UrgencyLevel,
    /// What it means.
    pub description: String,
}

/// The model versions behind a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelVersions {
    /// Topic model version.
    pub topic: String,
    /// Urgency model version.
    pub urgency: String,
}

/// A decision and its audit record.
#[derive(Debug)]
pub struct Routed {
    /// What the caller gets.
    pub decision: Decision,
    /// The decision as JSON, the response body.
    pub body: String,
    /// What the store keeps.
    pub record: DecisionRecord,
}

/// Classifies and routes one request.
pub fn route(state: &AppState, engine: &Engine, req: &ValidRequest) -> Routed {
    let started = Instant::now();
    let now = Utc::now();
    let max_chars = state.settings.server.max_text_chars;
    let full: Cow<'_, str> = match &req.subject {
        Some(subject) => Cow::Owned(format!("{subject}\n{}", req.text)),
        None => Cow::Borrowed(&req.text),
    };
    let (text, cut) = truncate_chars(&full, max_chars);

    let (language, language_reason) = match &req.language {
        Some(code) => (
            code.clone(),
            format!("Language `{code}` as given by the caller"),
        ),
        None => {
            let detector = &state.language;
            let l = detector.detect(text);
            let reason = match (l.reliable, l.script, l.guess) {
                (true, _, _) => format!("Language `{}` detected ({:.2})", l.code, l.confidence),
                (false, Some(script), _) => format!(
                    "Language `{}`, the default: the text is in {script} script, which none of the \
                     languages detected ({}) uses",
                    l.code,
                    detector.candidates().join(", ")
                ),
                (false, None, Some(guess)) => format!(
                    "Language `{}`, the default: the text is too short or mixed to tell (the best \
                     guess, `{guess}` {:.2}, is not reliable)",
                    l.code, l.confidence
                ),
                (false, None, None) => format!(
                    "Language `{}`, the default: the text is too short or mixed to tell",
                    l.code
                ),
            };
            (l.code.to_string(), reason)
        }
    };
    // One featurisation serves both models when they share a vocabulary.
    let (topic, urgency) = engine.bundle.classify(
        text,
        PredictOptions {
            alternatives: ALTERNATIVES,
            evidence: EVIDENCE_WORDS,
        },
        PredictOptions {
            alternatives: 0,
            evidence: 0,
        },
    );
    let signal_names: Vec<String> = urgency.signals.iter().map(|s| s.name.clone()).collect();
    let outcome = engine.policy.decide(&RouteInput {
        channel: req.channel,
        topic: &topic.label,
        topic_confidence: topic.confidence,
        urgency: urgency.level,
        urgency_confidence: urgency.confidence,
        urgency_signals: &signal_names,
        signal_level: urgency.signals.iter().map(|s| s.level).max(),
        language: &language,
        attributes: &req.attributes,
        received_at: req.received_at.unwrap_or(now),
    });

    let truncated = cut || topic.truncated || urgency.prediction.truncated;
    let mut reasons = Vec::with_capacity(outcome.reasons.len() + 4);
    reasons.push(topic_reason(&topic, true));
    // The evidence quotes the citizen's own words (a surname can be one): where the text is not
    // kept, neither are they, and the audit copy of the topic reason leaves them out.
    let stored_topic_reason = (state.settings.store.text == StoredText::None
        && !topic.evidence.is_empty())
    .then(|| topic_reason(&topic, false));
    reasons.push(urgency_reason(&urgency));
    reasons.push(language_reason);
    reasons.extend(outcome.reasons);
    if cut {
        reasons.push(format!(
            "The text is longer than {max_chars} characters: only the first {max_chars} were classified"
        ));
    } else if truncated {
        reasons.push(
            "The text is longer than the models read: only its beginning was classified".into(),
        );
    }

    let mut alternatives: Vec<Alternative> = Vec::with_capacity(ALTERNATIVES + 1);
    if topic.abstention.is_some() {
        alternatives.push(Alternative {
            label: topic.best.clone(),
            probability: topic.confidence,
        });
    }
    alternatives.extend(topic.alternatives.iter().map(|a| Alternative {
        label: a.label.clone(),
        probability: a.probability,
    }));
    let decision = Decision {
        decision_id: Uuid::now_v7(),
        request_id: req.request_id.clone(),
        topic: TopicResult {
            label: topic.label,
            confidence: topic.confidence,
            alternatives,
        },
        urgency: UrgencyResult {
            level: outcome.urgency,
            confidence: urgency.confidence,
            signals: urgency
                .signals
                .into_iter()
                .map(|s| SignalHit {
                    name: s.name,
                    level: s.level,
                    description: s.description,
                })
                .collect(),
        },
        language,
        queue: outcome.queue,
        priority: outcome.priority,
        skills: outcome.skills,
        sla_due_at: outcome.sla_due_at,
        needs_human_review: outcome.needs_human_review,
        review_reason: outcome.review_reason,
        rule: outcome.rule,
        reasons,
        models: ModelVersions {
            topic: engine.topic_version().to_string(),
            urgency: engine.urgency_version().to_string(),
        },
        timing_us: 0,
        truncated,
    };
    let stored_text = match state.settings.store.text {
        StoredText::None => None,
        StoredText::Redacted => Some(crate::text::redact(text).into_owned()),
        StoredText::Raw => Some(text.to_string()),
    };
    finish(
        decision,
        req,
        signal_names,
        stored_text,
        stored_topic_reason,
        now,
        started,
    )
}

/// Stamps the timing and builds the audit record.
fn finish(
    mut decision: Decision,
    req: &ValidRequest,
    urgency_signals: Vec<String>,
    text: Option<String>,
    stored_topic_reason: Option<String>,
    now: DateTime<Utc>,
    started: Instant,
) -> Routed {
    let elapsed = started.elapsed();
    decision.timing_us = elapsed.as_micros().try_into().unwrap_or(u64::MAX);
    metrics::histogram!(m::DECIDE_SECONDS).record(elapsed.as_secs_f64());
    // Serialising plain data cannot fail; the fallback keeps the body valid JSON regardless.
    let json = |d: &Decision| serde_json::to_string(d).unwrap_or_else(|_| "{}".into());
    let body = json(&decision);
    let decision_json = match (stored_topic_reason, decision.reasons.first()) {
        // Swap the one reason inside the serialised body rather than serialise everything twice.
        (Some(stored), Some(shown)) => {
            let (shown, stored) = (json_string(shown), json_string(&stored));
            if body.contains(&shown) {
                body.replacen(&shown, &stored, 1)
            } else {
                let mut copy = decision.clone();
                copy.reasons[0] = serde_json::from_str(&stored).unwrap_or_default();
                json(&copy)
            }
        }
        _ => body.clone(),
    };
    let record = DecisionRecord {
        decision_id: decision.decision_id,
        created_at: now,
        request_id: decision.request_id.clone(),
        channel: req.channel.as_str().to_string(),
        language: decision.language.clone(),
        text_sha256: req.text_sha256.clone(),
        text,
        topic: decision.topic.label.clone(),
        topic_confidence: decision.topic.confidence,
        urgency: decision.urgency.level.as_str().to_string(),
        urgency_confidence: decision.urgency.confidence,
        urgency_signals,
        queue: decision.queue.clone(),
        priority: decision.priority,
        needs_human_review: decision.needs_human_review,
        review_reason: decision.review_reason.clone(),
        topic_model: decision.models.topic.clone(),
        urgency_model: decision.models.urgency.clone(),
        timing_us: decision.timing_us,
        decision_json,
    };
    Routed {
        decision,
        body,
        record,
    }
}

/// `s` as a JSON string literal, quotes included.
fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// Enqueues a decision for the audit trail. Waits at most `store.enqueue_timeout_ms` for room in a
/// full queue; a store that cannot take it is a 503 and the decision is not returned.
pub async fn record(state: &AppState, record: DecisionRecord) -> Result<(), ApiError> {
    let wait = Duration::from_millis(state.settings.store.enqueue_timeout_ms);
    let cause = match tokio::time::timeout(wait, state.store.record(record)).await {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("the write queue stayed full for {} ms", wait.as_millis()),
    };
    metrics::counter!(m::STORE_REFUSED).increment(1);
    Err(ApiError::StoreUnavailable {
        retry_after_secs: state.settings.server.retry_after_secs,
        cause,
    })
}

/// Counts a returned decision in the metrics.
pub fn count(decision: &Decision) {
    metrics::counter!(m::DECISIONS, "queue" => decision.queue.clone()).increment(1);
    if decision.needs_human_review {
        metrics::counter!(m::HUMAN_REVIEW).increment(1);
    }
    metrics::histogram!(m::TOPIC_CONFIDENCE).record(f64::from(decision.topic.confidence));
    metrics::histogram!(m::URGENCY_CONFIDENCE).record(f64::from(decision.urgency.confidence));
}

fn quoted(words: &[crate::classify::linear::Evidence]) -> String {
    let mut s = String::new();
    for (i, w) in words.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(s, "{sep}«{}»", w.text);
    }
    s
}

/// "Topic `tributi` (0.93): the words that weighed most were «TARI», «avviso», «pagamento»".
fn topic_reason(p: &crate::classify::Prediction, with_words: bool) -> String {
    let words = if p.evidence.is_empty() || !with_words {
        String::new()
    } else {
        format!(": the words that weighed most were {}", quoted(&p.evidence))
    };
    match p.abstention {
        None => format!("Topic `{}` ({:.2}){words}", p.label, p.confidence),
        Some(Abstention::OutOfScope) => format!(
            "Topic unknown: the request looks outside the topics the model knows ({:.2})",
            p.confidence
        ),
        Some(Abstention::BelowThreshold { threshold }) => {
            let words = if p.evidence.is_empty() || !with_words {
                String::new()
            } else {
                format!(
                    "; the words that weighed most for it were {}",
                    quoted(&p.evidence)
                )
            };
            format!(
                "Topic unknown: the best guess `{}` ({:.2}) is below the model's confidence \
                 threshold {threshold:.2}{words}",
                p.best, p.confidence
            )
        }
    }
}

/// The urgency level, and the signals that raised it, by name and description.
fn urgency_reason(u: &crate::classify::UrgencyAssessment) -> String {
    let signals = u
        .signals
        .iter()
        .map(|s| format!("`{}` ({})", s.name, s.description))
        .collect::<Vec<_>>()
        .join(", ");
    let plural = if u.signals.len() == 1 { "" } else { "s" };
    if u.signals.is_empty() {
        format!(
            "Urgency `{}` ({:.2}) from the model; no urgency signal in the text",
            u.level, u.confidence
        )
    } else if u.level > u.model_level {
        format!(
            "Urgency `{}`: raised from the model's `{}` ({:.2}) by signal{plural} {signals}",
            u.level, u.model_level, u.confidence
        )
    } else {
        format!(
            "Urgency `{}` ({:.2}) from the model, with signal{plural} {signals}",
            u.level, u.confidence
        )
    }
}
