//! The command line: argument definitions (clap) and the train / evaluate / classify commands.
//!
//! `main.rs` only parses and dispatches; the commands live here so that tests can call them.

use crate::classify::artefact::{
    self, LEXICON, Manifest, ModelKind, TrainingData, ValidationSummary,
};
use crate::classify::bundle::{Bundle, BundleError, UrgencyModel};
use crate::classify::dataset::{self, DataSpec, DatasetError, Example};
use crate::classify::eval::{EvalReport, evaluate};
use crate::classify::model::{LinearClassifier, PredictOptions, TextClassifier};
use crate::classify::train::{ClassWeight, TrainError, TrainParams, Validation};
use crate::classify::urgency::{Lexicon, LexiconError};
use crate::text::LanguageDetector;
use clap::{Args, Parser, Subcommand};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// instrada: classifies citizens' requests by topic and urgency and routes them.
#[derive(Debug, Parser)]
#[command(name = "instrada", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a topic or urgency model from a CSV or JSONL file and write its artefact.
    Train(TrainArgs),
    /// Evaluate a model on a labelled file.
    Evaluate(EvaluateArgs),
    /// Classify texts with a model or a bundle (topic + urgency).
    Classify(ClassifyArgs),
    /// Run the HTTP routing service.
    Serve(ServeArgs),
    /// Validate a configuration file (policy against the models) and exit.
    CheckConfig(CheckConfigArgs),
    /// Export corrected decisions (feedback) as a training file.
    ExportFeedback(ExportFeedbackArgs),
}

/// Where the examples come from.
#[derive(Debug, Args, Clone)]
pub struct DataArgs {
    /// Labelled data: .csv, .tsv or .jsonl.
    #[arg(long)]
    pub data: PathBuf,
    /// Text column(s), comma-separated and joined (e.g. `title,body`). Default: text.
    #[arg(long, value_delimiter = ',', default_value = "text")]
    pub text_col: Vec<String>,
    /// Label column. Default: the model kind (`topic`/`urgency`) if present, else `label`.
    #[arg(long)]
    pub label_col: Option<String>,
    /// Rename labels on reading, e.g. `0=critical,1=high,2=normal,3=low`.
    #[arg(long)]
    pub label_map: Option<String>,
    /// CSV field delimiter (one character). Default `,` (tab for .tsv).
    #[arg(long)]
    pub delimiter: Option<char>,
    /// Skip malformed rows (ragged, invalid UTF-8, bad JSON) with a warning instead of failing.
    #[arg(long)]
    pub skip_bad_rows: bool,
}

/// `instrada train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// What the model predicts.
    pub kind: ModelKind,
    /// The data.
    #[command(flatten)]
    pub data: DataArgs,
    /// Output directory of the artefact.
    #[arg(long)]
    pub out: PathBuf,
    /// Model name. Default: `<kind>-<data file stem>`.
    #[arg(long)]
    pub name: Option<String>,
    /// Label of out-of-scope examples in the data (answered `unknown`).
    #[arg(long)]
    pub oos_label: Option<String>,
    /// Stratified k-fold validation instead of a hold-out.
    #[arg(long)]
    pub folds: Option<u32>,
    /// Fraction held out for validation.
    #[arg(long, default_value_t = 0.2)]
    pub val_fraction: f32,
    /// Inverse L2 strength (scikit-learn's C).
    #[arg(long, default_value_t = 20.0)]
    pub c: f32,
    /// SGD passes.
    #[arg(long, default_value_t = 12)]
    pub epochs: u32,
    /// Initial SGD step.
    #[arg(long, default_value_t = 0.8)]
    pub learning_rate: f32,
    /// Minimum documents a feature must appear in.
    #[arg(long, default_value_t = 1)]
    pub min_df: u32,
    /// Class weighting. Default: balanced for urgency, none for topic.
    #[arg(long)]
    pub class_weight: Option<ClassWeight>,
    /// Answers are withheld (`unknown`) where fewer than this share of them would be right.
    #[arg(long, default_value_t = 0.3)]
    pub min_precision: f32,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Texts longer than this many characters are truncated (and predictions say so).
    #[arg(long, default_value_t = 10_000)]
    pub max_chars: usize,
    /// Urgency lexicon (TOML) copied into the artefact. Default: training/lexicon/urgency.toml if present.
    #[arg(long)]
    pub lexicon: Option<PathBuf>,
    /// Markdown inserted in the model card under "Data".
    #[arg(long)]
    pub card_notes: Option<PathBuf>,
    /// Print the validation report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `instrada evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The model directory.
    #[arg(long)]
    pub model: PathBuf,
    /// The data.
    #[command(flatten)]
    pub data: DataArgs,
    /// Out-of-scope label in the data. Default: the model's.
    #[arg(long)]
    pub oos_label: Option<String>,
    /// One JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// `instrada classify`.
#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// A model directory, or a bundle directory with `topic/` and `urgency/`.
    #[arg(long, default_value = "models")]
    pub model: PathBuf,
    /// One JSON object per text.
    #[arg(long)]
    pub json: bool,
    /// Texts to classify; none: one per line from standard input.
    pub texts: Vec<String>,
}

/// `instrada serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Configuration file. Default: ./instrada.toml if present, else the built-in one.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Address to listen on (overrides the config).
    #[arg(long)]
    pub bind: Option<String>,
}

/// `instrada check-config`.
#[derive(Debug, Args)]
pub struct CheckConfigArgs {
    /// Configuration file.
    pub file: PathBuf,
}

/// `instrada export-feedback`.
#[derive(Debug, Args)]
pub struct ExportFeedbackArgs {
    /// The decisions database. Default: the store path of ./instrada.toml.
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Output CSV (the format `instrada train` reads).
    #[arg(long)]
    pub out: PathBuf,
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad data.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// Training failed.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// Artefact I/O.
    #[error(transparent)]
    Artefact(#[from] artefact::ArtefactError),
    /// Model loading.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// Lexicon.
    #[error(transparent)]
    Lexicon(#[from] LexiconError),
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Arguments that do not fit together.
    #[error("{0}")]
    Usage(String),
}

fn read_text(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|source| CliError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn parse_label_map(s: Option<&str>) -> Result<HashMap<String, String>, CliError> {
    let Some(s) = s else {
        return Ok(HashMap::new());
    };
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
                Ok((a.trim().to_string(), b.trim().to_string()))
            }
            _ => Err(CliError::Usage(format!(
                "--label-map: `{pair}` is not FROM=TO"
            ))),
        })
        .collect()
}

fn data_spec(d: &DataArgs, fallbacks: Vec<String>) -> Result<DataSpec, CliError> {
    let delimiter = match d.delimiter {
        Some(c) if c.is_ascii() => Some(c as u8),
        Some(c) => {
            return Err(CliError::Usage(format!(
                "--delimiter must be one ASCII character, not `{c}`"
            )));
        }
        None => None,
    };
    Ok(DataSpec {
        path: d.data.clone(),
        text_cols: d.text_col.clone(),
        label_col: d.label_col.clone(),
        label_fallbacks: fallbacks,
        delimiter,
        skip_bad_rows: d.skip_bad_rows,
        label_map: parse_label_map(d.label_map.as_deref())?,
    })
}

fn report_skips(loaded: &dataset::Loaded) {
    if !loaded.skipped_empty_text.is_empty() {
        let lines: Vec<String> = loaded
            .skipped_empty_text
            .iter()
            .take(10)
            .map(u64::to_string)
            .collect();
        eprintln!(
            "warning: {} rows with empty text skipped (lines {}{})",
            loaded.skipped_empty_text.len(),
            lines.join(", "),
            if loaded.skipped_empty_text.len() > 10 {
                ", …"
            } else {
                ""
            }
        );
    }
    for (line, why) in loaded.skipped_bad.iter().take(10) {
        eprintln!("warning: {}:{line}: skipped: {why}", loaded.file);
    }
    if loaded.skipped_bad.len() > 10 {
        eprintln!(
            "warning: … {} malformed rows skipped in all",
            loaded.skipped_bad.len()
        );
    }
}

/// `instrada train`: reads, trains, validates, writes the artefact and prints the report.
pub fn train(a: &TrainArgs) -> Result<Manifest, CliError> {
    let started = Instant::now();
    let spec = data_spec(&a.data, vec![a.kind.as_str().into(), "label".into()])?;
    let loaded = dataset::load(&spec)?;
    report_skips(&loaded);
    let lexicon_src = match (a.kind, &a.lexicon) {
        (ModelKind::Urgency, Some(p)) => Some(read_text(p)?),
        (ModelKind::Urgency, None) => std::fs::read_to_string("training/lexicon/urgency.toml").ok(),
        (ModelKind::Topic, Some(_)) => {
            return Err(CliError::Usage("--lexicon is for urgency models".into()));
        }
        (ModelKind::Topic, None) => None,
    };
    if a.kind == ModelKind::Urgency {
        if let Some(bad) = loaded
            .examples
            .iter()
            .find(|e| e.label.parse::<crate::classify::UrgencyLevel>().is_err())
        {
            return Err(CliError::Usage(format!(
                "{}:{}: urgency label `{}` is not one of low, normal, high, critical (map codes with --label-map, e.g. 0=critical,1=high,2=normal,3=low)",
                spec.path.display(),
                bad.line,
                bad.label
            )));
        }
        if a.oos_label.is_some() {
            return Err(CliError::Usage(
                "--oos-label is for topic models: urgency always answers a level".into(),
            ));
        }
    }
    if let Some(src) = &lexicon_src {
        Lexicon::from_toml(src, "lexicon")?;
    }
    let validation = match a.folds {
        Some(k) => Validation::KFold(k),
        None => Validation::Holdout(a.val_fraction),
    };
    let class_weight = a.class_weight.unwrap_or(match a.kind {
        ModelKind::Urgency => ClassWeight::Balanced,
        ModelKind::Topic => ClassWeight::None,
    });
    let features = crate::text::FeatureConfig {
        max_chars: a.max_chars,
        ..Default::default()
    };
    let params = TrainParams::default()
        .features(features)
        .c(a.c)
        .epochs(a.epochs)
        .learning_rate(a.learning_rate)
        .min_df(a.min_df)
        .class_weight(class_weight)
        .validation(validation)
        .oos_label(a.oos_label.clone())
        .min_precision(if a.kind == ModelKind::Urgency {
            0.0
        } else {
            a.min_precision
        })
        .seed(a.seed)
        .check()?;
    let n_fits = match validation {
        Validation::KFold(k) => u64::from(k) + 1,
        Validation::Holdout(_) => 2,
    };
    eprintln!(
        "{}: {} examples, {} labels; fitting {n_fits} models ({validation:?} validation)",
        loaded.file,
        loaded.examples.len(),
        loaded
            .examples
            .iter()
            .map(|e| &e.label)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    );
    let bar = indicatif::ProgressBar::new(n_fits);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} fitting [{bar:30}] {pos}/{len} models {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let tick = |_: &str, _: u64, _: u64| bar.inc(1);
    let trained = params.fit(&loaded.examples, &tick)?;
    bar.finish_and_clear();
    for s in &trained.singleton_classes {
        eprintln!("warning: label `{s}` has a single example: trained on, but not validated");
    }
    let mut label_counts = BTreeMap::new();
    for e in &loaded.examples {
        *label_counts.entry(e.label.clone()).or_insert(0) += 1;
    }
    let name = a.name.clone().unwrap_or_else(|| {
        format!(
            "{}-{}",
            a.kind.as_str(),
            a.data
                .data
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        )
    });
    let mut manifest = Manifest {
        format_version: artefact::FORMAT_VERSION,
        name,
        kind: a.kind,
        model_version: String::new(),
        created_at: chrono::Utc::now(),
        instrada_version: env!("CARGO_PKG_VERSION").into(),
        labels: trained.model.labels.clone(),
        oos_label: a.oos_label.clone(),
        unknown_threshold: trained.unknown_threshold,
        temperature: trained.model.temperature,
        features: trained.params.features.clone(),
        hyperparameters: trained.params.clone(),
        training_data: TrainingData {
            file: loaded.file.clone(),
            sha256: loaded.sha256.clone(),
            rows: loaded.examples.len(),
            text_columns: loaded.text_columns.clone(),
            label_column: loaded.label_column.clone(),
            label_map: spec.label_map.clone().into_iter().collect(),
            label_counts,
        },
        validation: ValidationSummary {
            method: match validation {
                Validation::KFold(k) => format!("stratified {k}-fold, out-of-fold predictions"),
                Validation::Holdout(f) => format!("stratified hold-out of {:.0} %", 100.0 * f),
            },
            size: trained.validation_size,
            argmax_accuracy: trained.validation_argmax_accuracy,
            report: trained.validation.clone(),
        },
        n_features: 0,
        files: BTreeMap::new(),
    };
    let notes = match &a.card_notes {
        Some(p) => read_text(p)?,
        None => String::new(),
    };
    let extra: Vec<(&str, Vec<u8>)> = lexicon_src
        .map(|s| (LEXICON, s.into_bytes()))
        .into_iter()
        .collect();
    artefact::save(&a.out, &trained.model, &mut manifest, &notes, &extra)?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&manifest.validation).unwrap_or_default()
        );
    } else {
        println!(
            "validation ({}, {} texts):",
            manifest.validation.method, manifest.validation.size
        );
        println!(
            "accuracy without abstaining: {:.2} %",
            100.0 * trained.validation_argmax_accuracy
        );
        print!("{}", trained.validation.render());
        println!(
            "\n`unknown` below top probability {:.3}; temperature {:.3}; {} features",
            manifest.unknown_threshold, manifest.temperature, manifest.n_features
        );
    }
    eprintln!(
        "wrote {} ({}) in {:.1} s",
        a.out.display(),
        manifest.model_version,
        started.elapsed().as_secs_f64()
    );
    Ok(manifest)
}

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
