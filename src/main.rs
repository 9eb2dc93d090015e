//! The `instrada` binary: parse the command line, dispatch to the library.

use anyhow::Result;
use clap::Parser;
use instrada::cli::{self, Cli, Command};

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Train(a) => cli::train(&a).map(drop)?,
        Command::Evaluate(a) => cli::evaluate_cmd(&a).map(drop)?,
        Command::Classify(a) => cli::classify_cmd(&a)?,
        Command::Serve(a) => cmd_serve(a)?,
        Command::CheckConfig(a) => cmd_check_config(a)?,
        Command::ExportFeedback(a) => cmd_export_feedback(a)?,
    }
    Ok(())
}

fn cmd_serve(_args: cli::ServeArgs) -> Result<()> {
    anyhow::bail!("`serve` is not available in this build yet")
}

fn cmd_check_config(_args: cli::CheckConfigArgs) -> Result<()> {
    anyhow::bail!("`check-config` is not available in this build yet")
}

fn cmd_export_feedback(_args: cli::ExportFeedbackArgs) -> Result<()> {
    anyhow::bail!("`export-feedback` is not available in this build yet")
}
