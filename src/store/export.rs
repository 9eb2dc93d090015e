//! Export of handlers' corrections as a training CSV, read straight from the database file.
//!
//! It opens its own read-only connection, so it runs while the server writes (WAL lets readers
//! and the writer proceed together) and sees the state as of one consistent snapshot. The CSV
//! is written beside `out` and renamed into place, so a training job never reads half a file.

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};

use super::location::Location;
use super::sql::{Conn, DbError, args};
use super::{ExportSummary, StoreError, schema};
use crate::label::UNKNOWN;

/// Columns of the CSV, in order.
pub const EXPORT_HEADER: [&str; 9] = [
    "text",
    "topic",
    "urgency",
    "channel",
    "language",
    "decision_id",
    "predicted_topic",
    "predicted_urgency",
    "corrected_at",
];

/// One row per decision that has feedback. For each of topic and urgency, the most recent
/// feedback that gives a (non-blank) value wins; with none, the prediction stands (the handler
/// saw it and did not correct it). `corrected_at` is the latest feedback's time.
const EXPORT_QUERY: &str = "
    WITH latest AS (
        SELECT decision_id, max(received_at) AS corrected_at FROM feedback GROUP BY decision_id
    )
    SELECT d.text, d.topic, d.urgency, d.channel, d.language, d.decision_id,
        (SELECT f.topic FROM feedback f
          WHERE f.decision_id = d.decision_id AND trim(coalesce(f.topic, '')) <> ''
          ORDER BY f.received_at DESC, f.id DESC LIMIT 1),
        (SELECT f.urgency FROM feedback f
          WHERE f.decision_id = d.decision_id AND trim(coalesce(f.urgency, '')) <> ''
          ORDER BY f.received_at DESC, f.id DESC LIMIT 1),
        latest.corrected_at
    FROM latest JOIN decisions d ON d.decision_id = latest.decision_id
    ORDER BY latest.corrected_at, d.decision_id";

/// Writes `out` (see [`EXPORT_HEADER`]) from the feedback in `db`. Rows without stored text and
/// rows whose final topic is `unknown` (any case) are skipped and counted.
pub fn export_feedback(db: impl Into<Location>, out: &Path) -> Result<ExportSummary, StoreError> {
    let conn = schema::open_for_reading(db)?;
    let partial = partial_path(out);
    let file = File::create(&partial).map_err(|source| StoreError::Io {
        path: partial.clone(),
        source,
    })?;
    let result = write_rows(&conn, file, &partial).and_then(|summary| {
        std::fs::rename(&partial, out).map_err(|source| StoreError::Io {
            path: out.to_path_buf(),
            source,
        })?;
        Ok(summary)
    });
    if result.is_err() {
        // Best effort: the error being returned matters more than a leftover partial file.
        let _ = std::fs::remove_file(&partial);
    }
    result
}

fn write_rows(conn: &Conn, file: File, partial: &Path) -> Result<ExportSummary, StoreError> {
    let csv_err = |source| StoreError::Csv {
        path: partial.to_path_buf(),
        source,
    };
    let mut csv = csv::Writer::from_writer(file);
    csv.write_record(EXPORT_HEADER).map_err(csv_err)?;
    let mut summary = ExportSummary::default();
    /// What stopped the export: the database, or the CSV.
    enum Stop {
        Db(DbError),
        Csv(csv::Error),
    }
    impl From<DbError> for Stop {
        fn from(e: DbError) -> Self {
            Stop::Db(e)
        }
    }
    conn.for_each(EXPORT_QUERY, args![], |row| {
        let text: Option<String> = row.get(0)?;
        let predicted_topic: String = row.get(1)?;
        let predicted_urgency: String = row.get(2)?;
        let corrected_topic: Option<String> = row.get(6)?;
        let corrected_urgency: Option<String> = row.get(7)?;
        let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
            summary.skipped_no_text += 1;
            return Ok(true);
        };
        let topic = corrected_topic.unwrap_or_else(|| predicted_topic.clone());
        if topic.trim().eq_ignore_ascii_case(UNKNOWN) {
            summary.skipped_unknown_topic += 1;
            return Ok(true);
        }
        let urgency = corrected_urgency.unwrap_or_else(|| predicted_urgency.clone());
        let channel: String = row.get(3)?;
        let language: String = row.get(4)?;
        let decision_id: String = row.get(5)?;
        let corrected_at: String = row.get(8)?;
        csv.write_record([
            text.as_str(),
            topic.as_str(),
            urgency.as_str(),
            channel.as_str(),
            language.as_str(),
            decision_id.as_str(),
            predicted_topic.as_str(),
            predicted_urgency.as_str(),
            corrected_at.as_str(),
        ])
        .map_err(Stop::Csv)?;
        summary.exported += 1;
        Ok(true)
    })
    .map_err(|stop| match stop {
        Stop::Db(e) => StoreError::Database(e),
        Stop::Csv(e) => csv_err(e),
    })?;
    let io_err = |source| StoreError::Io {
        path: partial.to_path_buf(),
        source,
    };
    let file = csv.into_inner().map_err(|e| io_err(e.into_error()))?;
    file.sync_all().map_err(io_err)?;
    Ok(summary)
}

/// `out` with `.partial` appended to its file name.
fn partial_path(out: &Path) -> PathBuf {
    let mut name = out
        .file_name()
        .map(OsString::from)
        .unwrap_or_else(|| OsString::from("export.csv"));
    name.push(".partial");
    out.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{at, sample_feedback, sample_record};
    use super::super::{Store, StoreConfig};
    use super::*;

    fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
        let mut reader = csv::Reader::from_path(path).unwrap();
        let header = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        (header, rows)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn export_round_trip_while_the_server_writes() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = StoreConfig::new(dir.path().join("audit.sqlite3"));
        let store = Store::open(&cfg).unwrap();

        // a: topic corrected; its text needs CSV quoting.
        let mut a = sample_record(1);
        a.text = Some("Salve, \"TARI\" errata,\nvedi allegato".into());
        // b: only urgency corrected, so the predicted topic stands.
        let b = sample_record(2);
        // c: corrected, but no text was stored.
        let mut c = sample_record(3);
        c.text = None;
        // d: corrected to unknown.
        let d = sample_record(4);
        // e: predicted unknown, confirmed without correction.
        let mut e = sample_record(5);
        e.topic = UNKNOWN.into();
        // f: no feedback at all.
        let f = sample_record(6);
        // g: topic corrected, then a later urgency-only correction: both stick.
        let g = sample_record(7);
        for rec in [&a, &b, &c, &d, &e, &f, &g] {
            store.record(rec.clone()).await.unwrap();
        }
        let feedback = [
            (a.decision_id, Some("tributi"), None, 10),
            (b.decision_id, None, Some("high"), 20),
            (c.decision_id, Some("tributi"), None, 30),
            (d.decision_id, Some("Unknown"), None, 40),
            (e.decision_id, None, None, 50),
            (g.decision_id, Some("servizi-sociali"), None, 60),
            (g.decision_id, Some("   "), Some("low"), 70),
        ];
        for (id, topic, urgency, seconds) in feedback {
            let mut fb = sample_feedback(id, topic, urgency);
            fb.received_at = at(seconds);
            store.feedback(fb).await.unwrap();
        }

        let out = dir.path().join("exports/feedback.csv");
        std::fs::create_dir_all(out.parent().unwrap()).unwrap();
        let summary = export_feedback(&cfg.at, &out).unwrap();
        assert_eq!(
            summary,
            ExportSummary {
                exported: 3,
                skipped_no_text: 1,
                skipped_unknown_topic: 2
            }
        );
        let (header, rows) = read_csv(&out);
        assert_eq!(header, EXPORT_HEADER);
        let row = |rec: &crate::store::DecisionRecord, topic: &str, urgency: &str, at: &str| {
            [
                rec.text.clone().unwrap(),
                topic.into(),
                urgency.into(),
                "email".into(),
                "it".into(),
                rec.decision_id.to_string(),
                "anagrafe".into(),
                "normal".into(),
                at.into(),
            ]
            .to_vec()
        };
        assert_eq!(
            rows,
            vec![
                row(&a, "tributi", "normal", "2025-03-01T08:00:10.123456789Z"),
                row(&b, "anagrafe", "high", "2025-03-01T08:00:20.123456789Z"),
                row(
                    &g,
                    "servizi-sociali",
                    "low",
                    "2025-03-01T08:01:10.123456789Z"
                ),
            ]
        );
        assert!(!dir.path().join("exports/feedback.csv.partial").exists());
        store.close().await.unwrap();

        // After a clean close (WAL folded back into the file) the export still works.
        assert_eq!(export_feedback(&cfg.at, &out).unwrap(), summary);
    }

    #[test]
    fn export_into_a_missing_directory_fails_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("audit.sqlite3");
        drop(super::super::schema::open_for_writing(&db).unwrap());
        let out = dir.path().join("no/such/dir/out.csv");
        let err = export_feedback(&db, &out).unwrap_err();
        assert!(
            matches!(&err, StoreError::Io { path, .. } if path.ends_with("out.csv.partial")),
            "{err:?}"
        );
    }
}
