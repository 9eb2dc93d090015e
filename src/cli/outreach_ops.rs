//! `instrada outreach list|score|review|report|optout`: the outreach operations
//! ([`crate::ops::outreach`], the same calls, rules and messages as the API's endpoints) on the
//! store of the settings. Each prints the operation's answer as one JSON document, labelled
//! advisory like the API's; a refusal is the API's message.

use super::CliError;
use crate::config::Settings;
use crate::ops::{self, Actor, Service};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `instrada outreach …`.
#[derive(Debug, Subcommand)]
pub enum OutreachCommand {
    /// The flagged citizens of the latest run, highest score first, with reasons.
    List(OutreachListArgs),
    /// Score every citizen in the store (`--all`), as the schedule and POST /v1/outreach/run do;
    /// or one history or feature row (`--request FILE`, a POST /v1/outreach/score body).
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
    /// Score every citizen in the store who has not opted out.
    #[arg(long, required_unless_present = "request", conflicts_with = "request")]
    pub all: bool,
    /// Score the history or feature row of this file (`-`: standard input), a
    /// `POST /v1/outreach/score` body; the score is stored, the history is not.
    #[arg(long, value_name = "FILE")]
    pub request: Option<PathBuf>,
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
    pub flag_id: String,
    /// contacted, dismissed or not_needed.
    #[arg(long)]
    pub status: String,
    /// The case worker's name as they give it (a note: who recorded the review is this machine's
    /// user, `cli:USER`).
    #[arg(long)]
    pub reviewer: Option<String>,
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

fn settings(config: &ConfigArg) -> Result<Settings, CliError> {
    Ok(Settings::load(config.config.as_deref(), &[])?.0)
}

/// The outreach model `[outreach] model` names, or why there is none (as the service loads it).
fn model(settings: &Settings) -> ops::outreach::ModelSlot {
    crate::registry::outreach::load_outreach(settings).0
}

fn pretty(v: &impl serde::Serialize) -> String {
    format!("{}\n", serde_json::to_string_pretty(v).unwrap_or_default())
}

/// Runs `instrada outreach …` and returns what to print.
pub fn outreach_cmd(c: &OutreachCommand) -> Result<String, CliError> {
    match c {
        OutreachCommand::List(a) => list(a),
        OutreachCommand::Score(a) if a.all => score_all(a),
        OutreachCommand::Score(a) => score_request(a),
        OutreachCommand::Review(a) => review(a),
        OutreachCommand::Report(a) => report(a),
        OutreachCommand::Optout(a) => optout(a),
    }
}

fn list(a: &OutreachListArgs) -> Result<String, CliError> {
    let settings = settings(&a.config)?;
    let model = model(&settings);
    let q = ops::outreach::ListQuery {
        limit: Some(a.limit),
        min_score: a.min_score,
        queue: a.queue.clone(),
    };
    let list = super::with_service(&settings, async |svc: Service| {
        Ok(ops::outreach::list(&svc, &model, q, &Actor::local()).await?)
    })?;
    Ok(pretty(&list))
}

fn score_all(a: &OutreachScoreArgs) -> Result<String, CliError> {
    let settings = settings(&a.config)?;
    let dir = a.model.clone().unwrap_or(settings.outreach.model.clone());
    let model = crate::registry::open_outreach(&dir)?;
    let svc = Service::open(settings)?;
    let run = crate::jobs::run::run_blocking(&svc, &*model, a.as_of.unwrap_or_else(Utc::now));
    super::close(&svc)?;
    Ok(pretty(&run?))
}

fn score_request(a: &OutreachScoreArgs) -> Result<String, CliError> {
    let settings = settings(&a.config)?;
    let model = match &a.model {
        Some(dir) => crate::registry::open_outreach(dir).map_err(|e| e.to_string()),
        None => model(&settings),
    };
    let path = a.request.clone().unwrap_or_else(|| "-".into());
    let body = super::read_input(&path)?;
    let req = ops::decode::json::<ops::outreach::ScoreRequest>(&body)?;
    let scored = super::with_service(&settings, async |svc: Service| {
        Ok(ops::outreach::score(&svc, &model, req, &Actor::local()).await?)
    })?;
    Ok(pretty(&scored))
}

fn review(a: &OutreachReviewArgs) -> Result<String, CliError> {
    let settings = settings(&a.config)?;
    let req = ops::outreach::ReviewRequest {
        status: a.status.clone(),
        reviewer: a.reviewer.clone(),
        note: a.note.clone(),
    };
    let reviewed = super::with_service(&settings, async |svc: Service| {
        Ok(ops::outreach::review(&svc, &a.flag_id, req, &Actor::local()).await?)
    })?;
    Ok(pretty(&reviewed))
}

fn report(a: &ConfigArg) -> Result<String, CliError> {
    let settings = settings(a)?;
    let model = model(&settings);
    let report = super::with_service(&settings, async |svc: Service| {
        Ok(ops::outreach::report(&svc, &model, &Actor::local()).await?)
    })?;
    Ok(pretty(&report))
}

fn optout(a: &OutreachOptoutArgs) -> Result<String, CliError> {
    let settings = settings(&a.config)?;
    let req = ops::outreach::OptOutRequest {
        citizen_id: a.citizen_id.clone(),
        reason: a.reason.clone(),
    };
    let ack = super::with_service(&settings, async |svc: Service| {
        Ok(ops::outreach::optout(&svc, req, &Actor::local()).await?)
    })?;
    Ok(pretty(&ack))
}
