//! `instrada classify`: answers for texts from the command line or standard input, from one model
//! or a bundle (topic + urgency), as plain text or one JSON object per text.
//!
//! Only loads models (through the `registry`) and prints; it must not import `api` or `route`.

use super::{ClassifyArgs, CliError};
use crate::classify::artefact;
use crate::classify::bundle::{UrgencyAssessment, UrgencyModel};
use crate::classify::model::TextClassifier;
use crate::classify::model::{Abstention, PredictOptions, Prediction};
use crate::registry;
use crate::text::{Language, LanguageDetector};
use std::path::Path;
use std::sync::Arc;

/// Where `classify` looks for models without `--model`.
const DEFAULT_MODELS: &str = "models";

/// The models `classify` answers with: a topic model, an urgency model, or both.
struct Models {
    topic: Option<Arc<dyn TextClassifier>>,
    urgency: Option<Arc<UrgencyModel>>,
}

/// One text's answers, each with the version of the model that gave it.
struct Answer {
    language: Language,
    topic: Option<(String, Prediction)>,
    urgency: Option<(String, UrgencyAssessment)>,
}

/// `instrada classify`.
pub fn classify_cmd(a: &ClassifyArgs) -> Result<(), CliError> {
    let texts = texts(a)?;
    let models = load(a.model.as_deref())?;
    let lang = LanguageDetector::default();
    let opts = PredictOptions::default();
    for text in &texts {
        let answer = Answer {
            language: lang.detect(text),
            topic: models
                .topic
                .as_ref()
                .map(|m| (m.manifest().model_version.clone(), m.predict(text, opts))),
            urgency: models.urgency.as_ref().map(|m| {
                (
                    m.classifier().manifest().model_version.clone(),
                    m.assess(text, opts),
                )
            }),
        };
        if a.json {
            print_json(text, &answer);
        } else {
            print_text(&answer);
        }
    }
    Ok(())
}

/// The texts given, or one per non-blank line of standard input; refuses a blank one.
fn texts(a: &ClassifyArgs) -> Result<Vec<String>, CliError> {
    let texts: Vec<String> = if a.texts.is_empty() {
        std::io::stdin()
            .lines()
            .map_while(Result::ok)
            .filter(|l| !l.trim().is_empty())
            .collect()
    } else {
        a.texts.clone()
    };
    if texts.is_empty() || texts.iter().any(|t| t.trim().is_empty()) {
        return Err(CliError::Usage(
            "nothing to classify: give a non-empty text".into(),
        ));
    }
    Ok(texts)
}

/// The model in `dir` (default [`DEFAULT_MODELS`]), or the bundle there.
fn load(dir: Option<&Path>) -> Result<Models, CliError> {
    let (model, defaulted) = match dir {
        Some(dir) => (dir, false),
        None => (Path::new(DEFAULT_MODELS), true),
    };
    let single = model.join(artefact::MANIFEST).is_file();
    if !single && !model.join("topic").join(artefact::MANIFEST).is_file() {
        return Err(CliError::NoModel {
            dir: model.to_path_buf(),
            defaulted,
        });
    }
    if !single {
        let b = registry::open_bundle(model)?;
        return Ok(Models {
            topic: Some(b.topic),
            urgency: Some(b.urgency),
        });
    }
    Ok(match registry::open_model(model)? {
        registry::Model::Topic(t) => Models {
            topic: Some(t),
            urgency: None,
        },
        registry::Model::Urgency(u) => Models {
            topic: None,
            urgency: Some(u),
        },
    })
}

fn print_json(text: &str, a: &Answer) {
    let v = serde_json::json!({
        "text_chars": text.chars().count(),
        "language": a.language,
        "topic": a.topic.as_ref().map(|(v, p)| serde_json::json!({"model": v, "prediction": p})),
        "urgency": a.urgency.as_ref().map(|(v, a)| serde_json::json!({"model": v, "level": a.level, "confidence": a.confidence, "model_level": a.model_level, "signals": a.signals})),
    });
    println!("{v}");
}

fn print_text(a: &Answer) {
    let language = &a.language;
    println!(
        "language: {} ({:.2}{})",
        language.code,
        language.confidence,
        if language.reliable {
            ""
        } else {
            ", unreliable"
        }
    );
    if let Some((_, p)) = &a.topic {
        print_topic(p);
    }
    if let Some((_, u)) = &a.urgency {
        print_urgency(u);
    }
    println!();
}

fn print_topic(p: &Prediction) {
    let why = match p.abstention {
        Some(Abstention::OutOfScope) => " (out of scope)".to_string(),
        Some(Abstention::BelowThreshold { threshold }) => {
            format!(" (best `{}` below threshold {threshold:.2})", p.best)
        }
        None => String::new(),
    };
    println!("topic:    {} {:.3}{why}", p.label, p.confidence);
    let alts: Vec<String> = p
        .alternatives
        .iter()
        .map(|s| format!("{} {:.3}", s.label, s.probability))
        .collect();
    println!("          alternatives: {}", alts.join(", "));
    let ev: Vec<String> = p
        .evidence
        .iter()
        .map(|e| format!("«{}» {:+.2}", e.text, e.weight))
        .collect();
    println!("          evidence: {}", ev.join(", "));
    if p.truncated {
        println!("          (text truncated to the model's limit)");
    }
}

fn print_urgency(u: &UrgencyAssessment) {
    let sig: Vec<String> = u
        .signals
        .iter()
        .map(|s| format!("{} ({})", s.name, s.level))
        .collect();
    println!(
        "urgency:  {} (model: {} {:.3}){}",
        u.level,
        u.model_level,
        u.confidence,
        if sig.is_empty() {
            String::new()
        } else {
            format!("; signals: {}", sig.join(", "))
        }
    );
}
