//! A routed decision becomes an answer and an audit record: the decision is serialised once for
//! the caller, and the record is built from the typed decision and its [`Audit`] data. Where the
//! audit copy must differ (the topic reason without the citizen's words, when the text is not
//! kept), the one reason is swapped in the typed decision and the copy serialised from it: no
//! text surgery on JSON.

use super::decision::Decision;
use super::router::{Audit, Routed};
use crate::store::DecisionRecord;
use std::time::Duration;

/// A decision as answered: the decision and its JSON.
#[derive(Debug)]
pub struct Answer {
    /// What the caller gets.
    pub decision: Decision,
    /// The decision as JSON (the API's response body, a line of `instrada route`).
    pub body: String,
    /// Time spent deciding.
    pub elapsed: Duration,
}

impl Routed {
    /// The answer (the decision and its JSON) and its audit record.
    pub fn answer(self) -> (Answer, DecisionRecord) {
        let Routed {
            mut decision,
            mut audit,
            elapsed,
        } = self;
        let body = to_json(&decision);
        let decision_json = match (
            audit.stored_topic_reason.take(),
            decision.reasons.first_mut(),
        ) {
            (Some(stored), Some(first)) => {
                let shown = std::mem::replace(first, stored);
                let copy = to_json(&decision);
                decision.reasons[0] = shown;
                copy
            }
            _ => body.clone(),
        };
        let record = record(&decision, audit, decision_json);
        let answer = Answer {
            decision,
            body,
            elapsed,
        };
        (answer, record)
    }

    /// Only the decision's JSON, for a rehearsal that records nothing (`instrada route`).
    pub fn body(&self) -> String {
        to_json(&self.decision)
    }
}

/// A stored decision's JSON without the words its topic reason quotes from the request text
/// (the `texts` retention clears the text, and they go with it); `None` when there is nothing to
/// forget, or the JSON is not a decision. The store calls it ([`crate::store::ForgetWords`]).
pub fn forget_words(decision_json: &str) -> Option<String> {
    let mut d: Decision = serde_json::from_str(decision_json).ok()?;
    let first = d.reasons.first_mut()?;
    *first = super::reasons::without_words(first)?;
    Some(to_json(&d))
}

/// Serialising plain data cannot fail; the fallback keeps the body valid JSON regardless.
fn to_json(d: &Decision) -> String {
    serde_json::to_string(d).unwrap_or_else(|_| "{}".into())
}

/// The audit record: the columns the store indexes and exports, and the whole decision as JSON.
fn record(d: &Decision, audit: Audit, decision_json: String) -> DecisionRecord {
    DecisionRecord {
        decision_id: d.decision_id,
        created_at: audit.created_at,
        request_id: d.request_id.clone(),
        channel: audit.channel.as_str().to_string(),
        language: d.language.clone(),
        text_sha256: audit.text_sha256,
        text: audit.text,
        topic: d.topic.label.clone(),
        topic_confidence: d.topic.confidence,
        urgency: d.urgency.level.as_str().to_string(),
        urgency_confidence: d.urgency.confidence,
        urgency_signals: audit.urgency_signals,
        queue: d.queue.clone(),
        priority: d.priority,
        needs_human_review: d.needs_human_review,
        review_reason: d.review_reason.clone(),
        topic_model: d.models.topic.clone(),
        urgency_model: d.models.urgency.clone(),
        timing_us: d.timing_us,
        decision_json,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgetting_the_words_changes_the_topic_reason_only() {
        let json = serde_json::json!({
            "decision_id": "019ab3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b",
            "topic": {"label": "tributi", "confidence": 0.93, "alternatives": []},
            "urgency": {"level": "normal", "confidence": 0.7, "signals": []},
            "language": "it", "queue": "tributi", "priority": 3, "skills": [],
            "sla_due_at": "2026-12-01T09:30:00Z", "needs_human_review": false,
            "reasons": [
                "Topic `tributi` (0.93): the words that weighed most were «Rossi», «TARI»",
                "Priority 3: the words that weighed most were «not a topic reason»"
            ],
            "models": {"topic": "t", "urgency": "u"}, "timing_us": 1, "truncated": false
        })
        .to_string();
        let before: Decision = serde_json::from_str(&json).unwrap();
        let after: Decision = serde_json::from_str(&forget_words(&json).unwrap()).unwrap();
        assert_eq!(after.reasons[0], "Topic `tributi` (0.93)");
        let mut expected = before;
        expected.reasons[0] = after.reasons[0].clone();
        assert_eq!(after, expected, "nothing else changes");
        assert_eq!(
            forget_words(&to_json(&after)),
            None,
            "nothing left to forget"
        );
        assert_eq!(forget_words("{\"i\":1}"), None, "not a decision");
    }
}
