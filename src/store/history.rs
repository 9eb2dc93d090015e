//! Reading citizens' contact histories back for outreach scoring: every event of one pseudonymous
//! citizen up to a time, or every citizen's, in order (citizen, then `occurred_at`), walking the
//! `events_citizen` index. A read-only connection of its own (WAL: the writer goes on), so it runs
//! beside the service or from the command line, like [`super::ContactCounts`].
//!
//! Events without a citizen are never read here: they are nobody's history.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

use super::StoreError;
use super::location::Location;
use super::rows::{timestamp, timestamp_column};
use super::schema::open_for_reading;
use super::sql::{Conn, DbError, Row, args};

/// One stored contact of a citizen, with what outreach features read of it.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    /// When the contact happened.
    pub occurred_at: DateTime<Utc>,
    /// The channel's name (`phone`, `email`, `web`…).
    pub channel: String,
    /// The queue that handled it, if known.
    pub queue: Option<String>,
    /// Its topic, if known.
    pub topic: Option<String>,
    /// Its urgency level, if known.
    pub urgency: Option<String>,
    /// How it ended (`resolved`, `open`, `reopened`, `escalated`…), as the sender said.
    pub outcome: Option<String>,
    /// Other facts the sender attached.
    pub attributes: BTreeMap<String, String>,
}

/// A read-only connection for histories; cheap queries after one open.
pub struct HistoryReader {
    conn: Conn,
}

const COLUMNS: &str = "citizen, occurred_at, channel, queue, topic, urgency, outcome, attributes";

fn event_row(row: &Row<'_>) -> Result<(String, HistoryEvent), DbError> {
    let occurred_at = timestamp_column(row, 1)?;
    let attributes: Option<String> = row.get(7)?;
    // The writer stores a JSON object of strings; anything else reads as no attributes.
    let attributes = attributes
        .and_then(|a| serde_json::from_str(&a).ok())
        .unwrap_or_default();
    Ok((
        row.get(0)?,
        HistoryEvent {
            occurred_at,
            channel: row.get(2)?,
            queue: row.get(3)?,
            topic: row.get(4)?,
            urgency: row.get(5)?,
            outcome: row.get(6)?,
            attributes,
        },
    ))
}

impl HistoryReader {
    /// Opens the store at `at` for reading (it must exist and be migrated).
    pub fn open(at: impl Into<Location>) -> Result<Self, StoreError> {
        Ok(Self {
            conn: open_for_reading(at)?,
        })
    }

    /// The events of `citizen` (a pseudonym) that occurred at or before `up_to`, oldest first.
    pub fn citizen(
        &self,
        citizen: &str,
        up_to: DateTime<Utc>,
    ) -> Result<Vec<HistoryEvent>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM events WHERE citizen = ?1 AND occurred_at <= ?2
             ORDER BY occurred_at, event_id"
        );
        let rows = self
            .conn
            .query_map(&sql, args![citizen, timestamp(&up_to)], event_row)?;
        Ok(rows.into_iter().map(|(_, e)| e).collect())
    }

    /// When the latest event with a citizen occurred; `None` in a store without any.
    pub fn latest(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let text: Option<String> = self.conn.query_row(
            "SELECT max(occurred_at) FROM events WHERE citizen IS NOT NULL",
            args![],
            |r| r.get(0),
        )?;
        Ok(text
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc)))
    }

    /// Calls `each(citizen, events)` for every citizen with an event at or before `up_to`, in
    /// pseudonym order, with that citizen's events oldest first; stops at `each`'s first error.
    /// Holds one citizen's events at a time.
    pub fn each_citizen<E: From<StoreError> + Send>(
        &self,
        up_to: DateTime<Utc>,
        mut each: impl FnMut(&str, Vec<HistoryEvent>) -> Result<(), E> + Send,
    ) -> Result<(), E> {
        let sql = format!(
            "SELECT {COLUMNS} FROM events WHERE citizen IS NOT NULL AND occurred_at <= ?1
             ORDER BY citizen, occurred_at, event_id"
        );
        /// What stopped the walk: the database, or `each`.
        enum Stop<E> {
            Db(DbError),
            Each(E),
        }
        impl<E> From<DbError> for Stop<E> {
            fn from(e: DbError) -> Self {
                Stop::Db(e)
            }
        }
        let mut current: Option<String> = None;
        let mut events = Vec::new();
        self.conn
            .for_each(&sql, args![timestamp(&up_to)], |row| {
                let (citizen, event) = event_row(row)?;
                if current.as_deref() != Some(citizen.as_str()) {
                    if let Some(done) = current.take() {
                        each(&done, std::mem::take(&mut events)).map_err(Stop::Each)?;
                    }
                    current = Some(citizen);
                }
                events.push(event);
                Ok(true)
            })
            .map_err(|stop| match stop {
                Stop::Db(e) => E::from(StoreError::from(e)),
                Stop::Each(e) => e,
            })?;
        if let Some(done) = current {
            each(&done, events)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{at, on_both};
    use super::super::{EventRecord, Store, StoreConfig};
    use super::*;

    fn event(id: &str, citizen: Option<&str>, seconds: i64) -> EventRecord {
        EventRecord {
            event_id: id.into(),
            occurred_at: at(seconds),
            channel: "web".into(),
            queue: None,
            topic: Some("tari".into()),
            urgency: None,
            citizen: citizen.map(str::to_string),
            reference: None,
            handle_seconds: None,
            outcome: Some("open".into()),
            attributes: BTreeMap::from([("deadline".into(), "2026-04-30".into())]),
            source: "api".into(),
            received_at: at(seconds),
        }
    }

    on_both! {
    async fn histories_come_back_per_citizen_in_time_order_up_to_a_time(loc) {
        let store = Store::open(&StoreConfig::new(&loc)).unwrap();
        store
            .events(vec![
                event("1", Some("bb"), 30),
                event("2", Some("aa"), 20),
                event("3", Some("bb"), 10),
                event("4", None, 5),
                event("5", Some("aa"), 100),
            ])
            .await
            .unwrap();
        let at2 = loc.clone();
        tokio::task::spawn_blocking(move || {
            let reader = HistoryReader::open(at2).unwrap();
            let bb = reader.citizen("bb", at(30)).unwrap();
            assert_eq!(
                bb.iter().map(|e| e.occurred_at).collect::<Vec<_>>(),
                [at(10), at(30)]
            );
            assert_eq!(bb[0].attributes["deadline"], "2026-04-30");
            assert_eq!(reader.citizen("aa", at(99)).unwrap().len(), 1);
            let mut seen = Vec::new();
            reader
                .each_citizen(at(50), |c, events| {
                    seen.push((c.to_string(), events.len()));
                    Ok::<_, StoreError>(())
                })
                .unwrap();
            assert_eq!(seen, [("aa".to_string(), 1), ("bb".to_string(), 2)]);
            assert_eq!(reader.latest().unwrap(), Some(at(100)));
        })
        .await
        .unwrap();
        store.close().await.unwrap();
    }

    // More events than one portion of PostgreSQL's cursor: every citizen and event comes
    // back once, in order, and stopping early stops.
    async fn a_walk_longer_than_one_cursor_portion_sees_every_event_once(loc) {
        let store = Store::open(&StoreConfig::new(&loc)).unwrap();
        let n = 25_000u32; // 2.5 portions of 10,000 rows
        for chunk in (0..n).collect::<Vec<_>>().chunks(5_000) {
            let batch = chunk
                .iter()
                .map(|i| event(&i.to_string(), Some(&format!("c{:05}", i % 7_000)), i64::from(*i)))
                .collect();
            store.events(batch).await.unwrap();
        }
        let at2 = loc.clone();
        tokio::task::spawn_blocking(move || {
            let reader = HistoryReader::open(at2).unwrap();
            let (mut citizens, mut events, mut last) = (0u32, 0u32, String::new());
            reader
                .each_citizen(at(i64::from(n)), |c, evs| {
                    assert!(c > last.as_str(), "{c} after {last}");
                    assert!(evs.windows(2).all(|w| w[0].occurred_at < w[1].occurred_at));
                    last = c.to_string();
                    citizens += 1;
                    events += evs.len() as u32;
                    Ok::<_, StoreError>(())
                })
                .unwrap();
            assert_eq!((citizens, events), (7_000, n));
            let mut calls = 0;
            let stop = reader.each_citizen(at(i64::from(n)), |_, _| {
                calls += 1;
                if calls == 3 {
                    Err(StoreError::Closed)
                } else {
                    Ok(())
                }
            });
            assert!(matches!(stop, Err(StoreError::Closed)));
            assert_eq!(calls, 3);
        })
        .await
        .unwrap();
        store.close().await.unwrap();
    }
    }
}
