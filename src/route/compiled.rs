//! The compiled forms of queues and rules: everything `decide` reads, normalised once by
//! `compile.rs` (bit sets for channels and urgencies, lowercase languages, merged skills, parsed
//! hours and SLAs), and the matching of a rule against a request.
//!
//! Imported by `compile.rs` (which builds them) and `policy.rs` (which reads them); imports neither,
//! only the request type of `types.rs` and the calendar, so the three files form no cycle.

use super::sla::SlaDuration;
use super::types::RouteInput;
use crate::calendar::WeeklyHours;
use crate::classify::UrgencyLevel;
use crate::route::Channel;

/// Every channel: `Channel` has eight variants, one bit each.
pub(super) const ALL_CHANNELS: u8 = u8::MAX;

/// The urgency levels that can reach the rules: critical always goes to the emergency queue first.
pub(super) const ROUTABLE_URGENCIES: u8 = 0b0111;

/// The bit of a channel in a channel set.
pub(super) fn channel_bit(channel: Channel) -> u8 {
    1 << (channel as u8)
}

/// The bit of an urgency level in an urgency set.
pub(super) fn urgency_bit(level: UrgencyLevel) -> u8 {
    1 << (level as u8)
}

/// A queue ready for routing.
#[derive(Debug, Clone)]
pub(super) struct Queue {
    pub(super) name: String,
    /// Deduplicated, in configuration order.
    pub(super) skills: Vec<String>,
    /// Lowercase ISO 639-1 codes; empty means any language.
    pub(super) languages: Vec<String>,
    /// Accepted channels as bits; `ALL_CHANNELS` when unrestricted.
    pub(super) channels: u8,
    /// `None` means open 24/7: SLAs then run round the clock.
    pub(super) hours: Option<WeeklyHours>,
    /// Indexed by `UrgencyLevel as usize`.
    pub(super) sla: [SlaDuration; 4],
}

/// A rule ready for matching: each condition is pre-normalised, "any" is `None` or a full bit set.
#[derive(Debug, Clone)]
pub(super) struct Rule {
    pub(super) name: String,
    /// Position in the configuration, from 1, for messages.
    pub(super) index: usize,
    /// Index into `Policy::queues`.
    pub(super) queue: usize,
    /// Topic labels, without `unknown` (such requests never reach the rules).
    pub(super) topics: Option<Vec<String>>,
    /// Routable urgency levels as bits.
    pub(super) urgencies: u8,
    /// The rule's channels intersected with its queue's: the queue's channels are an implicit condition.
    pub(super) channels: u8,
    /// Lowercase ISO 639-1 codes.
    pub(super) languages: Option<Vec<String>>,
    pub(super) attributes: Vec<(String, String)>,
    pub(super) priority: Option<u8>,
    /// The queue's skills followed by the rule's, deduplicated.
    pub(super) skills: Vec<String>,
}

impl Rule {
    /// Whether every condition holds for the request.
    pub(super) fn matches(&self, input: &RouteInput<'_>) -> bool {
        self.channels & channel_bit(input.channel) != 0
            && self.urgencies & urgency_bit(input.urgency) != 0
            && self
                .topics
                .as_ref()
                .is_none_or(|topics| topics.iter().any(|t| t == input.topic))
            && self.languages.as_ref().is_none_or(|langs| {
                langs
                    .iter()
                    .any(|l| l.eq_ignore_ascii_case(input.language.trim()))
            })
            && self
                .attributes
                .iter()
                .all(|(key, value)| input.attributes.get(key) == Some(value))
    }

    /// The request's values for the conditions this rule constrains, e.g. `topic tributi, channel pec`.
    pub(super) fn describe_match(&self, input: &RouteInput<'_>) -> String {
        let mut parts = Vec::new();
        if self.topics.is_some() {
            parts.push(format!("topic {}", input.topic));
        }
        if self.urgencies != ROUTABLE_URGENCIES {
            parts.push(format!("urgency {}", input.urgency));
        }
        if self.channels != ALL_CHANNELS {
            parts.push(format!("channel {}", input.channel));
        }
        if self.languages.is_some() {
            parts.push(format!("language {}", input.language.trim()));
        }
        for (key, value) in &self.attributes {
            parts.push(format!("{key} = {value}"));
        }
        if parts.is_empty() {
            "it matches every request".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// Whether this rule matches every request `later` would match (sound, not complete: a rule
    /// covered only by the union of several earlier rules is not detected).
    pub(super) fn subsumes(&self, later: &Rule) -> bool {
        let covers = |mine: &Option<Vec<String>>, theirs: &Option<Vec<String>>| match (mine, theirs)
        {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(mine), Some(theirs)) => theirs.iter().all(|t| mine.contains(t)),
        };
        later.channels & !self.channels == 0
            && later.urgencies & !self.urgencies == 0
            && covers(&self.topics, &later.topics)
            && covers(&self.languages, &later.languages)
            && self.attributes.iter().all(|a| later.attributes.contains(a))
    }
}
