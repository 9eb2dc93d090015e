//! Outreach advice in the store (schema v4): every score ([`FlagRecord`], `outreach_flags`) with
//! its model version and a hash of its inputs, the case workers' reviews (`outreach_reviews`), and
//! the citizens who opted out (`outreach_optouts`). Writes are jobs on the writer thread
//! (`Store::exec`); reads use a read-only connection of their own, like the histories.
//!
//! # Which flags are listed
//!
//! [`list_flags`] shows, for each citizen, the latest score of a scoring run, when it is flagged,
//! still `open`, at or above the minimum score, the citizen has not opted out, and no reviewed
//! flag of the same citizen (contacted, dismissed, not needed) has seen evidence as recent as it:
//! a reviewed citizen comes back only once an event after the review's evidence arrives.

use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashSet};
use uuid::Uuid;

use super::location::Location;
use super::rows::timestamp;
use super::schema::open_for_reading;
use super::sql::{Conn, DbError, Row, args};
use super::{Store, StoreError};

/// Review statuses that settle a flag until new evidence arrives.
pub const REVIEW_STATUSES: [&str; 3] = ["contacted", "dismissed", "not_needed"];
/// The status of a flag nobody has reviewed.
pub const OPEN: &str = "open";
/// `source` of the flags a scoring run stores.
pub const SOURCE_RUN: &str = "run";
/// `source` of a score asked for in a request (never listed).
pub const SOURCE_REQUEST: &str = "request";

/// One stored score.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagRecord {
    /// Its id.
    pub flag_id: Uuid,
    /// The citizen's pseudonym; `None` for a scored feature row.
    pub citizen: Option<String>,
    /// [`SOURCE_RUN`] or [`SOURCE_REQUEST`].
    pub source: String,
    /// When it was scored.
    pub scored_at: DateTime<Utc>,
    /// The time its features were computed as of.
    pub as_of: DateTime<Utc>,
    /// The calibrated probability.
    pub score: f64,
    /// Whether it reached the model's threshold.
    pub flagged: bool,
    /// The reasons, as JSON (the outreach module's to define).
    pub reasons_json: String,
    /// The model that scored.
    pub model_version: String,
    /// SHA-256 of the feature row.
    pub inputs_sha256: String,
    /// The last contact (not a deadline notice).
    pub last_contact: Option<DateTime<Utc>>,
    /// Queue of the last contact.
    pub queue: Option<String>,
    /// Channel of the last contact.
    pub channel: Option<String>,
    /// Group values for the fairness report (language, configured attributes).
    pub groups: BTreeMap<String, String>,
    /// `open` or a review status.
    pub status: String,
    /// The latest event the score saw.
    pub evidence_at: Option<DateTime<Utc>>,
}

/// A case worker's review of a flag.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRecord {
    /// The flag.
    pub flag_id: Uuid,
    /// The reviewer as the case worker gave their name (a note), else who recorded it.
    pub reviewer: String,
    /// Who recorded it: an API key's name, or `cli:USER`.
    pub recorded_by: String,
    /// When.
    pub reviewed_at: DateTime<Utc>,
    /// One of [`REVIEW_STATUSES`].
    pub status: String,
    /// The note, already redacted.
    pub note: Option<String>,
}

/// What [`list_flags`] selects.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagQuery {
    /// Most flags returned.
    pub limit: usize,
    /// Lowest score listed.
    pub min_score: f64,
    /// Only flags whose last contact was handled by this queue.
    pub queue: Option<String>,
}

/// A score and the state of its review, for the fairness report.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    /// Channel of the last contact.
    pub channel: Option<String>,
    /// Group values.
    pub groups: BTreeMap<String, String>,
    /// Whether it was flagged.
    pub flagged: bool,
    /// `open` or a review status.
    pub status: String,
}

const COLUMNS: &str = "flag_id, citizen, source, scored_at, as_of, score, flagged, reasons, \
     model_version, inputs_sha256, last_contact, queue, channel, groups, status, evidence_at";

fn time(text: Option<String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn flag_row(r: &Row<'_>) -> Result<FlagRecord, DbError> {
    let id: String = r.get(0)?;
    let groups: String = r.get(13)?;
    Ok(FlagRecord {
        flag_id: Uuid::parse_str(&id).unwrap_or_default(),
        citizen: r.get(1)?,
        source: r.get(2)?,
        scored_at: time(r.get(3)?).unwrap_or_default(),
        as_of: time(r.get(4)?).unwrap_or_default(),
        score: r.get(5)?,
        flagged: r.get(6)?,
        reasons_json: r.get(7)?,
        model_version: r.get(8)?,
        inputs_sha256: r.get(9)?,
        last_contact: time(r.get(10)?),
        queue: r.get(11)?,
        channel: r.get(12)?,
        groups: serde_json::from_str(&groups).unwrap_or_default(),
        status: r.get(14)?,
        evidence_at: time(r.get(15)?),
    })
}

fn insert_flags(conn: &Conn, flags: &[FlagRecord]) -> Result<usize, DbError> {
    let sql = format!(
        "INSERT INTO outreach_flags ({COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
    );
    for f in flags {
        conn.execute(
            &sql,
            args![
                f.flag_id.to_string(),
                f.citizen,
                f.source,
                timestamp(&f.scored_at),
                timestamp(&f.as_of),
                f.score,
                f.flagged,
                f.reasons_json,
                f.model_version,
                f.inputs_sha256,
                f.last_contact.as_ref().map(timestamp),
                f.queue,
                f.channel,
                serde_json::to_string(&f.groups).unwrap_or_else(|_| "{}".into()),
                f.status,
                f.evidence_at.as_ref().map(timestamp),
            ],
        )?;
    }
    Ok(flags.len())
}

/// Records `r` and sets its flag's status; `false` when there is no such flag.
fn insert_review(conn: &Conn, r: &ReviewRecord) -> Result<bool, DbError> {
    let id = r.flag_id.to_string();
    let n = conn.execute(
        "UPDATE outreach_flags SET status = ?1 WHERE flag_id = ?2",
        args![r.status, id],
    )?;
    if n == 0 {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO outreach_reviews (flag_id, reviewer, reviewed_at, status, note, recorded_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![
            id,
            r.reviewer,
            timestamp(&r.reviewed_at),
            r.status,
            r.note,
            r.recorded_by
        ],
    )?;
    Ok(true)
}

/// A citizen's opt-out as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct OptOutRecord {
    /// The citizen's pseudonym.
    pub citizen: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Why, already redacted.
    pub reason: Option<String>,
    /// Who recorded it: an API key's name, or `cli:USER`.
    pub recorded_by: String,
}

fn insert_optout(conn: &Conn, o: &OptOutRecord) -> Result<bool, DbError> {
    let n = conn.execute(
        "INSERT INTO outreach_optouts (citizen, at, reason, recorded_by)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (citizen) DO NOTHING",
        args![o.citizen, timestamp(&o.at), o.reason, o.recorded_by],
    )?;
    Ok(n == 1)
}

impl Store {
    /// Stores scores; returns once committed.
    pub async fn save_flags(&self, flags: Vec<FlagRecord>) -> Result<usize, StoreError> {
        self.exec(move |conn| insert_flags(conn, &flags)).await
    }

    /// [`Self::save_flags`] outside any async runtime.
    pub fn save_flags_blocking(&self, flags: Vec<FlagRecord>) -> Result<usize, StoreError> {
        self.exec_blocking(move |conn| insert_flags(conn, &flags))
    }

    /// Records a review and sets its flag's status; `false` when the flag is unknown.
    pub async fn review_flag(&self, review: ReviewRecord) -> Result<bool, StoreError> {
        self.exec(move |conn| insert_review(conn, &review)).await
    }

    /// [`Self::review_flag`] outside any async runtime.
    pub fn review_flag_blocking(&self, review: ReviewRecord) -> Result<bool, StoreError> {
        self.exec_blocking(move |conn| insert_review(conn, &review))
    }

    /// Records that a citizen opted out; `false` when they already had.
    pub async fn opt_out(&self, optout: OptOutRecord) -> Result<bool, StoreError> {
        self.exec(move |conn| insert_optout(conn, &optout)).await
    }
}

/// The flags a case worker should see, highest score first (see the module docs).
pub fn list_flags(at: impl Into<Location>, q: &FlagQuery) -> Result<Vec<FlagRecord>, StoreError> {
    let conn = open_for_reading(at)?;
    let sql = format!(
        "SELECT {COLUMNS} FROM outreach_flags f
         WHERE f.source = 'run' AND f.flagged = 1 AND f.status = 'open' AND f.score >= ?1
           AND (CAST(?2 AS TEXT) IS NULL OR f.queue = ?2)
           AND f.scored_at = (SELECT max(g.scored_at) FROM outreach_flags g
                              WHERE g.citizen = f.citizen AND g.source = 'run')
           AND NOT EXISTS (SELECT 1 FROM outreach_optouts o WHERE o.citizen = f.citizen)
           AND NOT EXISTS (SELECT 1 FROM outreach_flags d
                           WHERE d.citizen = f.citizen AND d.status <> 'open'
                             AND d.evidence_at >= f.evidence_at)
         ORDER BY f.score DESC, f.flag_id LIMIT ?3"
    );
    let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
    Ok(conn.query_map(&sql, args![q.min_score, q.queue, limit], flag_row)?)
}

/// The flag `id`, if stored.
pub fn get_flag(at: impl Into<Location>, id: Uuid) -> Result<Option<FlagRecord>, StoreError> {
    let conn = open_for_reading(at)?;
    let sql = format!("SELECT {COLUMNS} FROM outreach_flags WHERE flag_id = ?1");
    Ok(conn.query_opt(&sql, args![id.to_string()], flag_row)?)
}

/// Every opted-out citizen's pseudonym.
pub fn opted_out(at: impl Into<Location>) -> Result<HashSet<String>, StoreError> {
    let conn = open_for_reading(at)?;
    let rows = conn.query_map("SELECT citizen FROM outreach_optouts", args![], |r| {
        r.get::<String>(0)
    })?;
    Ok(rows.into_iter().collect())
}

/// Whether `citizen` (a pseudonym) opted out.
pub fn is_opted_out(at: impl Into<Location>, citizen: &str) -> Result<bool, StoreError> {
    let conn = open_for_reading(at)?;
    let found: Option<i64> = conn.query_opt(
        "SELECT 1 FROM outreach_optouts WHERE citizen = ?1",
        args![citizen],
        |r| r.get(0),
    )?;
    Ok(found.is_some())
}

/// The sealed reference kept for `citizen` (a pseudonym), if any (`store.keep_references`).
pub fn citizen_reference(
    at: impl Into<Location>,
    citizen: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    let conn = open_for_reading(at)?;
    Ok(conn.query_opt(
        "SELECT sealed FROM citizen_refs WHERE citizen = ?1",
        args![citizen],
        |r| r.get(0),
    )?)
}

fn group_rows(conn: &Conn, sql: &str) -> Result<Vec<GroupRow>, StoreError> {
    let rows = conn.query_map(sql, args![], |r| {
        let groups: String = r.get(1)?;
        Ok(GroupRow {
            channel: r.get(0)?,
            groups: serde_json::from_str(&groups).unwrap_or_default(),
            flagged: r.get(2)?,
            status: r.get(3)?,
        })
    })?;
    Ok(rows)
}

/// For the fairness report: each citizen's latest run score (opted-out citizens aside), and every
/// reviewed flag. Returns `(scores, reviewed)`.
pub fn report_rows(at: impl Into<Location>) -> Result<(Vec<GroupRow>, Vec<GroupRow>), StoreError> {
    let conn = open_for_reading(at)?;
    let scores = group_rows(
        &conn,
        "SELECT channel, groups, flagged, status FROM outreach_flags f
         WHERE f.source = 'run'
           AND f.scored_at = (SELECT max(g.scored_at) FROM outreach_flags g
                              WHERE g.citizen = f.citizen AND g.source = 'run')
           AND NOT EXISTS (SELECT 1 FROM outreach_optouts o WHERE o.citizen = f.citizen)",
    )?;
    let reviewed = group_rows(
        &conn,
        "SELECT channel, groups, flagged, status FROM outreach_flags WHERE status <> 'open'",
    )?;
    Ok((scores, reviewed))
}
