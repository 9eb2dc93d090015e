//! Why a routing policy was refused: every problem names the entry that holds it, and all problems
//! of a configuration are reported together so that one edit can fix them all.
//!
//! Imports only the parse errors it wraps (`sla.rs`, [`crate::calendar`]); never the policy or its
//! compilation, which import it.

use super::sla::DurationError;
use crate::calendar::HoursError;
use crate::classify::UrgencyLevel;
use std::path::PathBuf;

/// A routing policy could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The configuration file could not be read.
    #[error("cannot read the routing policy from `{}`", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },
    /// The text is not TOML, or its `[routing]` table does not have the expected shape.
    #[error("cannot parse the routing policy in {origin}")]
    Parse {
        /// Where the text came from (a path, or "the given text").
        origin: String,
        /// The parser's message, with line and column.
        source: toml::de::Error,
    },
    /// The file has no `[routing]` table.
    #[error("{origin} has no [routing] table")]
    MissingSection {
        /// Where the text came from.
        origin: String,
    },
    /// The configuration was read but is not a valid policy; one problem per line.
    #[error("the routing policy is invalid ({} problem{}):\n{}", problems.len(), plural(problems.len()), lines(problems))]
    Invalid {
        /// Every problem found, in the order of the configuration.
        problems: Vec<PolicyProblem>,
    },
}

impl PolicyError {
    /// The validation problems, if the policy was refused for its content.
    pub fn problems(&self) -> &[PolicyProblem] {
        match self {
            Self::Invalid { problems } => problems,
            _ => &[],
        }
    }
}

/// One problem of a routing configuration; its message names the offending entry.
///
/// Rule and queue numbers (`rule #3`) count from 1 in the order of the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyProblem {
    /// A required setting is absent or empty.
    #[error("`routing.{key}` is missing or empty")]
    MissingSetting {
        /// The key under `[routing]`.
        key: &'static str,
    },
    /// The time zone is not an IANA name chrono-tz knows.
    #[error("`routing.timezone`: `{name}` is not an IANA time zone name (e.g. \"Europe/Rome\")")]
    BadTimezone {
        /// The name as written.
        name: String,
    },
    /// A confidence threshold is not within 0..=1.
    #[error("`routing.{key}` is {value}, but must be between 0 and 1")]
    ThresholdOutOfRange {
        /// The key under `[routing]`.
        key: &'static str,
        /// The configured value.
        value: f32,
    },
    /// A local holiday is not a date.
    #[error("`routing.local_holidays`: {problem}")]
    BadHoliday {
        /// What is wrong with it, quoting the entry.
        problem: crate::calendar::HolidayError,
    },
    /// A queue name is referenced but no queue has it.
    #[error("{place}: queue `{queue}` is not defined")]
    UnknownQueue {
        /// Who refers to it: a rule, or one of the special queue settings.
        place: String,
        /// The name as written.
        queue: String,
    },
    /// A queue has an empty name.
    #[error("queue #{index} has an empty name")]
    UnnamedQueue {
        /// Position in the file, from 1.
        index: usize,
    },
    /// Two queues have the same name.
    #[error("queue `{name}` is defined twice (queue #{first} and queue #{again})")]
    DuplicateQueue {
        /// The repeated name.
        name: String,
        /// Position of the first definition, from 1.
        first: usize,
        /// Position of the repeated definition, from 1.
        again: usize,
    },
    /// A day key of `hours` is not `mon` … `sun`.
    #[error(
        "queue `{queue}`: unknown day `{day}` in `hours` (expected mon, tue, wed, thu, fri, sat or sun)"
    )]
    UnknownDay {
        /// The queue.
        queue: String,
        /// The key as written.
        day: String,
    },
    /// One day's opening hours cannot be parsed.
    #[error("queue `{queue}`: hours.{day} = \"{value}\": {problem}")]
    BadHours {
        /// The queue.
        queue: String,
        /// The day key.
        day: String,
        /// The text as written.
        value: String,
        /// What is wrong with it.
        problem: HoursError,
    },
    /// `hours` is given but has no opening at all, so no SLA could ever be met.
    #[error(
        "queue `{queue}`: `hours` has no opening time on any day (leave `hours` out for a queue open 24/7)"
    )]
    NeverOpen {
        /// The queue.
        queue: String,
    },
    /// The queue has no `sla` table.
    #[error("queue `{queue}`: `sla` is missing (give low, normal, high and critical)")]
    MissingSla {
        /// The queue.
        queue: String,
    },
    /// The `sla` table lacks one level.
    #[error(
        "queue `{queue}`: sla.{level} is missing (all four levels low, normal, high and critical are required)"
    )]
    MissingSlaLevel {
        /// The queue.
        queue: String,
        /// The missing level.
        level: UrgencyLevel,
    },
    /// An SLA duration cannot be parsed.
    #[error("queue `{queue}`: sla.{level}: {problem}")]
    BadSla {
        /// The queue.
        queue: String,
        /// The level.
        level: UrgencyLevel,
        /// What is wrong with it, quoting the text.
        problem: DurationError,
    },
    /// A language detection cannot answer.
    #[error("{place}: language `{language}` cannot be detected (detectable: {supported})")]
    UndetectableLanguage {
        /// The setting that lists it.
        place: String,
        /// The code.
        language: String,
        /// The codes the detector knows, comma-separated.
        supported: String,
    },
    /// A language is not a two-letter ISO 639-1 code.
    #[error("{place}: language `{language}` is not an ISO 639-1 code (two letters, e.g. \"it\")")]
    BadLanguage {
        /// The queue or rule that lists it.
        place: String,
        /// The code as written.
        language: String,
    },
    /// A special queue restricts channels, but must take any request it is sent.
    #[error(
        "queue `{queue}` is the {role} queue, so it must accept every channel: remove its `channels`"
    )]
    SpecialQueueRestricted {
        /// The queue.
        queue: String,
        /// `triage`, `emergency` or `fallback`.
        role: &'static str,
    },
    /// A rule has an empty name.
    #[error("rule #{index} has an empty name")]
    UnnamedRule {
        /// Position in the file, from 1.
        index: usize,
    },
    /// Two rules have the same name.
    #[error("rule `{name}` is defined twice (rule #{first} and rule #{again})")]
    DuplicateRule {
        /// The repeated name.
        name: String,
        /// Position of the first definition, from 1.
        first: usize,
        /// Position of the repeated definition, from 1.
        again: usize,
    },
    /// A rule names a topic the topic model does not produce.
    #[error("rule `{rule}` (rule #{index}): topic `{topic}` is not a label of the topic model")]
    UnknownTopic {
        /// The rule.
        rule: String,
        /// Its position, from 1.
        index: usize,
        /// The topic as written.
        topic: String,
    },
    /// A rule's priority is not within 1..=5.
    #[error("rule `{rule}` (rule #{index}): priority {priority} is outside 1..=5")]
    PriorityOutOfRange {
        /// The rule.
        rule: String,
        /// Its position, from 1.
        index: usize,
        /// The configured value.
        priority: i64,
    },
    /// A rule's conditions can never all hold for a request that reaches the rules.
    #[error("rule `{rule}` (rule #{index}) can never match: {why}")]
    NeverMatches {
        /// The rule.
        rule: String,
        /// Its position, from 1.
        index: usize,
        /// Which condition excludes every request.
        why: String,
    },
    /// An earlier rule matches every request this rule would match, so this one is dead.
    #[error(
        "rule `{rule}` (rule #{index}) can never match: rule `{earlier}` (rule #{earlier_index}) comes first and matches every request it would"
    )]
    Shadowed {
        /// The dead rule.
        rule: String,
        /// Its position, from 1.
        index: usize,
        /// The earlier rule that takes its requests.
        earlier: String,
        /// The earlier rule's position, from 1.
        earlier_index: usize,
    },
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn lines(problems: &[PolicyProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}
