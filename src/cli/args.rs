//! The command line's shape: [`Cli`], its [`Command`]s and their arguments (clap derives live
//! here, at the edge, and nowhere in the library). What each command does is in its own file.

use super::{ClassWeightArg, ModelKindArg};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

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
    /// Train a topic or urgency model from a CSV or JSONL file and write its artefact (or
    /// `train outreach`: an outreach model from a table or the store's histories).
    Train(super::TrainCommand),
    /// Evaluate a model on a labelled file.
    Evaluate(EvaluateArgs),
    /// Classify texts with a model or a bundle (topic + urgency).
    Classify(ClassifyArgs),
    /// Run the HTTP routing service.
    Serve(ServeArgs),
    /// Route requests offline (one `POST /v1/route` body per line), one JSON decision per line.
    Route(RouteArgs),
    /// Import contact events from a CSV file into the store.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Validate a configuration file (policy against the models) and exit.
    CheckConfig(CheckConfigArgs),
    /// Record a correction of a decision (as POST /v1/feedback does).
    Feedback(super::FeedbackArgs),
    /// Export corrected decisions (feedback) as a training file.
    ExportFeedback(ExportFeedbackArgs),
    /// Backtest workload forecasts on a CSV series (rolling origins; MASE, sMAPE, coverage).
    Backtest(BacktestArgs),
    /// Forecast a `[forecast]` series from the store's contacts, with the staff it calls for.
    Forecast(super::ForecastArgs),
    /// Agents and FTE for one interval's contacts (Erlang C, Erlang A with --patience, or a
    /// backlog for --channel email|pec|web).
    Staffing(StaffingArgs),
    /// Proactive outreach: list, score --all, review, report, optout (advice; a person decides).
    #[command(subcommand)]
    Outreach(super::OutreachCommand),
    /// API keys: create (shown once), list, revoke.
    #[command(subcommand)]
    Keys(super::KeysCommand),
    /// The access log of citizens' outreach data.
    #[command(subcommand)]
    Audit(super::AuditCommand),
    /// The store: prune it to `store.retention` (or --dry-run), rows and bytes per table.
    #[command(subcommand)]
    Store(super::StoreCommand),
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
    pub kind: ModelKindArg,
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
    pub class_weight: Option<ClassWeightArg>,
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
    /// A model directory, or a bundle directory with `topic/` and `urgency/`. Default: ./models.
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
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
    /// The store: `sqlite://PATH` or `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (overrides
    /// `store.url` and `store.path`; `INSTRADA__STORE__URL` too).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

/// `instrada route`.
#[derive(Debug, Args)]
pub struct RouteArgs {
    /// Configuration file (models and policy). Default: ./instrada.toml if present, else the
    /// built-in one.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Requests, one JSON object per line (the body of `POST /v1/route`); `-` or none: standard
    /// input.
    #[arg(value_name = "FILE.jsonl")]
    pub input: Option<PathBuf>,
}

/// What `instrada import` imports.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Contact events (one per row; idempotent on `event_id`, citizens pseudonymised).
    Events(ImportEventsArgs),
}

/// `instrada import events`.
#[derive(Debug, Args)]
pub struct ImportEventsArgs {
    /// The CSV file, with a header row.
    pub file: PathBuf,
    /// Configuration file (the store and the pseudonym key). Default: ./instrada.toml if present,
    /// else the built-in one.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Fill a field from a column of another name: `COLUMN=FIELD` (event_id, occurred_at, channel,
    /// queue, topic, urgency, citizen_id, handle_seconds, outcome) or `COLUMN=attributes.NAME`.
    /// Repeat, or separate with commas. Columns named like a field fill it without a map.
    #[arg(long, value_delimiter = ',')]
    pub map: Vec<String>,
    /// One JSON object (`stored`, `duplicates`, `rejected`, `errors` with each row's line and
    /// reason) instead of the summary.
    #[arg(long)]
    pub json: bool,
}

/// `instrada staffing`.
#[derive(Debug, Args)]
pub struct StaffingArgs {
    /// Contacts expected in the interval.
    #[arg(long)]
    pub contacts: f64,
    /// The interval: 15m, 30m, 1h, 1d, or seconds.
    #[arg(long, default_value = "30m")]
    pub interval: String,
    /// Average handle time, seconds.
    #[arg(long, value_name = "SECONDS")]
    pub aht: f64,
    /// Share to answer within --within (0.8 for 80 %).
    #[arg(long)]
    pub target: f64,
    /// The target's answer time, seconds (for e-mail, PEC and web: the response window in
    /// business seconds).
    #[arg(long, value_name = "SECONDS")]
    pub within: f64,
    /// Mean patience before callers hang up, seconds: Erlang A instead of Erlang C.
    #[arg(long, value_name = "SECONDS")]
    pub patience: Option<f64>,
    /// Share of paid time off the phones.
    #[arg(long, default_value_t = 0.0)]
    pub shrinkage: f64,
    /// Most of their time agents may spend on contacts (1: no cap).
    #[arg(long, default_value_t = 1.0)]
    pub max_occupancy: f64,
    /// The channel (phone, chat, … live; email, pec, web as a backlog).
    #[arg(long)]
    pub channel: Option<String>,
    /// One JSON object (the fields of `POST /v1/staffing`'s answer) instead of the table.
    #[arg(long)]
    pub json: bool,
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

/// `instrada backtest`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BacktestArgs {
    /// `backtest outreach`: train on the past, predict the following 30 days.
    #[command(subcommand)]
    pub outreach: Option<super::BacktestOutreachCommand>,
    /// The series: a CSV file (`;` or `,`, guessed from the header).
    #[arg(long, required_unless_present = "series", conflicts_with = "series")]
    pub data: Option<PathBuf>,
    /// Or a series of `[forecast]`, counted from the store's contacts (`total`, `queue:NAME`,
    /// `channel:NAME` when none are configured); its interval, hours and zone are the config's.
    #[arg(long, value_name = "NAME")]
    pub series: Option<String>,
    /// Configuration file, with `--series`. Default: ./instrada.toml if present, else the
    /// built-in one.
    #[arg(long, requires = "series")]
    pub config: Option<PathBuf>,
    /// The time column (RFC 3339, `YYYY-MM-DD HH:MM[:SS]` in `--tz`, or a date).
    #[arg(long, required_unless_present = "series")]
    pub time_col: Option<String>,
    /// The value column, summed per interval; none: each row is one event (rows are counted).
    #[arg(long)]
    pub value_col: Option<String>,
    /// Interval: 15m, 30m, 1h or 1d (with `--series`, default the series').
    #[arg(long, required_unless_present = "series")]
    pub interval: Option<String>,
    /// Opening hours, e.g. `mon-fri 07:00-21:00; sat 08:00-13:00`; holidays are then closed.
    /// Default: always open.
    #[arg(long)]
    pub open: Option<String>,
    /// The zone intervals are counted in.
    #[arg(long, default_value = "Europe/Rome")]
    pub tz: String,
    /// Local special days, `MM-DD` (yearly) or `YYYY-MM-DD`, comma-separated.
    #[arg(long)]
    pub special_days: Option<String>,
    /// Italian national holidays are not special days (a series from another country).
    #[arg(long)]
    pub no_national_holidays: bool,
    /// How special days are forecast: learn (from the history's weekday holidays, like Sundays
    /// when it has none), like-sunday or closed. Default: `forecast.holidays` with `--series`,
    /// else learn.
    #[arg(long)]
    pub holidays: Option<String>,
    /// Forecast horizon from each origin (`14d`, `1w`, `36h`).
    #[arg(long, default_value = "14d")]
    pub horizon: String,
    /// Distance between origins.
    #[arg(long, default_value = "14d")]
    pub step: String,
    /// Number of origins, counted back from the end.
    #[arg(long, default_value_t = 8)]
    pub origins: usize,
    /// auto (lowest MASE wins), snaive, profile, damped or mstl.
    #[arg(long, default_value = "auto")]
    pub model: String,
    /// CSV field delimiter (one character). Default: guessed.
    #[arg(long)]
    pub delimiter: Option<char>,
    /// One JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Write the chosen model's points: `origin,start,actual,expected,lower80,upper80,lower95,upper95`.
    #[arg(long, value_name = "POINTS.csv")]
    pub out: Option<PathBuf>,
}
