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

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::compact::compact;
use super::location::Location;
use super::retention::Kind;
use super::rows::{DECISION_COLUMNS, decision_from_row, timestamp};
use super::schema::open_for_reading;
use super::sql::{Conn, DbError, Dialect, Value, args};
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
pub fn prunable(
    at: impl Into<Location>,
    kind: Kind,
    before: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let conn = open_for_reading(at)?;
    let sql = format!(
        "SELECT count(*) FROM ({}) AS chosen",
        select(conn.dialect(), kind, false)
    );
    let n: i64 = conn.query_row(&sql, args![timestamp(&before)], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The column that names a row of `table` for a delete: SQLite's `rowid` (the table's b-tree key,
/// the fastest), PostgreSQL's primary key.
fn row_key(dialect: Dialect, table: &str) -> &'static str {
    match (dialect, table) {
        (Dialect::Sqlite, "decisions" | "events" | "outreach_flags") => "rowid",
        (Dialect::Postgres, "decisions") => "decision_id",
        (Dialect::Postgres, "events") => "event_id",
        (Dialect::Postgres, "outreach_flags") => "flag_id",
        _ => "id",
    }
}

/// The rows of `kind` older than `?1`, oldest first where an index gives the order; with
/// `limited`, at most `?2` of them.
fn select(dialect: Dialect, kind: Kind, limited: bool) -> String {
    let key = |table| row_key(dialect, table);
    let (what, from_where) = match kind {
        Kind::Texts => (
            key("decisions"),
            "decisions WHERE text IS NOT NULL AND created_at < ?1 ORDER BY created_at",
        ),
        Kind::Feedback => ("id", "feedback WHERE received_at < ?1"),
        Kind::Decisions => (
            key("decisions"),
            "decisions WHERE created_at < ?1 ORDER BY created_at",
        ),
        Kind::Events => (
            key("events"),
            "events WHERE occurred_at < ?1 ORDER BY occurred_at",
        ),
        Kind::Reviews => ("id", "outreach_reviews WHERE reviewed_at < ?1"),
        Kind::Outreach => (
            key("outreach_flags"),
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
    conn: &Conn,
    kind: Kind,
    cutoff: &str,
    limit: usize,
    forget: Option<ForgetWords>,
) -> Result<usize, DbError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let dialect = conn.dialect();
    let chosen = select(dialect, kind, true);
    let key = |table| row_key(dialect, table);
    match kind {
        Kind::Texts => clear_texts(conn, &chosen, cutoff, limit, forget),
        Kind::Decisions => {
            // The feedback first: the foreign key refuses a decision that still has some. The
            // same rows both times: nothing between the two statements changes `decisions`.
            conn.execute(
                &format!(
                    "DELETE FROM feedback WHERE decision_id IN
                     (SELECT decision_id FROM decisions WHERE {} IN ({chosen}))",
                    key("decisions")
                ),
                args![cutoff, limit],
            )?;
            conn.execute(
                &format!(
                    "DELETE FROM decisions WHERE {} IN ({chosen})",
                    key("decisions")
                ),
                args![cutoff, limit],
            )
        }
        Kind::Feedback => delete(conn, "feedback", &chosen, cutoff, limit),
        Kind::Events => delete_events(conn, &chosen, cutoff, limit),
        Kind::Reviews => delete(conn, "outreach_reviews", &chosen, cutoff, limit),
        Kind::Outreach => delete(conn, "outreach_flags", &chosen, cutoff, limit),
        Kind::AccessLog => delete(conn, "access_log", &chosen, cutoff, limit),
    }
}

fn delete(
    conn: &Conn,
    table: &str,
    chosen: &str,
    cutoff: &str,
    limit: i64,
) -> Result<usize, DbError> {
    let key = row_key(conn.dialect(), table);
    conn.execute(
        &format!("DELETE FROM {table} WHERE {key} IN ({chosen})"),
        args![cutoff, limit],
    )
}

/// Deletes a chunk of events, then the sealed references of the chunk's citizens who have no
/// event left (a reference is kept as long as its citizen's history).
fn delete_events(conn: &Conn, chosen: &str, cutoff: &str, limit: i64) -> Result<usize, DbError> {
    let key = row_key(conn.dialect(), "events");
    let citizens: Vec<String> = conn.query_map(
        &format!(
            "SELECT DISTINCT citizen FROM events
             WHERE {key} IN ({chosen}) AND citizen IS NOT NULL"
        ),
        args![cutoff, limit],
        |r| r.get(0),
    )?;
    let deleted = delete(conn, "events", chosen, cutoff, limit)?;
    for citizen in &citizens {
        conn.execute(
            "DELETE FROM citizen_refs WHERE citizen = ?1
             AND NOT EXISTS (SELECT 1 FROM events WHERE citizen = ?1)",
            args![citizen],
        )?;
    }
    Ok(deleted)
}

/// Clears the texts of a chunk of decisions, and the words their reasons quote from them (the
/// JSON read back whole, rewritten, stored compact again).
fn clear_texts(
    conn: &Conn,
    chosen: &str,
    cutoff: &str,
    limit: i64,
    forget: Option<ForgetWords>,
) -> Result<usize, DbError> {
    let key = row_key(conn.dialect(), "decisions");
    let rows: Vec<(Value<'static>, DecisionRecord)> = conn.query_map(
        &format!("SELECT {DECISION_COLUMNS}, {key} FROM decisions WHERE {key} IN ({chosen})"),
        args![cutoff, limit],
        |r| Ok((r.get(21)?, decision_from_row(r)?)),
    )?;
    let clear = format!("UPDATE decisions SET text = NULL WHERE {key} = ?1");
    let rewrite = format!(
        "UPDATE decisions SET text = NULL, decision_json = ?2, json_form = ?3 WHERE {key} = ?1"
    );
    for (row, mut rec) in rows.iter().cloned() {
        match forget.and_then(|f| f(&rec.decision_json)) {
            Some(without) => {
                rec.decision_json = without;
                let (json, form) = compact(&rec);
                conn.execute(&rewrite, args![row, json, form])?
            }
            None => conn.execute(&clear, args![row])?,
        };
    }
    Ok(rows.len())
}
