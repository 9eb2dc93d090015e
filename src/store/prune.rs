//! Deleting what is older than a kind's cutoff ([`Store::prune`]), in chunks that never hold the
//! writer for long.
//!
//! Each chunk — at most [`PruneOptions::chunk_rows`] rows — is one job on the writer thread
//! (`job.rs`): it runs inside whatever batch the writer is committing, and the next chunk is only
//! enqueued once this one is committed and answered. So a prune of a million rows is hundreds of
//! short transactions, and a decision recorded meanwhile waits behind one chunk at most (a few
//! milliseconds; `examples/decision_bytes.rs` measures it), never behind the whole prune.
//!
//! Every chunk leaves the file consistent: a decision goes with its feedback (the foreign key
//! would refuse it alone), a flag with nothing but reviews already pruned, a text with the words
//! its decision's reasons quote from it. The oldest rows go first (the time indexes), so a prune
//! cut short — by shutdown, by an error — has deleted only rows it was right to delete and the
//! next one carries on.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde::Serialize;

use super::compact::compact;
use super::retention::Kind;
use super::rows::{DECISION_COLUMNS, decision_from_row, timestamp};
use super::schema::open_for_reading;
use super::{DecisionRecord, Store, StoreError};

/// Rewrites a decision's stored JSON without the words its reasons quote from the request text
/// (`None`: nothing to change). The router knows the sentences; the store only calls it.
pub type ForgetWords = fn(&str) -> Option<String>;

/// Rows per chunk by default: single-digit milliseconds of the writer's time for decisions
/// (`examples/decision_bytes.rs` prints the longest chunk).
pub const DEFAULT_CHUNK_ROWS: usize = 1_000;

/// How a prune runs.
#[derive(Debug, Clone, Copy)]
pub struct PruneOptions {
    /// Most rows deleted (or texts cleared) per transaction. Default [`DEFAULT_CHUNK_ROWS`].
    pub chunk_rows: usize,
    /// For [`Kind::Texts`]: how the decisions' reasons lose the words quoted from the text.
    /// Default none (the JSON is left as it is).
    pub forget_words: Option<ForgetWords>,
}

impl Default for PruneOptions {
    fn default() -> Self {
        Self {
            chunk_rows: DEFAULT_CHUNK_ROWS,
            forget_words: None,
        }
    }
}

/// What a prune of one kind did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pruned {
    /// The kind.
    pub kind: Kind,
    /// Rows deleted (texts: cleared).
    pub rows: u64,
    /// Chunks, each its own transaction (one more than full chunks: the last finds fewer rows).
    pub chunks: u64,
    /// The longest a chunk took on the writer thread.
    #[serde(serialize_with = "millis")]
    pub longest_chunk: Duration,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1e6).round() / 1e3)
}

impl Store {
    /// Deletes the records of `kind` older than `before`, chunk by chunk (module docs); returns
    /// once the last chunk is committed. An error stops it where it is: what was deleted stays
    /// deleted, and a later prune carries on.
    pub async fn prune(
        &self,
        kind: Kind,
        before: DateTime<Utc>,
        opts: &PruneOptions,
    ) -> Result<Pruned, StoreError> {
        let cutoff = timestamp(&before);
        let limit = opts.chunk_rows.max(1);
        let forget = opts.forget_words;
        let mut done = Pruned {
            kind,
            rows: 0,
            chunks: 0,
            longest_chunk: Duration::ZERO,
        };
        loop {
            let cutoff = cutoff.clone();
            let (rows, took) = self
                .exec(move |conn| {
                    let started = Instant::now();
                    let rows = chunk(conn, kind, &cutoff, limit, forget)?;
                    Ok((rows, started.elapsed()))
                })
                .await?;
            done.rows += rows as u64;
            done.chunks += 1;
            done.longest_chunk = done.longest_chunk.max(took);
            if rows < limit {
                return Ok(done);
            }
            // Let other tasks of this runtime enqueue their writes between two chunks.
            tokio::task::yield_now().await;
        }
    }
}

/// How many records of `kind` older than `before` a prune would delete now (`--dry-run`), read
/// with its own connection.
pub fn prunable(path: &Path, kind: Kind, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let conn = open_for_reading(path)?;
    let sql = format!("SELECT count(*) FROM ({})", select(kind, false));
    let n: i64 = conn.query_row(&sql, params![timestamp(&before)], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The rows of `kind` older than `?1`, oldest first where an index gives the order; with
/// `limited`, at most `?2` of them.
fn select(kind: Kind, limited: bool) -> String {
    let (what, from_where) = match kind {
        Kind::Texts => (
            "rowid",
            "decisions WHERE text IS NOT NULL AND created_at < ?1 ORDER BY created_at",
        ),
        Kind::Feedback => ("id", "feedback WHERE received_at < ?1"),
        Kind::Decisions => (
            "rowid",
            "decisions WHERE created_at < ?1 ORDER BY created_at",
        ),
        Kind::Events => (
            "rowid",
            "events WHERE occurred_at < ?1 ORDER BY occurred_at",
        ),
        Kind::Reviews => ("id", "outreach_reviews WHERE reviewed_at < ?1"),
        Kind::Outreach => (
            "rowid",
            "outreach_flags AS f WHERE scored_at < ?1 AND NOT EXISTS
                (SELECT 1 FROM outreach_reviews AS r WHERE r.flag_id = f.flag_id)
             ORDER BY scored_at",
        ),
        Kind::AccessLog => ("id", "access_log WHERE at < ?1 ORDER BY at"),
    };
    let limit = if limited { " LIMIT ?2" } else { "" };
    format!("SELECT {what} FROM {from_where}{limit}")
}

/// One chunk: at most `limit` rows of `kind` older than `cutoff`. Returns how many.
fn chunk(
    conn: &Connection,
    kind: Kind,
    cutoff: &str,
    limit: usize,
    forget: Option<ForgetWords>,
) -> rusqlite::Result<usize> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let chosen = select(kind, true);
    match kind {
        Kind::Texts => clear_texts(conn, &chosen, cutoff, limit, forget),
        Kind::Decisions => {
            // The feedback first: the foreign key refuses a decision that still has some. The
            // same rows both times: nothing between the two statements changes `decisions`.
            conn.execute(
                &format!(
                    "DELETE FROM feedback WHERE decision_id IN
                     (SELECT decision_id FROM decisions WHERE rowid IN ({chosen}))"
                ),
                params![cutoff, limit],
            )?;
            conn.execute(
                &format!("DELETE FROM decisions WHERE rowid IN ({chosen})"),
                params![cutoff, limit],
            )
        }
        Kind::Feedback => delete(conn, "feedback", "id", &chosen, cutoff, limit),
        Kind::Events => delete(conn, "events", "rowid", &chosen, cutoff, limit),
        Kind::Reviews => delete(conn, "outreach_reviews", "id", &chosen, cutoff, limit),
        Kind::Outreach => delete(conn, "outreach_flags", "rowid", &chosen, cutoff, limit),
        Kind::AccessLog => delete(conn, "access_log", "id", &chosen, cutoff, limit),
    }
}

fn delete(
    conn: &Connection,
    table: &str,
    key: &str,
    chosen: &str,
    cutoff: &str,
    limit: i64,
) -> rusqlite::Result<usize> {
    conn.execute(
        &format!("DELETE FROM {table} WHERE {key} IN ({chosen})"),
        params![cutoff, limit],
    )
}

/// Clears the texts of a chunk of decisions, and the words their reasons quote from them (the
/// JSON read back whole, rewritten, stored compact again).
fn clear_texts(
    conn: &Connection,
    chosen: &str,
    cutoff: &str,
    limit: i64,
    forget: Option<ForgetWords>,
) -> rusqlite::Result<usize> {
    let rows: Vec<(i64, DecisionRecord)> = conn
        .prepare(&format!(
            "SELECT {DECISION_COLUMNS}, rowid FROM decisions WHERE rowid IN ({chosen})"
        ))?
        .query_map(params![cutoff, limit], |r| {
            Ok((r.get(21)?, decision_from_row(r)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut clear = conn.prepare_cached("UPDATE decisions SET text = NULL WHERE rowid = ?1")?;
    let mut rewrite = conn.prepare_cached(
        "UPDATE decisions SET text = NULL, decision_json = ?2, json_form = ?3 WHERE rowid = ?1",
    )?;
    for (rowid, mut rec) in rows.iter().cloned() {
        match forget.and_then(|f| f(&rec.decision_json)) {
            Some(without) => {
                rec.decision_json = without;
                let (json, form) = compact(&rec);
                rewrite.execute(params![rowid, json, form])?
            }
            None => clear.execute([rowid])?,
        };
    }
    Ok(rows.len())
}
