//! `instrada train outreach`, `instrada evaluate` of an outreach model and `instrada backtest
//! outreach`: arguments into one call of [`crate::outreach`], and its report printed.
//!
//! Imports `outreach` and `config` only (the store path comes from the settings).

use super::{CliError, EvaluateArgs, TrainArgs};
use crate::config::Settings;
use crate::outreach::dataset::{self, BacktestReport};
use crate::outreach::manifest::{LabelInfo, OutreachManifest};
use crate::outreach::{
    FeatureSpec, Metrics, ModelChoice, OutreachLabel, OutreachModel, OutreachParams, TableSpec,
    artefact, read_csv,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use clap::{ArgMatches, Args, FromArgMatches, Subcommand};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// `instrada train outreach`.
#[derive(Debug, Subcommand)]
pub enum TrainOutreachCommand {
    /// Train an outreach model (whom to contact proactively, with reasons) from a CSV table of
    /// features or from the store's contact histories.
    Outreach(TrainOutreachArgs),
}

/// `instrada train topic|urgency …` (the classifiers' [`TrainArgs`]) or `instrada train
/// outreach …`. Parsed by hand: clap's derive cannot make a flattened struct with a required
/// positional optional beside a subcommand.
#[derive(Debug)]
pub struct TrainCommand {
    /// `train outreach`.
    pub outreach: Option<TrainOutreachCommand>,
    /// `train topic|urgency`.
    pub classifier: Option<TrainArgs>,
}

impl FromArgMatches for TrainCommand {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        if m.subcommand_name().is_some() {
            return Ok(Self {
                outreach: Some(TrainOutreachCommand::from_arg_matches(m)?),
                classifier: None,
            });
        }
        Ok(Self {
            outreach: None,
            classifier: Some(TrainArgs::from_arg_matches(m)?),
        })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for TrainCommand {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        TrainOutreachCommand::augment_subcommands(TrainArgs::augment_args(cmd))
            .args_conflicts_with_subcommands(true)
            .subcommand_negates_reqs(true)
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

/// `instrada backtest outreach`.
#[derive(Debug, Subcommand)]
pub enum BacktestOutreachCommand {
    /// Train on features as of the cutoff − 30 days (labels up to the cutoff), then score every
    /// citizen as of the cutoff against what happened in the 30 days after.
    Outreach(BacktestOutreachArgs),
}

/// The history features beyond the built-in ones.
#[derive(Debug, Args, Clone)]
pub struct FeatureSpecArgs {
    /// Window of `repeat_same_topic`, days.
    #[arg(long, default_value_t = 14)]
    pub repeat_days: u32,
    /// Event attributes read as numbers (latest value), comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub numeric_attr: Vec<String>,
    /// Event attributes read as categories (latest value), comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub categorical_attr: Vec<String>,
}

impl FeatureSpecArgs {
    fn spec(&self) -> FeatureSpec {
        FeatureSpec {
            repeat_days: self.repeat_days,
            numeric_attributes: self.numeric_attr.clone(),
            categorical_attributes: self.categorical_attr.clone(),
        }
    }
}

/// `instrada train outreach`'s arguments.
#[derive(Debug, Args)]
pub struct TrainOutreachArgs {
    /// A CSV table of features with a label column.
    #[arg(
        long,
        required_unless_present = "from_store",
        conflicts_with = "from_store"
    )]
    pub data: Option<PathBuf>,
    /// The label column of `--data`.
    #[arg(long, required_unless_present = "from_store")]
    pub label_col: Option<String>,
    /// The positive label (case-insensitive). Default: yes, true or 1.
    #[arg(long)]
    pub positive: Option<String>,
    /// An id column of `--data`, not a feature.
    #[arg(long)]
    pub id_col: Option<String>,
    /// CSV field delimiter (one character). Default `,` (tab for .tsv).
    #[arg(long)]
    pub delimiter: Option<char>,
    /// Compute features from the store's contact histories instead (the config's store).
    #[arg(long)]
    pub from_store: bool,
    /// With `--from-store`: repeat_contact_30d, complaint_30d or escalation_30d.
    #[arg(long, default_value = "repeat_contact_30d")]
    pub label: String,
    /// With `--from-store`: features as of this time (RFC 3339 or a date, UTC), labels in the
    /// 30 days after. Default: 30 days before the latest stored event.
    #[arg(long)]
    pub as_of: Option<String>,
    /// History features beyond the built-in ones.
    #[command(flatten)]
    pub spec: FeatureSpecArgs,
    /// Configuration file (the store). Default: ./instrada.toml if present, else the built-in one.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// auto (both, keep the higher cross-validated ROC AUC), logistic or trees.
    #[arg(long, default_value = "auto")]
    pub model: String,
    /// Cross-validation folds.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Seed of the folds and the trees' sampling.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Model name. Default: `outreach-<data file stem or label>`.
    #[arg(long)]
    pub name: Option<String>,
    /// Output directory of the artefact.
    #[arg(long)]
    pub out: PathBuf,
    /// Print the manifest's validation as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `instrada backtest outreach`'s arguments.
#[derive(Debug, Args)]
pub struct BacktestOutreachArgs {
    /// Configuration file (the store). Default: ./instrada.toml if present, else the built-in one.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// repeat_contact_30d, complaint_30d or escalation_30d.
    #[arg(long, default_value = "repeat_contact_30d")]
    pub label: String,
    /// The cutoff (RFC 3339 or a date, UTC). Default: 30 days before the latest stored event.
    #[arg(long)]
    pub cutoff: Option<String>,
    /// History features beyond the built-in ones.
    #[command(flatten)]
    pub spec: FeatureSpecArgs,
    /// auto, logistic or trees.
    #[arg(long, default_value = "auto")]
    pub model: String,
    /// Write the model trained on the past here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// One JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

fn parse_time(what: &str, s: &str) -> Result<DateTime<Utc>, CliError> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
        })
        .map_err(|_| {
            CliError::Usage(format!(
                "{what}: `{s}` is not an RFC 3339 time or a YYYY-MM-DD date"
            ))
        })
}

fn parse_label(s: &str) -> Result<OutreachLabel, CliError> {
    OutreachLabel::parse(s).ok_or_else(|| {
        let all: Vec<&str> = OutreachLabel::ALL.iter().map(|l| l.as_str()).collect();
        CliError::Usage(format!("--label: `{s}` is not one of {}", all.join(", ")))
    })
}

fn parse_model(s: &str) -> Result<ModelChoice, CliError> {
    ModelChoice::parse(s).ok_or_else(|| {
        CliError::Usage(format!(
            "--model: `{s}` is not one of auto, logistic, trees"
        ))
    })
}

/// The store's path and the time: the given one, or 30 days before the latest event.
fn store_and_time(
    config: Option<&Path>,
    time: Option<&str>,
    what: &str,
) -> Result<(crate::store::Location, DateTime<Utc>), CliError> {
    let (settings, _) = Settings::load(config, &[])?;
    let path = settings.store.location();
    let t = match time {
        Some(t) => parse_time(what, t)?,
        None => dataset::latest_event(&path)?
            .map(|t| t - Duration::days(crate::outreach::features::LABEL_DAYS))
            .ok_or_else(|| {
                CliError::Usage(format!("{}: no events with a citizen in the store", path))
            })?,
    };
    Ok((path, t))
}

/// `instrada train outreach`: trains, writes the artefact and returns the report to print.
pub fn train_outreach(a: &TrainOutreachArgs) -> Result<String, CliError> {
    let choice = parse_model(&a.model)?;
    let (table, spec, label) = if a.from_store {
        let l = parse_label(&a.label)?;
        let (store, as_of) = store_and_time(a.config.as_deref(), a.as_of.as_deref(), "--as-of")?;
        let spec = a.spec.spec();
        let t = dataset::store_table(&store, as_of, l, &spec)?;
        (
            t,
            Some(spec),
            LabelInfo {
                name: l.as_str().into(),
                positive: None,
                as_of: Some(as_of),
            },
        )
    } else {
        let (Some(data), Some(label_col)) = (&a.data, &a.label_col) else {
            return Err(CliError::Usage(
                "--data and --label-col are needed without --from-store".into(),
            ));
        };
        let delimiter = match a.delimiter {
            Some(c) if c.is_ascii() => Some(c as u8),
            Some(c) => {
                return Err(CliError::Usage(format!(
                    "--delimiter must be one ASCII character, not `{c}`"
                )));
            }
            None => None,
        };
        let spec = TableSpec {
            path: data.clone(),
            label_col: label_col.clone(),
            positive: a.positive.clone(),
            id_col: a.id_col.clone(),
            delimiter,
        };
        let t = read_csv(&spec, None)?;
        (
            t,
            None,
            LabelInfo {
                name: label_col.clone(),
                positive: a.positive.clone(),
                as_of: None,
            },
        )
    };
    for n in &table.notes {
        eprintln!("warning: {}: {n}", table.source);
    }
    let stem = match &a.data {
        Some(d) => d
            .file_stem()
            .map_or("data".into(), |s| s.to_string_lossy().into_owned()),
        None => label.name.clone(),
    };
    let name = a.name.clone().unwrap_or_else(|| format!("outreach-{stem}"));
    let params = OutreachParams::new(name)
        .model(choice)
        .folds(a.folds)
        .seed(a.seed)
        .check()?;
    let mut model = params.fit(&table, spec.as_ref(), label)?;
    artefact::save(&a.out, &mut model, "")?;
    let m = model.manifest();
    if a.json {
        return Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&m.validation).unwrap_or_default()
        ));
    }
    Ok(format!(
        "{}{}: written\n",
        validation_table(m),
        a.out.display()
    ))
}

/// Both candidates' cross-validated metrics, and the choice.
fn validation_table(m: &OutreachManifest) -> String {
    let mut s = format!(
        "{}: {} rows, {} positive; {}\n\n| model | ROC AUC | PR AUC | Brier | top-decile precision | fit |\n|---|---|---|---|---|---|\n",
        if m.model_version.is_empty() {
            &m.name
        } else {
            &m.model_version
        },
        m.training_data.rows,
        m.training_data.positives,
        m.validation.method
    );
    for c in &m.validation.candidates {
        let q = &c.metrics;
        let kept = if c.backend == m.validation.chosen {
            " (kept)"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "| {}{kept} | {:.3} | {:.3} | {:.4} | {:.3} | {:.2} s |",
            c.backend.as_str(),
            q.roc_auc,
            q.pr_auc,
            q.brier,
            q.top_decile_precision,
            c.seconds
        );
    }
    let _ = writeln!(
        s,
        "\nflag threshold {:.3} (calibrated probability)",
        m.flag_threshold
    );
    s
}

/// Whether `dir` holds an outreach model (for `instrada evaluate` to dispatch on).
pub fn is_outreach_model(dir: &Path) -> bool {
    artefact::is_outreach(dir)
}

/// `instrada evaluate` of an outreach model: its metrics on a labelled CSV table.
pub fn evaluate_outreach(a: &EvaluateArgs) -> Result<String, CliError> {
    // Either backend: a model exported from Python is evaluated as a Rust-trained one.
    let model = crate::registry::open_outreach(&a.model)?;
    let m = model.manifest();
    let label_col = a
        .data
        .label_col
        .clone()
        .unwrap_or_else(|| m.label.name.clone());
    let delimiter = a.data.delimiter.filter(char::is_ascii).map(|c| c as u8);
    let spec = TableSpec {
        path: a.data.data.clone(),
        label_col,
        positive: m.label.positive.clone(),
        id_col: None,
        delimiter,
    };
    let table = read_csv(&spec, Some(&m.features.definitions))?;
    for n in &table.notes {
        eprintln!("warning: {}: {n}", table.source);
    }
    let probs = model.probabilities(&table.rows)?;
    let q = Metrics::of(&probs, &table.labels);
    if a.json {
        let mut v = serde_json::to_value(q).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert("model_version".into(), m.model_version.clone().into());
            o.insert("data_sha256".into(), table.sha256.clone().into());
        }
        return Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        ));
    }
    Ok(format!(
        "{} on {}\n{}",
        m.model_version,
        table.source,
        metrics_table(&q)
    ))
}

fn metrics_table(q: &Metrics) -> String {
    format!(
        "| metric | value |\n|---|---|\n| ROC AUC | {:.3} |\n| PR AUC | {:.3} |\n| Brier | {:.4} |\n| top-decile precision | {:.3} |\n| n | {} |\n| positive rate | {:.3} |\n",
        q.roc_auc, q.pr_auc, q.brier, q.top_decile_precision, q.n, q.positive_rate
    )
}

/// `instrada backtest outreach`.
pub fn backtest_outreach(a: &BacktestOutreachArgs) -> Result<String, CliError> {
    let label = parse_label(&a.label)?;
    let (store, cutoff) = store_and_time(a.config.as_deref(), a.cutoff.as_deref(), "--cutoff")?;
    let params = OutreachParams::new(format!("outreach-{}", label.as_str()))
        .model(parse_model(&a.model)?)
        .check()?;
    let (report, mut model) = dataset::backtest(&store, cutoff, label, &a.spec.spec(), &params)?;
    if let Some(out) = &a.out {
        artefact::save(out, &mut model, "")?;
    }
    if a.json {
        return Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ));
    }
    Ok(backtest_text(&report))
}

fn backtest_text(r: &BacktestReport) -> String {
    format!(
        "{}: trained as of {} ({} citizens, {} positive), tested as of {} on the 30 days after\n\n{}\nflagged {} citizens, {:.1} % of them had a {} (threshold {:.3})\n\nCross-validation on the training period:\n{}",
        r.label.as_str(),
        r.train_as_of.to_rfc3339(),
        r.train_rows,
        r.train_positives,
        r.cutoff.to_rfc3339(),
        metrics_table(&r.metrics),
        r.flagged,
        100.0 * r.flag_precision,
        r.label.as_str(),
        r.model.flag_threshold,
        validation_table(&r.model)
    )
}
