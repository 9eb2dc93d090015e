//! `instrada evaluate` and `instrada classify`: a model's report on a labelled file, and answers
//! for texts from the command line.

use super::{ClassifyArgs, CliError, EvaluateArgs, data_spec, report_skips};
use crate::classify::artefact::{self, Manifest, ModelKind};
use crate::classify::bundle::{Bundle, UrgencyModel};
use crate::classify::dataset::{self, Example};
use crate::classify::eval::{EvalReport, evaluate};
use crate::classify::model::{LinearClassifier, PredictOptions, TextClassifier};
use crate::text::LanguageDetector;
use rayon::prelude::*;
use std::path::Path;
use std::time::Instant;

/// Predicts a label for every example with the model in `dir` (urgency: the final level, lexicon included).
pub fn predict_labels(
    dir: &Path,
    examples: &[Example],
) -> Result<(Manifest, Vec<String>), CliError> {
    let opts = PredictOptions {
        alternatives: 0,
        evidence: 0,
    };
    let manifest = artefact::read_manifest(dir)?;
    let labels = match manifest.kind {
        ModelKind::Topic => {
            let c = LinearClassifier::load(dir)?;
            examples
                .par_iter()
                .map(|e| c.predict(&e.text, opts).label)
                .collect()
        }
        ModelKind::Urgency => {
            let u = UrgencyModel::load(dir)?;
            examples
                .par_iter()
                .map(|e| u.assess(&e.text, opts).level.as_str().to_string())
                .collect()
        }
    };
    Ok((manifest, labels))
}

/// `instrada evaluate`: the report of a model on a labelled file.
pub fn evaluate_cmd(a: &EvaluateArgs) -> Result<EvalReport, CliError> {
    let manifest = artefact::read_manifest(&a.model)?;
    let fallbacks = vec![
        manifest.training_data.label_column.clone(),
        manifest.kind.as_str().into(),
        "label".into(),
    ];
    let loaded = dataset::load(&data_spec(&a.data, fallbacks)?)?;
    report_skips(&loaded);
    let started = Instant::now();
    let (manifest, pred) = predict_labels(&a.model, &loaded.examples)?;
    let secs = started.elapsed().as_secs_f64();
    let gold: Vec<String> = loaded.examples.iter().map(|e| e.label.clone()).collect();
    let oos = a.oos_label.clone().or_else(|| manifest.oos_label.clone());
    let oos = oos.filter(|o| gold.contains(o));
    let report = evaluate(&gold, &pred, oos.as_deref());
    if a.json {
        let mut v = serde_json::to_value(&report).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert(
                "model_version".into(),
                manifest.model_version.clone().into(),
            );
            o.insert("data_sha256".into(), loaded.sha256.clone().into());
        }
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!(
            "{} on {} ({} texts, {:.0} texts/s)",
            manifest.model_version,
            loaded.file,
            report.n,
            report.n as f64 / secs.max(1e-9)
        );
        print!("{}", report.render());
    }
    Ok(report)
}

/// `instrada classify`.
pub fn classify_cmd(a: &ClassifyArgs) -> Result<(), CliError> {
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
    let single = a.model.join(artefact::MANIFEST).is_file();
    let (topic, urgency): (
        Option<std::sync::Arc<dyn TextClassifier>>,
        Option<std::sync::Arc<UrgencyModel>>,
    ) = if single {
        match artefact::read_manifest(&a.model)?.kind {
            ModelKind::Topic => (
                Some(std::sync::Arc::new(LinearClassifier::load(&a.model)?)),
                None,
            ),
            ModelKind::Urgency => (
                None,
                Some(std::sync::Arc::new(UrgencyModel::load(&a.model)?)),
            ),
        }
    } else {
        let b = Bundle::load(&a.model)?;
        (Some(b.topic), Some(b.urgency))
    };
    let lang = LanguageDetector::default();
    let opts = PredictOptions::default();
    for text in &texts {
        let language = lang.detect(text);
        let t = topic
            .as_ref()
            .map(|m| (m.manifest().model_version.clone(), m.predict(text, opts)));
        let u = urgency.as_ref().map(|m| {
            (
                m.classifier().manifest().model_version.clone(),
                m.assess(text, opts),
            )
        });
        if a.json {
            let v = serde_json::json!({
                "text_chars": text.chars().count(),
                "language": language,
                "topic": t.as_ref().map(|(v, p)| serde_json::json!({"model": v, "prediction": p})),
                "urgency": u.as_ref().map(|(v, a)| serde_json::json!({"model": v, "level": a.level, "confidence": a.confidence, "model_level": a.model_level, "signals": a.signals})),
            });
            println!("{v}");
            continue;
        }
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
        if let Some((_, p)) = &t {
            let why = match p.abstention {
                Some(crate::classify::model::Abstention::OutOfScope) => {
                    " (out of scope)".to_string()
                }
                Some(crate::classify::model::Abstention::BelowThreshold { threshold }) => {
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
        if let Some((_, u)) = &u {
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
        println!();
    }
    Ok(())
}
