//! `instrada keys create|list|revoke` and `instrada audit access`: API keys and the access log of
//! personal data, for an operator on the machine of the store ([`crate::ops::keys`],
//! [`crate::ops::audit`]). What a command does is recorded as `cli:USER`.

use super::CliError;
use crate::config::Settings;
use crate::ops::{self, Actor, Service};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use std::fmt::Write;
use std::path::PathBuf;

/// `instrada keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key; it is printed once, alone on the last line, and only its hash is stored.
    Create(KeysCreateArgs),
    /// List the keys (never their text).
    List(KeysConfig),
    /// Revoke a key: a running service refuses it within seconds.
    Revoke(KeysRevokeArgs),
}

/// The configuration file.
#[derive(Debug, Args)]
pub struct KeysConfig {
    /// Configuration file. Default: ./instrada.toml if present, else the built-in one.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `instrada keys create`.
#[derive(Debug, Args)]
pub struct KeysCreateArgs {
    /// The key's name: who did what is recorded under it (letters, digits, `-`, `_`, `.`).
    #[arg(long)]
    pub name: String,
    /// What it may do: route, events, planner, caseworker, admin (repeat for several).
    #[arg(long = "scope", required = true)]
    pub scopes: Vec<String>,
    /// Requests per second it may make. Default `server.key_rate_per_sec`.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Configuration file. Default: ./instrada.toml if present, else the built-in one.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// `instrada keys revoke`.
#[derive(Debug, Args)]
pub struct KeysRevokeArgs {
    /// The key's name.
    pub name: String,
    /// Configuration file. Default: ./instrada.toml if present, else the built-in one.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// `instrada audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Who read or changed citizens' outreach data, from a time on.
    Access(AuditAccessArgs),
}

/// `instrada audit access`.
#[derive(Debug, Args)]
pub struct AuditAccessArgs {
    /// From this time on (RFC 3339, e.g. 2026-12-01T00:00:00Z).
    #[arg(long)]
    pub since: DateTime<Utc>,
    /// Only this actor's (a key's name, or `cli:USER`).
    #[arg(long)]
    pub actor: Option<String>,
    /// JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Configuration file. Default: ./instrada.toml if present, else the built-in one.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

fn settings(config: Option<&std::path::Path>) -> Result<Settings, CliError> {
    Ok(Settings::load(config, &[])?.0)
}

/// Runs `instrada keys …` and returns what to print.
pub fn keys_cmd(c: &KeysCommand) -> Result<String, CliError> {
    match c {
        KeysCommand::Create(a) => {
            let settings = settings(a.config.as_deref())?;
            let created = super::with_service(&settings, async |svc: Service| {
                Ok(ops::keys::create(&svc, &a.name, &a.scopes, a.rate, &Actor::local()).await?)
            })?;
            Ok(format!(
                "key `{}` created with scopes {}; it is shown this once (only its hash is kept):\n{}\n",
                created.name,
                created.scopes.join(", "),
                created.key
            ))
        }
        KeysCommand::List(a) => {
            let settings = settings(a.config.as_deref())?;
            let keys = super::with_service(&settings, async |svc: Service| {
                Ok(ops::keys::list(&svc).await?)
            })?;
            if a.json {
                return Ok(format!(
                    "{}\n",
                    serde_json::to_string(&keys).unwrap_or_default()
                ));
            }
            let mut out = String::from(
                "name                 scopes                        created                    revoked\n",
            );
            for k in keys {
                let _ = writeln!(
                    out,
                    "{:<20} {:<29} {:<26} {}",
                    k.name,
                    k.scopes.join(","),
                    k.created_at.format("%Y-%m-%dT%H:%M:%SZ"),
                    k.revoked_at
                        .map_or("-".into(), |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                );
            }
            Ok(out)
        }
        KeysCommand::Revoke(a) => {
            let settings = settings(a.config.as_deref())?;
            super::with_service(&settings, async |svc: Service| {
                Ok(ops::keys::revoke(&svc, &a.name, &Actor::local()).await?)
            })?;
            Ok(format!("key `{}` revoked\n", a.name))
        }
    }
}

/// Runs `instrada audit …` and returns what to print.
pub fn audit_cmd(c: &AuditCommand) -> Result<String, CliError> {
    let AuditCommand::Access(a) = c;
    let settings = settings(a.config.as_deref())?;
    let accesses = super::with_service(&settings, async |svc: Service| {
        Ok(ops::audit::access(&svc, a.since, a.actor.clone()).await?)
    })?;
    if a.json {
        let doc = serde_json::json!({ "accesses": accesses });
        return Ok(format!("{doc}\n"));
    }
    let mut out = String::from(
        "at                          actor                action            citizens  detail\n",
    );
    for x in accesses {
        let _ = writeln!(
            out,
            "{:<27} {:<20} {:<17} {:>8}  {}",
            x.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            x.actor,
            x.action,
            x.citizens,
            x.detail.unwrap_or_default()
        );
    }
    Ok(out)
}
