//! Reading contacts back for the workload series: counts per 15 minutes (UTC), from the events
//! and, when configured, the routing decisions. A read-only connection of its own (WAL: the
//! writer goes on), so it runs beside the service or from the command line.
//!
//! Fifteen-minute UTC buckets serve every interval the forecasts use (15 min to a day) in any
//! zone whose offset is a multiple of 15 minutes, which is every zone in use.

use chrono::{DateTime, NaiveDateTime, Utc};
use rusqlite::params;
use std::path::Path;

use super::StoreError;
use super::schema::open_for_reading;

/// Which contacts to count; `None` filters match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactQuery {
    /// Only this queue's.
    pub queue: Option<String>,
    /// Only this channel's.
    pub channel: Option<String>,
    /// Only this topic's.
    pub topic: Option<String>,
    /// Only this urgency level's.
    pub urgency: Option<String>,
    /// Count routing decisions too (their `created_at`, queue, channel, topic and urgency).
    pub include_decisions: bool,
}

/// `YYYY-MM-DDTHH:` plus the minute floored to a quarter: the bucket of a stored timestamp.
const BUCKET: &str =
    "substr(t, 1, 14) || printf('%02d', (CAST(substr(t, 15, 2) AS INTEGER) / 15) * 15)";

/// Contacts per 15-minute UTC bucket, oldest first; buckets without contacts are left out.
pub fn contact_counts(
    path: &Path,
    q: &ContactQuery,
) -> Result<Vec<(DateTime<Utc>, u64)>, StoreError> {
    let conn = open_for_reading(path)?;
    let filter = "(?1 IS NULL OR queue = ?1) AND (?2 IS NULL OR channel = ?2) \
                  AND (?3 IS NULL OR topic = ?3) AND (?4 IS NULL OR urgency = ?4)";
    let sql = format!(
        "SELECT {BUCKET} AS bucket, count(*) FROM (
             SELECT occurred_at AS t FROM events WHERE {filter}
             UNION ALL
             SELECT created_at AS t FROM decisions WHERE ?5 AND {filter}
         ) GROUP BY bucket ORDER BY bucket"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(
        params![q.queue, q.channel, q.topic, q.urgency, q.include_decisions],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (bucket, n) = row?;
        let at = NaiveDateTime::parse_from_str(&bucket, "%Y-%m-%dT%H:%M")
            .map_err(|e| {
                StoreError::Sqlite(rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                ))
            })?
            .and_utc();
        out.push((at, n.max(0) as u64));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::sample_record;
    use super::super::{EventRecord, Store, StoreConfig};
    use super::*;
    use chrono::TimeZone;

    fn event(id: &str, at: DateTime<Utc>, queue: &str) -> EventRecord {
        EventRecord {
            event_id: id.into(),
            occurred_at: at,
            channel: "phone".into(),
            queue: Some(queue.into()),
            topic: None,
            urgency: None,
            citizen: None,
            handle_seconds: None,
            outcome: None,
            attributes: Default::default(),
            source: "api".into(),
            received_at: at,
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn contacts_are_counted_per_quarter_hour_with_filters_and_decisions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite3");
        let store = Store::open(&StoreConfig::new(&path)).unwrap();
        let t = |h, m, s| Utc.with_ymd_and_hms(2026, 3, 2, h, m, s).unwrap();
        store
            .events(vec![
                event("a", t(9, 0, 0), "tributi"),
                event("b", t(9, 14, 59), "tributi"),
                event("c", t(9, 15, 0), "anagrafe"),
                event("d", t(10, 44, 0), "tributi"),
            ])
            .await
            .unwrap();
        let mut decision = sample_record(1);
        decision.created_at = t(9, 5, 0);
        decision.queue = "tributi".into();
        decision.channel = "phone".into();
        store.record(decision).await.unwrap();
        store.close().await.unwrap();

        let all = contact_counts(&path, &ContactQuery::default()).unwrap();
        assert_eq!(all, [(t(9, 0, 0), 2), (t(9, 15, 0), 1), (t(10, 30, 0), 1)]);
        let with_decisions = ContactQuery {
            include_decisions: true,
            ..Default::default()
        };
        let counted = contact_counts(&path, &with_decisions).unwrap();
        assert_eq!(counted[0], (t(9, 0, 0), 3), "the decision is a contact");
        let tributi = ContactQuery {
            queue: Some("tributi".into()),
            include_decisions: true,
            ..Default::default()
        };
        let counted = contact_counts(&path, &tributi).unwrap();
        assert_eq!(counted, [(t(9, 0, 0), 3), (t(10, 30, 0), 1)]);
    }
}
