//! `instrada outreach list|score|review|report|optout`: the outreach endpoints' work from the
//! command line, through the same library calls ([`crate::outreach::flags`], the store's
//! records), on the store of the settings. Each prints one JSON document, labelled advisory like
//! the API's answers.

use super::CliError;
use crate::config::Settings;
use crate::digest::Pseudonymiser;
use crate::outreach::flags::{self, ADVISORY_NOTE, RunSpec};
use crate::store::Store;
use crate::store::outreach::{self as rec, FlagQuery, FlagRecord, ReviewRecord};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use std::path::PathBuf;

/// `instrada outreach …`.
#[derive(Debug, Subcommand)]
pub enum OutreachCommand {
    /// The flagged citizens of the latest run, highest score first, with reasons.
    List(OutreachListArgs),
    /// Score every citizen in the store (`--all`), as the schedule and POST /v1/outreach/run do.
    Score(OutreachScoreArgs),
    /// Record a case worker's decision on a flag.
    Review(OutreachReviewArgs),
    /// Flag rates and review outcomes by channel, language and configured attribute.
    Report(ConfigArg),
    /// Exclude a citizen from outreach: never scored again.
    Optout(OutreachOptoutArgs),
}

/// The configuration file.
#[derive(Debug, Args)]
pub struct ConfigArg {
    /// Configuration file. Default: ./instrada.toml if present, else the built-in one.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// `instrada outreach list`.
#[derive(Debug, Args)]
pub struct OutreachListArgs {
    /// The configuration.
    #[command(flatten)]
    pub config: ConfigArg,
    /// Most flags.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Lowest score. Default `[outreach] min_score`, else 0.
    #[arg(long)]
    pub min_score: Option<f64>,
    /// Only citizens whose last contact was handled by this queue.
    #[arg(long)]
    pub queue: Option<String>,
}

/// `instrada outreach score`.
#[derive(Debug, Args)]
pub struct OutreachScoreArgs {
    /// The configuration.
    #[command(flatten)]
    pub config: ConfigArg,
    /// Score every citizen in the store who has not opted out (required: there is no other mode).
    #[arg(long, required = true)]
    pub all: bool,
    /// Features as of this time (RFC 3339). Default now.
    #[arg(long)]
    pub as_of: Option<DateTime<Utc>>,
    /// The model directory. Default `[outreach] model`.
    #[arg(long)]
    pub model: Option<PathBuf>,
}

/// `instrada outreach review`.
#[derive(Debug, Args)]
pub struct OutreachReviewArgs {
    /// The configuration.
    #[command(flatten)]
    pub config: ConfigArg,
    /// The flag's id.
    pub flag_id: uuid::Uuid,
    /// contacted, dismissed or not_needed.
    #[arg(long)]
    pub status: String,
    /// Who decided.
    #[arg(long)]
    pub reviewer: String,
    /// Why (personal data is redacted before it is stored).
    #[arg(long)]
    pub note: Option<String>,
}

/// `instrada outreach optout`.
#[derive(Debug, Args)]
pub struct OutreachOptoutArgs {
    /// The configuration.
    #[command(flatten)]
    pub config: ConfigArg,
    /// The citizen's identifier (pseudonymised; never stored as given).
    pub citizen_id: String,
    /// Why, if they said (redacted).
    #[arg(long)]
    pub reason: Option<String>,
}

fn open(config: &ConfigArg) -> Result<(Settings, Store), CliError> {
    let (settings, _) = Settings::load(config.config.as_deref(), &[])?;
    // Opening migrates the file, so the reads below find the outreach tables.
    let store = Store::open(&settings.store.store_config())?;
    Ok((settings, store))
}

fn flag_json(r: FlagRecord) -> Value {
    json!({
        "flag_id": r.flag_id,
        "citizen": r.citizen,
        "score": r.score,
        "flagged": r.flagged,
        "reasons": flags::reasons(&r),
        "last_contact": r.last_contact,
        "queue": r.queue,
        "channel": r.channel,
        "model_version": r.model_version,
        "inputs_sha256": r.inputs_sha256,
        "scored_at": r.scored_at,
        "status": r.status,
    })
}

fn pretty(v: &Value) -> String {
    format!("{}\n", serde_json::to_string_pretty(v).unwrap_or_default())
}

/// Runs `instrada outreach …` and returns what to print.
pub fn outreach_cmd(c: &OutreachCommand) -> Result<String, CliError> {
    match c {
        OutreachCommand::List(a) => list(a),
        OutreachCommand::Score(a) => score_all(a),
        OutreachCommand::Review(a) => review(a),
        OutreachCommand::Report(a) => report(a),
        OutreachCommand::Optout(a) => optout(a),
    }
}

fn list(a: &OutreachListArgs) -> Result<String, CliError> {
    let (settings, _store) = open(&a.config)?;
    let min_score = a.min_score.or(settings.outreach.min_score).unwrap_or(0.0);
    if !(0.0..=1.0).contains(&min_score) {
        return Err(CliError::Usage(format!(
            "--min-score {min_score}: a score in [0, 1]"
        )));
    }
    let q = FlagQuery {
        limit: a.limit,
        min_score,
        queue: a.queue.clone(),
    };
    let rows = rec::list_flags(&settings.store.path, &q)?;
    Ok(pretty(&json!({
        "advisory": true,
        "note": ADVISORY_NOTE,
        "min_score": min_score,
        "flags": rows.into_iter().map(flag_json).collect::<Vec<_>>(),
    })))
}

fn score_all(a: &OutreachScoreArgs) -> Result<String, CliError> {
    let (settings, store) = open(&a.config)?;
    let dir = a.model.clone().unwrap_or(settings.outreach.model.clone());
    let model = crate::registry::open_outreach(&dir)?;
    let spec = RunSpec {
        as_of: a.as_of.unwrap_or_else(Utc::now),
        fairness_attributes: settings.outreach.fairness_attributes.clone(),
    };
    let s = flags::run(&store, &*model, &spec)?;
    let mut v = serde_json::to_value(&s).unwrap_or_default();
    v["advisory"] = json!(true);
    v["note"] = json!(ADVISORY_NOTE);
    Ok(pretty(&v))
}

fn review(a: &OutreachReviewArgs) -> Result<String, CliError> {
    if !rec::REVIEW_STATUSES.contains(&a.status.as_str()) {
        return Err(CliError::Usage(format!(
            "--status `{}`: one of {}",
            a.status,
            rec::REVIEW_STATUSES.join(", ")
        )));
    }
    if a.reviewer.trim().is_empty() {
        return Err(CliError::Usage("--reviewer is empty".into()));
    }
    let (_, store) = open(&a.config)?;
    let record = ReviewRecord {
        flag_id: a.flag_id,
        reviewer: a.reviewer.trim().to_string(),
        reviewed_at: Utc::now(),
        status: a.status.clone(),
        note: a
            .note
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .map(|n| crate::text::redact(n).into_owned()),
    };
    if !store.review_flag_blocking(record.clone())? {
        return Err(CliError::Usage(format!("no outreach flag {}", a.flag_id)));
    }
    Ok(pretty(&json!({
        "advisory": true,
        "flag_id": record.flag_id,
        "status": record.status,
        "reviewer": record.reviewer,
        "reviewed_at": record.reviewed_at,
        "note": record.note,
    })))
}

fn report(a: &ConfigArg) -> Result<String, CliError> {
    let (settings, _store) = open(a)?;
    let (scores, reviewed) = rec::report_rows(&settings.store.path)?;
    let groups = flags::report(&scores, &reviewed, &settings.outreach.fairness_attributes);
    Ok(pretty(&json!({
        "advisory": true,
        "note": ADVISORY_NOTE,
        "groups": groups,
    })))
}

fn optout(a: &OutreachOptoutArgs) -> Result<String, CliError> {
    if a.citizen_id.trim().is_empty() {
        return Err(CliError::Usage("the citizen id is empty".into()));
    }
    let (settings, store) = open(&a.config)?;
    let p = Pseudonymiser::from_key_file(&settings.store.pseudonym_key)?;
    let reason = a
        .reason
        .as_deref()
        .map(|r| crate::text::redact(r).into_owned());
    let new = store.opt_out_blocking(p.pseudonym(&a.citizen_id), Utc::now(), reason)?;
    Ok(pretty(&json!({"opted_out": true, "new": new})))
}
