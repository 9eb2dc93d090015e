//! Urgency levels and the transparent lexicon of urgency signals.
//!
//! A signal can raise a request's urgency, never lower it, and is always reported by name so that a
//! supervisor can see why a request jumped the queue.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How fast a request must be handled, from least to most urgent (the order is meaningful).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
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

impl UrgencyLevel {
    /// All levels, from least to most urgent.
    pub const ALL: [UrgencyLevel; 4] = [Self::Low, Self::Normal, Self::High, Self::Critical];

    /// The label used in data files, configs and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for UrgencyLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not one of `low`, `normal`, `high`, `critical`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown urgency level `{0}` (expected low, normal, high or critical)")]
pub struct UnknownLevel(pub String);

impl FromStr for UrgencyLevel {
    type Err = UnknownLevel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(Self::Low),
            "normal" => Ok(Self::Normal),
            "high" => Ok(Self::High),
            "critical" => Ok(Self::Critical),
            _ => Err(UnknownLevel(s.to_string())),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The lexicon of urgency signals.

use crate::text::tokenize::{Tokens, tokenize_into};
use std::cell::RefCell;
use std::collections::HashMap;

/// One signal as written in `lexicon.toml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SignalSpec {
    /// Unique snake_case name, reported with every prediction it fires on.
    pub name: String,
    /// The level it raises urgency to, at least.
    pub level: UrgencyLevel,
    /// One line for supervisors.
    pub description: String,
    /// Phrases; see [`Lexicon`] for the syntax.
    pub patterns: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    #[serde(default)]
    signal: Vec<SignalSpec>,
}

/// A signal that fired on a text.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Signal {
    /// Its name.
    pub name: String,
    /// The level it raises urgency to.
    pub level: UrgencyLevel,
    /// What it means.
    pub description: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Exact(String),
    Prefix(String),
    /// Up to N arbitrary tokens.
    Gap(usize),
}

#[derive(Debug, Clone)]
struct Pattern {
    signal: usize,
    parts: Vec<Part>,
}

/// A lexicon that does not load.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    /// Not valid TOML or not the expected shape.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A bad signal or pattern.
    #[error("{path}: signal `{signal}`: {message}")]
    Signal {
        /// The file.
        path: String,
        /// The signal.
        signal: String,
        /// What is wrong.
        message: String,
    },
}

/// The urgency lexicon, compiled for matching.
///
/// Patterns are matched on the same folded tokens the classifier sees (lowercase, accents removed,
/// apostrophes split: `c'è` is `c e`). A pattern is a sequence of words matched as consecutive
/// tokens; a word ending in `*` matches any token with that prefix (`allagat*`); `~N` (1..=5)
/// between two words allows up to N tokens in between (`anzian* ~3 sol*`).
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    signals: Vec<SignalSpec>,
    /// Patterns by their first exact word: most tokens of a request start no pattern at all.
    by_first: HashMap<String, Vec<Pattern>>,
    /// Patterns whose first word is a prefix.
    prefix_first: Vec<Pattern>,
}

thread_local! {
    static TOKENS: RefCell<Tokens> = RefCell::default();
}

impl Lexicon {
    /// Parses and compiles a lexicon; `path` names the source in errors.
    pub fn from_toml(text: &str, path: &str) -> Result<Self, LexiconError> {
        let file: LexiconFile = toml::from_str(text).map_err(|e| LexiconError::Parse {
            path: path.into(),
            message: e.to_string(),
        })?;
        let mut lex = Lexicon::default();
        let mut names = std::collections::HashSet::new();
        for (i, spec) in file.signal.into_iter().enumerate() {
            let err = |message: String| LexiconError::Signal {
                path: path.into(),
                signal: spec.name.clone(),
                message,
            };
            if !names.insert(spec.name.clone()) {
                return Err(err("defined twice".into()));
            }
            if spec.level < UrgencyLevel::High {
                return Err(err(format!(
                    "level {} would not raise urgency: use high or critical",
                    spec.level
                )));
            }
            if spec.patterns.is_empty() {
                return Err(err("no patterns".into()));
            }
            for p in &spec.patterns {
                let parts = compile(p).map_err(|m| err(format!("pattern `{p}`: {m}")))?;
                let pattern = Pattern { signal: i, parts };
                match &pattern.parts[0] {
                    Part::Exact(w) => lex.by_first.entry(w.clone()).or_default().push(pattern),
                    _ => lex.prefix_first.push(pattern),
                }
            }
            lex.signals.push(spec);
        }
        Ok(lex)
    }

    /// The signals, as written.
    pub fn signals(&self) -> &[SignalSpec] {
        &self.signals
    }

    /// The signals that fire on `text`, in lexicon order, each once.
    pub fn scan(&self, text: &str) -> Vec<Signal> {
        TOKENS.with_borrow_mut(|tokens| {
            tokenize_into(text, tokens);
            let words: Vec<&str> = tokens.iter().map(|(t, _)| t).collect();
            let mut fired = vec![false; self.signals.len()];
            for start in 0..words.len() {
                let candidates = self
                    .by_first
                    .get(words[start])
                    .into_iter()
                    .flatten()
                    .chain(&self.prefix_first);
                for p in candidates {
                    if !fired[p.signal] && matches_at(&p.parts, &words, start) {
                        fired[p.signal] = true;
                    }
                }
            }
            self.signals
                .iter()
                .zip(fired)
                .filter(|(_, f)| *f)
                .map(|(s, _)| Signal {
                    name: s.name.clone(),
                    level: s.level,
                    description: s.description.clone(),
                })
                .collect()
        })
    }
}

fn compile(pattern: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    for raw in pattern.split_whitespace() {
        if let Some(n) = raw.strip_prefix('~') {
            let n: usize = n.parse().map_err(|_| format!("`{raw}` is not ~1 to ~5"))?;
            if !(1..=5).contains(&n) || parts.is_empty() {
                return Err(format!("`{raw}` must be ~1 to ~5 between two words"));
            }
            parts.push(Part::Gap(n));
            continue;
        }
        let (word, prefix) = match raw.strip_suffix('*') {
            Some(w) => (w, true),
            None => (raw, false),
        };
        let toks = crate::text::tokenize(word);
        let n = toks.len();
        for (i, (t, _)) in toks.iter().enumerate() {
            parts.push(if prefix && i + 1 == n {
                Part::Prefix(t.to_string())
            } else {
                Part::Exact(t.to_string())
            });
        }
    }
    match (parts.first(), parts.last()) {
        (None, _) => Err("empty".into()),
        (_, Some(Part::Gap(_))) => Err("cannot end with a gap".into()),
        _ => Ok(parts),
    }
}

fn matches_at(parts: &[Part], words: &[&str], i: usize) -> bool {
    match parts.split_first() {
        None => true,
        Some((Part::Gap(n), rest)) => {
            (0..=*n).any(|skip| i + skip <= words.len() && matches_at(rest, words, i + skip))
        }
        Some((part, rest)) => {
            let Some(w) = words.get(i) else { return false };
            let ok = match part {
                Part::Exact(e) => w == e,
                Part::Prefix(p) => w.starts_with(p.as_str()),
                Part::Gap(_) => false,
            };
            ok && matches_at(rest, words, i + 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEX: &str = r#"
[[signal]]
name = "gas_leak"
level = "critical"
description = "Smell or leak of gas"
patterns = ["fuga di gas", "odore di gas", "gas leak"]

[[signal]]
name = "vulnerable_person_alone"
level = "high"
description = "Elderly or disabled person alone"
patterns = ["anzian* ~3 sol*", "c e nessuno"]
"#;

    fn names(l: &Lexicon, t: &str) -> Vec<String> {
        l.scan(t).into_iter().map(|s| s.name).collect()
    }

    #[test]
    fn matches_phrases_prefixes_gaps_and_folding() {
        let l = Lexicon::from_toml(LEX, "test").unwrap();
        assert_eq!(names(&l, "C'è una FUGA DI GAS in via Roma!"), ["gas_leak"]);
        assert_eq!(
            names(&l, "mia madre anziana che vive sola"),
            ["vulnerable_person_alone"]
        );
        assert_eq!(
            names(&l, "anziano solo e c'è nessuno, odore di gas"),
            ["gas_leak", "vulnerable_person_alone"]
        );
        assert!(
            names(
                &l,
                "anziana con la badante, non sola perché ci sono io tutti i giorni"
            )
            .is_empty()
        );
        assert!(names(&l, "il gas costa troppo").is_empty());
        assert!(names(&l, "").is_empty());
    }

    #[test]
    fn levels_order_from_low_to_critical() {
        assert!(
            UrgencyLevel::Critical > UrgencyLevel::High && UrgencyLevel::Normal > UrgencyLevel::Low
        );
        assert_eq!("HIGH".parse::<UrgencyLevel>().unwrap(), UrgencyLevel::High);
        assert!("urgent".parse::<UrgencyLevel>().is_err());
    }

    #[test]
    fn rejects_bad_lexicons_by_name() {
        let low = "[[signal]]\nname='x'\nlevel='low'\ndescription='d'\npatterns=['a']";
        assert!(
            Lexicon::from_toml(low, "f.toml")
                .unwrap_err()
                .to_string()
                .contains("f.toml: signal `x`: level low")
        );
        let gap = "[[signal]]\nname='y'\nlevel='high'\ndescription='d'\npatterns=['~2 a']";
        assert!(
            Lexicon::from_toml(gap, "f.toml")
                .unwrap_err()
                .to_string()
                .contains("signal `y`: pattern `~2 a`")
        );
        assert!(Lexicon::from_toml("[[signal]]\nname=1", "f.toml").is_err());
    }
}
