//! The OpenAPI description of the shapes the routing use case returns ([`crate::route::decision`]),
//! and of the domain enums the API names (channel, urgency level).
//!
//! The domain types carry serde derives only: what a schema looks like is this edge's business.
//! These mirrors exist for `utoipa` alone, are never built, and have the same names, fields and
//! docs as the wire types; the tests below fail if a field or a value is added to one side only.

use chrono::{DateTime, Utc};
use utoipa::ToSchema;
use uuid::Uuid;

/// How fast a request must be handled, from least to most urgent (the order is meaningful).
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum UrgencyLevel {
    /// Information requests, no deadline.
    Low,
    /// An ordinary case to handle within the normal service level.
    Normal,
    /// Someone is harmed or a deadline is close: handle today.
    High,
    /// Danger to people or property now: handle immediately.
    Critical,
}

/// Where a citizen's request came from.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Channel {
    /// A phone call (usually a transcript).
    Phone,
    /// Ordinary e-mail.
    Email,
    /// Posta Elettronica Certificata: certified e-mail with legal value.
    Pec,
    /// A web form.
    Web,
    /// A chat session.
    Chat,
    /// The municipality's app.
    App,
    /// Social media.
    Social,
    /// In person at a front desk.
    Counter,
}

/// Where a request goes and why.
#[derive(ToSchema)]
pub struct Decision {
    /// Id of this decision (UUID v7, time-ordered); quote it in `POST /v1/feedback`.
    pub decision_id: Uuid,
    /// The caller's `id` of the request, if it sent one.
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
    pub review_reason: Option<String>,
    /// The policy rule that chose the queue, if a rule did.
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
#[derive(ToSchema)]
pub struct TopicResult {
    /// A topic label, or `unknown` when the model is not confident enough.
    pub label: String,
    /// Calibrated probability of the most likely label.
    pub confidence: f32,
    /// Other labels worth considering, most probable first (with `unknown`, the best guess first).
    pub alternatives: Vec<Alternative>,
}

/// A label and its probability.
#[derive(ToSchema)]
pub struct Alternative {
    /// The label.
    pub label: String,
    /// Its calibrated probability.
    pub probability: f32,
}

/// The urgency of a request.
#[derive(ToSchema)]
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
#[derive(ToSchema)]
pub struct SignalHit {
    /// Its name, e.g. `gas_leak`.
    pub name: String,
    /// The level it raises urgency to, at least.
    pub level: UrgencyLevel,
    /// What it means.
    pub description: String,
}

/// The model versions behind a decision.
#[derive(ToSchema)]
pub struct ModelVersions {
    /// Topic model version.
    pub topic: String,
    /// Urgency model version.
    pub urgency: String,
}

#[cfg(test)]
mod tests {
    use crate::classify::UrgencyLevel as Level;
    use crate::route::decision as wire;
    use serde_json::Value;
    use std::collections::BTreeSet;
    use utoipa::PartialSchema;

    fn properties<T: PartialSchema>() -> BTreeSet<String> {
        let schema = serde_json::to_value(T::schema()).unwrap();
        schema["properties"]
            .as_object()
            .expect("an object schema")
            .keys()
            .cloned()
            .collect()
    }

    fn enum_values<T: PartialSchema>() -> Vec<String> {
        let schema = serde_json::to_value(T::schema()).unwrap();
        serde_json::from_value(schema["enum"].clone()).unwrap()
    }

    fn keys(v: &Value) -> BTreeSet<String> {
        v.as_object().expect("an object").keys().cloned().collect()
    }

    /// A decision with every optional field set and every list non-empty.
    fn full() -> wire::Decision {
        wire::Decision {
            decision_id: uuid::Uuid::now_v7(),
            request_id: Some("TCK-1".into()),
            topic: wire::TopicResult {
                label: "tributi".into(),
                confidence: 0.9,
                alternatives: vec![wire::Alternative {
                    label: "anagrafe".into(),
                    probability: 0.05,
                }],
            },
            urgency: wire::UrgencyResult {
                level: Level::High,
                confidence: 0.7,
                signals: vec![wire::SignalHit {
                    name: "deadline_close".into(),
                    level: Level::High,
                    description: "a deadline".into(),
                }],
            },
            language: "it".into(),
            queue: "tributi".into(),
            priority: 2,
            skills: vec!["lang:it".into()],
            sla_due_at: chrono::Utc::now(),
            needs_human_review: true,
            review_reason: Some("low confidence".into()),
            rule: Some("tasse".into()),
            reasons: vec!["Topic".into()],
            models: wire::ModelVersions {
                topic: "t@1".into(),
                urgency: "u@1".into(),
            },
            timing_us: 12,
            truncated: false,
        }
    }

    #[test]
    fn every_field_of_the_wire_decision_is_described_and_nothing_else() {
        let d = serde_json::to_value(full()).unwrap();
        assert_eq!(keys(&d), properties::<super::Decision>());
        assert_eq!(keys(&d["topic"]), properties::<super::TopicResult>());
        assert_eq!(
            keys(&d["topic"]["alternatives"][0]),
            properties::<super::Alternative>()
        );
        assert_eq!(keys(&d["urgency"]), properties::<super::UrgencyResult>());
        assert_eq!(
            keys(&d["urgency"]["signals"][0]),
            properties::<super::SignalHit>()
        );
        assert_eq!(keys(&d["models"]), properties::<super::ModelVersions>());
    }

    #[test]
    fn the_enums_list_every_domain_value_in_order() {
        let levels: Vec<String> = Level::ALL.iter().map(|l| l.as_str().to_string()).collect();
        assert_eq!(enum_values::<super::UrgencyLevel>(), levels);
        let channels: Vec<String> = crate::route::Channel::ALL
            .iter()
            .map(|c| c.as_str().to_string())
            .collect();
        assert_eq!(enum_values::<super::Channel>(), channels);
    }
}
