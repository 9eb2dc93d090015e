//! The sections of the settings that configure the service itself: `[server]`, `[models]`,
//! `[store]` and `[log]` (the routing policy, the forecasts and outreach have their own modules).

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

/// `[server]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Address to listen on. Default `127.0.0.1:8080`.
    #[serde(deserialize_with = "socket_address")]
    pub bind: SocketAddr,
    /// Largest request body, in bytes, for single requests and feedback. Default 65536.
    pub max_body_bytes: usize,
    /// Largest body of `POST /v1/route/batch`, in bytes. Default 1048576.
    pub max_batch_body_bytes: usize,
    /// Most requests in one batch. Default 100.
    pub max_batch: usize,
    /// Characters of a request (subject + text) that are classified; longer texts are cut and the
    /// decision says so. Default 10000.
    pub max_text_chars: usize,
    /// Requests to `/v1/*` served at once; past it the service answers 503 `overloaded` with
    /// `Retry-After` at once instead of queueing. Default 512.
    pub concurrency_limit: usize,
    /// Seconds `Retry-After` asks a client to wait after a 503. Default 1.
    pub retry_after_secs: u64,
    /// On SIGTERM/Ctrl-C, seconds to let in-flight requests finish before they are cut. Default 10.
    pub shutdown_grace_secs: u64,
    /// A file `serve` writes its process id to once it listens, and removes on a clean exit, so
    /// that `kill -HUP $(cat data/instrada.pid)` reloads the models. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_file: Option<PathBuf>,
    /// `required`: every `/v1` request presents an API key with the endpoint's scope; `off`: no
    /// keys, allowed only on a loopback address. Default `required`.
    pub auth: AuthMode,
    /// Whether `/metrics` answers without a key (an `admin` key otherwise). Default true.
    pub metrics_open: bool,
    /// Whether `/docs` and `/openapi.json` answer without a key (an `admin` key otherwise).
    /// Default true.
    pub docs_open: bool,
    /// Requests per second a key may make, unless it was created with its own rate; past it,
    /// 429 `rate_limited`. Default 5000.
    pub key_rate_per_sec: f64,
    /// Queueing delay (the runtime's scheduling lag) above which new `/v1` requests are refused
    /// with 503 `overloaded`, in milliseconds; 0 turns shedding off. Default 5.
    pub shed_lag_ms: u64,
    /// Seconds a `/v1` request may take before it is answered 503 `timed_out` (a refit or a
    /// scoring run, which take long by design, is not cut). Default 30.
    pub request_timeout_secs: u64,
}

/// `server.auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Every `/v1` request needs an API key.
    #[default]
    Required,
    /// Nobody is asked for a key: for a service on a loopback address only.
    Off,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: 64 * 1024,
            max_batch_body_bytes: 1024 * 1024,
            max_batch: 100,
            max_text_chars: 10_000,
            concurrency_limit: 512,
            retry_after_secs: 1,
            shutdown_grace_secs: 10,
            pid_file: None,
            auth: AuthMode::Required,
            metrics_open: true,
            docs_open: true,
            key_rate_per_sec: 5000.0,
            shed_lag_ms: 5,
            request_timeout_secs: 30,
        }
    }
}

/// `[models]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelSettings {
    /// The bundle directory, holding `topic/` and `urgency/`. Default `models`.
    pub dir: PathBuf,
    /// How often `serve` reads the latest model reload or rollback recorded in the store by any
    /// instance on the same database, and follows it, in seconds; 0: never. Default 2.
    pub follow_secs: u64,
}

impl Default for ModelSettings {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("models"),
            follow_secs: 2,
        }
    }
}

use crate::store::{Durability, Retention, StoredText};

/// A database URL as configured. It may hold a password, so its `Debug` and `Display` show it
/// redacted (the settings are logged at start-up); [`DatabaseUrl::as_str`] is the URL itself.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The URL, password included: for connecting, never for a log.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", crate::store::redact(&self.0))
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::store::redact(&self.0))
    }
}

/// `[store]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreSettings {
    /// SQLite file, when no `url` is given. Default `data/instrada.db`.
    pub path: PathBuf,
    /// The database as a URL: `sqlite://PATH` or `postgres://USER:PASSWORD@HOST:PORT/DATABASE`
    /// (`INSTRADA__STORE__URL`, `--database-url`); when set it wins over `path`. Its password is
    /// never logged.
    pub url: Option<DatabaseUrl>,
    /// What of the request text is stored. Default `none` (only a SHA-256).
    pub text: StoredText,
    /// Decisions waiting to be written, at most. Default 8192.
    pub queue_capacity: usize,
    /// Most writes committed in one transaction. Default 512.
    pub batch_size: usize,
    /// How long a request waits for room in a full write queue (and, with `durability =
    /// "commit"`, for its commit) before answering 503 `store_unavailable`, in milliseconds.
    /// Default 1000.
    pub enqueue_timeout_ms: u64,
    /// `commit`: a decision is answered once committed; `async`: once enqueued (a crash of the
    /// process loses what was queued). Default `commit`.
    pub durability: Durability,
    /// The key of citizens' pseudonyms (64 hex digits), created on first use when missing. Keep
    /// it, and its backups, apart from the database's. Default `data/pseudonym.key`.
    pub pseudonym_key: PathBuf,
    /// Whether the citizen reference sent with an event (`citizen_id`) is kept, sealed
    /// (AES-256-GCM under `reference_key`), so that a case worker can see whom an outreach flag is
    /// about (each reveal in the access log). `false` keeps only the pseudonym. Default `true`.
    pub keep_references: bool,
    /// The key that seals citizens' references (64 hex digits), created on first use when
    /// missing. Keep it apart from the database. Default `reference.key` beside
    /// `pseudonym_key` ([`StoreSettings::reference_key_path`]).
    pub reference_key: Option<PathBuf>,
    /// `[store.retention]`: how long each kind of record is kept (defaults in
    /// [`Retention::default`]: decisions 400d, texts 30d, events 1095d…; `off` keeps forever).
    pub retention: Retention,
    /// When `serve` prunes what is past its retention: `daily HH:MM` in `forecast.timezone`, or
    /// `off` (then only `instrada store prune` and `POST /v1/store/prune`). Default `daily 04:30`.
    pub prune: crate::calendar::Schedule,
}

impl Default for StoreSettings {
    fn default() -> Self {
        Self {
            path: PathBuf::from("data/instrada.db"),
            url: None,
            text: StoredText::None,
            queue_capacity: crate::store::DEFAULT_QUEUE_CAPACITY,
            batch_size: crate::store::DEFAULT_MAX_BATCH,
            enqueue_timeout_ms: 1000,
            durability: Durability::default(),
            pseudonym_key: PathBuf::from("data/pseudonym.key"),
            keep_references: true,
            reference_key: None,
            retention: Retention::default(),
            prune: crate::calendar::Schedule::Daily(
                chrono::NaiveTime::from_hms_opt(4, 30, 0).unwrap_or_default(),
            ),
        }
    }
}

impl StoreSettings {
    /// The reference key's file: `reference_key`, else `reference.key` beside the pseudonyms' key.
    pub fn reference_key_path(&self) -> PathBuf {
        self.reference_key
            .clone()
            .unwrap_or_else(|| self.pseudonym_key.with_file_name("reference.key"))
    }

    /// Where the store lives: `url` when set, else the SQLite file `path`. A URL naming no
    /// database is one of the settings' problems, refused at load; here it falls back to `path`.
    pub fn location(&self) -> crate::store::Location {
        self.url
            .as_ref()
            .map(DatabaseUrl::as_str)
            .and_then(|u| crate::store::Location::parse(u).ok())
            .unwrap_or_else(|| crate::store::Location::Sqlite(self.path.clone()))
    }

    /// The store's own configuration.
    pub fn store_config(&self) -> crate::store::StoreConfig {
        crate::store::StoreConfig {
            at: self.location(),
            queue_capacity: self.queue_capacity,
            max_batch: self.batch_size,
            durability: self.durability,
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines (the default).
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// `[log]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// Line format. Default `text`.
    pub format: LogFormat,
    /// `tracing` filter directives, e.g. `info` or `instrada=debug,tower_http=info`; the
    /// `RUST_LOG` environment variable wins when set. Default `info`.
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

/// `server.bind`: parsed once, when the settings are read, with a message that says what is
/// wanted.
fn socket_address<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(d)?;
    text.trim()
        .parse()
        .map_err(|_| serde::de::Error::custom("is not an address such as \"127.0.0.1:8080\""))
}
