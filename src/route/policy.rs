//! The compiled routing policy and the decision it takes for each request.
//!
//! `decide` runs on every HTTP request, so it only reads what [`Policy::from_config`] prepared: no
//! parsing, no lookups by name, and allocation limited to the outcome itself. Its order is fixed and
//! explained in every outcome's `reasons`:
//!
//! 1. critical urgency goes to the emergency queue with priority 1, whatever else matches — when a
//!    critical signal of the urgency lexicon fired, or the urgency model is at least as confident
//!    as `emergency_model_threshold` (when set). A critical that rests on the model alone below it
//!    is handled as high and flagged for a person: an emergency queue must not fill with guesses;
//! 2. an unrecognised topic (`unknown`) or a topic confidence below `review_threshold` goes to the
//!    triage queue, flagged for a person;
//! 3. otherwise the first rule that matches chooses the queue;
//! 4. otherwise the fallback queue.
//!
//! Independently, an urgency confidence below `urgency_review_threshold` flags the request for review
//! without changing its queue. Priority is the rule's, raised (never lowered) to what the urgency
//! asks for (critical 1, high 2, normal 3, low 4): a rule sets a floor, urgency can only make the
//! request more pressing. SLA arithmetic is described in [`super::sla`].
//!
//! Reads the compiled forms (`compiled.rs`) and the request and outcome types (`types.rs`); it must
//! not import `compile.rs`, which builds a `Policy` from configuration (and loads it from a file).

use super::compiled::{Queue, Rule};
use super::sla::{self, SlaDuration};
use super::types::{RouteInput, RouteOutcome};
use crate::calendar::{BusinessCalendar, HolidayCalendar, local_to_utc};
use crate::classify::UrgencyLevel;
use crate::label::UNKNOWN;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// A validated routing policy, ready to decide; cheap to share behind an `Arc`.
#[derive(Debug, Clone)]
pub struct Policy {
    pub(super) timezone: Tz,
    pub(super) review_threshold: f32,
    pub(super) urgency_review_threshold: Option<f32>,
    pub(super) emergency_model_threshold: Option<f32>,
    pub(super) default_language: String,
    pub(super) detect_languages: Vec<String>,
    pub(super) holidays: HolidayCalendar,
    pub(super) queues: Vec<Queue>,
    pub(super) rules: Vec<Rule>,
    /// Indices into `queues`.
    pub(super) triage: usize,
    pub(super) emergency: usize,
    pub(super) fallback: usize,
}

impl Policy {
    /// The time zone of opening hours, holidays and the dates in reasons.
    pub fn timezone(&self) -> Tz {
        self.timezone
    }

    /// Names of all queues, in configuration order.
    pub fn queue_names(&self) -> impl Iterator<Item = &str> {
        self.queues.iter().map(|q| q.name.as_str())
    }

    /// Names of all rules, in the order they are tried.
    pub fn rule_names(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.name.as_str())
    }

    /// The SLA deadline of `queue` for a request of `urgency` received at `received_at`, e.g. after a
    /// supervisor moves a request; `None` if there is no such queue.
    pub fn sla_due_at(
        &self,
        queue: &str,
        urgency: UrgencyLevel,
        received_at: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let queue = self.queues.iter().find(|q| q.name == queue)?;
        Some(self.sla(queue, urgency, received_at).0)
    }

    /// The administration's language: what a request is taken to be in when detection cannot tell.
    pub fn default_language(&self) -> &str {
        &self.default_language
    }

    /// The languages detection may answer (the default first).
    pub fn detect_languages(&self) -> &[String] {
        &self.detect_languages
    }

    /// Routes one request; pure, and never fails: a valid policy always has an answer.
    #[must_use]
    pub fn decide(&self, input: &RouteInput<'_>) -> RouteOutcome {
        let mut reasons = Vec::with_capacity(6);
        let mut review: Option<String> = None;
        let (escalate, unconfirmed) = self.escalation(input);
        let routed;
        let input = if let Some(why) = unconfirmed {
            reasons.push(format!(
                "{}: handled as high urgency, not escalated",
                capitalised(&why)
            ));
            review = Some(format!(
                "{why}: a person should check whether it is an emergency"
            ));
            routed = RouteInput {
                urgency: UrgencyLevel::High,
                ..*input
            };
            &routed
        } else {
            input
        };
        let (queue, rule) = self.choose_queue(input, escalate, &mut reasons, &mut review);

        let (priority, why) = priority(input.urgency, rule);
        reasons.push(format!("Priority {priority}: {why}"));
        let skills = skills(queue, rule, input.language, &mut reasons);
        self.urgency_review(input, &mut reasons, &mut review);

        let (sla_due_at, sla_reason) = self.sla(queue, input.urgency, input.received_at);
        reasons.push(sla_reason);

        RouteOutcome {
            queue: queue.name.clone(),
            urgency: input.urgency,
            priority,
            skills,
            sla_due_at,
            needs_human_review: review.is_some(),
            review_reason: review,
            rule: rule.map(|r| r.name.clone()),
            reasons,
        }
    }

    /// Steps 1 to 4 of the module docs: the queue and the rule that chose it, if one did.
    fn choose_queue(
        &self,
        input: &RouteInput<'_>,
        escalate: Option<String>,
        reasons: &mut Vec<String>,
        review: &mut Option<String>,
    ) -> (&Queue, Option<&Rule>) {
        if let Some(why) = escalate {
            let queue = &self.queues[self.emergency];
            reasons.push(format!(
                "Critical urgency ({why}): escalated to queue `{}`",
                queue.name
            ));
            (queue, None)
        } else if let Some(why) = self.topic_review(input) {
            let queue = &self.queues[self.triage];
            reasons.push(format!(
                "{}: sent to triage queue `{}` for a person to classify",
                capitalised(&why),
                queue.name
            ));
            *review = Some(match review.take() {
                Some(urgency) => format!("{urgency}; {why}"),
                None => why,
            });
            (queue, None)
        } else if let Some(rule) = self.rules.iter().find(|r| r.matches(input)) {
            let queue = &self.queues[rule.queue];
            reasons.push(format!(
                "Rule `{}` matched ({}) → queue `{}`",
                rule.name,
                rule.describe_match(input),
                queue.name
            ));
            (queue, Some(rule))
        } else {
            let queue = &self.queues[self.fallback];
            reasons.push(format!(
                "No rule matched (topic {}, urgency {}, channel {}, language {}): sent to fallback queue `{}`",
                input.topic,
                input.urgency,
                input.channel,
                input.language.trim(),
                queue.name
            ));
            (queue, None)
        }
    }

    /// Flags the request for a person when the urgency confidence is below its threshold.
    fn urgency_review(
        &self,
        input: &RouteInput<'_>,
        reasons: &mut Vec<String>,
        review: &mut Option<String>,
    ) {
        let Some(threshold) = self.urgency_review_threshold else {
            return;
        };
        if below(input.urgency_confidence, threshold) {
            let why = format!(
                "urgency confidence {:.2} is below the urgency review threshold {threshold:.2}",
                input.urgency_confidence
            );
            reasons.push(format!(
                "{}: a person should confirm the urgency (the queue is unchanged)",
                capitalised(&why)
            ));
            *review = Some(match review.take() {
                Some(topic) => format!("{topic}; {why}"),
                None => why,
            });
        }
    }

    /// For a critical request: why it escalates (a critical signal, or the model above the
    /// threshold), or why not (the model alone, below it or with escalation on the model off).
    fn escalation(&self, input: &RouteInput<'_>) -> (Option<String>, Option<String>) {
        if input.urgency != UrgencyLevel::Critical {
            return (None, None);
        }
        if input.signal_level == Some(UrgencyLevel::Critical) {
            let plural = if input.urgency_signals.len() == 1 {
                ""
            } else {
                "s"
            };
            let why = format!(
                "signal{plural} {} of the urgency lexicon",
                input.urgency_signals.join(", ")
            );
            return (Some(why), None);
        }
        let confidence = input.urgency_confidence;
        match self.emergency_model_threshold {
            Some(t) if !below(confidence, t) => (
                Some(format!(
                    "the urgency model alone, {confidence:.2} at or above the emergency threshold {t:.2}"
                )),
                None,
            ),
            Some(t) => (
                None,
                Some(format!(
                    "the urgency model alone says critical ({confidence:.2}) with no critical signal in the text, below the emergency threshold {t:.2}"
                )),
            ),
            None => (
                None,
                Some(format!(
                    "the urgency model alone says critical ({confidence:.2}) with no critical signal in the text, and the model alone does not escalate"
                )),
            ),
        }
    }

    /// Why the topic cannot be trusted, if it cannot.
    fn topic_review(&self, input: &RouteInput<'_>) -> Option<String> {
        if input.topic == UNKNOWN {
            Some("the topic model did not recognise the request".to_string())
        } else if below(input.topic_confidence, self.review_threshold) {
            Some(format!(
                "topic confidence {:.2} is below the review threshold {:.2}",
                input.topic_confidence, self.review_threshold
            ))
        } else {
            None
        }
    }

    /// The deadline and the sentence explaining it.
    fn sla(
        &self,
        queue: &Queue,
        urgency: UrgencyLevel,
        received_at: DateTime<Utc>,
    ) -> (DateTime<Utc>, String) {
        let duration: SlaDuration = queue.sla[urgency as usize];
        let Some(hours) = &queue.hours else {
            let due = duration.after_wall_clock(received_at);
            let reason = format!(
                "SLA {duration} round the clock (queue `{}` has no opening hours): due {}",
                queue.name,
                self.local_label(due)
            );
            return (due, reason);
        };
        let calendar = BusinessCalendar::new(hours, &self.holidays, self.timezone);
        match sla::business_due(&calendar, calendar.local(received_at), duration) {
            Some(due_local) => {
                let due = local_to_utc(self.timezone, due_local);
                let reason = format!(
                    "SLA {duration} in business hours of `{}`: due {}",
                    queue.name,
                    self.local_label(due)
                );
                (due, reason)
            }
            None => {
                let due = duration.after_wall_clock(received_at);
                let reason = format!(
                    "SLA {duration} of `{}` counted round the clock, because its opening hours leave no business day in the next 20 years: due {}",
                    queue.name,
                    self.local_label(due)
                );
                (due, reason)
            }
        }
    }

    /// A time as a supervisor reads it: `Tue 24 Nov 2026 10:30 (Europe/Rome)`.
    fn local_label(&self, t: DateTime<Utc>) -> String {
        let local = t.with_timezone(&self.timezone);
        format!(
            "{} ({})",
            local.format("%a %-d %b %Y %H:%M"),
            self.timezone.name()
        )
    }
}

/// The skills the operator needs: the rule's (or the queue's), plus `lang:xx` for a language the
/// queue lacks.
fn skills(
    queue: &Queue,
    rule: Option<&Rule>,
    language: &str,
    reasons: &mut Vec<String>,
) -> Vec<String> {
    let mut skills = rule.map_or(&queue.skills, |r| &r.skills).clone();
    if let Some(language) = missing_language(queue, language) {
        let skill = format!("lang:{language}");
        reasons.push(format!(
            "Language `{language}` is not among those of queue `{}` ({}): added skill `{skill}`",
            queue.name,
            queue.languages.join(", ")
        ));
        if !skills.contains(&skill) {
            skills.push(skill);
        }
    }
    skills
}

/// The priority and why: critical 1, high 2, normal 3, low 4; a rule's priority is a floor that
/// urgency can raise.
fn priority(urgency: UrgencyLevel, rule: Option<&Rule>) -> (u8, String) {
    let from_urgency = match urgency {
        UrgencyLevel::Critical => 1,
        UrgencyLevel::High => 2,
        UrgencyLevel::Normal => 3,
        UrgencyLevel::Low => 4,
    };
    match rule.and_then(|r| r.priority.map(|p| (r, p))) {
        Some((rule, p)) if p <= from_urgency => (p, format!("set by rule `{}`", rule.name)),
        Some((rule, p)) => (
            from_urgency,
            format!("rule `{}` sets {p}, raised by {urgency} urgency", rule.name),
        ),
        None => (from_urgency, format!("from {urgency} urgency")),
    }
}

/// The request's language, lowercased, if it is a valid code that the queue does not list.
/// A queue without languages takes any; an invalid or missing code adds no skill.
fn missing_language(queue: &Queue, language: &str) -> Option<String> {
    let language = language.trim();
    let valid = language.len() == 2 && language.bytes().all(|b| b.is_ascii_alphabetic());
    if queue.languages.is_empty()
        || !valid
        || queue
            .languages
            .iter()
            .any(|l| l.eq_ignore_ascii_case(language))
    {
        None
    } else {
        Some(language.to_ascii_lowercase())
    }
}

/// Whether a confidence is below a threshold; NaN (a faulty classifier) counts as below, so that it
/// asks for a person rather than being trusted.
fn below(confidence: f32, threshold: f32) -> bool {
    confidence
        .partial_cmp(&threshold)
        .is_none_or(std::cmp::Ordering::is_lt)
}

/// `s` with its first letter in upper case, to turn a clause into a sentence.
fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests;
