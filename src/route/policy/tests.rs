//! Decisions: order of the steps, skills, review flags, SLA deadlines and the shipped configuration.

use crate::classify::UrgencyLevel::{self, Critical, High, Low, Normal};
use crate::route::test_support::{BASE, base_policy, labels, rome};
use crate::route::{Channel, Policy, PolicyError, RouteInput, RouteOutcome};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// A request with sensible defaults: an Italian e-mail of normal urgency, Tue 24 Nov 2026 10:00.
struct Req {
    channel: Channel,
    topic: &'static str,
    topic_confidence: f32,
    urgency: UrgencyLevel,
    urgency_confidence: f32,
    signals: Vec<String>,
    signal_level: Option<UrgencyLevel>,
    language: &'static str,
    attributes: BTreeMap<String, String>,
    received_at: DateTime<Utc>,
}

impl Req {
    fn new(topic: &'static str) -> Self {
        Self {
            channel: Channel::Email,
            topic,
            topic_confidence: 0.9,
            urgency: Normal,
            urgency_confidence: 0.9,
            signals: Vec::new(),
            signal_level: None,
            language: "it",
            attributes: BTreeMap::new(),
            received_at: rome("2026-11-24 10:00"),
        }
    }
    fn channel(mut self, channel: Channel) -> Self {
        self.channel = channel;
        self
    }
    fn urgency(mut self, urgency: UrgencyLevel) -> Self {
        self.urgency = urgency;
        self
    }
    fn confidence(mut self, topic: f32, urgency: f32) -> Self {
        (self.topic_confidence, self.urgency_confidence) = (topic, urgency);
        self
    }
    fn language(mut self, language: &'static str) -> Self {
        self.language = language;
        self
    }
    fn at(mut self, local_rome: &str) -> Self {
        self.received_at = rome(local_rome);
        self
    }
    fn decide(&self, policy: &Policy) -> RouteOutcome {
        policy.decide(&RouteInput {
            channel: self.channel,
            topic: self.topic,
            topic_confidence: self.topic_confidence,
            urgency: self.urgency,
            urgency_confidence: self.urgency_confidence,
            urgency_signals: &self.signals,
            signal_level: self.signal_level,
            language: self.language,
            attributes: &self.attributes,
            received_at: self.received_at,
        })
    }
}

#[test]
fn a_topic_rule_chooses_the_queue_and_explains_why() {
    let out = Req::new("tributi").decide(&base_policy());
    assert_eq!(out.queue, "tributi");
    assert_eq!(out.rule.as_deref(), Some("tributi"));
    assert_eq!(
        out.skills,
        ["tributi", "tari"],
        "queue and rule skills, deduplicated"
    );
    assert!(!out.needs_human_review);
    assert_eq!(out.review_reason, None);
    assert_eq!(
        out.reasons[0],
        "Rule `tributi` matched (topic tributi) → queue `tributi`"
    );
    // The rule says 4; normal urgency asks for 3 and may raise it.
    assert_eq!(out.priority, 3);
    assert_eq!(
        out.reasons[1],
        "Priority 3: rule `tributi` sets 4, raised by normal urgency"
    );
    let low = Req::new("tributi").urgency(Low).decide(&base_policy());
    assert_eq!(
        (low.priority, low.reasons[1].as_str()),
        (4, "Priority 4: set by rule `tributi`")
    );
}

#[test]
fn the_first_matching_rule_wins() {
    // `pec` comes before `tributi`; its queue accepts only PEC, which is the rule's implicit condition.
    let out = Req::new("tributi")
        .channel(Channel::Pec)
        .decide(&base_policy());
    assert_eq!(
        (out.queue.as_str(), out.rule.as_deref()),
        ("protocollo", Some("pec"))
    );
    assert_eq!(out.skills, ["protocollo", "pec"]);
    assert_eq!(out.priority, 3);
    assert_eq!(
        out.reasons[0],
        "Rule `pec` matched (channel pec) → queue `protocollo`"
    );
    // `strade-urgenti` (high only) comes before `tecnico`.
    let policy = base_policy();
    let high = Req::new("strade_illuminazione")
        .urgency(High)
        .decide(&policy);
    assert_eq!(high.rule.as_deref(), Some("strade-urgenti"));
    assert_eq!(high.queue, "pronto_intervento");
    assert_eq!(high.priority, 2);
    assert_eq!(
        high.reasons[0],
        "Rule `strade-urgenti` matched (topic strade_illuminazione, urgency high) → queue `pronto_intervento`"
    );
    let normal = Req::new("strade_illuminazione").decide(&policy);
    assert_eq!(
        (normal.rule.as_deref(), normal.queue.as_str()),
        (Some("tecnico"), "tecnico")
    );
}

#[test]
fn a_critical_signal_escalates_whatever_else_matches() {
    let mut req = Req::new("unknown")
        .channel(Channel::Pec)
        .urgency(Critical)
        .confidence(0.1, 0.3)
        .language("en");
    req.signals = vec!["gas_leak".into(), "danger_to_life".into()];
    req.signal_level = Some(Critical);
    let out = req.decide(&base_policy());
    assert_eq!(out.queue, "pronto_intervento");
    assert_eq!((out.priority, out.urgency), (1, Critical));
    assert_eq!(out.rule, None);
    assert_eq!(
        out.reasons[0],
        "Critical urgency (signals gas_leak, danger_to_life of the urgency lexicon): escalated to queue `pronto_intervento`"
    );
    assert_eq!(out.reasons[1], "Priority 1: from critical urgency");
    assert_eq!(
        out.sla_due_at,
        req.received_at + chrono::TimeDelta::minutes(15)
    );
    assert_eq!(
        out.reasons.last().unwrap(),
        "SLA 15m round the clock (queue `pronto_intervento` has no opening hours): due Tue 24 Nov 2026 10:15 (Europe/Rome)"
    );
    // The model's low confidence asks for a person to look, but the signal still escalates.
    assert_eq!(
        out.review_reason.as_deref(),
        Some("urgency confidence 0.30 is below the urgency review threshold 0.40")
    );
}

#[test]
fn a_critical_from_the_model_alone_does_not_escalate_without_a_threshold() {
    let mut req = Req::new("tributi").urgency(Critical).confidence(0.9, 0.97);
    // A high signal does not make a critical one.
    req.signals = vec!["legal_deadline".into()];
    req.signal_level = Some(High);
    let out = req.decide(&base_policy());
    assert_eq!(out.queue, "tributi", "routed by its topic's rule");
    assert_eq!((out.priority, out.urgency), (2, High));
    assert!(out.needs_human_review);
    assert_eq!(
        out.review_reason.as_deref(),
        Some(
            "the urgency model alone says critical (0.97) with no critical signal in the text, and \
             the model alone does not escalate: a person should check whether it is an emergency"
        )
    );
    assert_eq!(
        out.reasons[0],
        "The urgency model alone says critical (0.97) with no critical signal in the text, and the \
         model alone does not escalate: handled as high urgency, not escalated"
    );
}

#[test]
fn the_model_alone_escalates_only_at_or_above_the_configured_threshold() {
    let policy = Policy::from_toml_str(
        &BASE.replace(
            "emergency_queue = \"pronto_intervento\"",
            "emergency_queue = \"pronto_intervento\"\nemergency_model_threshold = 0.9",
        ),
        &labels(),
    )
    .unwrap();
    let sure = Req::new("tributi")
        .urgency(Critical)
        .confidence(0.9, 0.9)
        .decide(&policy);
    assert_eq!(
        (sure.queue.as_str(), sure.urgency),
        ("pronto_intervento", Critical)
    );
    assert_eq!(
        sure.reasons[0],
        "Critical urgency (the urgency model alone, 0.90 at or above the emergency threshold 0.90): escalated to queue `pronto_intervento`"
    );
    assert!(!sure.needs_human_review);
    let unsure = Req::new("tributi")
        .urgency(Critical)
        .confidence(0.9, 0.68)
        .decide(&policy);
    assert_eq!((unsure.queue.as_str(), unsure.urgency), ("tributi", High));
    assert!(
        unsure
            .review_reason
            .unwrap()
            .contains("below the emergency threshold 0.90")
    );
    // A bad threshold is refused by name.
    let bad = BASE.replace(
        "emergency_queue = \"pronto_intervento\"",
        "emergency_queue = \"pronto_intervento\"\nemergency_model_threshold = 1.5",
    );
    let err = Policy::from_toml_str(&bad, &labels())
        .unwrap_err()
        .to_string();
    assert!(err.contains("emergency_model_threshold"), "{err}");
}

#[test]
fn low_topic_confidence_goes_to_triage() {
    let out = Req::new("tributi")
        .confidence(0.41, 0.9)
        .decide(&base_policy());
    assert_eq!(out.queue, "triage");
    assert_eq!(out.rule, None);
    assert!(out.needs_human_review);
    assert_eq!(
        out.review_reason.as_deref(),
        Some("topic confidence 0.41 is below the review threshold 0.55")
    );
    assert_eq!(
        out.reasons[0],
        "Topic confidence 0.41 is below the review threshold 0.55: sent to triage queue `triage` for a person to classify"
    );
    assert_eq!(out.skills, ["triage"]);
    // At the threshold exactly, the topic is trusted.
    assert_eq!(
        Req::new("tributi")
            .confidence(0.55, 0.9)
            .decide(&base_policy())
            .queue,
        "tributi"
    );
    // A NaN from a faulty classifier is not trusted.
    assert_eq!(
        Req::new("tributi")
            .confidence(f32::NAN, 0.9)
            .decide(&base_policy())
            .queue,
        "triage"
    );
}

#[test]
fn an_unknown_topic_goes_to_triage() {
    let out = Req::new("unknown").decide(&base_policy());
    assert_eq!(out.queue, "triage");
    assert_eq!(
        out.review_reason.as_deref(),
        Some("the topic model did not recognise the request")
    );
}

#[test]
fn no_matching_rule_goes_to_the_fallback() {
    let out = Req::new("elezioni").decide(&base_policy());
    assert_eq!(out.queue, "urp");
    assert_eq!(out.rule, None);
    assert!(!out.needs_human_review);
    assert_eq!(
        out.reasons[0],
        "No rule matched (topic elezioni, urgency normal, channel email, language it): sent to fallback queue `urp`"
    );
    assert_eq!(out.skills, ["urp"]);
}

#[test]
fn low_urgency_confidence_flags_review_but_keeps_the_queue() {
    let out = Req::new("tributi")
        .confidence(0.9, 0.3)
        .decide(&base_policy());
    assert_eq!(out.queue, "tributi");
    assert!(out.needs_human_review);
    assert_eq!(
        out.review_reason.as_deref(),
        Some("urgency confidence 0.30 is below the urgency review threshold 0.40")
    );
    assert!(out.reasons.iter().any(|r| r
        == "Urgency confidence 0.30 is below the urgency review threshold 0.40: a person should confirm the urgency (the queue is unchanged)"));
    let both = Req::new("tributi")
        .confidence(0.41, 0.3)
        .decide(&base_policy());
    assert_eq!(both.queue, "triage");
    assert_eq!(
        both.review_reason.as_deref(),
        Some(
            "topic confidence 0.41 is below the review threshold 0.55; urgency confidence 0.30 is below the urgency review threshold 0.40"
        )
    );
}

#[test]
fn attributes_must_all_be_equal() {
    let mut req = Req::new("rifiuti_igiene_urbana");
    req.attributes.insert("tipo".into(), "ingombranti".into());
    req.attributes.insert("zona".into(), "centro".into());
    let out = req.decide(&base_policy());
    assert_eq!(out.rule.as_deref(), Some("ingombranti"));
    assert_eq!(out.skills, ["tecnico", "ingombranti"]);
    assert_eq!(
        out.reasons[0],
        "Rule `ingombranti` matched (topic rifiuti_igiene_urbana, tipo = ingombranti) → queue `tecnico`"
    );
    req.attributes.insert("tipo".into(), "spazzamento".into());
    assert_eq!(req.decide(&base_policy()).queue, "urp");
}

#[test]
fn languages_choose_a_queue_or_add_a_skill() {
    let policy = base_policy();
    // Written English goes to the multilingual desk (language code case does not matter)...
    for lang in ["en", "EN"] {
        let out = Req::new("tributi").language(lang).decide(&policy);
        assert_eq!(
            (out.queue.as_str(), out.rule.as_deref()),
            ("multilingue", Some("stranieri"))
        );
        assert_eq!(out.skills, ["urp"]);
    }
    // ...whose queue takes only e-mail and web: a phone call falls through to the topic rule,
    // which asks for an English-speaking operator.
    let out = Req::new("tributi")
        .language("en")
        .channel(Channel::Phone)
        .decide(&policy);
    assert_eq!(out.queue, "tributi");
    assert_eq!(out.skills, ["tributi", "tari", "lang:en"]);
    assert!(
        out.reasons.contains(
            &"Language `en` is not among those of queue `tributi` (it): added skill `lang:en`"
                .to_string()
        )
    );
    // French is no rule's language.
    let out = Req::new("tributi").language("fr").decide(&policy);
    assert_eq!(out.skills, ["tributi", "tari", "lang:fr"]);
    // A queue without languages takes any; a missing code adds nothing.
    let out = Req::new("verde_pubblico").language("fr").decide(&policy);
    assert_eq!(out.skills, ["tecnico"]);
    let out = Req::new("tributi").language("").decide(&policy);
    assert_eq!(out.skills, ["tributi", "tari"]);
}

/// The due time in Rome of a request, as `YYYY-MM-DD HH:MM`.
fn due_local(out: &RouteOutcome) -> String {
    out.sla_due_at
        .with_timezone(&chrono_tz::Europe::Rome)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[test]
fn sla_in_business_hours_across_a_weekend() {
    // Fri 16:00 + 4h: one hour on Friday, three from Monday 09:00.
    let out = Req::new("tributi")
        .urgency(High)
        .at("2026-11-27 16:00")
        .decide(&base_policy());
    assert_eq!(due_local(&out), "2026-11-30 12:00");
    assert_eq!(
        out.reasons.last().unwrap(),
        "SLA 4h in business hours of `tributi`: due Mon 30 Nov 2026 12:00 (Europe/Rome)"
    );
}

#[test]
fn sla_skips_national_and_local_holidays() {
    let policy = base_policy();
    // Thu 24 Dec + 1d: Christmas, Santo Stefano and the weekend are closed.
    let out = Req::new("tributi").at("2026-12-24 10:00").decide(&policy);
    assert_eq!(due_local(&out), "2026-12-28 17:00");
    // Easter Monday (Pasquetta) 2026: counting starts on Tuesday.
    let out = Req::new("tributi")
        .urgency(High)
        .at("2026-04-06 09:30")
        .decide(&policy);
    assert_eq!(due_local(&out), "2026-04-07 13:00");
    // The patron saint on 10 December (local holiday "12-10").
    let out = Req::new("tributi")
        .urgency(High)
        .at("2026-12-09 16:30")
        .decide(&policy);
    assert_eq!(due_local(&out), "2026-12-11 12:30");
}

#[test]
fn sla_across_a_dst_change_keeps_office_hours() {
    // Fri 27 Mar 2026 16:00 CET; clocks go forward on Sunday; due Mon 12:00 CEST = 10:00 UTC.
    let out = Req::new("tributi")
        .urgency(High)
        .at("2026-03-27 16:00")
        .decide(&base_policy());
    assert_eq!(out.sla_due_at.to_rfc3339(), "2026-03-30T10:00:00+00:00");
}

#[test]
fn requests_at_night_or_on_sunday_start_at_the_next_opening() {
    let policy = base_policy();
    let out = Req::new("tributi")
        .urgency(High)
        .at("2026-11-29 23:30")
        .decide(&policy);
    assert_eq!(due_local(&out), "2026-11-30 13:00");
    let out = Req::new("tributi")
        .urgency(High)
        .at("2026-11-25 03:00")
        .decide(&policy);
    assert_eq!(due_local(&out), "2026-11-25 13:00");
}

#[test]
fn days_mean_close_of_business_of_the_nth_business_day() {
    let policy = base_policy();
    // Low urgency in `tributi` is 2d. Received Tuesday during opening: day 0 is Tuesday.
    let out = Req::new("tributi")
        .urgency(Low)
        .at("2026-11-24 10:00")
        .decide(&policy);
    assert_eq!(due_local(&out), "2026-11-26 17:00");
    // After closing, day 0 is Wednesday.
    let out = Req::new("tributi")
        .urgency(Low)
        .at("2026-11-24 17:30")
        .decide(&policy);
    assert_eq!(due_local(&out), "2026-11-27 17:00");
    // On Saturday, day 0 is Monday.
    let out = Req::new("tributi")
        .urgency(Low)
        .at("2026-11-28 10:00")
        .decide(&policy);
    assert_eq!(due_local(&out), "2026-12-02 17:00");
}

#[test]
fn queues_without_hours_count_round_the_clock() {
    let policy = base_policy();
    let t = DateTime::parse_from_rfc3339("2026-03-28T12:00:00Z")
        .unwrap()
        .to_utc();
    // 1d is 24 elapsed hours even across the DST change.
    let due = policy.sla_due_at("pronto_intervento", Low, t).unwrap();
    assert_eq!(due.to_rfc3339(), "2026-03-29T12:00:00+00:00");
    let due = policy.sla_due_at("pronto_intervento", High, t).unwrap();
    assert_eq!(due.to_rfc3339(), "2026-03-28T13:00:00+00:00");
    assert_eq!(policy.sla_due_at("nessuna", High, t), None);
}

#[test]
fn accessors_and_serialisation() {
    let policy = base_policy();
    assert_eq!(policy.timezone(), chrono_tz::Europe::Rome);
    assert_eq!(policy.queue_names().count(), 7);
    let rules: Vec<&str> = policy.rule_names().collect();
    assert_eq!(
        rules,
        [
            "pec",
            "stranieri",
            "strade-urgenti",
            "ingombranti",
            "tributi",
            "tecnico"
        ]
    );
    let out = Req::new("tributi").decide(&policy);
    let json = serde_json::to_value(&out).unwrap();
    assert_eq!(json["queue"], "tributi");
    assert_eq!(json["sla_due_at"], "2026-11-25T16:00:00Z");
}

#[test]
fn file_level_errors() {
    let err = Policy::from_toml_str("[server]\nport = 8080\n", &labels()).unwrap_err();
    assert_eq!(err.to_string(), "the given text has no [routing] table");
    let err = Policy::from_toml_str("[routing\n", &labels()).unwrap_err();
    assert!(matches!(err, PolicyError::Parse { .. }), "{err:?}");
    let err = Policy::from_toml_str(&BASE.replace("fallback_queue", "falback_queue"), &labels())
        .unwrap_err();
    let PolicyError::Parse { source, .. } = err else {
        panic!("{err:?}")
    };
    assert!(source.to_string().contains("falback_queue"), "{source}");
    let err = Policy::load("/nonexistent/instrada.toml", &labels()).unwrap_err();
    assert!(matches!(err, PolicyError::Read { .. }), "{err:?}");
}

#[test]
fn load_reads_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("instrada.toml");
    std::fs::write(&path, BASE).unwrap();
    let policy = Policy::load(&path, &labels()).unwrap();
    assert_eq!(policy.rule_names().count(), 6);
}

#[test]
fn the_shipped_configuration_compiles_and_routes_every_topic() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("instrada.toml");
    let policy = match Policy::load(&path, &labels()) {
        Ok(policy) => policy,
        Err(err) => panic!("{err}"),
    };
    for topic in crate::route::test_support::LABELS {
        let out = Req::new(topic).decide(&policy);
        assert!(out.rule.is_some(), "{topic} has no rule: {:?}", out.reasons);
        assert!(!out.needs_human_review);
        assert!(out.sla_due_at > Req::new(topic).received_at);
    }
    let mut critical = Req::new("tributi").urgency(Critical);
    critical.signals = vec!["gas_leak".into()];
    critical.signal_level = Some(Critical);
    assert_eq!(critical.decide(&policy).queue, "pronto_intervento");
    let model_only = Req::new("tributi").urgency(Critical).decide(&policy);
    assert_eq!(
        (model_only.queue.as_str(), model_only.urgency),
        ("tributi", High)
    );
    let pec = Req::new("edilizia_suap")
        .channel(Channel::Pec)
        .decide(&policy);
    assert_eq!(pec.queue, "protocollo");
    let english = Req::new("tributi")
        .language("en")
        .channel(Channel::Web)
        .decide(&policy);
    assert_eq!(english.queue, "urp_multilingue");
    assert_eq!(Req::new("unknown").decide(&policy).queue, "triage");
}
