//! Reading contacts back for the workload series: counts per 15 minutes (UTC), from the events
//! and, when configured, the routing decisions. A read-only connection of its own (WAL: the
//! writer goes on), so it runs beside the service or from the command line.
//!
//! A refit needs every series' counts at once, so [`ContactCounts::read`] makes one grouped scan
//! (bucket × queue × channel × topic × urgency) over one connection, and
//! [`ContactCounts::series`] sums the groups a series' [`ContactFilter`] matches, in Rust: one
//! scan of the store whatever the number of series.
//!
//! Fifteen-minute UTC buckets serve every interval the forecasts use (15 min to a day) in any
//! zone whose offset is a multiple of 15 minutes, which is every zone in use.

use super::StoreError;
use super::location::Location;
use super::schema::open_for_reading;
use super::sql::{DbError, args};
use chrono::{DateTime, NaiveDateTime, Utc};

/// Which contacts a series counts; `None` matches every value (and a missing one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactFilter {
    /// Only this queue's.
    pub queue: Option<String>,
    /// Only this channel's.
    pub channel: Option<String>,
    /// Only this topic's.
    pub topic: Option<String>,
    /// Only this urgency level's.
    pub urgency: Option<String>,
}

/// The values a group of contacts shares (events may lack a queue, a topic, an urgency).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    queue: Option<String>,
    channel: Option<String>,
    topic: Option<String>,
    urgency: Option<String>,
}

impl ContactFilter {
    fn matches(&self, key: &Key) -> bool {
        let one = |want: &Option<String>, have: &Option<String>| {
            want.as_ref().is_none_or(|w| have.as_ref() == Some(w))
        };
        one(&self.queue, &key.queue)
            && one(&self.channel, &key.channel)
            && one(&self.topic, &key.topic)
            && one(&self.urgency, &key.urgency)
    }
}

/// Every contact of the store per 15-minute UTC bucket and group, from one scan.
#[derive(Debug, Clone, Default)]
pub struct ContactCounts {
    /// (bucket, group, contacts), by bucket, oldest first.
    groups: Vec<(DateTime<Utc>, Key, u64)>,
}

/// `YYYY-MM-DDTHH:` plus the minute floored to a quarter: the bucket of a stored timestamp (in
/// SQL both SQLite and PostgreSQL speak).
const BUCKET: &str = "substr(t, 1, 14) || CASE WHEN substr(t, 15, 2) < '15' THEN '00'
        WHEN substr(t, 15, 2) < '30' THEN '15' WHEN substr(t, 15, 2) < '45' THEN '30'
        ELSE '45' END";

impl ContactCounts {
    /// Reads the store at `path`: its events, and its routing decisions too with
    /// `include_decisions` (their `created_at`, queue, channel, topic and urgency).
    pub fn read(at: impl Into<Location>, include_decisions: bool) -> Result<Self, StoreError> {
        let conn = open_for_reading(at)?;
        let sql = format!(
            "SELECT {BUCKET} AS bucket, queue, channel, topic, urgency, count(*) FROM (
                 SELECT occurred_at AS t, queue, channel, topic, urgency FROM events
                 UNION ALL
                 SELECT created_at AS t, queue, channel, topic, urgency FROM decisions WHERE ?1
             ) c GROUP BY bucket, queue, channel, topic, urgency ORDER BY bucket"
        );
        let rows = conn.query_map(&sql, args![include_decisions], |r| {
            Ok((
                r.get::<String>(0)?,
                Key {
                    queue: r.get(1)?,
                    channel: r.get(2)?,
                    topic: r.get(3)?,
                    urgency: r.get(4)?,
                },
                r.get::<i64>(5)?,
            ))
        })?;
        let mut groups = Vec::new();
        for (bucket, key, n) in rows {
            groups.push((bucket_time(&bucket)?, key, n.max(0) as u64));
        }
        Ok(Self { groups })
    }

    /// The contacts `filter` matches per bucket, oldest first; buckets without any are left out.
    pub fn series(&self, filter: &ContactFilter) -> Vec<(DateTime<Utc>, u64)> {
        let mut out: Vec<(DateTime<Utc>, u64)> = Vec::new();
        for (at, key, n) in &self.groups {
            if !filter.matches(key) {
                continue;
            }
            match out.last_mut() {
                Some((last, total)) if last == at => *total += n,
                _ => out.push((*at, *n)),
            }
        }
        out
    }
}

fn bucket_time(bucket: &str) -> Result<DateTime<Utc>, StoreError> {
    NaiveDateTime::parse_from_str(bucket, "%Y-%m-%dT%H:%M")
        .map(|t| t.and_utc())
        .map_err(|e| StoreError::Database(DbError::convert(0, e)))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::sample_record;
    use super::super::{EventRecord, Store, StoreConfig};
    use super::*;
    use chrono::TimeZone;

    fn event(id: &str, at: DateTime<Utc>, queue: Option<&str>, channel: &str) -> EventRecord {
        EventRecord {
            event_id: id.into(),
            occurred_at: at,
            channel: channel.into(),
            queue: queue.map(Into::into),
            topic: None,
            urgency: None,
            citizen: None,
            reference: None,
            handle_seconds: None,
            outcome: None,
            attributes: Default::default(),
            source: "api".into(),
            received_at: at,
        }
    }

    fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, s).unwrap()
    }

    /// Four events and one decision on 2 March 2026, between 09:00 and 10:44.
    async fn small_store(path: &std::path::Path) {
        let store = Store::open(&StoreConfig::new(path)).unwrap();
        store
            .events(vec![
                event("a", t(9, 0, 0), Some("tributi"), "phone"),
                event("b", t(9, 14, 59), Some("tributi"), "phone"),
                event("c", t(9, 15, 0), Some("anagrafe"), "phone"),
                event("d", t(10, 44, 0), Some("tributi"), "phone"),
            ])
            .await
            .unwrap();
        let mut decision = sample_record(1);
        decision.created_at = t(9, 5, 0);
        decision.queue = "tributi".into();
        decision.channel = "phone".into();
        store.record(decision).await.unwrap();
        store.close().await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn contacts_are_counted_per_quarter_hour_with_filters_and_decisions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite3");
        small_store(&path).await;

        let events = ContactCounts::read(&path, false).unwrap();
        let all = events.series(&ContactFilter::default());
        assert_eq!(all, [(t(9, 0, 0), 2), (t(9, 15, 0), 1), (t(10, 30, 0), 1)]);
        let counted = ContactCounts::read(&path, true).unwrap();
        let every = counted.series(&ContactFilter::default());
        assert_eq!(every[0], (t(9, 0, 0), 3), "the decision is a contact");
        let tributi = ContactFilter {
            queue: Some("tributi".into()),
            ..Default::default()
        };
        assert_eq!(
            counted.series(&tributi),
            [(t(9, 0, 0), 3), (t(10, 30, 0), 1)]
        );
    }

    /// The query each series made before the grouped one (one scan per series): the reference
    /// the grouped counts must equal.
    fn one_series_query(
        path: &std::path::Path,
        f: &ContactFilter,
        include_decisions: bool,
    ) -> Vec<(String, i64)> {
        let conn = rusqlite::Connection::open(path).unwrap();
        let filter = "(?1 IS NULL OR queue = ?1) AND (?2 IS NULL OR channel = ?2) \
                      AND (?3 IS NULL OR topic = ?3) AND (?4 IS NULL OR urgency = ?4)";
        let sql = format!(
            "SELECT {BUCKET} AS bucket, count(*) FROM (
                 SELECT occurred_at AS t FROM events WHERE {filter}
                 UNION ALL
                 SELECT created_at AS t FROM decisions WHERE ?5 AND {filter}
             ) c GROUP BY bucket ORDER BY bucket"
        );
        let mut stmt = conn.prepare(&sql).unwrap();
        stmt.query_map(
            rusqlite::params![f.queue, f.channel, f.topic, f.urgency, include_decisions],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_grouped_scan_gives_every_series_what_its_own_query_gave() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite3");
        let store = Store::open(&StoreConfig::new(&path)).unwrap();
        // Events with and without a queue, topic and urgency, on two channels, over a day; and
        // decisions on the same queues and channels.
        let mut events = Vec::new();
        for i in 0..120u32 {
            let mut e = event(
                &format!("e{i}"),
                t(0, 0, 0) + chrono::TimeDelta::minutes(i64::from(i * 11)),
                [Some("tributi"), Some("anagrafe"), None][i as usize % 3],
                ["phone", "email"][i as usize % 2],
            );
            e.topic = [Some("tari"), None, Some("imu"), None][i as usize % 4].map(Into::into);
            e.urgency = (i % 5 == 0).then(|| "high".into());
            events.push(e);
        }
        store.events(events).await.unwrap();
        for i in 0..40u64 {
            let mut d = sample_record(i);
            d.created_at = t(0, 0, 0) + chrono::TimeDelta::minutes(i as i64 * 29);
            d.queue = ["tributi", "anagrafe"][i as usize % 2].into();
            d.channel = ["phone", "web"][i as usize % 2].into();
            d.topic = ["tari", "imu", "cie"][i as usize % 3].into();
            d.urgency = ["normal", "high"][i as usize % 2].into();
            store.record(d).await.unwrap();
        }
        store.close().await.unwrap();

        let some = |s: &str| Some(s.to_string());
        let filters = [
            ContactFilter::default(),
            ContactFilter {
                queue: some("tributi"),
                ..Default::default()
            },
            ContactFilter {
                queue: some("anagrafe"),
                channel: some("phone"),
                ..Default::default()
            },
            ContactFilter {
                channel: some("web"),
                ..Default::default()
            },
            ContactFilter {
                topic: some("tari"),
                urgency: some("high"),
                ..Default::default()
            },
            ContactFilter {
                queue: some("nobody"),
                ..Default::default()
            },
        ];
        for include_decisions in [false, true] {
            let counts = ContactCounts::read(&path, include_decisions).unwrap();
            for f in &filters {
                let want = one_series_query(&path, f, include_decisions);
                let got: Vec<(String, i64)> = counts
                    .series(f)
                    .into_iter()
                    .map(|(at, n)| (at.format("%Y-%m-%dT%H:%M").to_string(), n as i64))
                    .collect();
                assert_eq!(got, want, "{f:?}, decisions {include_decisions}");
            }
        }
        let all = ContactCounts::read(&path, true).unwrap();
        let total: u64 = all
            .series(&ContactFilter::default())
            .iter()
            .map(|c| c.1)
            .sum();
        assert_eq!(total, 160, "every event and decision once");
    }
}
