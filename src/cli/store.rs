//! `instrada store prune [--dry-run]` and `instrada store stats`: the store's retention and size,
//! for an operator on the machine of the store ([`crate::jobs::prune`], [`crate::ops::store`], the
//! same as `POST /v1/store/prune` and `GET /v1/store/stats`). A prune from here while `serve`
//! runs takes turns with the server's writer, chunk by chunk (SQLite's lock); the server's own
//! schedule, or `POST /v1/store/prune`, avoids even that.

use super::CliError;
use crate::config::Settings;
use crate::jobs::{Jobs, prune::prune_now};
use crate::ops::{self, Service};
use clap::{Args, Subcommand};
use std::fmt::Write;
use std::path::PathBuf;

/// `instrada store …`.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Delete what is past its `store.retention` (texts cleared, decisions with their feedback,
    /// events, outreach scores and reviews, the access log; never opt-outs).
    Prune(StorePruneArgs),
    /// Rows and bytes per table, the kept texts, the file.
    Stats(StoreStatsArgs),
    /// Apply the schema migrations this build knows (`serve` applies them too when it starts).
    Migrate(StoreMigrateArgs),
    /// Copy every row to another, empty database (e.g. SQLite to PostgreSQL), verified by
    /// counts and checksums per table. Stop the service first.
    Copy(StoreCopyArgs),
}

/// `instrada store copy`.
#[derive(Debug, Args)]
pub struct StoreCopyArgs {
    /// The store to copy: `sqlite://PATH` or `postgres://…` (at this build's schema version).
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// The empty database to copy into (migrated here): `postgres://…` or `sqlite://PATH`.
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `instrada store migrate`.
#[derive(Debug, Args)]
pub struct StoreMigrateArgs {
    /// Configuration file. Default: ./instrada.toml if present, else the built-in one.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The store: `sqlite://PATH` or `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (overrides
    /// `store.url` and `store.path`).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

/// `instrada store prune`.
#[derive(Debug, Args)]
pub struct StorePruneArgs {
    /// Only count what would be pruned.
    #[arg(long)]
    pub dry_run: bool,
    /// The store URL (overrides `store.url` and `store.path`).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Configuration file. Default: ./instrada.toml if present, else the built-in one.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// `instrada store stats`.
#[derive(Debug, Args)]
pub struct StoreStatsArgs {
    /// The store URL (overrides `store.url` and `store.path`).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Configuration file. Default: ./instrada.toml if present, else the built-in one.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// The settings, with `--database-url` over them.
fn load(
    config: Option<&std::path::Path>,
    database_url: Option<&str>,
) -> Result<Settings, CliError> {
    let cli: Vec<crate::config::Override> = database_url
        .map(|u| ("store.url".to_string(), u.to_string()))
        .into_iter()
        .collect();
    Ok(Settings::load(config, &cli)?.0)
}

/// Runs `instrada store …` and returns what to print.
pub fn store_cmd(c: &StoreCommand) -> Result<String, CliError> {
    match c {
        StoreCommand::Migrate(a) => {
            let settings = load(a.config.as_deref(), a.database_url.as_deref())?;
            let at = settings.store.location();
            let (before, now) = crate::store::migrate(&at)?;
            Ok(if before == now {
                format!("{at}: schema version {now}, nothing to migrate\n")
            } else {
                format!("{at}: schema migrated from version {before} to {now}\n")
            })
        }
        StoreCommand::Copy(a) => {
            let location = |url: &str| {
                crate::store::Location::parse(url).map_err(|e| CliError::Usage(e.to_string()))
            };
            let (from, to) = (location(&a.from)?, location(&a.to)?);
            let copied = crate::store::copy::copy(&from, &to)?;
            let differ: Vec<_> = copied
                .tables
                .iter()
                .filter(|t| !t.verified())
                .map(|t| {
                    format!(
                        "{} ({} rows read, {} copied)",
                        t.table, t.rows, t.rows_copied
                    )
                })
                .collect();
            let out = if a.json {
                format!("{}\n", serde_json::to_string(&copied).unwrap_or_default())
            } else {
                let mut out = format!(
                    "{} -> {}\ntable                    rows  checksum (SHA-256 sum)            copy\n",
                    copied.from, copied.to
                );
                for t in &copied.tables {
                    let _ = writeln!(
                        out,
                        "{:<18} {:>10}  {}  {}",
                        t.table,
                        t.rows,
                        t.checksum,
                        if t.verified() { "same" } else { "DIFFERS" }
                    );
                }
                let _ = writeln!(out, "in {:.2} s", copied.seconds);
                out
            };
            if differ.is_empty() {
                Ok(out)
            } else {
                Err(CliError::NotVerified(format!("{out}{}", differ.join(", "))))
            }
        }
        StoreCommand::Prune(a) => {
            let settings = load(a.config.as_deref(), a.database_url.as_deref())?;
            let report = super::with_service(&settings, async |svc: Service| {
                Ok(prune_now(&Jobs::default(), &svc, a.dry_run).await?)
            })?;
            if a.json {
                return Ok(format!(
                    "{}\n",
                    serde_json::to_string(&report).unwrap_or_default()
                ));
            }
            let verb = if report.dry_run {
                "would prune"
            } else {
                "pruned"
            };
            let mut out = format!(
                "kind         keep     older than            {verb:>16}  chunks  longest ms\n"
            );
            for k in &report.kinds {
                let _ = writeln!(
                    out,
                    "{:<12} {:<8} {:<21} {:>16}  {:>6}  {:>10.1}",
                    k.kind,
                    k.keep,
                    k.before
                        .map_or("-".into(), |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                    k.rows,
                    k.chunks,
                    k.longest_chunk_ms
                );
            }
            let _ = writeln!(out, "in {:.2} s", report.seconds);
            Ok(out)
        }
        StoreCommand::Stats(a) => {
            let settings = load(a.config.as_deref(), a.database_url.as_deref())?;
            let u = super::with_service(&settings, async |svc: Service| {
                Ok(ops::store::stats(&svc).await?)
            })?;
            if a.json {
                return Ok(format!(
                    "{}\n",
                    serde_json::to_string(&u).unwrap_or_default()
                ));
            }
            let mut out = String::from(
                "table                    rows        bytes  bytes/row  (table + indexes)\n",
            );
            for t in &u.tables {
                let per = t.bytes().checked_div(t.rows).unwrap_or(0);
                let _ = writeln!(
                    out,
                    "{:<18} {:>10} {:>12} {:>10}  ({} + {})",
                    t.table,
                    t.rows,
                    t.bytes(),
                    per,
                    t.table_bytes,
                    t.index_bytes
                );
            }
            let _ = writeln!(
                out,
                "texts kept: {} ({} bytes, inside decisions)\nfile: {} bytes ({} free, {} in the \
                 write-ahead log); bytes counted with {}",
                u.texts, u.text_bytes, u.file_bytes, u.free_bytes, u.wal_bytes, u.method
            );
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A configuration whose store is in `dir`, with texts kept 1 day.
    fn config(dir: &tempfile::TempDir) -> PathBuf {
        let path = dir.path().join("instrada.toml");
        let text = crate::config::EMBEDDED.replace("texts = \"30d\"", "texts = \"1d\"");
        assert_ne!(text, crate::config::EMBEDDED, "the example sets texts");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn stats_and_a_dry_prune_print_a_line_per_table_and_per_kind() {
        let dir = tempfile::tempdir().unwrap();
        let config = Some(config(&dir));
        let stats = store_cmd(&StoreCommand::Stats(StoreStatsArgs {
            database_url: None,
            json: false,
            config: config.clone(),
        }))
        .unwrap();
        assert!(stats.contains("\ndecisions "), "{stats}");
        assert!(stats.contains("outreach_optouts"), "{stats}");
        assert!(stats.contains("counted with dbstat"), "{stats}");
        let dry = store_cmd(&StoreCommand::Prune(StorePruneArgs {
            database_url: None,
            dry_run: true,
            json: true,
            config,
        }))
        .unwrap();
        let report: ops::store::PruneReport = serde_json::from_str(&dry).unwrap();
        assert!(report.dry_run);
        let texts = report.kinds.iter().find(|k| k.kind == "texts").unwrap();
        assert_eq!((texts.keep.as_str(), texts.rows), ("1d", 0));
        assert_eq!(report.kinds.len(), 7);
    }

    #[test]
    fn migrate_brings_a_new_database_to_the_current_version_once() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("m/new.db").display());
        let migrate = || {
            store_cmd(&StoreCommand::Migrate(StoreMigrateArgs {
                config: None,
                database_url: Some(url.clone()),
            }))
            .unwrap()
        };
        let first = migrate();
        assert!(first.contains("migrated from version 0 to"), "{first}");
        assert!(dir.path().join("m/new.db").is_file());
        let again = migrate();
        assert!(again.contains("nothing to migrate"), "{again}");
        let bad = store_cmd(&StoreCommand::Migrate(StoreMigrateArgs {
            config: None,
            database_url: Some("mysql://root:s3cret@h/db".into()),
        }))
        .unwrap_err()
        .to_string();
        assert!(
            bad.contains("store.url") && !bad.contains("s3cret"),
            "{bad}"
        );
    }

    #[test]
    fn copy_prints_a_verified_line_per_table_and_refuses_a_copy_onto_itself() {
        let dir = tempfile::tempdir().unwrap();
        let url = |name: &str| format!("sqlite://{}", dir.path().join(name).display());
        store_cmd(&StoreCommand::Migrate(StoreMigrateArgs {
            config: None,
            database_url: Some(url("from.db")),
        }))
        .unwrap();
        let copy = |from: String, to: String| {
            store_cmd(&StoreCommand::Copy(StoreCopyArgs {
                from,
                to,
                json: false,
            }))
        };
        let out = copy(url("from.db"), url("to.db")).unwrap();
        assert!(
            out.contains("\ndecisions ") && out.contains("model_changes"),
            "{out}"
        );
        assert_eq!(out.matches("  same").count(), 12, "{out}");
        let onto_itself = copy(url("from.db"), url("from.db"))
            .unwrap_err()
            .to_string();
        assert!(onto_itself.contains("the same database"), "{onto_itself}");
        let bad = copy("mysql://root:s3cret@h/db".into(), url("x.db"))
            .unwrap_err()
            .to_string();
        assert!(!bad.contains("s3cret"), "{bad}");
    }
}
