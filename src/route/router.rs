//! [`Router`]: the use case "classify and route one request", below any transport. The
//! operations of [`crate::ops::route`] (the API, `instrada route`) and the tests call
//! [`Router::route`].
//!
//! One call: cut the text to `server.max_text_chars`, take the caller's language or detect it among
//! the policy's languages, classify topic and urgency once (one featurisation when the two models
//! share a vocabulary), apply the [`Policy`], assemble the reasons, and return the decision with
//! its [`Audit`] data ([`Routed`]; `audit.rs` serialises it and builds the store's record).
//! Synchronous and a few microseconds long, so callers run it inline.
//!
//! A `Router` owns the models and the policy validated against them: the registry builds one,
//! swaps it as a whole on reload, and keeps the previous one for a rollback. This module must not
//! import `ops`, `api`, `cli` or `registry`, nor anything of HTTP.

use super::decision::{
    Alternative, Decision, ModelVersions, SignalHit, TopicResult, UrgencyResult,
};
use super::{Channel, Policy, RouteInput, reasons};
use crate::classify::{Bundle, PredictOptions, Prediction, Signal};
use crate::store::StoredText;
use crate::text::LanguageDetector;
use crate::text::normalize::truncate_chars;
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Labels returned besides the topic.
const ALTERNATIVES: usize = 3;
/// The topic model's answer: three alternatives, three words of evidence.
const TOPIC: PredictOptions = PredictOptions {
    alternatives: ALTERNATIVES,
    evidence: 3,
};
/// The urgency model's: its level only (the lexicon's signals are the evidence).
const URGENCY: PredictOptions = PredictOptions {
    alternatives: 0,
    evidence: 0,
};

/// A request to route, already validated by the edge that received it (see `api::route`).
#[derive(Clone)]
pub struct Request {
    /// The caller's id.
    pub request_id: Option<String>,
    /// The channel.
    pub channel: Channel,
    /// The text, [cleaned](crate::text::normalize::clean), with at least one letter or digit.
    pub text: String,
    /// SHA-256 (hex) of the text as received.
    pub text_sha256: String,
    /// The subject, cleaned, if it has a letter or digit.
    pub subject: Option<String>,
    /// Lowercase ISO 639-1 code, if given.
    pub language: Option<String>,
    /// When received; SLA deadlines count from here. `None`: now.
    pub received_at: Option<DateTime<Utc>>,
    /// Attributes for the rules.
    pub attributes: BTreeMap<String, String>,
}

/// Never prints the text or the subject: a request in a log would leak them.
impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("request_id", &self.request_id)
            .field("channel", &self.channel)
            .field("text_chars", &self.text.chars().count())
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

/// How a [`Router`] treats texts, from the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouterOptions {
    /// Texts are cut to this many characters before classification (`server.max_text_chars`).
    pub max_text_chars: usize,
    /// What the audit record keeps of the text (`store.text`).
    pub stored_text: StoredText,
}

/// A decision and what its audit record keeps besides it. [`Routed::answer`] serialises the
/// decision once, for the caller, and builds the record; nothing is copied out of JSON text.
#[derive(Debug)]
pub struct Routed {
    /// What the caller gets.
    pub decision: Decision,
    /// What the audit trail keeps besides the decision.
    pub audit: Audit,
    /// Time spent deciding (also in `decision.timing_us`).
    pub elapsed: Duration,
}

/// The audit data of a decision that the decision itself does not carry.
#[derive(Debug, Clone)]
pub struct Audit {
    /// When it was decided.
    pub created_at: DateTime<Utc>,
    /// The request's channel.
    pub channel: Channel,
    /// SHA-256 (hex) of the text as received.
    pub text_sha256: String,
    /// What `store.text` keeps of the text.
    pub text: Option<String>,
    /// The urgency lexicon's signals, by name.
    pub urgency_signals: Vec<String>,
    /// The topic reason the audit copy keeps instead of the caller's, when the caller's quotes
    /// words of a text the store does not keep.
    pub stored_topic_reason: Option<String>,
}

/// The models and the policy validated against their labels, with the language detector the
/// policy's languages call for.
#[derive(Debug)]
pub struct Router {
    bundle: Bundle,
    policy: Policy,
    language: LanguageDetector,
    options: RouterOptions,
}

impl Router {
    /// A router over `bundle` and `policy`; the caller has checked the policy against the topic
    /// model's labels ([`Policy::from_config`] does).
    pub fn new(bundle: Bundle, policy: Policy, options: RouterOptions) -> Self {
        let language = LanguageDetector::new(policy.default_language(), policy.detect_languages());
        Self {
            bundle,
            policy,
            language,
            options,
        }
    }

    /// The models.
    pub fn bundle(&self) -> &Bundle {
        &self.bundle
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Version of the topic model.
    pub fn topic_version(&self) -> &str {
        &self.bundle.topic.manifest().model_version
    }

    /// Version of the urgency model.
    pub fn urgency_version(&self) -> &str {
        &self.bundle.urgency.classifier().manifest().model_version
    }

    /// Classifies and routes `req` at `now` (the SLA counts from `req.received_at`, or `now`).
    pub fn route(&self, req: &Request, now: DateTime<Utc>) -> Routed {
        let started = Instant::now();
        let max_chars = self.options.max_text_chars;
        let full: Cow<'_, str> = match &req.subject {
            Some(subject) => Cow::Owned(format!("{subject}\n{}", req.text)),
            None => Cow::Borrowed(&req.text),
        };
        let (text, cut) = truncate_chars(&full, max_chars);
        let (language, language_reason) = self.language_of(req, text);
        let (topic, urgency) = self.bundle.classify(text, TOPIC, URGENCY);
        let signal_names: Vec<String> = urgency.signals.iter().map(|s| s.name.clone()).collect();
        let outcome = self.policy.decide(&RouteInput {
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
        // The evidence quotes the citizen's own words (a surname can be one): where the text is
        // not kept, neither are they, and the audit copy of the topic reason leaves them out.
        let stored_topic_reason = (!self.options.stored_text.keeps_words()
            && !topic.evidence.is_empty())
        .then(|| reasons::topic(&topic, false));
        let mut why = vec![
            reasons::topic(&topic, true),
            reasons::urgency(&urgency),
            language_reason,
        ];
        why.extend(outcome.reasons);
        why.extend(truncation_reason(cut, truncated, max_chars));
        let alternatives = alternatives(&topic);
        let mut decision = Decision {
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
                signals: urgency.signals.into_iter().map(SignalHit::from).collect(),
            },
            language,
            queue: outcome.queue,
            priority: outcome.priority,
            skills: outcome.skills,
            sla_due_at: outcome.sla_due_at,
            needs_human_review: outcome.needs_human_review,
            review_reason: outcome.review_reason,
            rule: outcome.rule,
            reasons: why,
            models: ModelVersions {
                topic: self.topic_version().to_string(),
                urgency: self.urgency_version().to_string(),
            },
            timing_us: 0,
            truncated,
        };
        let elapsed = started.elapsed();
        decision.timing_us = elapsed.as_micros().try_into().unwrap_or(u64::MAX);
        Routed {
            decision,
            audit: Audit {
                created_at: now,
                channel: req.channel,
                text_sha256: req.text_sha256.clone(),
                text: self.options.stored_text.keep_text(text),
                urgency_signals: signal_names,
                stored_topic_reason,
            },
            elapsed,
        }
    }
}

impl Router {
    /// The caller's language, or the one detected among the policy's; and the sentence saying which.
    fn language_of(&self, req: &Request, text: &str) -> (String, String) {
        match &req.language {
            Some(code) => (
                code.clone(),
                format!("Language `{code}` as given by the caller"),
            ),
            None => {
                let l = self.language.detect(text);
                let reason = reasons::detected_language(&l, &self.language);
                (l.code.to_string(), reason)
            }
        }
    }
}

/// The sentence saying that the text was cut, if it was.
fn truncation_reason(cut: bool, truncated: bool, max_chars: usize) -> Option<String> {
    if cut {
        Some(format!(
            "The text is longer than {max_chars} characters: only the first {max_chars} were classified"
        ))
    } else if truncated {
        Some("The text is longer than the models read: only its beginning was classified".into())
    } else {
        None
    }
}

impl From<Signal> for SignalHit {
    fn from(s: Signal) -> Self {
        Self {
            name: s.name,
            level: s.level,
            description: s.description,
        }
    }
}

/// The labels a person should consider besides the topic: with `unknown`, the best guess first.
fn alternatives(topic: &Prediction) -> Vec<Alternative> {
    let mut alternatives = Vec::with_capacity(ALTERNATIVES + 1);
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
    alternatives
}
