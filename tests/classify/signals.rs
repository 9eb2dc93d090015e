//! Every urgency signal of `training/lexicon/urgency.toml` against the phrasings of
//! `tests/fixtures/signal_phrasings.toml`: each positive fires its signal, no negative does, and no
//! negative fires any critical signal at all. Every signal must have its phrasings, so a new signal
//! cannot be added untested. All failures are reported at once.

use instrada::classify::{Lexicon, UrgencyLevel};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

const MIN_POSITIVE: usize = 10;
const MIN_NEGATIVE: usize = 5;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Phrasings {
    positive: Vec<String>,
    negative: Vec<String>,
}

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load() -> (Lexicon, BTreeMap<String, Phrasings>) {
    let path = "training/lexicon/urgency.toml";
    let lexicon = Lexicon::from_toml(&read(path), path).unwrap_or_else(|e| panic!("{e}"));
    let fixture: BTreeMap<String, Phrasings> =
        toml::from_str(&read("tests/fixtures/signal_phrasings.toml"))
            .unwrap_or_else(|e| panic!("tests/fixtures/signal_phrasings.toml: {e}"));
    (lexicon, fixture)
}

/// The names of the signals that fire on `text`, and those of them that are critical.
fn fired(lexicon: &Lexicon, text: &str) -> (Vec<String>, Vec<String>) {
    let signals = lexicon.scan(text);
    let critical = signals
        .iter()
        .filter(|s| s.level == UrgencyLevel::Critical)
        .map(|s| s.name.clone())
        .collect();
    (signals.into_iter().map(|s| s.name).collect(), critical)
}

#[test]
fn every_signal_fires_on_its_phrasings_and_not_on_near_misses() {
    let (lexicon, fixture) = load();
    let mut failures = Vec::new();

    let names: Vec<&str> = lexicon.signals().iter().map(|s| s.name.as_str()).collect();
    for name in &names {
        match fixture.get(*name) {
            None => failures.push(format!("{name}: no phrasings in the fixture")),
            Some(p) if p.positive.len() < MIN_POSITIVE || p.negative.len() < MIN_NEGATIVE => {
                failures.push(format!(
                    "{name}: {} positives and {} negatives, need at least {MIN_POSITIVE} and \
                     {MIN_NEGATIVE}",
                    p.positive.len(),
                    p.negative.len()
                ))
            }
            Some(_) => {}
        }
    }
    for name in fixture.keys() {
        if !names.contains(&name.as_str()) {
            failures.push(format!("{name}: in the fixture but not in the lexicon"));
        }
    }

    for (name, phrasings) in &fixture {
        for text in &phrasings.positive {
            let (all, _) = fired(&lexicon, text);
            if !all.contains(name) {
                failures.push(format!("{name}: missed positive {text:?} (fired {all:?})"));
            }
        }
        for text in &phrasings.negative {
            let (all, critical) = fired(&lexicon, text);
            if all.contains(name) {
                failures.push(format!("{name}: fired on negative {text:?}"));
            } else if !critical.is_empty() {
                failures.push(format!(
                    "{name}: negative {text:?} fired critical {critical:?}"
                ));
            }
        }
    }

    let checked: usize = fixture
        .values()
        .map(|p| p.positive.len() + p.negative.len())
        .sum();
    assert!(
        failures.is_empty(),
        "{} of {checked} phrasings or checks failed:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}
