//! The `instrada` binary: parse the command line, dispatch to the library.

use anyhow::Result;
use clap::Parser;
use instrada::cli::{self, Cli, Command};
use instrada::config::{Override, Settings};
use std::process::ExitCode;

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The cause chain on one line, each cause once; no backtrace dump, whatever
            // RUST_BACKTRACE says.
            eprintln!("error: {}", cli::error_chain(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train(cli::TrainCommand {
            outreach: Some(cli::TrainOutreachCommand::Outreach(a)),
            ..
        }) => print!("{}", cli::train_outreach(&a)?),
        Command::Train(cli::TrainCommand {
            classifier: Some(a),
            ..
        }) => cli::train(&a).map(drop)?,
        Command::Train(_) => Err(cli::CliError::Usage(
            "train what? `instrada train topic|urgency --data …` or `instrada train outreach …`"
                .into(),
        ))?,
        Command::Evaluate(a) if cli::is_outreach_model(&a.model) => {
            print!("{}", cli::evaluate_outreach(&a)?)
        }
        Command::Evaluate(a) => cli::evaluate_cmd(&a).map(drop)?,
        Command::Classify(a) => cli::classify_cmd(&a)?,
        Command::Serve(a) => cmd_serve(a)?,
        Command::Route(a) => cmd_route(a)?,
        Command::Import(cli::ImportCommand::Events(a)) => cmd_import_events(a)?,
        Command::CheckConfig(a) => cmd_check_config(a)?,
        Command::Feedback(a) => print!("{}", cli::feedback_cmd(&a)?),
        Command::ExportFeedback(a) => cmd_export_feedback(a)?,
        Command::Backtest(cli::BacktestArgs {
            outreach: Some(cli::BacktestOutreachCommand::Outreach(a)),
            ..
        }) => print!("{}", cli::backtest_outreach(&a)?),
        Command::Backtest(a) => print!("{}", cli::backtest_cmd(&a)?),
        Command::Forecast(a) => print!("{}", cli::forecast_cmd(&a)?),
        Command::Staffing(a) => print!("{}", cli::staffing_cmd(&a)?),
        Command::Outreach(c) => print!("{}", cli::outreach_cmd(&c)?),
        Command::Keys(c) => print!("{}", cli::keys_cmd(&c)?),
        Command::Audit(c) => print!("{}", cli::audit_cmd(&c)?),
        Command::Store(c) => print!("{}", cli::store_cmd(&c)?),
    }
    Ok(())
}

fn cmd_serve(args: cli::ServeArgs) -> Result<()> {
    let cli: Vec<Override> = args
        .bind
        .map(|b| ("server.bind".to_string(), b))
        .into_iter()
        .chain(args.database_url.map(|u| ("store.url".to_string(), u)))
        .collect();
    let (settings, source) = Settings::load(args.config.as_deref(), &cli)?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(instrada::api::serve(settings, source))?;
    Ok(())
}

fn cmd_route(args: cli::RouteArgs) -> Result<()> {
    let (settings, source) = Settings::load(args.config.as_deref(), &[])?;
    let stdout = std::io::stdout().lock();
    let stderr = std::io::stderr();
    let summary = match args.input.as_deref() {
        None => cli::route_lines(&settings, &source, std::io::stdin().lock(), stdout, &stderr)?,
        Some(p) if p.as_os_str() == "-" => {
            cli::route_lines(&settings, &source, std::io::stdin().lock(), stdout, &stderr)?
        }
        Some(p) => {
            let file = std::fs::File::open(p).map_err(|source| cli::CliError::Io {
                path: p.to_path_buf(),
                source,
            })?;
            let input = std::io::BufReader::new(file);
            cli::route_lines(&settings, &source, input, stdout, &stderr)?
        }
    };
    eprintln!("{}", cli::route_report(&summary));
    if !summary.refused.is_empty() {
        Err(cli::CliError::Refused {
            refused: summary.refused.len(),
            total: summary.routed + summary.refused.len() as u64,
        })?;
    }
    Ok(())
}

fn cmd_import_events(args: cli::ImportEventsArgs) -> Result<()> {
    let (settings, _) = Settings::load(args.config.as_deref(), &[])?;
    let ack = cli::import_events(&settings, &args.file, &args.map)?;
    if args.json {
        println!("{}", serde_json::to_string(&ack)?);
    } else {
        print!("{}", cli::import_report(&args.file, &ack));
    }
    if ack.rejected > 0 {
        Err(cli::CliError::Refused {
            refused: ack.rejected as usize,
            total: ack.stored + ack.duplicates + ack.rejected,
        })?;
    }
    Ok(())
}

fn cmd_check_config(args: cli::CheckConfigArgs) -> Result<()> {
    let (settings, source) = Settings::load(Some(&args.file), &[])?;
    print!("{}", instrada::registry::check(&settings, &source)?);
    Ok(())
}

fn cmd_export_feedback(args: cli::ExportFeedbackArgs) -> Result<()> {
    let db = match args.db {
        Some(db) => instrada::store::Location::from(db),
        None => Settings::load(None, &[])?.0.store.location(),
    };
    let s = instrada::store::export_feedback(&db, &args.out)?;
    println!("{}", cli::export_report(&args.out, &s));
    Ok(())
}
