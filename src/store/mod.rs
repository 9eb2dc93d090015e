//! The audit trail: every routing decision and every handler's correction, in SQLite (the
//! embedded default) or PostgreSQL (several replicas on one database): [`Location`], and `sql.rs`
//! for the one SQL surface over both.
//!
//! An authority may ask why a request went where it went, so each decision must be kept — but
//! the request path must not wait for a disk. This module owns that trade-off:
//!
//! - [`Store`] is a cheap, cloneable handle. [`Store::record`] only puts the decision on a
//!   bounded queue; one dedicated thread (`instrada-store`, in `writer.rs`) owns the only write
//!   connection and commits whatever has queued up, up to `max_batch` commands per transaction.
//!   A full queue is backpressure: `record` waits, [`Store::try_record`] answers
//!   [`StoreError::Busy`]; nothing is dropped to make room.
//! - Feedback, [`Store::get_decision`] and [`Store::counts`] go through the same queue and are
//!   answered after the commit of their batch, so they see every decision enqueued before them.
//! - [`export_feedback`] reads the file with its own connection (WAL) to produce training data.
//! - Writes off the request path — the forecast cache (`forecasts.rs`), outreach flags, reviews
//!   and opt-outs — are jobs (`job.rs`): closures the writer runs in its batch's transaction, so
//!   the writer thread keeps the only write connection; reads of them use their own connection.
//! - `schema.rs` opens the file and migrates it (`PRAGMA user_version`); `rows.rs` maps records
//!   to columns; `compact.rs` keeps a decision's JSON without the fields its columns hold.
//! - Storage limitation: [`Retention`] says how long each [`Kind`] is kept; [`Store::prune`]
//!   deletes what is older, in chunks of short transactions (`prune.rs`); [`disk_usage`] counts
//!   rows and bytes per table (`usage.rs`).
//!
//! Records are plain strings and numbers (`types.rs`), so the store imports nothing of the crate
//! but the [`crate::label`], [`crate::duration`] (retention lengths) and [`crate::text`] leaves (the latter for [`StoredText`], what is
//! kept of a request's text): not `classify`, `route`, `ops` or `api`, which all depend on it.
//! [`Store::record_all`] enqueues a batch's decisions as one command, so that they are all taken
//! or none is.
//!
//! # Durability
//!
//! When [`Store::close`] returns `Ok`, every `record` that returned `Ok` — on any clone, before
//! or during the close — has been committed, unless the database refused it (below); such a
//! record is never dropped silently. A commit survives a crash of the process (WAL,
//! `synchronous = NORMAL`); an OS crash or power cut can lose the last commits. What is still
//! queued when the process dies without `close` (a panic in main, SIGKILL) is lost: close the
//! store after the HTTP server's graceful shutdown and before exiting. Dropping the last handle
//! also drains and commits the queue, but in the background: only `close` lets you wait for it.
//!
//! # When the database fails
//!
//! A statement that fails on its own (a duplicate `decision_id`, an oversized value) rejects
//! that command only; the rest of its batch commits. Any other failure (I/O error, disk full,
//! lock timeout, corruption) rolls the batch back; it is retried once after 50 ms, and if that
//! fails too its records are given up: each is logged at error level with its `decision_json`
//! (the log is then the last copy of the audit record) and counted in
//! [`StoreStats::lost_records`]; feedback and reads waiting in the batch get
//! [`StoreError::WriteFailed`]. The writer then carries on with the next batch: the records were
//! already acknowledged and their decisions served, so stalling the queue on a database that may
//! never recover would turn a storage fault into an outage without saving them. Alert on
//! `lost_records > 0`; a deployment that prefers "no decision without its audit record" can
//! make its readiness probe fail on it.
//!
//! A PostgreSQL server that cannot be reached (stopped, restarting, cut off) is not such a
//! failure: the store is *down* until the writer can connect again, which it tries every 250 ms.
//! Meanwhile every command is refused at once with [`StoreError::Unreachable`] (503
//! `store_unavailable` with Retry-After at the edges, and `/readyz` fails), so nothing more is
//! acknowledged; the records already acknowledged (`async`) are held in memory and written first
//! when it is back (`writer.rs`).
//!
//! # Cost on the request path
//!
//! `record`/`try_record`: one allocation (the boxed record), one atomic permit from the queue's
//! semaphore, a push into the queue's block list and, when the writer is idle, a wake-up of its
//! thread. No lock is held across the call and no I/O happens on the caller's thread.

pub mod access;
mod checkpoint;
mod command;
mod compact;
mod contacts;
pub mod copy;
mod error;
mod events;
mod export;
mod forecasts;
mod handle;
mod history;
mod job;
mod location;
mod migrations;
mod model_changes;
pub mod outreach;
mod placeholders;
mod pool;
mod prune;
mod retention;
mod rows;
mod schema;
pub(crate) mod sql;
mod types;
mod usage;
mod value;
mod writer;

#[cfg(test)]
mod durability_tests;
#[cfg(all(test, postgres))]
mod fault_tests;
/// A throw-away PostgreSQL server for tests (the store's and the integration tests'); not part
/// of the service.
#[cfg(postgres)]
#[doc(hidden)]
pub mod pg_server;
#[cfg(test)]
mod prune_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

/// What of a request's text the audit trail keeps (decided in [`crate::text::kept`]).
pub use crate::text::StoredText;
pub use access::{AccessRecord, KeyRecord};
pub use contacts::{ContactCounts, ContactFilter};
pub use error::StoreError;
pub use events::{EventRecord, EventsStored};
pub use export::{EXPORT_HEADER, export_feedback};
pub use forecasts::{FORECAST_RUNS_KEPT, latest_forecasts};
pub use handle::Store;
pub use history::{HistoryEvent, HistoryReader};
pub use location::{BadUrl, Location, redact};
pub use model_changes::ModelChange;
pub use prune::{DEFAULT_CHUNK_ROWS, ForgetWords, PruneOptions, Pruned, prunable};
pub use retention::{Keep, Kind, Retention};
pub use schema::migrate;
pub use sql::{DbError, Dialect};
pub use types::{
    DEFAULT_MAX_BATCH, DEFAULT_QUEUE_CAPACITY, DecisionRecord, Durability, ExportSummary,
    FeedbackRecord, StoreConfig, StoreCounts, StoreStats, StoredDecision,
};
pub use usage::{TableUsage, Usage, disk_usage};
