//! The one place that defines every feature computed from a citizen's contact history: names,
//! kinds and meanings ([`BUILTIN`], plus the attributes a [`FeatureSpec`] names), and the one
//! function, [`features`], that computes them for training, for the backtest and for serving.
//!
//! # No leakage
//!
//! [`features`] reads only events that occurred at or before `as_of`; events after it (later
//! contacts, or a history with future dates) change nothing. The labels ([`OutreachLabel`]) are
//! the only code that reads past `as_of`, and only the window `(as_of, as_of + 30 days]`.
//!
//! # Events that are not contacts: deadlines
//!
//! A deadline (an identity card that expires, a TARI instalment due) is supplied as an event
//! whose `attributes.deadline` is a date, `YYYY-MM-DD` (or an RFC 3339 time): it is known from the
//! event's `occurred_at` on and pending until the date passes, unless a later event carries
//! `attributes.deadline_met` with the same date. An event whose `outcome` is `deadline` is a
//! notice only (sent to or about the citizen, not a contact by them): it counts for the deadlines,
//! never as a contact. Any other event may carry a deadline too (a contact that set a date).
//!
//! # Outcomes
//!
//! A case is a topic: its state is the outcome of the citizen's latest contact on it in the last
//! 365 days. [`UNRESOLVED`] outcomes leave it open; anything else (`resolved`, `closed`, none…)
//! closes it. `reopened` and `escalated` are also counted on their own.

use super::row::{FeatureDef, FeatureRow, Kind, Value};
use crate::store::HistoryEvent;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Outcomes that leave a case open.
pub const UNRESOLVED: [&str; 7] = [
    "open",
    "pending",
    "unresolved",
    "reopened",
    "escalated",
    "abandoned",
    "callback",
];
/// Urgency levels counted as high-urgency signals.
pub const HIGH_URGENCY: [&str; 2] = ["high", "critical"];
/// Topics and outcomes that make a contact a complaint (for [`OutreachLabel::Complaint30d`]).
pub const COMPLAINT: [&str; 3] = ["complaint", "reclamo", "reclami"];
/// The outcome of an event that is a deadline notice, not a contact.
pub const NOTICE_OUTCOME: &str = "deadline";
/// The attribute carrying a deadline's date.
pub const DEADLINE_ATTRIBUTE: &str = "deadline";
/// The attribute that settles a deadline (same date).
pub const DEADLINE_MET_ATTRIBUTE: &str = "deadline_met";
/// Prefix of the features taken from events' attributes.
pub const ATTRIBUTE_PREFIX: &str = "attributes.";

/// The built-in features: name, kind, meaning in English, meaning in Italian. `{N}` is the spec's
/// `repeat_days`.
pub const BUILTIN: [(&str, Kind, &str, &str); 15] = [
    (
        "contacts_7d",
        Kind::Numeric,
        "contacts in the last 7 days",
        "contatti negli ultimi 7 giorni",
    ),
    (
        "contacts_30d",
        Kind::Numeric,
        "contacts in the last 30 days",
        "contatti negli ultimi 30 giorni",
    ),
    (
        "contacts_90d",
        Kind::Numeric,
        "contacts in the last 90 days",
        "contatti negli ultimi 90 giorni",
    ),
    (
        "repeat_same_topic",
        Kind::Numeric,
        "most contacts on one topic in the last {N} days (failure demand)",
        "massimo di contatti sullo stesso tema negli ultimi {N} giorni (domanda di ritorno)",
    ),
    (
        "open_cases",
        Kind::Numeric,
        "topics whose latest contact left the case open",
        "temi il cui ultimo contatto ha lasciato la pratica aperta",
    ),
    (
        "reopened_90d",
        Kind::Numeric,
        "contacts ending `reopened` in the last 90 days",
        "contatti chiusi come `reopened` negli ultimi 90 giorni",
    ),
    (
        "escalated_90d",
        Kind::Numeric,
        "contacts ending `escalated` in the last 90 days",
        "contatti chiusi come `escalated` negli ultimi 90 giorni",
    ),
    (
        "channels_90d",
        Kind::Numeric,
        "distinct channels used in the last 90 days",
        "canali diversi usati negli ultimi 90 giorni",
    ),
    (
        "channel_switch_30d",
        Kind::Numeric,
        "1 if, in the last 30 days, two consecutive contacts on one topic came through different channels (e.g. web then phone)",
        "1 se, negli ultimi 30 giorni, due contatti consecutivi sullo stesso tema sono arrivati da canali diversi (es. web poi telefono)",
    ),
    (
        "days_since_last_contact",
        Kind::Numeric,
        "days since the last contact (missing: never)",
        "giorni dall'ultimo contatto (mancante: mai)",
    ),
    (
        "high_urgency_90d",
        Kind::Numeric,
        "high or critical urgency contacts in the last 90 days",
        "contatti con urgenza alta o critica negli ultimi 90 giorni",
    ),
    (
        "deadlines_30d",
        Kind::Numeric,
        "pending deadlines in the next 30 days",
        "scadenze pendenti nei prossimi 30 giorni",
    ),
    (
        "days_to_deadline",
        Kind::Numeric,
        "days to the nearest pending deadline within a year (missing: none)",
        "giorni alla prossima scadenza pendente entro un anno (mancante: nessuna)",
    ),
    (
        "last_channel",
        Kind::Categorical,
        "channel of the last contact",
        "canale dell'ultimo contatto",
    ),
    (
        "last_topic",
        Kind::Categorical,
        "topic of the last contact",
        "tema dell'ultimo contatto",
    ),
];

/// What to compute beyond the built-in features, and the repeat window. Part of the feature
/// definitions' hash: a model refuses rows computed with another spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// Window of `repeat_same_topic`, days. Default 14.
    #[serde(default = "default_repeat_days")]
    pub repeat_days: u32,
    /// Attributes read as numbers (latest value as of the time), as `attributes.NAME`. Default none.
    #[serde(default)]
    pub numeric_attributes: Vec<String>,
    /// Attributes read as categories, as `attributes.NAME`. Default none.
    #[serde(default)]
    pub categorical_attributes: Vec<String>,
}

fn default_repeat_days() -> u32 {
    14
}

impl Default for FeatureSpec {
    fn default() -> Self {
        Self {
            repeat_days: default_repeat_days(),
            numeric_attributes: Vec::new(),
            categorical_attributes: Vec::new(),
        }
    }
}

impl FeatureSpec {
    /// Every feature this spec computes, built-in first, then the attributes.
    pub fn definitions(&self) -> Vec<FeatureDef> {
        let n = self.repeat_days.to_string();
        let mut defs: Vec<FeatureDef> = BUILTIN
            .iter()
            .map(|(name, kind, en, it)| FeatureDef {
                name: (*name).into(),
                kind: *kind,
                en: en.replace("{N}", &n),
                it: it.replace("{N}", &n),
            })
            .collect();
        let attrs = [
            (&self.numeric_attributes, Kind::Numeric),
            (&self.categorical_attributes, Kind::Categorical),
        ];
        for (names, kind) in attrs {
            for a in names {
                defs.push(FeatureDef {
                    name: format!("{ATTRIBUTE_PREFIX}{a}"),
                    kind,
                    en: format!("attribute `{a}` of the latest contact carrying it"),
                    it: format!("attributo `{a}` dell'ultimo contatto che lo riporta"),
                });
            }
        }
        defs
    }
}

/// A citizen's events, oldest first (the constructor sorts them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// The events.
    pub events: Vec<HistoryEvent>,
}

impl History {
    /// A history of `events`, in any order.
    pub fn new(mut events: Vec<HistoryEvent>) -> Self {
        events.sort_by_key(|e| e.occurred_at);
        Self { events }
    }

    /// The events at or before `as_of`.
    fn until(&self, as_of: DateTime<Utc>) -> &[HistoryEvent] {
        let end = self.events.partition_point(|e| e.occurred_at <= as_of);
        &self.events[..end]
    }
}

fn is_notice(e: &HistoryEvent) -> bool {
    e.outcome.as_deref() == Some(NOTICE_OUTCOME)
}

fn outcome_in(e: &HistoryEvent, set: &[&str]) -> bool {
    e.outcome.as_deref().is_some_and(|o| set.contains(&o))
}

/// A date attribute: `YYYY-MM-DD` or RFC 3339.
fn date_attribute(e: &HistoryEvent, name: &str) -> Option<NaiveDate> {
    let v = e.attributes.get(name)?.trim();
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .or_else(|| DateTime::parse_from_rfc3339(v).ok().map(|t| t.date_naive()))
}

/// The features of `history` as of `as_of`: reads no event after `as_of` (see the module docs).
pub fn features(history: &History, as_of: DateTime<Utc>, spec: &FeatureSpec) -> FeatureRow {
    let past = history.until(as_of);
    let contacts: Vec<&HistoryEvent> = past.iter().filter(|e| !is_notice(e)).collect();
    let within = |days: i64| {
        let from = as_of - Duration::days(days);
        contacts
            .iter()
            .copied()
            .filter(move |e| e.occurred_at > from)
    };
    let mut row = FeatureRow::default();
    let num = |n: usize| Value::Num(n as f64);
    row.set("contacts_7d", num(within(7).count()));
    row.set("contacts_30d", num(within(30).count()));
    row.set("contacts_90d", num(within(90).count()));
    let mut per_topic: BTreeMap<&str, usize> = BTreeMap::new();
    for e in within(i64::from(spec.repeat_days)) {
        if let Some(t) = e.topic.as_deref() {
            *per_topic.entry(t).or_default() += 1;
        }
    }
    row.set(
        "repeat_same_topic",
        num(per_topic.values().copied().max().unwrap_or(0)),
    );
    let mut latest: BTreeMap<&str, &HistoryEvent> = BTreeMap::new();
    for e in within(365) {
        latest.insert(e.topic.as_deref().unwrap_or(""), e);
    }
    let open = latest
        .values()
        .filter(|e| outcome_in(e, &UNRESOLVED))
        .count();
    row.set("open_cases", num(open));
    row.set(
        "reopened_90d",
        num(within(90).filter(|e| outcome_in(e, &["reopened"])).count()),
    );
    row.set(
        "escalated_90d",
        num(within(90).filter(|e| outcome_in(e, &["escalated"])).count()),
    );
    let channels: BTreeSet<&str> = within(90).map(|e| e.channel.as_str()).collect();
    row.set("channels_90d", num(channels.len()));
    row.set(
        "channel_switch_30d",
        num(usize::from(channel_switch(within(30)))),
    );
    let last = contacts.last();
    let days = |t: DateTime<Utc>| (as_of - t).num_seconds() as f64 / 86_400.0;
    row.set(
        "days_since_last_contact",
        Value::num(last.map(|e| days(e.occurred_at))),
    );
    let high = within(90).filter(|e| {
        e.urgency
            .as_deref()
            .is_some_and(|u| HIGH_URGENCY.contains(&u))
    });
    row.set("high_urgency_90d", num(high.count()));
    let left = days_to_deadlines(past, as_of);
    row.set(
        "deadlines_30d",
        num(left.iter().filter(|d| **d <= 30).count()),
    );
    row.set(
        "days_to_deadline",
        Value::num(left.first().map(|d| *d as f64)),
    );
    row.set(
        "last_channel",
        last.map_or(Value::Missing, |e| Value::Cat(e.channel.clone())),
    );
    let topic = last.and_then(|e| e.topic.clone());
    row.set("last_topic", topic.map_or(Value::Missing, Value::Cat));
    attributes(&mut row, past, spec);
    row
}

/// Whether two consecutive contacts on one topic came through different channels.
fn channel_switch<'a>(recent: impl Iterator<Item = &'a HistoryEvent>) -> bool {
    let mut last_channel: BTreeMap<&str, &str> = BTreeMap::new();
    for e in recent {
        let Some(topic) = e.topic.as_deref() else {
            continue;
        };
        if last_channel
            .insert(topic, &e.channel)
            .is_some_and(|c| c != e.channel)
        {
            return true;
        }
    }
    false
}

/// Days left to each pending deadline within a year, nearest first.
fn days_to_deadlines(past: &[HistoryEvent], as_of: DateTime<Utc>) -> Vec<i64> {
    let met: BTreeSet<NaiveDate> = past
        .iter()
        .filter_map(|e| date_attribute(e, DEADLINE_MET_ATTRIBUTE))
        .collect();
    let today = as_of.date_naive();
    let mut left: Vec<i64> = past
        .iter()
        .filter_map(|e| date_attribute(e, DEADLINE_ATTRIBUTE))
        .filter(|d| !met.contains(d))
        .map(|d| (d - today).num_days())
        .filter(|d| (0..=365).contains(d))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    left.sort_unstable();
    left
}

/// The configured attributes: the latest value of each among the events up to the time.
fn attributes(row: &mut FeatureRow, past: &[HistoryEvent], spec: &FeatureSpec) {
    let latest = |name: &str| past.iter().rev().find_map(|e| e.attributes.get(name));
    for a in &spec.numeric_attributes {
        let v = latest(a).and_then(|v| v.trim().replace(',', ".").parse::<f64>().ok());
        row.set(
            format!("{ATTRIBUTE_PREFIX}{a}"),
            Value::num(v.filter(|x| x.is_finite())),
        );
    }
    for a in &spec.categorical_attributes {
        let v = latest(a).map_or(Value::Missing, |v| Value::Cat(v.trim().to_string()));
        row.set(format!("{ATTRIBUTE_PREFIX}{a}"), v);
    }
}

/// What `--from-store` training learns to predict: whether something happens in the 30 days
/// after the "as of" time, `(as_of, as_of + 30 days]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutreachLabel {
    /// A contact on a topic the citizen already contacted about in the 90 days up to the time
    /// (failure demand: coming back about the same thing).
    RepeatContact30d,
    /// A contact whose topic or outcome is a complaint ([`COMPLAINT`]).
    Complaint30d,
    /// A contact that ends `escalated`.
    Escalation30d,
}

/// The label window, days.
pub const LABEL_DAYS: i64 = 30;

impl OutreachLabel {
    /// Every label.
    pub const ALL: [Self; 3] = [
        Self::RepeatContact30d,
        Self::Complaint30d,
        Self::Escalation30d,
    ];

    /// `repeat_contact_30d`, `complaint_30d` or `escalation_30d`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RepeatContact30d => "repeat_contact_30d",
            Self::Complaint30d => "complaint_30d",
            Self::Escalation30d => "escalation_30d",
        }
    }

    /// The label called `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == name.trim())
    }

    /// Whether it happens in `history` in `(as_of, as_of + 30 days]`.
    pub fn happens(self, history: &History, as_of: DateTime<Utc>) -> bool {
        let end = as_of + Duration::days(LABEL_DAYS);
        let past = history.until(as_of);
        let mut next = history.events[past.len()..]
            .iter()
            .filter(|e| e.occurred_at <= end && !is_notice(e));
        match self {
            Self::RepeatContact30d => {
                let from = as_of - Duration::days(90);
                let known: BTreeSet<&str> = past
                    .iter()
                    .filter(|e| e.occurred_at > from && !is_notice(e))
                    .filter_map(|e| e.topic.as_deref())
                    .collect();
                next.any(|e| e.topic.as_deref().is_some_and(|t| known.contains(t)))
            }
            Self::Complaint30d => next.any(|e| {
                outcome_in(e, &COMPLAINT)
                    || e.topic.as_deref().is_some_and(|t| COMPLAINT.contains(&t))
            }),
            Self::Escalation30d => next.any(|e| outcome_in(e, &["escalated"])),
        }
    }
}

#[cfg(test)]
#[path = "features_tests.rs"]
mod tests;
