//! Validation: every kind of mistake is refused with a message naming its entry.

use crate::classify::UrgencyLevel;
use crate::route::config::{QueueConfig, RoutingConfig, RuleConfig, SlaConfig, WhenConfig};
use crate::route::test_support::{BASE, base_config, base_policy, labels};
use crate::route::{Channel, Policy, PolicyError, PolicyProblem};
use std::collections::BTreeMap;

/// The messages of the problems found after `edit`ing the base configuration.
fn problems(edit: impl FnOnce(&mut RoutingConfig)) -> Vec<String> {
    let mut cfg = base_config();
    edit(&mut cfg);
    match Policy::from_config(&cfg, &labels()) {
        Ok(_) => Vec::new(),
        Err(err) => err.problems().iter().map(ToString::to_string).collect(),
    }
}

/// Asserts that exactly one problem was found and returns it.
fn single(edit: impl FnOnce(&mut RoutingConfig)) -> String {
    let found = problems(edit);
    assert_eq!(found.len(), 1, "{found:#?}");
    found.into_iter().next().unwrap()
}

fn rule(name: &str, queue: &str, when: WhenConfig) -> RuleConfig {
    RuleConfig {
        name: name.to_string(),
        when,
        queue: queue.to_string(),
        ..RuleConfig::default()
    }
}

fn topics(names: &[&str]) -> WhenConfig {
    WhenConfig {
        topic: names.iter().map(|s| s.to_string()).collect(),
        ..WhenConfig::default()
    }
}

fn queue_named<'a>(cfg: &'a mut RoutingConfig, name: &str) -> &'a mut QueueConfig {
    cfg.queues.iter_mut().find(|q| q.name == name).unwrap()
}

#[test]
fn the_base_configuration_is_valid() {
    assert_eq!(problems(|_| {}), Vec::<String>::new());
}

#[test]
fn unknown_queue_in_a_rule_names_the_rule() {
    let msg = single(|c| {
        c.rules
            .insert(2, rule("tributi-pec", "tributi2", topics(&["tributi"])))
    });
    assert_eq!(
        msg,
        "rule `tributi-pec` (rule #3): queue `tributi2` is not defined"
    );
}

#[test]
fn unknown_special_queues() {
    let found = problems(|c| {
        c.triage_queue = "smistamento".into();
        c.emergency_queue = "118".into();
        c.fallback_queue = "urp2".into();
    });
    assert_eq!(
        found,
        [
            "`routing.triage_queue`: queue `smistamento` is not defined",
            "`routing.emergency_queue`: queue `118` is not defined",
            "`routing.fallback_queue`: queue `urp2` is not defined",
        ]
    );
}

#[test]
fn missing_or_empty_fallback_queue() {
    assert_eq!(
        single(|c| c.fallback_queue.clear()),
        "`routing.fallback_queue` is missing or empty"
    );
    let text = crate::route::test_support::BASE.replace("fallback_queue = \"urp\"", "");
    let err = Policy::from_toml_str(&text, &labels()).unwrap_err();
    assert_eq!(
        err.problems(),
        [PolicyProblem::MissingSetting {
            key: "fallback_queue"
        }]
    );
}

#[test]
fn duplicate_names() {
    let msg = single(|c| {
        let copy = c.queues[3].clone();
        c.queues.push(copy);
    });
    assert_eq!(
        msg,
        "queue `tributi` is defined twice (queue #4 and queue #8)"
    );
    let msg = single(|c| {
        c.rules.push(rule("tributi", "urp", topics(&["cimiteri"])));
    });
    assert_eq!(msg, "rule `tributi` is defined twice (rule #5 and rule #7)");
}

#[test]
fn empty_names() {
    assert_eq!(
        single(|c| c.queues.push(QueueConfig::default())),
        "queue #8 has an empty name"
    );
    assert_eq!(
        single(|c| c.rules.push(rule(" ", "urp", topics(&["cimiteri"])))),
        "rule #7 has an empty name"
    );
}

#[test]
fn topics_must_be_labels_of_the_model() {
    let msg = single(|c| {
        c.rules
            .push(rule("tasse", "tributi", topics(&["tributo", "unknown"])))
    });
    assert_eq!(
        msg,
        "rule `tasse` (rule #7): topic `tributo` is not a label of the topic model"
    );
}

#[test]
fn unknown_is_an_allowed_topic_but_alone_it_never_matches() {
    assert_eq!(
        problems(|c| c
            .rules
            .push(rule("x", "urp", topics(&["unknown", "cimiteri"])))),
        Vec::<String>::new()
    );
    let msg = single(|c| c.rules.push(rule("ignoti", "urp", topics(&["unknown"]))));
    assert!(
        msg.starts_with("rule `ignoti` (rule #7) can never match: its only topic is `unknown`"),
        "{msg}"
    );
}

#[test]
fn a_rule_covered_by_an_earlier_one_is_refused() {
    let pec = WhenConfig {
        topic: vec!["tributi".into()],
        channel: vec![Channel::Email],
        urgency: vec![UrgencyLevel::Low],
        ..WhenConfig::default()
    };
    let msg = single(|c| c.rules.push(rule("tributi-email", "tributi", pec)));
    assert_eq!(
        msg,
        "rule `tributi-email` (rule #7) can never match: rule `tributi` (rule #5) comes first and matches every request it would"
    );
    // A catch-all rule shadows everything after it.
    let found = problems(|c| {
        c.rules
            .insert(0, rule("tutto", "urp", WhenConfig::default()))
    });
    assert_eq!(found.len(), 6, "{found:#?}");
    assert!(
        found
            .iter()
            .all(|m| m.contains("rule `tutto` (rule #1) comes first")),
        "{found:#?}"
    );
}

#[test]
fn subsumption_respects_every_dimension() {
    // A later rule with a topic the earlier lacks is reachable.
    assert!(
        problems(|c| c
            .rules
            .push(rule("t", "tributi", topics(&["tributi", "cimiteri"]))))
        .is_empty()
    );
    // An earlier rule with an attribute does not cover a later rule without it...
    let with_attr = WhenConfig {
        attributes: BTreeMap::from([("tipo".to_string(), "ingombranti".to_string())]),
        ..topics(&["rifiuti_igiene_urbana"])
    };
    assert!(
        problems(|c| c.rules.push(rule(
            "rifiuti",
            "tecnico",
            topics(&["rifiuti_igiene_urbana"])
        )))
        .is_empty()
    );
    // ...but a later rule with the same attribute and more is covered.
    let mut more = with_attr.clone();
    more.attributes.insert("zona".into(), "centro".into());
    let msg = single(|c| c.rules.push(rule("ingombranti-centro", "tecnico", more)));
    assert!(
        msg.contains("rule `ingombranti` (rule #4) comes first"),
        "{msg}"
    );
    // The queue's channels are an implicit condition: the `pec` rule (no `when`) covers only PEC.
    let pec_tributi = WhenConfig {
        channel: vec![Channel::Pec],
        ..topics(&["cimiteri"])
    };
    let msg = single(|c| c.rules.push(rule("pec-cimiteri", "urp", pec_tributi)));
    assert!(msg.contains("rule `pec` (rule #1) comes first"), "{msg}");
    // Urgency `[low, normal, high]` is as wide as "any", since critical never reaches the rules.
    let all_routable = WhenConfig {
        urgency: vec![UrgencyLevel::Low, UrgencyLevel::Normal, UrgencyLevel::High],
        ..topics(&["cimiteri"])
    };
    let found = problems(|c| {
        c.rules.push(rule("cimiteri-tutti", "urp", all_routable));
        c.rules.push(rule("cimiteri", "urp", topics(&["cimiteri"])));
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("rule `cimiteri` (rule #8) can never match: rule `cimiteri-tutti`")
    );
}

#[test]
fn critical_only_rule_never_matches() {
    let when = WhenConfig {
        urgency: vec![UrgencyLevel::Critical],
        ..topics(&["acqua_fognature"])
    };
    let msg = single(|c| c.rules.insert(0, rule("allagamenti", "tecnico", when)));
    assert_eq!(
        msg,
        "rule `allagamenti` (rule #1) can never match: its only urgency is `critical`, and critical requests always go to the emergency queue `pronto_intervento`"
    );
}

#[test]
fn channels_outside_the_queue_never_match() {
    let when = WhenConfig {
        channel: vec![Channel::Phone],
        ..WhenConfig::default()
    };
    let msg = single(|c| {
        c.rules
            .push(rule("telefono-protocollo", "protocollo", when))
    });
    assert_eq!(
        msg,
        "rule `telefono-protocollo` (rule #7) can never match: none of its channels is accepted by its queue `protocollo` (only pec)"
    );
}

#[test]
fn timezone_problems() {
    assert_eq!(
        single(|c| c.timezone = "Europe/Roma".into()),
        "`routing.timezone`: `Europe/Roma` is not an IANA time zone name (e.g. \"Europe/Rome\")"
    );
    assert_eq!(
        single(|c| c.timezone.clear()),
        "`routing.timezone` is missing or empty"
    );
}

#[test]
fn hours_problems_name_queue_and_day() {
    let set = |day: &str, text: &str| {
        let (day, text) = (day.to_string(), text.to_string());
        move |c: &mut RoutingConfig| {
            queue_named(c, "tributi")
                .hours
                .as_mut()
                .unwrap()
                .insert(day, text);
        }
    };
    assert_eq!(
        single(set("mon", "08:30-12:30,12:00-13:00")),
        "queue `tributi`: hours.mon = \"08:30-12:30,12:00-13:00\": windows 08:30-12:30 and 12:00-13:00 overlap"
    );
    assert_eq!(
        single(set("tue", "12:30-08:30")),
        "queue `tributi`: hours.tue = \"12:30-08:30\": window `12:30-08:30` does not end after it starts (a window cannot run past midnight)"
    );
    assert_eq!(
        single(set("wed", "8:30-25:00")),
        "queue `tributi`: hours.wed = \"8:30-25:00\": `25:00` is not a time of day (expected HH:MM from 00:00 to 24:00)"
    );
    assert_eq!(
        single(set("lun", "08:30-12:30")),
        "queue `tributi`: unknown day `lun` in `hours` (expected mon, tue, wed, thu, fri, sat or sun)"
    );
    let msg = single(|c| {
        queue_named(c, "tributi").hours = Some(BTreeMap::from([("mon".into(), "".into())]))
    });
    assert!(
        msg.starts_with("queue `tributi`: `hours` has no opening time on any day"),
        "{msg}"
    );
}

#[test]
fn sla_problems_name_queue_and_level() {
    let msg = single(|c| queue_named(c, "urp").sla.as_mut().unwrap().high = Some("4 ore".into()));
    assert!(
        msg.starts_with("queue `urp`: sla.high: `4 ore` is not a duration"),
        "{msg}"
    );
    let msg = single(|c| queue_named(c, "urp").sla.as_mut().unwrap().critical = None);
    assert_eq!(
        msg,
        "queue `urp`: sla.critical is missing (all four levels low, normal, high and critical are required)"
    );
    let msg = single(|c| queue_named(c, "urp").sla = None);
    assert_eq!(
        msg,
        "queue `urp`: `sla` is missing (give low, normal, high and critical)"
    );
    let msg = single(|c| queue_named(c, "urp").sla.as_mut().unwrap().low = Some("0m".into()));
    assert!(
        msg.starts_with("queue `urp`: sla.low: `0m` is zero"),
        "{msg}"
    );
    let msg = single(|c| queue_named(c, "urp").sla.as_mut().unwrap().low = Some("400d".into()));
    assert!(
        msg.starts_with("queue `urp`: sla.low: `400d` is longer"),
        "{msg}"
    );
}

#[test]
fn priority_must_be_1_to_5() {
    for bad in [0, 6, -1, 300] {
        let msg = single(|c| c.rules[4].priority = Some(bad));
        assert_eq!(
            msg,
            format!("rule `tributi` (rule #5): priority {bad} is outside 1..=5")
        );
    }
    assert!(problems(|c| c.rules[4].priority = Some(1)).is_empty());
    assert!(problems(|c| c.rules[4].priority = Some(5)).is_empty());
}

#[test]
fn thresholds_must_be_within_0_and_1() {
    assert_eq!(
        single(|c| c.review_threshold = Some(1.5)),
        "`routing.review_threshold` is 1.5, but must be between 0 and 1"
    );
    assert_eq!(
        single(|c| c.urgency_review_threshold = Some(-0.1)),
        "`routing.urgency_review_threshold` is -0.1, but must be between 0 and 1"
    );
    assert_eq!(
        single(|c| c.review_threshold = Some(f32::NAN)),
        "`routing.review_threshold` is NaN, but must be between 0 and 1"
    );
    assert_eq!(
        single(|c| c.review_threshold = None),
        "`routing.review_threshold` is missing or empty"
    );
    assert!(problems(|c| c.urgency_review_threshold = None).is_empty());
}

#[test]
fn bad_holidays() {
    assert_eq!(
        single(|c| c.local_holidays.push("31-12".into())),
        "`routing.local_holidays`: `31-12` is not a date (expected MM-DD such as \"12-10\", or YYYY-MM-DD such as \"2026-12-24\")"
    );
}

#[test]
fn bad_languages_name_their_place() {
    assert_eq!(
        single(|c| queue_named(c, "urp").languages.push("ita".into())),
        "queue `urp`: language `ita` is not an ISO 639-1 code (two letters, e.g. \"it\")"
    );
    assert_eq!(
        single(|c| c.rules[1].when.language.push("e1".into())),
        "rule `stranieri` (rule #2): language `e1` is not an ISO 639-1 code (two letters, e.g. \"it\")"
    );
}

#[test]
fn special_queues_must_accept_every_channel() {
    assert_eq!(
        single(|c| queue_named(c, "urp").channels = vec![Channel::Email]),
        "queue `urp` is the fallback queue, so it must accept every channel: remove its `channels`"
    );
}

#[test]
fn all_problems_are_reported_together_one_per_line() {
    let mut cfg = base_config();
    cfg.timezone = "Mars/Olympus".into();
    cfg.rules[4].queue = "tributi2".into();
    cfg.rules[4].priority = Some(9);
    queue_named(&mut cfg, "urp").sla = Some(SlaConfig::default());
    let err = Policy::from_config(&cfg, &labels()).unwrap_err();
    assert!(matches!(err, PolicyError::Invalid { .. }));
    let text = err.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "the routing policy is invalid (7 problems):");
    assert_eq!(lines.len(), 8, "{text}");
    assert!(
        text.contains("\n  - `routing.timezone`: `Mars/Olympus`"),
        "{text}"
    );
    assert!(
        text.contains("\n  - rule `tributi` (rule #5): queue `tributi2` is not defined"),
        "{text}"
    );
    assert!(
        text.contains("\n  - rule `tributi` (rule #5): priority 9 is outside 1..=5"),
        "{text}"
    );
    assert!(
        text.contains("\n  - queue `urp`: sla.low is missing"),
        "{text}"
    );
}

#[test]
fn detection_languages_default_to_those_the_policy_names() {
    let policy = base_policy();
    assert_eq!(policy.default_language(), "it");
    assert_eq!(policy.detect_languages()[0], "it");
    let custom = BASE.replace(
        "emergency_queue = \"pronto_intervento\"",
        "emergency_queue = \"pronto_intervento\"\ndefault_language = \"de\"\ndetect_languages = [\"it\", \"en\"]",
    );
    let custom = Policy::from_toml_str(&custom, &labels()).unwrap();
    assert_eq!(custom.default_language(), "de");
    assert_eq!(custom.detect_languages(), ["de", "it", "en"]);
    let bad = BASE.replace(
        "emergency_queue = \"pronto_intervento\"",
        "emergency_queue = \"pronto_intervento\"\ndetect_languages = [\"ar\"]",
    );
    let err = Policy::from_toml_str(&bad, &labels())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`routing.detect_languages`: language `ar` cannot be detected"),
        "{err}"
    );
}
