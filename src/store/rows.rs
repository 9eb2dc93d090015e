//! SQL for single rows: how a [`DecisionRecord`] and a [`FeedbackRecord`] map to columns and
//! back. Used by the writer thread inside its transactions.
//!
//! UUIDs are stored hyphenated and timestamps as fixed-width RFC 3339 UTC text with nanoseconds,
//! so the file is readable with any SQLite tool and text order is time order.

use chrono::{DateTime, SecondsFormat, Utc};
use uuid::Uuid;

use super::sql::{Conn, DbError, Row, Value, args};

use super::compact::{compact, restore};
use super::{DecisionRecord, FeedbackRecord, StoreCounts, StoredDecision};

const INSERT_DECISION: &str = "INSERT INTO decisions (
        decision_id, created_at, request_id, channel, language, text_sha256, text,
        topic, topic_confidence, urgency, urgency_confidence, urgency_signals,
        queue, priority, needs_human_review, review_reason, topic_model, urgency_model,
        timing_us, decision_json, json_form)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
        ?21)";

const SELECT_DECISION: &str = "SELECT
        decision_id, created_at, request_id, channel, language, text_sha256, text,
        topic, topic_confidence, urgency, urgency_confidence, urgency_signals,
        queue, priority, needs_human_review, review_reason, topic_model, urgency_model,
        timing_us, decision_json, json_form
    FROM decisions WHERE decision_id = ?1";

/// The columns [`decision_from_row`] reads, in its order (for other selections of decisions).
pub(super) const DECISION_COLUMNS: &str = "decision_id, created_at, request_id, channel, language,
        text_sha256, text, topic, topic_confidence, urgency, urgency_confidence, urgency_signals,
        queue, priority, needs_human_review, review_reason, topic_model, urgency_model,
        timing_us, decision_json, json_form";

const INSERT_FEEDBACK: &str = "INSERT INTO feedback
        (decision_id, received_at, topic, urgency, queue, note, recorded_by)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

const SELECT_FEEDBACK: &str = "SELECT decision_id, received_at, topic, urgency, queue, note,
        recorded_by
    FROM feedback WHERE decision_id = ?1 ORDER BY received_at, id";

/// The text form of a timestamp in the database.
pub(super) fn timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// Reads a timestamp column written by [`timestamp`].
pub(super) fn timestamp_column(row: &Row<'_>, idx: usize) -> Result<DateTime<Utc>, DbError> {
    let text: String = row.get(idx)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| DbError::convert(idx, e))
}

pub(super) fn uuid_column(row: &Row<'_>, idx: usize) -> Result<Uuid, DbError> {
    let text: String = row.get(idx)?;
    Uuid::parse_str(&text).map_err(|e| DbError::convert(idx, e))
}

/// SQLite turns NaN into NULL; keep it explicit both ways.
fn confidence_param(c: f32) -> Option<f32> {
    (!c.is_nan()).then_some(c)
}

fn confidence_column(row: &Row<'_>, idx: usize) -> Result<f32, DbError> {
    Ok(row.get::<Option<f32>>(idx)?.unwrap_or(f32::NAN))
}

/// Inserts one decision. A duplicate `decision_id` fails with a constraint violation, which
/// aborts this statement only, not the surrounding transaction.
pub(super) fn insert_decision(conn: &Conn, rec: &DecisionRecord) -> Result<(), DbError> {
    let signals = serde_json::to_string(&rec.urgency_signals).map_err(|e| DbError::Convert {
        column: None,
        message: e.to_string(),
    })?;
    let timing_us = i64::try_from(rec.timing_us).unwrap_or(i64::MAX);
    let (json, form) = compact(rec);
    conn.execute(
        INSERT_DECISION,
        args![
            rec.decision_id.hyphenated().to_string(),
            timestamp(&rec.created_at),
            rec.request_id,
            rec.channel,
            rec.language,
            sha256_param(conn, &rec.text_sha256),
            rec.text,
            rec.topic,
            confidence_param(rec.topic_confidence),
            rec.urgency,
            confidence_param(rec.urgency_confidence),
            signals,
            rec.queue,
            rec.priority,
            rec.needs_human_review,
            rec.review_reason,
            rec.topic_model,
            rec.urgency_model,
            timing_us,
            json,
            form,
        ],
    )?;
    Ok(())
}

/// Inserts `records` (inside the writer's transaction), all or none: a savepoint undoes the ones
/// already inserted when one fails. Returns how many were stored.
pub(super) fn insert_decisions(conn: &Conn, records: &[DecisionRecord]) -> Result<u64, DbError> {
    conn.savepoint("decisions")?;
    match records.iter().try_for_each(|r| insert_decision(conn, r)) {
        Ok(()) => {
            conn.release("decisions")?;
            Ok(records.len() as u64)
        }
        Err(err) => {
            // When even this fails the transaction is gone, and the error says so to `contain`.
            let _ = conn.rollback_to("decisions");
            Err(err)
        }
    }
}

pub(super) fn decision_exists(conn: &Conn, decision_id: Uuid) -> Result<bool, DbError> {
    conn.query_opt(
        "SELECT 1 FROM decisions WHERE decision_id = ?1",
        args![decision_id.hyphenated().to_string()],
        |_| Ok(()),
    )
    .map(|found| found.is_some())
}

pub(super) fn insert_feedback(conn: &Conn, fb: &FeedbackRecord) -> Result<(), DbError> {
    conn.execute(
        INSERT_FEEDBACK,
        args![
            fb.decision_id.hyphenated().to_string(),
            timestamp(&fb.received_at),
            fb.topic,
            fb.urgency,
            fb.queue,
            fb.note,
            fb.recorded_by,
        ],
    )?;
    Ok(())
}

/// A SHA-256 in 64 hex digits is stored as its 32 bytes; anything else as the text it is (on
/// PostgreSQL, whose column is `bytea`, as the text's bytes).
pub(super) fn sha256_param(conn: &Conn, hex_digits: &str) -> Value<'static> {
    match hex::decode(hex_digits) {
        Ok(bytes) if bytes.len() == 32 => Value::Blob(bytes.into()),
        _ if conn.dialect() == super::sql::Dialect::Postgres => {
            Value::Blob(hex_digits.as_bytes().to_vec().into())
        }
        _ => Value::Text(hex_digits.to_string().into()),
    }
}

/// Reads a column written by [`sha256_param`] back as lowercase hex.
fn sha256_column(row: &Row<'_>, idx: usize) -> Result<String, DbError> {
    Ok(match row.get::<Value<'static>>(idx)? {
        Value::Blob(b) if b.len() == 32 => hex::encode(b),
        Value::Blob(b) => String::from_utf8_lossy(&b).into_owned(),
        Value::Text(t) => t.into_owned(),
        _ => String::new(),
    })
}

/// A decision from a row of [`DECISION_COLUMNS`], its JSON as recorded.
pub(super) fn decision_from_row(row: &Row<'_>) -> Result<DecisionRecord, DbError> {
    let signals_text: String = row.get(11)?;
    let urgency_signals: Vec<String> =
        serde_json::from_str(&signals_text).map_err(|e| DbError::convert(11, e))?;
    let mut rec = DecisionRecord {
        decision_id: uuid_column(row, 0)?,
        created_at: timestamp_column(row, 1)?,
        request_id: row.get(2)?,
        channel: row.get(3)?,
        language: row.get(4)?,
        text_sha256: sha256_column(row, 5)?,
        text: row.get(6)?,
        topic: row.get(7)?,
        topic_confidence: confidence_column(row, 8)?,
        urgency: row.get(9)?,
        urgency_confidence: confidence_column(row, 10)?,
        urgency_signals,
        queue: row.get(12)?,
        priority: row.get(13)?,
        needs_human_review: row.get(14)?,
        review_reason: row.get(15)?,
        topic_model: row.get(16)?,
        urgency_model: row.get(17)?,
        timing_us: u64::try_from(row.get::<i64>(18)?).unwrap_or(0),
        decision_json: String::new(),
    };
    rec.decision_json = restore(row.get(19)?, row.get(20)?, &rec);
    Ok(rec)
}

fn feedback_from_row(row: &Row<'_>) -> Result<FeedbackRecord, DbError> {
    Ok(FeedbackRecord {
        decision_id: uuid_column(row, 0)?,
        received_at: timestamp_column(row, 1)?,
        topic: row.get(2)?,
        urgency: row.get(3)?,
        queue: row.get(4)?,
        note: row.get(5)?,
        recorded_by: row.get(6)?,
    })
}

/// A decision and all its feedback, oldest first.
pub(super) fn load_decision(
    conn: &Conn,
    decision_id: Uuid,
) -> Result<Option<StoredDecision>, DbError> {
    let key = decision_id.hyphenated().to_string();
    let Some(record) = conn.query_opt(SELECT_DECISION, args![key], decision_from_row)? else {
        return Ok(None);
    };
    let feedback = conn.query_map(SELECT_FEEDBACK, args![key], feedback_from_row)?;
    Ok(Some(StoredDecision { record, feedback }))
}

pub(super) fn counts(conn: &Conn) -> Result<StoreCounts, DbError> {
    let count = |sql: &str| -> Result<u64, DbError> {
        let n: i64 = conn.query_row(sql, args![], |row| row.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    };
    Ok(StoreCounts {
        decisions: count("SELECT count(*) FROM decisions")?,
        feedback: count("SELECT count(*) FROM feedback")?,
        events: count("SELECT count(*) FROM events")?,
    })
}

/// Test hook: inserts a decision as version 5 of the schema did (its whole JSON, the SHA-256 as
/// hex), for the test of migration 6.
#[cfg(test)]
pub(super) fn insert_v5(
    conn: &rusqlite::Connection,
    rec: &DecisionRecord,
) -> rusqlite::Result<usize> {
    conn.execute(
        "INSERT INTO decisions (decision_id, created_at, request_id, channel, language,
                text_sha256, text, topic, topic_confidence, urgency, urgency_confidence,
                urgency_signals, queue, priority, needs_human_review, review_reason, topic_model,
                urgency_model, timing_us, decision_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                ?18, ?19, ?20)",
        rusqlite::params![
            rec.decision_id.hyphenated().to_string(),
            timestamp(&rec.created_at),
            rec.request_id,
            rec.channel,
            rec.language,
            rec.text_sha256,
            rec.text,
            rec.topic,
            confidence_param(rec.topic_confidence),
            rec.urgency,
            confidence_param(rec.urgency_confidence),
            serde_json::to_string(&rec.urgency_signals).unwrap_or_default(),
            rec.queue,
            rec.priority,
            rec.needs_human_review,
            rec.review_reason,
            rec.topic_model,
            rec.urgency_model,
            i64::try_from(rec.timing_us).unwrap_or(i64::MAX),
            rec.decision_json,
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::super::schema::open_for_writing;
    use super::super::test_support::{sample_feedback, sample_record};
    use super::*;

    #[test]
    fn decision_round_trips_through_its_row() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_for_writing(dir.path().join("a.sqlite3")).unwrap();
        let mut rec = sample_record(1);
        rec.topic_confidence = f32::NAN;
        rec.timing_us = u64::MAX;
        insert_decision(&conn, &rec).unwrap();
        let fb = sample_feedback(rec.decision_id, Some("tributi"), None);
        insert_feedback(&conn, &fb).unwrap();

        let stored = load_decision(&conn, rec.decision_id).unwrap().unwrap();
        assert!(stored.record.topic_confidence.is_nan());
        assert_eq!(stored.record.timing_us, i64::MAX as u64);
        let mut expected = rec.clone();
        expected.topic_confidence = stored.record.topic_confidence;
        expected.timing_us = stored.record.timing_us;
        assert_eq!(
            format!("{:?}", stored.record),
            format!("{expected:?}"),
            "every field must survive the round trip"
        );
        assert_eq!(stored.feedback, vec![fb]);
        assert_eq!(
            counts(&conn).unwrap(),
            StoreCounts {
                decisions: 1,
                feedback: 1,
                events: 0
            }
        );
        assert!(load_decision(&conn, Uuid::now_v7()).unwrap().is_none());
    }

    #[test]
    fn a_routed_decision_is_stored_compact_and_read_back_as_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_for_writing(dir.path().join("a.sqlite3")).unwrap();
        let rec = super::super::test_support::consistent(2);
        insert_decision(&conn, &rec).unwrap();
        let (form, stored): (i64, String) = conn
            .query_row(
                "SELECT json_form, decision_json FROM decisions",
                args![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(form, 1);
        assert!(!stored.contains(&rec.topic_model), "{stored}");
        let back = load_decision(&conn, rec.decision_id)
            .unwrap()
            .unwrap()
            .record;
        let value = |j: &str| serde_json::from_str::<serde_json::Value>(j).unwrap();
        assert_eq!(value(&back.decision_json), value(&rec.decision_json));
        assert_eq!(back.text_sha256, rec.text_sha256);
    }

    #[test]
    fn duplicate_decision_fails_the_statement_not_the_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_for_writing(dir.path().join("a.sqlite3")).unwrap();
        let rec = sample_record(1);
        conn.begin().unwrap();
        insert_decision(&conn, &rec).unwrap();
        let err = insert_decision(&conn, &rec).unwrap_err();
        assert!(err.statement_level(), "{err}");
        assert!(!conn.is_autocommit(), "the transaction is still open");
        insert_decision(&conn, &sample_record(2)).unwrap();
        conn.commit().unwrap();
        assert_eq!(counts(&conn).unwrap().decisions, 2);
    }

    #[test]
    fn timestamps_sort_as_text() {
        let early = DateTime::parse_from_rfc3339("2025-03-01T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let later = early + chrono::Duration::nanoseconds(1_500);
        assert!(timestamp(&early) < timestamp(&later));
        assert_eq!(timestamp(&early).len(), timestamp(&later).len());
    }
}
