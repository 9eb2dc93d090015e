//! `instrada store copy --from … --to …`: an installation's whole store moved to another database
//! (SQLite to PostgreSQL when it grows to several replicas, or back), verified.
//!
//! The destination is brought to this build's schema and must hold no rows; the source must be
//! at this build's schema too (`instrada store migrate` it first). Every table is copied in
//! primary-key order, a page of [`PAGE`] rows at a time (keyset pagination: memory stays flat
//! however large the table), each page in one transaction, ids included; PostgreSQL's identity
//! sequences are then moved past the copied ids. Each table is then read back from the
//! destination and compared with what was read from the source: the number of rows and a
//! checksum, the wrapping sum of every row's SHA-256 (its values, type-tagged), which does not
//! depend on the order rows come back in (the two databases may collate text differently). Stop
//! the service first: rows written to the source during the copy may be missed, and would show
//! as a difference.
//!
//! Generic over the tables (their columns are read from the source's catalogue), hand-written:
//! no crate copies between SQLite and PostgreSQL through our value mapping.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::StoreError;
use super::location::Location;
use super::schema::{open_for_reading, open_for_writing};
use super::sql::{Conn, DbError, Dialect, Row, args};
use super::value::{Param, Value};

/// Rows per page (and per transaction on the destination).
pub const PAGE: usize = 2_000;

/// Every table, parents before children, with its primary key.
const TABLES: &[(&str, &[&str])] = &[
    ("decisions", &["decision_id"]),
    ("feedback", &["id"]),
    ("events", &["event_id"]),
    ("forecast_runs", &["fitted_at"]),
    ("outreach_flags", &["flag_id"]),
    ("outreach_reviews", &["id"]),
    ("outreach_optouts", &["citizen"]),
    ("api_keys", &["name"]),
    ("access_log", &["id"]),
    ("job_runs", &["job", "due"]),
    ("model_changes", &["id"]),
    ("citizen_refs", &["citizen"]),
];

/// Tables whose `id` PostgreSQL generates (an identity column).
const IDENTITIES: &[&str] = &[
    "feedback",
    "outreach_reviews",
    "access_log",
    "model_changes",
];

/// One table's copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableCopied {
    /// The table.
    pub table: String,
    /// Rows read from the source.
    pub rows: u64,
    /// Rows read back from the destination.
    pub rows_copied: u64,
    /// The source's checksum (hex).
    pub checksum: String,
    /// The destination's, read back (hex).
    pub checksum_copied: String,
}

impl TableCopied {
    /// Whether the destination holds exactly what the source did.
    pub fn verified(&self) -> bool {
        self.rows == self.rows_copied && self.checksum == self.checksum_copied
    }
}

/// What a copy did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Copied {
    /// The source, without a password.
    pub from: String,
    /// The destination, without a password.
    pub to: String,
    /// One entry per table, in the order copied.
    pub tables: Vec<TableCopied>,
    /// How long it took, in seconds.
    pub seconds: f64,
}

impl Copied {
    /// Whether every table verified.
    pub fn verified(&self) -> bool {
        self.tables.iter().all(TableCopied::verified)
    }
}

/// Why a copy did not start.
fn refused(at: &Location, why: String) -> StoreError {
    StoreError::CopyRefused {
        at: at.to_string(),
        why,
    }
}

/// Copies every row of `from` into `to` (empty; migrated here) and verifies them.
pub fn copy(from: &Location, to: &Location) -> Result<Copied, StoreError> {
    let started = Instant::now();
    if from == to {
        return Err(refused(
            to,
            "the source and the destination are the same database".into(),
        ));
    }
    let source = open_for_reading(from)?;
    let dest = open_for_writing(to)?;
    for (table, _) in TABLES {
        let rows: i64 = dest.query_row(&format!("SELECT count(*) FROM {table}"), args![], |r| {
            r.get(0)
        })?;
        if rows > 0 {
            return Err(refused(
                to,
                format!(
                    "the destination is not empty ({table}: {rows} rows); copy into an empty database"
                ),
            ));
        }
    }
    let mut tables = Vec::with_capacity(TABLES.len());
    for (table, key) in TABLES {
        let columns = columns(&source, table)?;
        let insert = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            columns.join(", "),
            (1..=columns.len())
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let read = pages(&source, table, &columns, key, |page| {
            dest.begin()?;
            for row in page {
                let params: Vec<&dyn Param> = row.iter().map(|v| v as &dyn Param).collect();
                if let Err(e) = dest.execute(&insert, &params) {
                    dest.rollback();
                    return Err(e);
                }
            }
            dest.commit()
        })?;
        if dest.dialect() == Dialect::Postgres && IDENTITIES.contains(table) {
            dest.batch(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            ))?;
        }
        let back = pages(&dest, table, &columns, key, |_| Ok(()))?;
        tables.push(TableCopied {
            table: (*table).to_string(),
            rows: read.rows,
            rows_copied: back.rows,
            checksum: format!("{:032x}", read.sum),
            checksum_copied: format!("{:032x}", back.sum),
        });
    }
    Ok(Copied {
        from: from.to_string(),
        to: to.to_string(),
        tables,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The columns of `table` in `conn`'s catalogue, in their order.
fn columns(conn: &Conn, table: &str) -> Result<Vec<String>, DbError> {
    let sql = match conn.dialect() {
        Dialect::Sqlite => "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
        Dialect::Postgres => {
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_name = ?1 AND table_schema = current_schema() ORDER BY ordinal_position"
        }
    };
    conn.query_map(sql, args![table], |r| r.get(0))
}

/// Rows read and their checksum.
struct Read {
    rows: u64,
    sum: u128,
}

/// Reads `table` in pages of [`PAGE`] rows in `key` order, hands each page to `each`, and
/// returns how many rows there were and their checksum.
fn pages(
    conn: &Conn,
    table: &str,
    columns: &[String],
    key: &[&str],
    mut each: impl FnMut(&[Vec<Value<'static>>]) -> Result<(), DbError>,
) -> Result<Read, DbError> {
    let list = columns.join(", ");
    let keys = key.join(", ");
    let at: Vec<usize> = key
        .iter()
        .map(|k| columns.iter().position(|c| c == k))
        .collect::<Option<_>>()
        .ok_or_else(|| DbError::convert(0, format!("{table} lacks its key {keys}")))?;
    let first = format!("SELECT {list} FROM {table} ORDER BY {keys} LIMIT {PAGE}");
    let marks = (1..=key.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let next = format!(
        "SELECT {list} FROM {table} WHERE ({keys}) > ({marks}) ORDER BY {keys} LIMIT {PAGE}"
    );
    let mut read = Read { rows: 0, sum: 0 };
    let mut last: Option<Vec<Value<'static>>> = None;
    loop {
        let row = |r: &Row<'_>| {
            (0..columns.len())
                .map(|i| r.get::<Value<'static>>(i))
                .collect::<Result<Vec<_>, _>>()
        };
        let page = match &last {
            None => conn.query_map(&first, args![], row)?,
            Some(k) => {
                let params: Vec<&dyn Param> = k.iter().map(|v| v as &dyn Param).collect();
                conn.query_map(&next, &params, row)?
            }
        };
        for r in &page {
            read.rows += 1;
            read.sum = read.sum.wrapping_add(row_hash(r));
        }
        each(&page)?;
        match page.last() {
            Some(r) if page.len() == PAGE => {
                last = Some(at.iter().map(|&i| r[i].clone()).collect())
            }
            _ => return Ok(read),
        }
    }
}

/// The first 128 bits of the SHA-256 of a row's values, each tagged with its kind. Text and bytes
/// hash alike (PostgreSQL keeps as `bytea` what an old SQLite row may hold as text).
fn row_hash(row: &[Value<'_>]) -> u128 {
    let mut h = Sha256::new();
    for v in row {
        match v {
            Value::Null => h.update([0u8]),
            Value::Int(i) => {
                h.update([1u8]);
                h.update(i.to_le_bytes());
            }
            Value::Real(r) => {
                h.update([2u8]);
                h.update(r.to_bits().to_le_bytes());
            }
            Value::Text(t) => {
                h.update([3u8]);
                h.update((t.len() as u64).to_le_bytes());
                h.update(t.as_bytes());
            }
            Value::Blob(b) => {
                h.update([3u8]);
                h.update((b.len() as u64).to_le_bytes());
                h.update(b.as_ref());
            }
            // No column is an array; tagged apart all the same.
            Value::Array(items) => {
                h.update([4u8]);
                h.update(row_hash(items).to_le_bytes());
            }
        }
    }
    let digest = h.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_le_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{on_both, sample_feedback, sample_record};
    use crate::store::{EventRecord, Store, StoreConfig};

    /// An SQLite store with rows in most tables, pages of them in the largest; its location.
    async fn filled(dir: &std::path::Path) -> Location {
        let at = Location::Sqlite(dir.join("source.db"));
        let store = Store::open(&StoreConfig::new(&at)).unwrap();
        let mut ids = Vec::new();
        for i in 0..(PAGE as u64 * 2 + 7) {
            let rec = sample_record(i);
            ids.push(rec.decision_id);
            store.record(rec).await.unwrap();
        }
        for id in ids.iter().take(30) {
            store
                .feedback(sample_feedback(*id, Some("tributi"), None))
                .await
                .unwrap();
        }
        let events = (0..500)
            .map(|i| EventRecord {
                event_id: format!("e{i}"),
                occurred_at: chrono::DateTime::UNIX_EPOCH + chrono::Duration::hours(500_000 + i),
                channel: "phone".into(),
                queue: Some("tributi".into()),
                topic: None,
                urgency: None,
                citizen: (i % 3 == 0).then(|| format!("p{i}")),
                reference: (i % 3 == 0).then(|| vec![i as u8, 0, 255]),
                handle_seconds: Some(i as f64 / 3.0),
                outcome: None,
                attributes: [("lingua".to_string(), "it".to_string())].into(),
                source: "api".into(),
                received_at: chrono::Utc::now(),
            })
            .collect();
        store.events(events).await.unwrap();
        let (_, key) =
            crate::access::new_key("crm", &[crate::access::Scope::Route], None, "test").unwrap();
        store.create_key(key).await.unwrap();
        store.claim_run("prune", chrono::Utc::now()).await.unwrap();
        store
            .record_model_change("reload", ("t-2", "u-1"), "ops")
            .await
            .unwrap();
        store.close().await.unwrap();
        at
    }

    on_both! {
    async fn a_copy_holds_every_row_verified_and_the_copy_works_as_a_store(at) {
        let dir = tempfile::tempdir().unwrap();
        let from = filled(dir.path()).await;
        let copied = tokio::task::spawn_blocking({
            let (from, to) = (from.clone(), at.clone());
            move || copy(&from, &to)
        })
        .await
        .unwrap()
        .unwrap();
        assert!(copied.verified(), "{copied:#?}");
        let rows = |t: &str| copied.tables.iter().find(|x| x.table == t).unwrap().rows;
        assert_eq!(rows("decisions"), PAGE as u64 * 2 + 7);
        assert_eq!((rows("feedback"), rows("events"), rows("api_keys")), (30, 500, 1));
        assert_eq!((rows("job_runs"), rows("model_changes")), (1, 1));
        assert_eq!(rows("citizen_refs"), 167);

        // The copy is a store: it reads the copied rows and takes new ones (on PostgreSQL the
        // identity sequences were moved past the copied ids).
        let store = Store::open(&StoreConfig::new(&at)).unwrap();
        let counts = store.counts().await.unwrap();
        assert_eq!(counts.decisions, PAGE as u64 * 2 + 7);
        let more = sample_record(99_999);
        let id = more.decision_id;
        store.record(more).await.unwrap();
        store.feedback(sample_feedback(id, Some("anagrafe"), None)).await.unwrap();
        store.record_model_change("rollback", ("t-1", "u-1"), "ops").await.unwrap();
        assert_eq!(store.model_changes(5).await.unwrap().len(), 2);
        store.close().await.unwrap();

        // Not twice: the destination now holds rows.
        let again = tokio::task::spawn_blocking(move || copy(&from, &at)).await.unwrap();
        assert!(matches!(again, Err(StoreError::CopyRefused { .. })), "{again:?}");
    }
    }

    #[test]
    fn the_checksum_does_not_depend_on_row_order_but_on_every_value() {
        let a = vec![Value::Int(1), Value::Text("x".into())];
        let b = vec![Value::Int(2), Value::Null];
        let sum =
            |rows: &[&Vec<Value<'_>>]| rows.iter().fold(0u128, |s, r| s.wrapping_add(row_hash(r)));
        assert_eq!(sum(&[&a, &b]), sum(&[&b, &a]));
        let c = vec![Value::Int(1), Value::Text("y".into())];
        assert_ne!(sum(&[&a, &b]), sum(&[&c, &b]));
        let real = vec![Value::Real(1.0), Value::Text("x".into())];
        assert_ne!(row_hash(&a), row_hash(&real));
        let bytes = vec![Value::Int(1), Value::Blob(b"x".as_slice().into())];
        assert_eq!(row_hash(&a), row_hash(&bytes), "text and bytes hash alike");
    }
}
