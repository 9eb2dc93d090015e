//! `instrada evaluate`: a model's report on a labelled file, and the predictions behind it.
//!
//! Loads models through `classify` and prints; it must not import `api` or `route`.

use super::{CliError, EvaluateArgs, count, data_spec, report_skips};
use crate::classify::artefact::{self, Manifest, ModelKind};
use crate::classify::dataset::{self, Example};
use crate::classify::eval::{EvalReport, evaluate};
use crate::classify::model::PredictOptions;
use crate::label::UNKNOWN;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
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
    let labels = match crate::registry::open_model(dir)? {
        crate::registry::Model::Topic(c) => examples
            .par_iter()
            .map(|e| c.predict(&e.text, opts).label)
            .collect(),
        crate::registry::Model::Urgency(u) => examples
            .par_iter()
            .map(|e| u.assess(&e.text, opts).level.as_str().to_string())
            .collect(),
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
