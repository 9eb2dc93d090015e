//! Urgency levels and the transparent lexicon of urgency signals.
//!
//! A signal can raise a request's urgency, never lower it, and is always reported by name so that a
//! supervisor can see why a request jumped the queue.
//!
//! Imports only `crate::text`'s tokenizer; must not import the models (the bundle combines them).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How fast a request must be handled, from least to most urgent (the order is meaningful).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

/// The largest gap `~N` a pattern may have.
pub const MAX_GAP: usize = 8;

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
    /// Exceptions, in the same syntax: a match of one of them cancels the matches of `patterns`
    /// that it overlaps (see [`Lexicon`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unless: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    #[serde(default)]
    signal: Vec<SignalSpec>,
}

/// A signal that fired on a text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    /// Its name.
    pub name: String,
    /// The level it raises urgency to.
    pub level: UrgencyLevel,
    /// What it means.
    pub description: String,
}

/// One alternative of a word.
#[derive(Debug, Clone, PartialEq)]
enum Atom {
    Exact(String),
    Prefix(String),
}

impl Atom {
    fn matches(&self, w: &str) -> bool {
        match self {
            Atom::Exact(e) => w == e,
            Atom::Prefix(p) => w.starts_with(p.as_str()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    /// One token matching any of the alternatives.
    Word(Vec<Atom>),
    /// Up to N arbitrary tokens.
    Gap(usize),
}

#[derive(Debug, Clone)]
struct Pattern {
    signal: usize,
    /// An `unless` pattern of its signal.
    unless: bool,
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
/// tokens; a word ending in `*` matches any token with that prefix (`allagat*`); a word may list
/// alternatives separated by `|`, each one token, each exact or a prefix (`mi|ci|l`,
/// `picchi*|menat*`); `~N` (1..=8) between two words allows up to N tokens in between
/// (`anzian* ~3 sol*`).
///
/// A signal may also list `unless` patterns, in the same syntax: a match of an `unless` pattern
/// cancels every match of the signal's own patterns that it overlaps (shares a token with), and the
/// signal fires only if some match is left. So `patterns = ["farla finita"]` with
/// `unless = ["farla finita con questa|questo"]` fires on "voglio farla finita" and not on
/// "voglio farla finita con questa multa", and still fires on "farla finita con questa multa? no,
/// voglio farla finita" (the second match is not overlapped).
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    signals: Vec<SignalSpec>,
    /// Whether each signal has `unless` patterns (its matches must be collected, not just flagged).
    has_unless: Vec<bool>,
    patterns: Vec<Pattern>,
    /// Patterns by the exact alternatives of their first word.
    by_first: HashMap<String, Vec<u32>>,
    /// Patterns by the first two characters of the prefix alternatives of their first word.
    by_prefix: HashMap<String, Vec<u32>>,
    /// Patterns whose first word has a one-character prefix alternative.
    short_prefix: Vec<u32>,
}

thread_local! {
    static TOKENS: RefCell<Tokens> = RefCell::default();
}

/// The first two characters of `s`, or `None` when it is shorter.
fn key2(s: &str) -> Option<&str> {
    let mut it = s.char_indices();
    it.next()?;
    let (i, c) = it.next()?;
    Some(&s[..i + c.len_utf8()])
}

fn push_unique(v: &mut Vec<u32>, id: u32) {
    if v.last() != Some(&id) {
        v.push(id);
    }
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
            let all = spec
                .patterns
                .iter()
                .map(|p| (p, false))
                .chain(spec.unless.iter().map(|p| (p, true)));
            for (p, unless) in all {
                let parts = compile(p).map_err(|m| {
                    let list = if unless { "unless" } else { "pattern" };
                    err(format!("{list} `{p}`: {m}"))
                })?;
                lex.add(Pattern {
                    signal: i,
                    unless,
                    parts,
                });
            }
            lex.has_unless.push(!spec.unless.is_empty());
            lex.signals.push(spec);
        }
        Ok(lex)
    }

    fn add(&mut self, pattern: Pattern) {
        let id = self.patterns.len() as u32;
        let Part::Word(first) = &pattern.parts[0] else {
            unreachable!("compile never starts a pattern with a gap")
        };
        for atom in first {
            match atom {
                Atom::Exact(w) => push_unique(self.by_first.entry(w.clone()).or_default(), id),
                Atom::Prefix(p) => match key2(p) {
                    Some(k) => push_unique(self.by_prefix.entry(k.to_string()).or_default(), id),
                    None => push_unique(&mut self.short_prefix, id),
                },
            }
        }
        self.patterns.push(pattern);
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
            // Matches of signals with `unless` patterns: (pattern, first token, end).
            let mut spans: Vec<(u32, usize, usize)> = Vec::new();
            for start in 0..words.len() {
                let w = words[start];
                let candidates = self
                    .by_first
                    .get(w)
                    .into_iter()
                    .flatten()
                    .chain(
                        key2(w)
                            .and_then(|k| self.by_prefix.get(k))
                            .into_iter()
                            .flatten(),
                    )
                    .chain(&self.short_prefix);
                for &id in candidates {
                    let p = &self.patterns[id as usize];
                    let collect = self.has_unless[p.signal];
                    if !collect && fired[p.signal] {
                        continue;
                    }
                    if let Some(end) = matches_at(&p.parts, &words, start) {
                        if collect {
                            spans.push((id, start, end));
                        } else {
                            fired[p.signal] = true;
                        }
                    }
                }
            }
            for &(id, start, end) in &spans {
                let p = &self.patterns[id as usize];
                if p.unless || fired[p.signal] {
                    continue;
                }
                let cancelled = spans.iter().any(|&(u, s, e)| {
                    let q = &self.patterns[u as usize];
                    q.unless && q.signal == p.signal && s < end && start < e
                });
                fired[p.signal] = !cancelled;
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
            let bad = || format!("`{raw}` must be ~1 to ~{MAX_GAP} between two words");
            let n: usize = n.parse().map_err(|_| bad())?;
            if !(1..=MAX_GAP).contains(&n) || !matches!(parts.last(), Some(Part::Word(_))) {
                return Err(bad());
            }
            parts.push(Part::Gap(n));
            continue;
        }
        if raw.contains('|') {
            let mut atoms = Vec::new();
            for alt in raw.split('|') {
                let (word, prefix) = match alt.strip_suffix('*') {
                    Some(w) => (w, true),
                    None => (alt, false),
                };
                let toks = crate::text::tokenize(word);
                if toks.len() != 1 {
                    return Err(format!("`{alt}` in `{raw}` must be one word"));
                }
                let t = toks.text(0).to_string();
                atoms.push(if prefix {
                    Atom::Prefix(t)
                } else {
                    Atom::Exact(t)
                });
            }
            parts.push(Part::Word(atoms));
            continue;
        }
        let (word, prefix) = match raw.strip_suffix('*') {
            Some(w) => (w, true),
            None => (raw, false),
        };
        let toks = crate::text::tokenize(word);
        let n = toks.len();
        if n == 0 {
            return Err(format!("`{raw}` has no word"));
        }
        for (i, (t, _)) in toks.iter().enumerate() {
            let t = t.to_string();
            parts.push(Part::Word(vec![if prefix && i + 1 == n {
                Atom::Prefix(t)
            } else {
                Atom::Exact(t)
            }]));
        }
    }
    match (parts.first(), parts.last()) {
        (None, _) => Err("empty".into()),
        (_, Some(Part::Gap(_))) => Err("cannot end with a gap".into()),
        _ => Ok(parts),
    }
}

/// Where a match of `parts` starting at token `i` ends (exclusive), trying shorter gaps first.
fn matches_at(parts: &[Part], words: &[&str], i: usize) -> Option<usize> {
    match parts.split_first() {
        None => Some(i),
        Some((Part::Gap(n), rest)) => (0..=*n)
            .take_while(|skip| i + skip <= words.len())
            .find_map(|skip| matches_at(rest, words, i + skip)),
        Some((Part::Word(atoms), rest)) => {
            let w = words.get(i)?;
            if atoms.iter().any(|a| a.matches(w)) {
                matches_at(rest, words, i + 1)
            } else {
                None
            }
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

    const EXCEPTIONS: &str = r#"
[[signal]]
name = "threat_or_violence"
level = "critical"
description = "Threats or violence"
patterns = ["mi|ci|l ~2 picchi*|menat*", "paura di ~2 marito|ex|lui", "minacc*|minac*"]
unless = ["minacc*|minac* ~3 stacc*", "picchiett*"]

[[signal]]
name = "self_harm"
level = "critical"
description = "Intent to end one's life"
patterns = ["farla finita"]
unless = ["farla finita con questa|questo|sta"]

[[signal]]
name = "far"
level = "high"
description = "Words eight apart"
patterns = ["semafor* ~8 spent*"]
"#;

    #[test]
    fn alternatives_match_any_of_their_words() {
        let l = Lexicon::from_toml(EXCEPTIONS, "test").unwrap();
        for t in [
            "mi ha picchiata",
            "ci picchia",
            "l'ha menato di brutto",
            "ho paura di mio marito",
            "ho paura di lui",
            "mi a minaciata",
        ] {
            assert_eq!(names(&l, t), ["threat_or_violence"], "{t}");
        }
        assert!(names(&l, "ho paura di aver sbagliato modulo").is_empty());
        assert!(names(&l, "lo picchia").is_empty());
        assert_eq!(
            names(&l, "il semaforo all'incrocio di via Roma è spento"),
            ["far"]
        );
    }

    #[test]
    fn unless_cancels_only_the_matches_it_overlaps() {
        let l = Lexicon::from_toml(EXCEPTIONS, "test").unwrap();
        assert_eq!(names(&l, "voglio farla finita"), ["self_harm"]);
        assert!(names(&l, "vorrei farla finita con questa multa").is_empty());
        assert!(names(&l, "il fornitore mi minaccia di staccare il gas").is_empty());
        assert!(names(&l, "la pioggia picchietta sul vetro").is_empty());
        // A second, separate match is not cancelled by the first one's exception.
        assert_eq!(
            names(&l, "farla finita con sta pratica? no, voglio farla finita"),
            ["self_harm"]
        );
        assert_eq!(
            names(
                &l,
                "mi minaccia di staccare il gas, e ieri mi ha minacciata col coltello"
            ),
            ["threat_or_violence"]
        );
        // An exception of one signal does not touch another.
        assert_eq!(
            names(&l, "farla finita con questa vita, mi picchia"),
            ["threat_or_violence"]
        );
    }

    #[test]
    fn rejects_bad_alternatives_gaps_and_exceptions() {
        let bad = |patterns: &str, unless: &str| {
            let t = format!(
                "[[signal]]\nname='z'\nlevel='high'\ndescription='d'\npatterns={patterns}\nunless={unless}"
            );
            Lexicon::from_toml(&t, "f.toml").unwrap_err().to_string()
        };
        assert!(bad("['a ~9 b']", "[]").contains("pattern `a ~9 b`: `~9` must be ~1 to ~8"));
        assert!(bad("['a ~2 ~2 b']", "[]").contains("~2"));
        assert!(bad("[\"a|c'e\"]", "[]").contains("must be one word"));
        assert!(bad("['a']", "['b ~3']").contains("unless `b ~3`: cannot end with a gap"));
        assert!(bad("['a']", "['|']").contains("unless `|`"));
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
