//! Contact events: what a contact centre's systems report of each contact (a call answered, an
//! e-mail, a ticket), stored for the workload series and the outreach signals.
//!
//! An event is identified by its sender's `event_id`: storing one that is already there changes
//! nothing and is counted as a duplicate, so a sender can retry a batch whose answer it lost.
//! Citizens appear only as keyed pseudonyms (see [`crate::digest::Pseudonymiser`]); the store
//! never sees an identifier. Routing decisions are contacts too: the series read them from the
//! `decisions` table (when configured) rather than writing every decision twice.

use super::sql::{Conn, DbError, Dialect, Param, Value, args};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::rows::timestamp;

/// One contact event, validated by whoever received it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// The sender's id of the event.
    pub event_id: String,
    /// When the contact happened.
    pub occurred_at: DateTime<Utc>,
    /// The channel's name (`phone`, `email`…).
    pub channel: String,
    /// The queue that handled it, if known.
    pub queue: Option<String>,
    /// Its topic, if known.
    pub topic: Option<String>,
    /// Its urgency level, if known.
    pub urgency: Option<String>,
    /// The citizen's pseudonym, if the sender named the citizen.
    pub citizen: Option<String>,
    /// The citizen's reference as the sender gave it, sealed under the reference key
    /// ([`crate::seal::ReferenceSeal`]); kept once per citizen in `citizen_refs`, never in
    /// `events`. `None` when references are not kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Vec<u8>>,
    /// Time spent handling it.
    pub handle_seconds: Option<f64>,
    /// How it ended (`resolved`, `abandoned`, `transferred`…), as the sender says.
    pub outcome: Option<String>,
    /// Other facts the sender attached.
    pub attributes: BTreeMap<String, String>,
    /// `api` or `import`.
    pub source: String,
    /// When instrada received it.
    pub received_at: DateTime<Utc>,
}

/// What storing a batch of events did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsStored {
    /// Events new to the store, now committed.
    pub stored: u64,
    /// Events whose `event_id` was already stored (left as they were).
    pub duplicates: u64,
}

const INSERT_EVENT: &str = "INSERT INTO events (
        event_id, occurred_at, channel, queue, topic, urgency, citizen, handle_seconds, outcome,
        attributes, source, received_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
    ON CONFLICT (event_id) DO NOTHING";

/// Inserts `events` (inside the writer's transaction), all or none: a savepoint undoes the ones
/// already inserted if one fails. A known `event_id` is a duplicate; of two events with one id in
/// the same batch, the first is stored and the second is a duplicate.
pub(super) fn insert_events(conn: &Conn, events: &[EventRecord]) -> Result<EventsStored, DbError> {
    conn.savepoint("events")?;
    match insert_each(conn, events) {
        Ok(done) => {
            conn.release("events")?;
            Ok(done)
        }
        Err(err) => {
            let _ = conn.rollback_to("events");
            Err(err)
        }
    }
}

fn insert_each(conn: &Conn, events: &[EventRecord]) -> Result<EventsStored, DbError> {
    let done = insert_events_only(conn, events)?;
    insert_references(conn, events)?;
    Ok(done)
}

/// The sealed references of `events`' citizens not yet known (the first one sent is kept).
fn insert_references(conn: &Conn, events: &[EventRecord]) -> Result<(), DbError> {
    let refs: Vec<(&str, &[u8], String)> = events
        .iter()
        .filter_map(|e| {
            Some((
                e.citizen.as_deref()?,
                e.reference.as_deref()?,
                timestamp(&e.received_at),
            ))
        })
        .collect();
    if refs.is_empty() {
        return Ok(());
    }
    if conn.dialect() == Dialect::Postgres {
        let mut columns: [Vec<Value<'_>>; 3] = Default::default();
        for (citizen, sealed, at) in &refs {
            columns[0].push(Value::Text((*citizen).into()));
            columns[1].push(Value::Blob((*sealed).into()));
            columns[2].push(Value::Text(at.as_str().into()));
        }
        let [a, b, c] = columns.map(Value::Array);
        conn.execute(
            "INSERT INTO citizen_refs (citizen, sealed, stored_at)
             SELECT * FROM unnest(?1::text[], ?2::bytea[], ?3::text[])
             ON CONFLICT (citizen) DO NOTHING",
            args![a, b, c],
        )?;
        return Ok(());
    }
    for (citizen, sealed, at) in refs {
        conn.execute(
            "INSERT INTO citizen_refs (citizen, sealed, stored_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (citizen) DO NOTHING",
            args![citizen, sealed, at],
        )?;
    }
    Ok(())
}

fn insert_events_only(conn: &Conn, events: &[EventRecord]) -> Result<EventsStored, DbError> {
    if conn.dialect() == Dialect::Postgres {
        return insert_rows(conn, events);
    }
    let mut done = EventsStored::default();
    for e in events {
        let attributes = (!e.attributes.is_empty())
            .then(|| serde_json::to_string(&e.attributes).unwrap_or_default());
        let changed = conn.execute(
            INSERT_EVENT,
            args![
                e.event_id,
                timestamp(&e.occurred_at),
                e.channel,
                e.queue,
                e.topic,
                e.urgency,
                e.citizen,
                e.handle_seconds,
                e.outcome,
                attributes,
                e.source,
                timestamp(&e.received_at),
            ],
        )?;
        if changed == 1 {
            done.stored += 1;
        } else {
            done.duplicates += 1;
        }
    }
    Ok(done)
}

/// PostgreSQL: the whole batch in one statement of twelve parameters, one array per column,
/// `unnest`ed in the batch's order (one round trip, one prepared statement whatever the batch's
/// size, where a multi-row `VALUES` binds twelve parameters per row). Of two events with one id,
/// `ON CONFLICT DO NOTHING` keeps the first, as the SQLite path does; `RETURNING` counts the new.
const INSERT_UNNEST: &str = "INSERT INTO events (event_id, occurred_at, channel, queue, topic,
         urgency, citizen, handle_seconds, outcome, attributes, source, received_at)
     SELECT event_id, occurred_at, channel, queue, topic, urgency, citizen, handle_seconds,
         outcome, attributes, source, received_at
     FROM unnest(?1::text[], ?2::text[], ?3::text[], ?4::text[], ?5::text[], ?6::text[],
             ?7::text[], ?8::float8[], ?9::text[], ?10::text[], ?11::text[], ?12::text[])
         WITH ORDINALITY AS batch(event_id, occurred_at, channel, queue, topic, urgency, citizen,
             handle_seconds, outcome, attributes, source, received_at, n)
     ORDER BY n
     ON CONFLICT (event_id) DO NOTHING RETURNING 1";

/// Events per `unnest` statement on PostgreSQL: a request's batch in one, an import's 50,000
/// in portions, so the arrays stay small (the import's memory stays flat).
const PG_ROWS: usize = 2_000;

fn insert_rows(conn: &Conn, events: &[EventRecord]) -> Result<EventsStored, DbError> {
    let mut done = EventsStored::default();
    for chunk in events.chunks(PG_ROWS) {
        let stored = insert_unnest(conn, chunk)?;
        done.stored += stored;
        done.duplicates += chunk.len() as u64 - stored;
    }
    Ok(done)
}

/// Inserts `events` with [`INSERT_UNNEST`]; returns how many were new.
fn insert_unnest(conn: &Conn, events: &[EventRecord]) -> Result<u64, DbError> {
    let mut columns: [Vec<Value<'_>>; 12] = Default::default();
    for c in &mut columns {
        c.reserve(events.len());
    }
    for e in events {
        let attributes = (!e.attributes.is_empty())
            .then(|| serde_json::to_string(&e.attributes).unwrap_or_default());
        let row = [
            e.event_id.value(),
            Value::Text(timestamp(&e.occurred_at).into()),
            e.channel.value(),
            e.queue.value(),
            e.topic.value(),
            e.urgency.value(),
            e.citizen.value(),
            e.handle_seconds.value(),
            e.outcome.value(),
            attributes.map_or(Value::Null, |a| Value::Text(a.into())),
            e.source.value(),
            Value::Text(timestamp(&e.received_at).into()),
        ];
        for (column, value) in columns.iter_mut().zip(row) {
            column.push(value);
        }
    }
    let arrays = columns.map(Value::Array);
    let params: Vec<&dyn Param> = arrays.iter().map(|a| a as &dyn Param).collect();
    Ok(conn.query_map(INSERT_UNNEST, &params, |_| Ok(()))?.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{at, on_both};
    use super::super::{Store, StoreConfig};
    use super::*;

    fn event(id: &str, seconds: i64) -> EventRecord {
        EventRecord {
            event_id: id.into(),
            occurred_at: at(seconds),
            channel: "phone".into(),
            queue: Some("tributi".into()),
            topic: None,
            urgency: Some("normal".into()),
            citizen: Some("ab".repeat(32)),
            reference: None,
            handle_seconds: Some(185.5),
            outcome: Some("resolved".into()),
            attributes: BTreeMap::from([("operatore".into(), "17".into())]),
            source: "api".into(),
            received_at: at(seconds + 60),
        }
    }

    fn open(dir: &tempfile::TempDir) -> Store {
        Store::open(&StoreConfig::new(dir.path().join("audit.sqlite3"))).unwrap()
    }

    on_both! {
    async fn a_resent_event_is_a_duplicate_and_stored_events_survive_a_restart(db) {
        let store = Store::open(&StoreConfig::new(&db)).unwrap();
        let first = vec![event("e1", 0), event("e2", 10), event("e1", 20)];
        let done = store.events(first).await.unwrap();
        assert_eq!(
            done,
            EventsStored {
                stored: 2,
                duplicates: 1
            },
            "the second e1 of the batch is a duplicate"
        );
        let again = store
            .events(vec![event("e2", 10), event("e3", 30)])
            .await
            .unwrap();
        assert_eq!(again.stored, 1);
        assert_eq!(again.duplicates, 1);
        store.close().await.unwrap();

        let store = Store::open(&StoreConfig::new(&db)).unwrap();
        assert_eq!(store.counts().await.unwrap().events, 3);
        store.close().await.unwrap();
        let conn = crate::store::schema::open_for_reading(&db).unwrap();
        let (occurred, handle, attributes, citizen): (String, f64, String, String) = conn
            .query_row(
                "SELECT occurred_at, handle_seconds, attributes, citizen FROM events
                 WHERE event_id = 'e1'",
                args![],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(occurred, timestamp(&at(0)), "the first e1 is the one kept");
        assert_eq!(handle, 185.5);
        assert_eq!(attributes, r#"{"operatore":"17"}"#);
        assert_eq!(citizen, "ab".repeat(32));
    }

    // A citizen's sealed reference is kept once (the first sent), read back by pseudonym, and
    // pruned with the last of the citizen's events, not before.
    async fn a_reference_is_kept_once_per_citizen_and_pruned_with_the_last_event(db) {
        use crate::store::outreach::citizen_reference;
        use crate::store::{Kind, PruneOptions};
        let store = Store::open(&StoreConfig::new(&db)).unwrap();
        let with = |id: &str, citizen: &str, seconds: i64, sealed: u8| {
            let mut e = event(id, seconds);
            e.citizen = Some(citizen.into());
            e.reference = Some(vec![sealed; 40]);
            e
        };
        store
            .events(vec![with("e1", "a", 0, 1), with("e2", "a", 100, 2), with("e3", "b", 50, 3)])
            .await
            .unwrap();
        store.events(vec![with("e4", "b", 60, 4)]).await.unwrap();
        let read = |citizen: &'static str| {
            let db = db.clone();
            tokio::task::spawn_blocking(move || citizen_reference(&db, citizen).unwrap())
        };
        assert_eq!(read("a").await.unwrap(), Some(vec![1; 40]));
        assert_eq!(read("b").await.unwrap(), Some(vec![3; 40]), "the first one is kept");
        assert_eq!(read("c").await.unwrap(), None);
        // Before 70 s: e1 (a still has e2), e3 and e4 (b's last ones).
        let opts = PruneOptions { chunk_rows: 1, ..PruneOptions::default() };
        let pruned = store.prune(Kind::Events, at(70), &opts).await.unwrap();
        assert_eq!(pruned.rows, 3);
        assert_eq!(read("a").await.unwrap(), Some(vec![1; 40]));
        assert_eq!(read("b").await.unwrap(), None);
        store.prune(Kind::Events, at(200), &opts).await.unwrap();
        assert_eq!(read("a").await.unwrap(), None);
        store.close().await.unwrap();
    }

    // A batch larger than one PostgreSQL statement's portion: a duplicate across portions is
    // counted once and the first kept; absent fields stay NULL.
    async fn a_large_batch_with_gaps_and_a_duplicate_across_portions(db) {
        let store = Store::open(&StoreConfig::new(&db)).unwrap();
        let batch: Vec<EventRecord> = (0..4_500i64)
            .map(|i| {
                let mut e = event(&format!("b{i}"), i);
                if i == 2_500 {
                    e.event_id = "b10".into();
                }
                if i % 2 == 1 {
                    (e.queue, e.handle_seconds, e.citizen) = (None, None, None);
                    e.attributes.clear();
                }
                e
            })
            .collect();
        let done = store.events(batch).await.unwrap();
        assert_eq!((done.stored, done.duplicates), (4_499, 1));
        store.close().await.unwrap();
        let conn = crate::store::schema::open_for_reading(&db).unwrap();
        let kept: String = conn
            .query_row("SELECT occurred_at FROM events WHERE event_id = 'b10'", args![], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(kept, timestamp(&at(10)));
        let (odd, nulls): (i64, i64) = conn
            .query_row(
                "SELECT count(*), count(*) FILTER (WHERE queue IS NULL AND handle_seconds IS NULL
                     AND citizen IS NULL AND attributes IS NULL)
                 FROM events WHERE event_id IN ('b1', 'b3', 'b4499')",
                args![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((odd, nulls), (3, 3));
        let (queue, handle): (Option<String>, Option<f64>) = conn
            .query_row(
                "SELECT queue, handle_seconds FROM events WHERE event_id = 'b4498'",
                args![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((queue.as_deref(), handle), (Some("tributi"), Some(185.5)));
    }
    }

    #[test]
    fn events_can_be_stored_from_a_thread_outside_any_runtime() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let done = store
            .events_blocking(vec![event("x", 0), event("y", 1)])
            .unwrap();
        assert_eq!(done.stored, 2);
        let done = store.events_blocking(vec![event("x", 0)]).unwrap();
        assert_eq!((done.stored, done.duplicates), (0, 1));
    }
}
