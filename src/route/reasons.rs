//! The sentences of a decision's `reasons` that come from the models: the topic's evidence, the
//! urgency and its signals, the language. The policy's own sentences are [`super::policy`]'s.

use crate::classify::linear::Evidence;
use crate::classify::model::Abstention;
use crate::classify::{Prediction, UrgencyAssessment};
use crate::text::{Language, LanguageDetector};
use std::fmt::Write;

fn quoted(words: &[Evidence]) -> String {
    let mut s = String::new();
    for (i, w) in words.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(s, "{sep}«{}»", w.text);
    }
    s
}

/// "Topic `tributi` (0.93): the words that weighed most were «TARI», «avviso», «pagamento»";
/// without the quoted words when `with_words` is false (they are the citizen's own).
pub fn topic(p: &Prediction, with_words: bool) -> String {
    let evidence = with_words && !p.evidence.is_empty();
    match p.abstention {
        None => {
            let words = if evidence {
                format!(": the words that weighed most were {}", quoted(&p.evidence))
            } else {
                String::new()
            };
            format!("Topic `{}` ({:.2}){words}", p.label, p.confidence)
        }
        Some(Abstention::OutOfScope) => format!(
            "Topic unknown: the request looks outside the topics the model knows ({:.2})",
            p.confidence
        ),
        Some(Abstention::BelowThreshold { threshold }) => {
            let words = if evidence {
                format!(
                    "; the words that weighed most for it were {}",
                    quoted(&p.evidence)
                )
            } else {
                String::new()
            };
            format!(
                "Topic unknown: the best guess `{}` ({:.2}) is below the model's confidence \
                 threshold {threshold:.2}{words}",
                p.best, p.confidence
            )
        }
    }
}

/// A topic reason from [`topic`] without the words it quotes from the request (what
/// `topic(p, false)` says), for a decision whose text is no longer kept; `None` when it quotes
/// none. The quote is the sentence's tail, so cutting there leaves the rest as it was.
pub fn without_words(reason: &str) -> Option<String> {
    [
        ": the words that weighed most were ",
        "; the words that weighed most for it were ",
    ]
    .iter()
    .find_map(|tail| reason.find(tail))
    .map(|at| reason[..at].to_string())
}

/// The urgency level, and the signals that raised it, by name and description.
pub fn urgency(u: &UrgencyAssessment) -> String {
    let signals = u
        .signals
        .iter()
        .map(|s| format!("`{}` ({})", s.name, s.description))
        .collect::<Vec<_>>()
        .join(", ");
    let plural = if u.signals.len() == 1 { "" } else { "s" };
    if u.signals.is_empty() {
        format!(
            "Urgency `{}` ({:.2}) from the model; no urgency signal in the text",
            u.level, u.confidence
        )
    } else if u.level > u.model_level {
        format!(
            "Urgency `{}`: raised from the model's `{}` ({:.2}) by signal{plural} {signals}",
            u.level, u.model_level, u.confidence
        )
    } else {
        format!(
            "Urgency `{}` ({:.2}) from the model, with signal{plural} {signals}",
            u.level, u.confidence
        )
    }
}

/// Why the request has the language `l` that `detector` found.
pub fn detected_language(l: &Language, detector: &LanguageDetector) -> String {
    match (l.reliable, l.script, l.guess) {
        (true, _, _) => format!("Language `{}` detected ({:.2})", l.code, l.confidence),
        (false, Some(script), _) => format!(
            "Language `{}`, the default: the text is in {script} script, which none of the \
             languages detected ({}) uses",
            l.code,
            detector.candidates().join(", ")
        ),
        (false, None, Some(guess)) => format!(
            "Language `{}`, the default: the text is too short or mixed to tell (the best \
             guess, `{guess}` {:.2}, is not reliable)",
            l.code, l.confidence
        ),
        (false, None, None) => format!(
            "Language `{}`, the default: the text is too short or mixed to tell",
            l.code
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgetting_the_words_gives_the_reason_written_without_them() {
        let words = vec![
            Evidence {
                text: "Rossi".into(),
                weight: 1.0,
            },
            Evidence {
                text: "TARI".into(),
                weight: 0.5,
            },
        ];
        let known = Prediction {
            label: "tributi".into(),
            confidence: 0.93,
            best: "tributi".into(),
            alternatives: Vec::new(),
            abstention: None,
            evidence: words.clone(),
            truncated: false,
        };
        let unsure = Prediction {
            label: crate::label::UNKNOWN.into(),
            abstention: Some(Abstention::BelowThreshold { threshold: 0.6 }),
            ..known.clone()
        };
        for p in [known, unsure] {
            let with = topic(&p, true);
            assert!(with.contains("«Rossi»"), "{with}");
            assert_eq!(without_words(&with), Some(topic(&p, false)));
            assert_eq!(without_words(&topic(&p, false)), None);
        }
    }
}
