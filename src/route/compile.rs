//! Loading, validation and compilation of a [`RoutingConfig`] into a [`Policy`].
//!
//! Kept apart from `decide` because this is where every configuration mistake is caught: all
//! problems are collected (not only the first) and each names its entry. Everything a decision needs
//! is computed here once (parsed hours and SLAs, channel and urgency bit sets, merged skills), so that
//! routing a request parses nothing.
//!
//! Builds the compiled forms of `compiled.rs` and the [`Policy`] of `policy.rs`; neither of those
//! imports this file, so the dependency runs one way (`compile → policy → compiled → types`).

use super::compiled::{ALL_CHANNELS, Queue, ROUTABLE_URGENCIES, Rule, channel_bit, urgency_bit};
use super::config::{QueueConfig, RoutingConfig, RuleConfig};
use super::error::{PolicyError, PolicyProblem};
use super::policy::Policy;
use super::sla::SlaDuration;
use crate::calendar::HolidayCalendar;
use crate::calendar::hours::{self, WeeklyHours};
use crate::classify::UrgencyLevel;
use crate::label::UNKNOWN;
use crate::route::Channel;
use chrono_tz::Tz;
use languages::{compile_detection, compile_languages};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

impl Policy {
    /// Parses a whole `instrada.toml` text and compiles its `[routing]` table (other tables are ignored).
    pub fn from_toml_str(text: &str, topic_labels: &[String]) -> Result<Self, PolicyError> {
        Self::from_file_text(text, "the given text", topic_labels)
    }

    /// Reads a whole `instrada.toml` file and compiles its `[routing]` table.
    pub fn load(path: impl AsRef<Path>, topic_labels: &[String]) -> Result<Self, PolicyError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_file_text(&text, &format!("`{}`", path.display()), topic_labels)
    }

    fn from_file_text(
        text: &str,
        origin: &str,
        topic_labels: &[String],
    ) -> Result<Self, PolicyError> {
        /// The file's other tables belong to other modules: only `[routing]` is read here.
        #[derive(Deserialize)]
        struct File {
            routing: Option<RoutingConfig>,
        }
        let file: File = toml::from_str(text).map_err(|source| PolicyError::Parse {
            origin: origin.to_string(),
            source,
        })?;
        let routing = file.routing.ok_or_else(|| PolicyError::MissingSection {
            origin: origin.to_string(),
        })?;
        Self::from_config(&routing, topic_labels)
    }

    /// Validates `cfg` against the topic model's labels and compiles it; refuses it with every problem.
    pub fn from_config(cfg: &RoutingConfig, topic_labels: &[String]) -> Result<Self, PolicyError> {
        let mut problems = Vec::new();
        let p = &mut problems;
        let timezone = compile_timezone(&cfg.timezone, p);
        let review_threshold = match cfg.review_threshold {
            Some(value) => check_threshold("review_threshold", value, p),
            None => {
                p.push(PolicyProblem::MissingSetting {
                    key: "review_threshold",
                });
                None
            }
        };
        let urgency_review_threshold = cfg
            .urgency_review_threshold
            .map(|value| check_threshold("urgency_review_threshold", value, p));
        let emergency_model_threshold = cfg
            .emergency_model_threshold
            .map(|value| check_threshold("emergency_model_threshold", value, p));
        let (default_language, detect_languages) = compile_detection(cfg, p);
        let mut holidays = HolidayCalendar::national();
        for entry in &cfg.local_holidays {
            if let Err(problem) = holidays.add_local(entry) {
                p.push(PolicyProblem::BadHoliday { problem });
            }
        }
        let (queues, by_name) = compile_queues(&cfg.queues, p);
        let special = |key, role, name: &str, p: &mut Vec<PolicyProblem>| {
            special_queue(key, role, name, &queues, &by_name, p)
        };
        let triage = special("triage_queue", "triage", &cfg.triage_queue, p);
        let emergency = special("emergency_queue", "emergency", &cfg.emergency_queue, p);
        let fallback = special("fallback_queue", "fallback", &cfg.fallback_queue, p);
        let rules = compile_rules(&cfg.rules, topic_labels, &queues, &by_name, p);
        check_reachability(
            &rules,
            &queues,
            emergency.map(|e| queues[e].name.as_str()),
            p,
        );

        match (timezone, review_threshold, triage, emergency, fallback) {
            (
                Some(timezone),
                Some(review_threshold),
                Some(triage),
                Some(emergency),
                Some(fallback),
            ) if problems.is_empty() => {
                Ok(Policy {
                    timezone,
                    review_threshold,
                    // Only `None` when out of range, which was reported above.
                    urgency_review_threshold: urgency_review_threshold.flatten(),
                    emergency_model_threshold: emergency_model_threshold.flatten(),
                    default_language,
                    detect_languages,
                    holidays,
                    queues,
                    rules,
                    triage,
                    emergency,
                    fallback,
                })
            }
            // Every `None` above pushed a problem, so the list is not empty here.
            _ => Err(PolicyError::Invalid { problems }),
        }
    }
}

fn compile_timezone(name: &str, p: &mut Vec<PolicyProblem>) -> Option<Tz> {
    if name.trim().is_empty() {
        p.push(PolicyProblem::MissingSetting { key: "timezone" });
        return None;
    }
    let parsed = name.trim().parse::<Tz>().ok();
    if parsed.is_none() {
        p.push(PolicyProblem::BadTimezone {
            name: name.to_string(),
        });
    }
    parsed
}

fn check_threshold(key: &'static str, value: f32, p: &mut Vec<PolicyProblem>) -> Option<f32> {
    // Written so that NaN fails too.
    if (0.0..=1.0).contains(&value) {
        Some(value)
    } else {
        p.push(PolicyProblem::ThresholdOutOfRange { key, value });
        None
    }
}

fn channel_set(channels: &[Channel]) -> u8 {
    if channels.is_empty() {
        ALL_CHANNELS
    } else {
        channels.iter().fold(0, |set, c| set | channel_bit(*c))
    }
}

fn channel_names(set: u8) -> String {
    let names: Vec<&str> = Channel::ALL
        .iter()
        .filter(|c| set & channel_bit(**c) != 0)
        .map(|c| c.as_str())
        .collect();
    names.join(", ")
}

/// Appends the items of `extra` not already present, keeping the first occurrence's order.
fn dedup_into(mut into: Vec<String>, extra: &[String]) -> Vec<String> {
    for item in extra {
        if !into.contains(item) {
            into.push(item.clone());
        }
    }
    into
}

/// Compiles every queue (even faulty ones, so that rules naming them are not reported as unknown)
/// and maps names to indices; the first of two queues with the same name wins.
fn compile_queues(
    cfgs: &[QueueConfig],
    p: &mut Vec<PolicyProblem>,
) -> (Vec<Queue>, HashMap<String, usize>) {
    let mut queues = Vec::with_capacity(cfgs.len());
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    for (i, cfg) in cfgs.iter().enumerate() {
        let index = i + 1;
        if cfg.name.trim().is_empty() {
            p.push(PolicyProblem::UnnamedQueue { index });
            continue;
        }
        if let Some(&first) = first_seen.get(cfg.name.as_str()) {
            p.push(PolicyProblem::DuplicateQueue {
                name: cfg.name.clone(),
                first,
                again: index,
            });
            continue;
        }
        first_seen.insert(&cfg.name, index);
        by_name.insert(cfg.name.clone(), queues.len());
        queues.push(compile_queue(cfg, p));
    }
    (queues, by_name)
}

fn compile_queue(cfg: &QueueConfig, p: &mut Vec<PolicyProblem>) -> Queue {
    let name = &cfg.name;
    let languages = compile_languages(&|| format!("queue `{name}`"), &cfg.languages, p);
    let hours = cfg.hours.as_ref().map(|days| {
        let mut week = WeeklyHours::closed();
        let mut faulty = false;
        for (day, text) in days {
            let Some(weekday) = hours::weekday_from_key(day) else {
                p.push(PolicyProblem::UnknownDay {
                    queue: name.clone(),
                    day: day.clone(),
                });
                faulty = true;
                continue;
            };
            match hours::parse_day(text) {
                Ok(windows) => week.set_day(weekday, windows),
                Err(problem) => {
                    p.push(PolicyProblem::BadHours {
                        queue: name.clone(),
                        day: day.clone(),
                        value: text.clone(),
                        problem,
                    });
                    faulty = true;
                }
            }
        }
        if !faulty && week.is_never_open() {
            p.push(PolicyProblem::NeverOpen {
                queue: name.clone(),
            });
        }
        week
    });
    let mut sla = [SlaDuration::default(); 4];
    match &cfg.sla {
        None => p.push(PolicyProblem::MissingSla {
            queue: name.clone(),
        }),
        Some(table) => {
            for level in UrgencyLevel::ALL {
                match table.get(level).map(SlaDuration::parse) {
                    Some(Ok(duration)) => sla[level as usize] = duration,
                    Some(Err(problem)) => p.push(PolicyProblem::BadSla {
                        queue: name.clone(),
                        level,
                        problem,
                    }),
                    None => p.push(PolicyProblem::MissingSlaLevel {
                        queue: name.clone(),
                        level,
                    }),
                }
            }
        }
    }
    Queue {
        name: name.clone(),
        skills: dedup_into(Vec::new(), &cfg.skills),
        languages,
        channels: channel_set(&cfg.channels),
        hours,
        sla,
    }
}

/// Resolves a special queue setting; it must exist and accept every channel.
fn special_queue(
    key: &'static str,
    role: &'static str,
    name: &str,
    queues: &[Queue],
    by_name: &HashMap<String, usize>,
    p: &mut Vec<PolicyProblem>,
) -> Option<usize> {
    if name.trim().is_empty() {
        p.push(PolicyProblem::MissingSetting { key });
        return None;
    }
    let Some(&index) = by_name.get(name) else {
        p.push(PolicyProblem::UnknownQueue {
            place: format!("`routing.{key}`"),
            queue: name.to_string(),
        });
        return None;
    };
    if queues[index].channels != ALL_CHANNELS {
        p.push(PolicyProblem::SpecialQueueRestricted {
            queue: name.to_string(),
            role,
        });
    }
    Some(index)
}

/// Compiles the rules whose queue exists; problems of any rule are reported.
fn compile_rules(
    cfgs: &[RuleConfig],
    topic_labels: &[String],
    queues: &[Queue],
    by_name: &HashMap<String, usize>,
    p: &mut Vec<PolicyProblem>,
) -> Vec<Rule> {
    let mut rules = Vec::with_capacity(cfgs.len());
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    for (i, cfg) in cfgs.iter().enumerate() {
        let index = i + 1;
        let name = &cfg.name;
        let place = || format!("rule `{name}` (rule #{index})");
        if name.trim().is_empty() {
            p.push(PolicyProblem::UnnamedRule { index });
        } else if let Some(&first) = first_seen.get(name.as_str()) {
            p.push(PolicyProblem::DuplicateRule {
                name: name.clone(),
                first,
                again: index,
            });
        } else {
            first_seen.insert(name, index);
        }
        let queue = by_name.get(&cfg.queue).copied();
        if queue.is_none() {
            p.push(PolicyProblem::UnknownQueue {
                place: place(),
                queue: cfg.queue.clone(),
            });
        }
        check_topics(cfg, index, topic_labels, p);
        let priority = check_priority(cfg, index, p);
        let languages = compile_languages(&place, &cfg.when.language, p);
        let Some(queue) = queue else { continue };
        let when = &cfg.when;
        let topics = (!when.topic.is_empty()).then(|| {
            let known = when.topic.iter().filter(|t| *t != UNKNOWN);
            dedup_into(Vec::new(), &known.cloned().collect::<Vec<_>>())
        });
        let urgencies = if when.urgency.is_empty() {
            ROUTABLE_URGENCIES
        } else {
            when.urgency.iter().fold(0, |set, u| set | urgency_bit(*u)) & ROUTABLE_URGENCIES
        };
        rules.push(Rule {
            name: name.clone(),
            index,
            queue,
            topics,
            urgencies,
            channels: channel_set(&when.channel) & queues[queue].channels,
            // Bad codes were dropped: keep the condition restrictive rather than widen it to "any".
            languages: (!when.language.is_empty()).then_some(languages),
            attributes: when
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            priority,
            skills: dedup_into(queues[queue].skills.clone(), &cfg.skills),
        });
    }
    rules
}

/// Reports the topics of a rule that the topic model does not know (`unknown` is always allowed).
fn check_topics(cfg: &RuleConfig, index: usize, labels: &[String], p: &mut Vec<PolicyProblem>) {
    for topic in &cfg.when.topic {
        if topic != UNKNOWN && !labels.contains(topic) {
            p.push(PolicyProblem::UnknownTopic {
                rule: cfg.name.clone(),
                index,
                topic: topic.clone(),
            });
        }
    }
}

/// A rule's priority if it is within 1..=5; out of range is reported and dropped.
fn check_priority(cfg: &RuleConfig, index: usize, p: &mut Vec<PolicyProblem>) -> Option<u8> {
    cfg.priority.and_then(|value| match u8::try_from(value) {
        Ok(v @ 1..=5) => Some(v),
        _ => {
            p.push(PolicyProblem::PriorityOutOfRange {
                rule: cfg.name.clone(),
                index,
                priority: value,
            });
            None
        }
    })
}

/// Reports rules that no request can reach: a condition that excludes everything that gets past
/// the emergency and triage steps, or an earlier rule that takes all their requests.
fn check_reachability(
    rules: &[Rule],
    queues: &[Queue],
    emergency: Option<&str>,
    p: &mut Vec<PolicyProblem>,
) {
    let mut live: Vec<&Rule> = Vec::with_capacity(rules.len());
    for rule in rules {
        let never = |why: String| PolicyProblem::NeverMatches {
            rule: rule.name.clone(),
            index: rule.index,
            why,
        };
        if rule.topics.as_ref().is_some_and(Vec::is_empty) {
            p.push(never(format!(
                "its only topic is `{UNKNOWN}`, and requests the topic model does not recognise always go to the triage queue"
            )));
        } else if rule.urgencies == 0 {
            let queue = emergency.map(|q| format!(" `{q}`")).unwrap_or_default();
            p.push(never(format!(
                "its only urgency is `critical`, and critical requests always go to the emergency queue{queue}"
            )));
        } else if rule.channels == 0 {
            let queue = &queues[rule.queue];
            p.push(never(format!(
                "none of its channels is accepted by its queue `{}` (only {})",
                queue.name,
                channel_names(queue.channels)
            )));
        } else if let Some(earlier) = live.iter().find(|e| e.subsumes(rule)) {
            p.push(PolicyProblem::Shadowed {
                rule: rule.name.clone(),
                index: rule.index,
                earlier: earlier.name.clone(),
                earlier_index: earlier.index,
            });
        } else {
            live.push(rule);
        }
    }
}

mod languages;
#[cfg(test)]
mod tests;
