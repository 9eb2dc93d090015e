//! Service settings: one serde [`Settings`] read from `instrada.toml`, in three layers.
//!
//! 1. **File**: the path given with `--config`; without one, `./instrada.toml` if it exists, else
//!    the example configuration embedded in the binary ([`EMBEDDED`]).
//! 2. **Environment**: `INSTRADA__SECTION__KEY=value` (e.g. `INSTRADA__SERVER__BIND=0.0.0.0:8080`,
//!    `INSTRADA__STORE__TEXT=redacted`). The value is read as a TOML value when it parses as one
//!    (`8080`, `true`, `0.6`, `["a"]`) and as a string otherwise.
//! 3. **Command line**: dotted keys (`server.bind`) set by the CLI's flags, same value rules.
//!
//! Relative paths written **in a file** (`models.dir`, `store.path`, `store.pseudonym_key`,
//! `store.reference_key`, `server.pid_file`) are relative to that file's directory, so
//! `instrada serve --config /etc/instrada/instrada.toml` finds `/etc/instrada/models`. With the embedded file, and for paths given through the environment or
//! the command line, they are relative to the working directory.
//!
//! There are no secrets in these settings today (SQLite needs no credentials); when one is added
//! (a PostgreSQL URL), wrap it so that logging the settings redacts it.
//!
//! # Why the layering is written here, not with `figment` or `config`
//!
//! Both were tried (December 2026, `figment` 0.10 with `Toml` + `Env::prefixed("INSTRADA__")
//! .split("__")`, `config` 0.15 with `File::from_str` + `Environment` + `set_override`) against
//! the cases of `config/tests.rs`; both merge the three layers correctly, and neither keeps the
//! messages:
//!
//! - **Origin of a bad override.** figment says ``for key "SERVER.MAX_BATCH" in `INSTRADA__`
//!   environment variable(s)``: the provider, not the variable, and an unknown key the same way;
//!   `config` says ``for key `server.max_batch` in the environment``, and for an unknown key
//!   ``unknown field `nope` … for key `server` `` with no origin at all. Ours name the variable or
//!   the flag (`environment variable INSTRADA__SERVER__MAX_BATCH: …`, ``command-line setting
//!   `server.bind`: …``), which is what an operator greps for.
//! - **File errors lose their line.** Once the file is a merged value, a wrong type is reported as
//!   "in TOML source string" (figment) or with no place (`config`); ours re-reads the file alone to
//!   give `instrada.toml: … line 2, column 13`.
//! - **Range problems** found after deserialising (`server.bind` not an address, a limit of 0) are
//!   attributed here to the override that set the key; figment's `find_metadata` could say which
//!   provider, still not which variable; `config` cannot say.
//! - **Injected environment.** Tests pass the environment as a list; figment's `Env` reads only the
//!   process environment, and setting it in a test is `unsafe` in edition 2024, which the crate's
//!   `unsafe_code = "forbid"` refuses. (`config`'s `Environment::source` does take a map.)
//! - **Values.** `config` reads `INSTRADA__…=["a"]` as the string `["a"]` (only numbers and
//!   booleans are parsed); ours reads any TOML value. `INSTRADA__BIND` (no section) must be refused
//!   naming the variable; both libraries report it as an unknown top-level field.
//! - Relative paths are rebased on the file's directory before the layers merge; figment's
//!   `RelativePathBuf` would change the public type of `models.dir`, `store.path`, `server.pid_file`.
//!
//! Keeping the messages would mean wrapping either library in a remapping of its errors, a re-read
//! of the file for line numbers and our own environment scan: more code than the merge it replaces
//! (`set`, thirty lines), plus a dependency.

mod sections;

pub use sections::{
    AuthMode, LogFormat, LogSettings, ModelSettings, ServerSettings, StoreSettings,
};

pub use crate::store::{Durability, Keep, Retention, StoredText};

use crate::route::RoutingConfig;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The example configuration shipped at the repository root, compiled into the binary.
pub const EMBEDDED: &str = include_str!("../instrada.toml");
/// The file `serve` looks for in the working directory when no `--config` is given.
pub const DEFAULT_FILE: &str = "instrada.toml";
/// Prefix of environment overrides.
pub const ENV_PREFIX: &str = "INSTRADA__";

/// Everything the service is configured with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `[server]`: HTTP listener and request limits.
    #[serde(default)]
    pub server: ServerSettings,
    /// `[models]`: where the model bundle is.
    #[serde(default)]
    pub models: ModelSettings,
    /// `[store]`: the audit trail of decisions.
    #[serde(default)]
    pub store: StoreSettings,
    /// `[log]`: log format and level.
    #[serde(default)]
    pub log: LogSettings,
    /// `[routing]`: the routing policy, validated by [`crate::route::Policy::from_config`].
    pub routing: RoutingConfig,
    /// `[forecast]`: workload series.
    #[serde(default)]
    pub forecast: crate::forecast::config::ForecastConfig,
    /// `[outreach]`: the outreach model, its list and its scoring runs.
    #[serde(default)]
    pub outreach: crate::outreach::config::OutreachConfig,
}

/// Where the settings were read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file on disk.
    File(PathBuf),
    /// The copy embedded in the binary.
    Embedded,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(p) => write!(f, "{}", p.display()),
            Self::Embedded => f.write_str("the configuration embedded in the binary"),
        }
    }
}

/// Why the settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not have the expected shape.
    #[error("{origin}: {message}")]
    Parse {
        /// The file.
        origin: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// An override (environment variable or command-line flag) names no setting or has a bad value.
    #[error("{origin}: {message}")]
    Override {
        /// The variable or flag.
        origin: String,
        /// What is wrong.
        message: String,
    },
}

/// The routing policy's local closures (`routing.local_holidays`) as the forecasts take them: read
/// once here, where both sections are known, so that `forecast` never imports `route`. A bad entry
/// is left out: the policy's compile refuses it, naming it, before anything is served.
fn local_closures(routing: &RoutingConfig) -> crate::calendar::HolidayCalendar {
    let mut closures = crate::calendar::HolidayCalendar::national();
    for entry in &routing.local_holidays {
        let _ = closures.add_local(entry);
    }
    closures
}

/// One override: a dotted key (`server.bind`) and its value as text.
pub type Override = (String, String);

impl Settings {
    /// Loads the settings: `config` (or `./instrada.toml`, or the embedded copy), then the
    /// `INSTRADA__*` environment, then `cli` overrides (dotted keys).
    pub fn load(config: Option<&Path>, cli: &[Override]) -> Result<(Self, Source), ConfigError> {
        let (text, source) = match config {
            Some(path) => (read(path)?, Source::File(path.to_path_buf())),
            None if Path::new(DEFAULT_FILE).is_file() => (
                read(Path::new(DEFAULT_FILE))?,
                Source::File(PathBuf::from(DEFAULT_FILE)),
            ),
            None => (EMBEDDED.to_string(), Source::Embedded),
        };
        let env = env_overrides(std::env::vars())?;
        let settings = Self::from_layers(&text, &source, &env, cli)?;
        Ok((settings, source))
    }

    /// Builds the settings from a file's text and the overrides; `source` locates relative paths.
    pub fn from_layers(
        text: &str,
        source: &Source,
        env: &[Override],
        cli: &[Override],
    ) -> Result<Self, ConfigError> {
        let origin = source.to_string();
        let parse_err = |message: String| ConfigError::Parse {
            origin: origin.clone(),
            message,
        };
        let mut table: toml::Table = toml::from_str(text).map_err(|e| parse_err(e.to_string()))?;
        if let Source::File(path) = source {
            let base = path.parent().unwrap_or(Path::new(""));
            rebase(&mut table, &["models", "dir"], base);
            rebase(&mut table, &["store", "path"], base);
            rebase(&mut table, &["store", "pseudonym_key"], base);
            rebase(&mut table, &["store", "reference_key"], base);
            rebase(&mut table, &["server", "pid_file"], base);
            rebase(&mut table, &["outreach", "model"], base);
        }
        let file_table = table.clone();
        // Every override with where it came from, in the order applied (a later one wins).
        let layers: Vec<(&str, &str, String)> = env
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str(),
                    v.as_str(),
                    format!("environment variable {}", env_name(k)),
                )
            })
            .chain(cli.iter().map(|(k, v)| {
                (
                    k.as_str(),
                    v.as_str(),
                    format!("command-line setting `{k}`"),
                )
            }))
            .collect();
        for (key, value, origin) in &layers {
            set(&mut table, key, value).map_err(|message| ConfigError::Override {
                origin: origin.clone(),
                message,
            })?;
        }
        let mut settings = match Settings::deserialize(toml::Value::Table(table)) {
            Ok(settings) => settings,
            // The file alone gives the best message (with its line) when it is the culprit.
            Err(merged) => {
                return Err(match toml::from_str::<Settings>(text) {
                    Err(e) => parse_err(e.to_string()),
                    Ok(_) => {
                        culprit(&file_table, &layers).unwrap_or_else(|| ConfigError::Override {
                            origin: "the environment and command-line overrides".into(),
                            message: merged.to_string(),
                        })
                    }
                });
            }
        };
        settings.check_overrides(&layers)?;
        settings.forecast.closures = local_closures(&settings.routing);
        Ok(settings)
    }

    /// A bad value from the environment or the command line is reported as coming from there
    /// (the file's own bad values are listed, with the models' and the policy's, at start-up).
    fn check_overrides(&self, layers: &[(&str, &str, String)]) -> Result<(), ConfigError> {
        let from_overrides: Vec<(&String, String)> = self
            .keyed_problems()
            .into_iter()
            .filter_map(|(key, problem)| {
                let (_, _, origin) = layers.iter().rev().find(|(k, _, _)| *k == key)?;
                Some((origin, problem))
            })
            .collect();
        match from_overrides.as_slice() {
            [] => Ok(()),
            [(origin, problem)] => Err(ConfigError::Override {
                origin: (*origin).clone(),
                message: problem.clone(),
            }),
            many => Err(ConfigError::Override {
                origin: "the environment and command-line overrides".into(),
                message: many
                    .iter()
                    .map(|(origin, problem)| format!("{origin}: {problem}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            }),
        }
    }

    /// Problems with the values of `[server]`, `[store]` and `[log]` (the routing policy is checked
    /// against the models by [`crate::registry`]); empty when all is well.
    pub fn problems(&self) -> Vec<String> {
        self.keyed_problems().into_iter().map(|(_, p)| p).collect()
    }

    /// [`Settings::problems`], each with the dotted key of the setting it is about.
    fn keyed_problems(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        let s = &self.server;
        if s.auth == AuthMode::Off && !s.bind.ip().is_loopback() {
            p.push((
                "server.auth",
                format!(
                    "`server.auth` = \"off\" on {}: without keys the service may only listen on a \
                     loopback address (127.0.0.1, ::1); create keys with `instrada keys create` and \
                     set `server.auth = \"required\"`",
                    s.bind
                ),
            ));
        }
        if !(s.key_rate_per_sec.is_finite() && s.key_rate_per_sec > 0.0) {
            p.push((
                "server.key_rate_per_sec",
                format!(
                    "`server.key_rate_per_sec` = {} must be above 0",
                    s.key_rate_per_sec
                ),
            ));
        }
        if s.pid_file
            .as_ref()
            .is_some_and(|f| f.as_os_str().is_empty())
        {
            p.push(("server.pid_file", "`server.pid_file` is empty".into()));
        }
        let mut range = |key: &'static str, value: u64, min: u64, max: u64| {
            if !(min..=max).contains(&value) {
                p.push((
                    key,
                    format!("`{key}` = {value} must be between {min} and {max}"),
                ));
            }
        };
        let n = |v: usize| v as u64;
        range("server.max_body_bytes", n(s.max_body_bytes), 1024, 64 << 20);
        range(
            "server.max_batch_body_bytes",
            n(s.max_batch_body_bytes),
            1024,
            256 << 20,
        );
        range("server.max_batch", n(s.max_batch), 1, 10_000);
        range("server.max_text_chars", n(s.max_text_chars), 1, 1_000_000);
        range(
            "server.concurrency_limit",
            n(s.concurrency_limit),
            1,
            1 << 20,
        );
        range("server.retry_after_secs", s.retry_after_secs, 1, 3600);
        range("server.shutdown_grace_secs", s.shutdown_grace_secs, 0, 3600);
        range("server.shed_lag_ms", s.shed_lag_ms, 0, 10_000);
        range(
            "server.request_timeout_secs",
            s.request_timeout_secs,
            1,
            3600,
        );
        let st = &self.store;
        range("store.queue_capacity", n(st.queue_capacity), 1, 1 << 24);
        range("store.batch_size", n(st.batch_size), 1, 1 << 20);
        range(
            "store.enqueue_timeout_ms",
            st.enqueue_timeout_ms,
            1,
            600_000,
        );
        if st.path.as_os_str().is_empty() {
            p.push(("store.path", "`store.path` is empty".into()));
        }
        if let Some(url) = &st.url
            && let Err(e) = crate::store::Location::parse(url.as_str())
        {
            p.push(("store.url", e.to_string()));
        }
        p.extend(
            st.retention
                .problems()
                .into_iter()
                .map(|problem| ("store.retention", problem)),
        );
        if self.models.dir.as_os_str().is_empty() {
            p.push(("models.dir", "`models.dir` is empty".into()));
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log.level) {
            p.push((
                "log.level",
                format!("`log.level` = \"{}\": {e}", self.log.level),
            ));
        }
        p.extend(
            self.forecast
                .problems()
                .into_iter()
                .map(|problem| ("forecast", problem)),
        );
        p.extend(
            self.outreach
                .problems()
                .into_iter()
                .map(|problem| ("outreach", problem)),
        );
        p
    }
}

/// The override that makes the settings fail to deserialise, found by applying each alone over
/// the file, the last applied first (it is the one that wins); `None` when no single one does.
fn culprit(file: &toml::Table, layers: &[(&str, &str, String)]) -> Option<ConfigError> {
    layers.iter().rev().find_map(|(key, value, origin)| {
        let mut table = file.clone();
        set(&mut table, key, value).ok()?;
        let e = Settings::deserialize(toml::Value::Table(table)).err()?;
        // A value's own message (`is not an address such as …`) reads after it; serde's own
        // (`invalid type: …`) after a colon.
        let message = match e.message() {
            m if m.starts_with("is not ") => format!("`{key}` = \"{value}\" {m}"),
            m => format!("`{key}` = {value}: {m}"),
        };
        Some(ConfigError::Override {
            origin: origin.clone(),
            message,
        })
    })
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// The `INSTRADA__*` variables of `vars` as dotted keys (`INSTRADA__SERVER__BIND` → `server.bind`).
pub fn env_overrides(
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Vec<Override>, ConfigError> {
    let mut out: Vec<Override> = vars
        .into_iter()
        .filter_map(|(name, value)| {
            let rest = name.strip_prefix(ENV_PREFIX)?;
            Some((
                rest.split("__")
                    .collect::<Vec<_>>()
                    .join(".")
                    .to_lowercase(),
                value,
            ))
        })
        .collect();
    if let Some((key, _)) = out
        .iter()
        .find(|(k, _)| k.split('.').any(str::is_empty) || !k.contains('.'))
    {
        return Err(ConfigError::Override {
            origin: format!("environment variable {}", env_name(key)),
            message: "expected INSTRADA__SECTION__KEY".into(),
        });
    }
    out.sort();
    Ok(out)
}

fn env_name(key: &str) -> String {
    format!("{ENV_PREFIX}{}", key.replace('.', "__").to_uppercase())
}

/// Makes a relative path at `keys` relative to `base`.
fn rebase(table: &mut toml::Table, keys: &[&str], base: &Path) {
    let Some((last, parents)) = keys.split_last() else {
        return;
    };
    let mut t = table;
    for k in parents {
        match t.get_mut(*k) {
            Some(toml::Value::Table(inner)) => t = inner,
            _ => return,
        }
    }
    if let Some(toml::Value::String(p)) = t.get_mut(*last)
        && Path::new(p.as_str()).is_relative()
        && !base.as_os_str().is_empty()
    {
        *p = base.join(p.as_str()).to_string_lossy().into_owned();
    }
}

/// Sets the dotted `key` to `raw`, read as a TOML value when it parses as one, else as a string.
fn set(table: &mut toml::Table, key: &str, raw: &str) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    let Some((last, parents)) = parts.split_last() else {
        return Err("empty key".into());
    };
    if parents.is_empty() || parts.iter().any(|p| p.is_empty()) {
        return Err(format!("`{key}` is not a `section.key` name"));
    }
    let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()));
    let mut t = table;
    for p in parents {
        let entry = t
            .entry((*p).to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        match entry {
            toml::Value::Table(inner) => t = inner,
            _ => return Err(format!("`{p}` is not a table")),
        }
    }
    t.insert((*last).to_string(), value);
    Ok(())
}

#[cfg(test)]
mod tests;
