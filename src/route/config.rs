//! The `[routing]` table of `instrada.toml` as written: plain serde types, no logic.
//!
//! These types only describe the shape of the file. [`Policy::from_config`](super::Policy::from_config)
//! validates them and compiles them into what `decide` uses. Values whose mistakes deserve a message
//! naming their entry (queue names, hours, durations, priorities) are kept as text or wide integers
//! here so that validation, not serde, reports them, and reports all of them at once.
//!
//! A leaf of `route`: it imports no other file of the module but the [`Channel`] enum, so that
//! `config.rs` (the settings) can embed it without pulling in the policy.

use crate::classify::UrgencyLevel;
use crate::route::Channel;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `[routing]` table: thresholds, special queues, holidays, queues and rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingConfig {
    /// IANA time zone of opening hours and holidays, e.g. `Europe/Rome`.
    #[serde(default)]
    pub timezone: String,
    /// Topic confidence below which a request goes to the triage queue for a person (0..=1).
    #[serde(default)]
    pub review_threshold: Option<f32>,
    /// Urgency confidence below which a request is flagged for review; its queue is unchanged (0..=1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency_review_threshold: Option<f32>,
    /// Queue for requests whose topic a person must decide.
    #[serde(default)]
    pub triage_queue: String,
    /// Queue for critical urgency, whatever else matches.
    #[serde(default)]
    pub emergency_queue: String,
    /// What may send a request to the emergency queue besides a critical urgency signal of the
    /// lexicon, which always does: the urgency model alone when its confidence in `critical` is at
    /// least this (0..=1). Absent: the model alone never escalates; its critical is handled as high
    /// and flagged for a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency_model_threshold: Option<f32>,
    /// The administration's language (ISO 639-1): what a request is taken to be written in when the
    /// caller does not say and detection cannot tell reliably. Default `it`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_language: Option<String>,
    /// Languages detection may answer; empty means those the queues and rules name, and the default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detect_languages: Vec<String>,
    /// Queue for requests that no rule matches.
    #[serde(default)]
    pub fallback_queue: String,
    /// Local closures: `MM-DD` every year (the patron saint) or `YYYY-MM-DD` once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub local_holidays: Vec<String>,
    /// The queues (`[[routing.queue]]`).
    #[serde(default, rename = "queue")]
    pub queues: Vec<QueueConfig>,
    /// The rules, tried in order; the first that matches chooses the queue (`[[routing.rule]]`).
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleConfig>,
}

/// One `[[routing.queue]]`: a work queue with its skills, languages, channels, hours and SLA.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    /// Unique name, referenced by rules and by the special queues.
    pub name: String,
    /// What the queue is for, for people reading the configuration or a dashboard.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Skills every request in this queue requires of the operator.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<String>,
    /// ISO 639-1 languages the queue's operators speak; empty means any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    /// Channels the queue accepts; empty means any. Rules targeting the queue match only these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
    /// Opening hours by day (`mon` … `sun` → `"08:30-12:30,14:30-16:30"`); absent means 24/7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<BTreeMap<String, String>>,
    /// Deadline per urgency level; all four levels are required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla: Option<SlaConfig>,
}

/// A queue's `sla` table: one duration (`"30m"`, `"4h"`, `"2d"`, `"1d4h"`) per urgency level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaConfig {
    /// Deadline for low urgency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<String>,
    /// Deadline for normal urgency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normal: Option<String>,
    /// Deadline for high urgency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<String>,
    /// Deadline for critical urgency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical: Option<String>,
}

impl SlaConfig {
    /// The duration text configured for one level, if any.
    pub fn get(&self, level: UrgencyLevel) -> Option<&str> {
        match level {
            UrgencyLevel::Low => self.low.as_deref(),
            UrgencyLevel::Normal => self.normal.as_deref(),
            UrgencyLevel::High => self.high.as_deref(),
            UrgencyLevel::Critical => self.critical.as_deref(),
        }
    }
}

/// One `[[routing.rule]]`: when its conditions hold, the request goes to its queue.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// Unique name, reported in decisions.
    pub name: String,
    /// Conditions; absent means the rule matches every request.
    #[serde(default)]
    pub when: WhenConfig,
    /// The queue chosen when the rule matches.
    pub queue: String,
    /// 1 (most urgent) ..= 5; absent means derived from urgency (critical 1, high 2, normal 3, low 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    /// Skills added to the queue's skills.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<String>,
}

/// A rule's conditions; every list that is empty or absent means "any", and all conditions must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhenConfig {
    /// Topic labels of the topic model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topic: Vec<String>,
    /// Urgency levels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urgency: Vec<UrgencyLevel>,
    /// Channels the request arrived through.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channel: Vec<Channel>,
    /// ISO 639-1 languages of the request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub language: Vec<String>,
    /// Request attributes that must all be present with exactly these values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deserialises_the_documented_shape() {
        let text = r#"
            timezone = "Europe/Rome"
            review_threshold = 0.55
            urgency_review_threshold = 0.40
            triage_queue = "triage"
            emergency_queue = "pronto_intervento"
            fallback_queue = "urp"
            local_holidays = ["12-10", "2026-12-24"]

            [[queue]]
            name = "tributi"
            description = "Ufficio tributi: TARI, IMU"
            skills = ["tributi"]
            languages = ["it"]
            channels = []
            hours = { mon = "08:30-12:30,14:30-16:30", tue = "08:30-12:30" }
            sla = { low = "5d", normal = "3d", high = "4h", critical = "1h" }

            [[rule]]
            name = "tributi"
            when = { topic = ["tributi"], urgency = ["high"], channel = ["pec"], attributes = { zona = "centro" } }
            queue = "tributi"
            priority = 2
            skills = ["pec"]
        "#;
        let cfg: RoutingConfig = toml::from_str(text).unwrap();
        assert_eq!(cfg.review_threshold, Some(0.55));
        assert_eq!(
            cfg.queues[0].sla.as_ref().unwrap().get(UrgencyLevel::High),
            Some("4h")
        );
        assert_eq!(cfg.queues[0].hours.as_ref().unwrap()["tue"], "08:30-12:30");
        let rule = &cfg.rules[0];
        assert_eq!(rule.when.urgency, vec![UrgencyLevel::High]);
        assert_eq!(rule.when.channel, vec![Channel::Pec]);
        assert_eq!(rule.when.attributes["zona"], "centro");
        assert_eq!(rule.priority, Some(2));
        // Round trip through TOML keeps everything.
        let again: RoutingConfig = toml::from_str(&toml::to_string(&cfg).unwrap()).unwrap();
        assert_eq!(again, cfg);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err =
            toml::from_str::<RoutingConfig>("timezone = \"Europe/Rome\"\nreview_treshold = 0.5")
                .unwrap_err();
        assert!(err.to_string().contains("review_treshold"), "{err}");
        let err = toml::from_str::<RoutingConfig>(
            "[[rule]]\nname = \"a\"\nqueue = \"b\"\nwhen = { topics = [] }",
        )
        .unwrap_err();
        assert!(err.to_string().contains("topics"), "{err}");
    }
}
