//! `instrada evaluate` and `instrada classify`: a model's report on a labelled file, and answers
//! for texts from the command line.

use super::{ClassifyArgs, CliError, EvaluateArgs, count, data_spec, report_skips};
use crate::classify::artefact::{self, Manifest, ModelKind};
use crate::classify::bundle::{Bundle, UrgencyModel};
use crate::classify::dataset::{self, Example};
use crate::classify::eval::{EvalReport, evaluate};
use crate::classify::model::{LinearClassifier, PredictOptions, TextClassifier};
use crate::label::UNKNOWN;
use crate::text::LanguageDetector;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Instant;

/// Where `classify` looks for models without `--model`.
const DEFAULT_MODELS: &str = "models";

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
    let unknown_labels = check_labels(&manifest, &loaded, a.oos_label.as_deref())?;
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
            o.insert("unknown_labels".into(), unknown_labels.clone().into());
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

/// The labels of the data that the model cannot answer: an error when none of the data's labels
/// is the model's (codes without `--label-map`, another model's file), a warning on standard error
/// listing them when some are (their rows count as errors).
fn check_labels(
    manifest: &Manifest,
    loaded: &dataset::Loaded,
    oos_label: Option<&str>,
) -> Result<Vec<String>, CliError> {
    let known: BTreeSet<&str> = manifest
        .labels
        .iter()
        .map(String::as_str)
        .chain(manifest.oos_label.as_deref())
        .chain(oos_label)
        .chain([UNKNOWN])
        .collect();
    let mut rows: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &loaded.examples {
        *rows.entry(e.label.as_str()).or_default() += 1;
    }
    let unknown: Vec<&str> = rows
        .keys()
        .copied()
        .filter(|l| !known.contains(l))
        .collect();
    if unknown.is_empty() {
        return Ok(Vec::new());
    }
    let model_labels = listed(manifest.labels.iter().map(String::as_str));
    let hint = match manifest.kind {
        ModelKind::Urgency => {
            "map codes to levels with --label-map, e.g. 0=critical,1=high,2=normal,3=low"
        }
        ModelKind::Topic => "check --label-col, or rename labels with --label-map FROM=TO,…",
    };
    if unknown.len() == rows.len() {
        return Err(CliError::Usage(format!(
            "{}: none of its labels is a label of the model {}, so there is nothing to score: the \
             data has {} ({}), the model has {}; {hint}",
            loaded.file,
            manifest.model_version,
            count(unknown.len() as u64, "label", "labels"),
            listed(unknown.iter().copied()),
            model_labels
        )));
    }
    let unknown_rows: usize = unknown.iter().map(|l| rows[l]).sum();
    eprintln!(
        "warning: {}: {} not known to the model {} ({}); {}. The model's labels: \
         {model_labels}; {hint}",
        loaded.file,
        count(unknown.len() as u64, "label is", "labels are"),
        manifest.model_version,
        listed(unknown.iter().copied()),
        count(
            unknown_rows as u64,
            "row counts as an error",
            "rows count as errors"
        ),
    );
    Ok(unknown.iter().map(|l| (*l).to_string()).collect())
}

/// Labels as `a, b, c`, at most 20 of them.
fn listed<'a>(labels: impl Iterator<Item = &'a str>) -> String {
    let labels: Vec<&str> = labels.collect();
    let mut s = labels
        .iter()
        .take(20)
        .map(|l| format!("`{l}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if labels.len() > 20 {
        s.push_str(&format!(", … ({} in all)", labels.len()));
    }
    s
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
    let (model, defaulted) = match &a.model {
        Some(dir) => (dir.as_path(), false),
        None => (Path::new(DEFAULT_MODELS), true),
    };
    let single = model.join(artefact::MANIFEST).is_file();
    if !single && !model.join("topic").join(artefact::MANIFEST).is_file() {
        return Err(CliError::NoModel {
            dir: model.to_path_buf(),
            defaulted,
        });
    }
    let (topic, urgency): (
        Option<std::sync::Arc<dyn TextClassifier>>,
        Option<std::sync::Arc<UrgencyModel>>,
    ) = if single {
        match artefact::read_manifest(model)?.kind {
            ModelKind::Topic => (
                Some(std::sync::Arc::new(LinearClassifier::load(model)?)),
                None,
            ),
            ModelKind::Urgency => (None, Some(std::sync::Arc::new(UrgencyModel::load(model)?))),
        }
    } else {
        let b = Bundle::load(model)?;
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
