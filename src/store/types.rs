//! Plain data the store takes and gives back; no dependency on other instrada modules, so the
//! router and the API convert into these rather than the store knowing their types.

use super::location::Location;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::StoreError;

/// Default bound of the write queue (commands waiting for the writer thread).
pub const DEFAULT_QUEUE_CAPACITY: usize = 8192;
/// Default number of commands the writer commits in one transaction.
pub const DEFAULT_MAX_BATCH: usize = 512;
/// Largest accepted `queue_capacity` (tokio's semaphore has a hard limit far above this).
const MAX_QUEUE_CAPACITY: usize = 1 << 24;

/// One routing decision, as it goes into the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub decision_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub request_id: Option<String>,
    pub channel: String,
    pub language: String,
    /// SHA-256 of the request text; always stored, so a text can be matched without keeping it.
    pub text_sha256: String,
    /// The text itself, only if the operator configured it (the caller decides; may be redacted).
    pub text: Option<String>,
    pub topic: String,
    /// NaN is stored as SQL NULL and read back as NaN.
    pub topic_confidence: f32,
    pub urgency: String,
    pub urgency_confidence: f32,
    pub urgency_signals: Vec<String>,
    pub queue: String,
    pub priority: u8,
    pub needs_human_review: bool,
    pub review_reason: Option<String>,
    /// Version of the topic model that made the decision.
    pub topic_model: String,
    /// Version of the urgency model that made the decision.
    pub urgency_model: String,
    /// Time taken to decide, in microseconds (saturates at `i64::MAX` in the database).
    pub timing_us: u64,
    /// The full decision as returned to the caller.
    pub decision_json: String,
}

/// A handler's correction of a decision; `None` fields confirm the prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackRecord {
    pub decision_id: Uuid,
    pub topic: Option<String>,
    pub urgency: Option<String>,
    pub queue: Option<String>,
    pub note: Option<String>,
    pub received_at: DateTime<Utc>,
    /// Who recorded it: an API key's name, or `cli:USER` (none before keys existed).
    pub recorded_by: Option<String>,
}

/// A decision read back from the store, with every feedback on it (oldest first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredDecision {
    #[serde(flatten)]
    pub record: DecisionRecord,
    pub feedback: Vec<FeedbackRecord>,
}

/// Row counts of the two tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct StoreCounts {
    pub decisions: u64,
    pub feedback: u64,
    /// Contact events stored.
    pub events: u64,
}

/// What [`crate::store::export_feedback`] wrote and what it left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ExportSummary {
    /// Rows written to the CSV.
    pub exported: u64,
    /// Decisions with feedback but no stored text (nothing to train on).
    pub skipped_no_text: u64,
    /// Decisions whose final topic is "unknown" (not a class to learn).
    pub skipped_unknown_topic: u64,
}

/// When a decision is acknowledged to the caller: the trade between what a crash of the process
/// can lose and what a decision costs (measured in README, "Durability").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// [`crate::store::Store::record`] returns once the decision is committed: a decision that
    /// was answered survives a crash of the process. Group commit: whatever is queued goes into
    /// one transaction, with no waiting when the queue is empty.
    #[default]
    Commit,
    /// `record` returns once the decision is enqueued; the writer commits it within a few
    /// milliseconds, and a crash of the process loses what was still queued.
    Async,
}

impl Durability {
    /// The name written in the settings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Commit => "commit",
            Self::Async => "async",
        }
    }
}

/// Counters for metrics; read with [`crate::store::Store::stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct StoreStats {
    /// Commands waiting in the write queue right now.
    pub queue_depth: usize,
    /// Bound of the write queue.
    pub queue_capacity: usize,
    /// Decision records committed since the store was opened.
    pub committed_records: u64,
    /// Acknowledged decision records that never reached the database (see the module docs).
    pub lost_records: u64,
    /// Transactions that failed (each is retried once before its records are given up).
    pub failed_batches: u64,
    /// Transactions committed since the store was opened (records per transaction is how much
    /// group commit gathers).
    pub transactions: u64,
}

/// Where the database lives and how the write queue is sized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// The SQLite file (its parent directories are created) or the PostgreSQL database.
    pub at: Location,
    /// Bound of the write queue; default [`DEFAULT_QUEUE_CAPACITY`].
    pub queue_capacity: usize,
    /// Most commands committed in one transaction; default [`DEFAULT_MAX_BATCH`].
    pub max_batch: usize,
    /// When a decision is acknowledged; default [`Durability::Commit`].
    pub durability: Durability,
}

impl StoreConfig {
    /// A configuration with the default queue capacity, batch size and durability.
    pub fn new(at: impl Into<Location>) -> Self {
        Self {
            at: at.into(),
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            max_batch: DEFAULT_MAX_BATCH,
            durability: Durability::default(),
        }
    }

    /// Rejects sizes the writer cannot work with (zero, or absurdly large queues).
    pub(super) fn check(&self) -> Result<(), StoreError> {
        if self.queue_capacity == 0 || self.queue_capacity > MAX_QUEUE_CAPACITY {
            return Err(StoreError::InvalidConfig {
                field: "queue_capacity",
                value: self.queue_capacity,
                expected: "1 to 16777216",
            });
        }
        if self.max_batch == 0 {
            return Err(StoreError::InvalidConfig {
                field: "max_batch",
                value: self.max_batch,
                expected: "at least 1",
            });
        }
        Ok(())
    }
}
