//! What the store holds and what it costs on disk: rows and bytes per table (its indexes
//! included), the bytes of kept request texts, the file and its write-ahead log
//! (`instrada store stats`, `GET /v1/store/stats`, `examples/decision_bytes.rs`).
//!
//! Bytes are SQLite's own account, from the `dbstat` virtual table (the bundled SQLite is built
//! with `SQLITE_ENABLE_DBSTAT_VTAB`): the pages each table and index occupies, unused space in
//! them included, which is what the file pays. Pages on the free list (left by deletions until a
//! `VACUUM`) are reported apart. Read with its own read-only connection: the writer goes on.
//!
//! On PostgreSQL the bytes are the server's `pg_relation_size` (the table's main fork) and
//! `pg_indexes_size`, the file is `pg_database_size`, and there is no free list or log of ours to
//! report (the server's WAL is the DBA's).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::StoreError;
use super::location::Location;
use super::schema::open_for_reading;
use super::sql::{Conn, DbError, args};

/// The tables whose rows are counted, in the order they are reported.
const TABLES: &[&str] = &[
    "decisions",
    "feedback",
    "events",
    "outreach_flags",
    "outreach_reviews",
    "outreach_optouts",
    "access_log",
    "forecast_runs",
    "api_keys",
    "job_runs",
    "model_changes",
    "citizen_refs",
];

/// One table: its rows, and the pages it and its indexes occupy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableUsage {
    /// The table's name.
    pub table: String,
    /// Rows in it.
    pub rows: u64,
    /// Bytes of the table's own pages.
    pub table_bytes: u64,
    /// Bytes of the pages of its indexes (the primary key's among them).
    pub index_bytes: u64,
}

impl TableUsage {
    /// Table and indexes together.
    pub fn bytes(&self) -> u64 {
        self.table_bytes + self.index_bytes
    }
}

/// What the store's file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// One entry per table, in a fixed order.
    pub tables: Vec<TableUsage>,
    /// Decisions whose request text is kept (the `texts` retention clears it).
    pub texts: u64,
    /// Bytes of those texts (UTF-8), inside the decisions' table bytes.
    pub text_bytes: u64,
    /// Size of the database file (`page_count × page_size`).
    pub file_bytes: u64,
    /// Of which on the free list: reused by later writes, returned to the file system by `VACUUM`.
    pub free_bytes: u64,
    /// Size of the write-ahead log next to it (`-wal`), 0 when there is none.
    pub wal_bytes: u64,
    /// How the bytes were counted: `dbstat` (the pages SQLite reports for each table and index)
    /// or `pg_relation_size` (PostgreSQL's account).
    pub method: String,
}

impl Usage {
    /// The entry of `table`, if it is one of [`TABLES`].
    pub fn table(&self, table: &str) -> Option<&TableUsage> {
        self.tables.iter().find(|t| t.table == table)
    }
}

/// Counts rows and bytes in the store at `at`.
pub fn disk_usage(at: impl Into<Location>) -> Result<Usage, StoreError> {
    let at = at.into();
    match (open_for_reading(&at)?, &at) {
        (Conn::Sqlite(conn), Location::Sqlite(path)) => Ok(sqlite_usage(&conn, path)?),
        (conn, _) => Ok(postgres_usage(&conn)?),
    }
}

fn postgres_usage(conn: &Conn) -> Result<Usage, DbError> {
    let mut tables = Vec::with_capacity(TABLES.len());
    for &table in TABLES {
        let (rows, table_bytes, index_bytes): (u64, u64, u64) = conn.query_row(
            &format!(
                "SELECT (SELECT count(*) FROM {table}), pg_relation_size('{table}'),
                        pg_indexes_size('{table}')"
            ),
            args![],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        tables.push(TableUsage {
            table: table.to_string(),
            rows,
            table_bytes,
            index_bytes,
        });
    }
    let (texts, text_bytes): (u64, u64) = conn.query_row(
        "SELECT count(text), coalesce(sum(octet_length(text)), 0)::bigint FROM decisions",
        args![],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let file_bytes: u64 = conn.query_row(
        "SELECT pg_database_size(current_database())",
        args![],
        |r| r.get(0),
    )?;
    Ok(Usage {
        tables,
        texts,
        text_bytes,
        file_bytes,
        free_bytes: 0,
        wal_bytes: 0,
        method: "pg_relation_size".into(),
    })
}

fn sqlite_usage(conn: &rusqlite::Connection, path: &Path) -> rusqlite::Result<Usage> {
    let mut tables = Vec::with_capacity(TABLES.len());
    // `dbstat` lists every b-tree page; `sqlite_schema` says which table an index belongs to.
    let mut pages = conn.prepare(
        "SELECT s.tbl_name, d.name = s.tbl_name, sum(d.pgsize)
         FROM dbstat AS d JOIN sqlite_schema AS s ON s.name = d.name
         GROUP BY d.name",
    )?;
    let sizes = pages
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for &table in TABLES {
        let rows: i64 =
            conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
        let sum = |own: bool| {
            sizes
                .iter()
                .filter(|(t, is_table, _)| t == table && *is_table == own)
                .map(|(_, _, b)| u64::try_from(*b).unwrap_or(0))
                .sum()
        };
        tables.push(TableUsage {
            table: table.to_string(),
            rows: u64::try_from(rows).unwrap_or(0),
            table_bytes: sum(true),
            index_bytes: sum(false),
        });
    }
    let (texts, text_bytes): (i64, i64) = conn.query_row(
        "SELECT count(text), coalesce(sum(length(CAST(text AS BLOB))), 0) FROM decisions",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let pragma = |name: &str| -> rusqlite::Result<u64> {
        let v: i64 = conn.pragma_query_value(None, name, |r| r.get(0))?;
        Ok(u64::try_from(v).unwrap_or(0))
    };
    let page_size = pragma("page_size")?;
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    Ok(Usage {
        tables,
        texts: u64::try_from(texts).unwrap_or(0),
        text_bytes: u64::try_from(text_bytes).unwrap_or(0),
        file_bytes: pragma("page_count")? * page_size,
        free_bytes: pragma("freelist_count")? * page_size,
        wal_bytes: std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0),
        method: "dbstat".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{open_temp, sample_feedback, sample_record};
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn rows_and_bytes_add_up_to_the_file() {
        let (dir, store) = open_temp();
        let records: Vec<_> = (0..300).map(sample_record).collect();
        let first = records[0].decision_id;
        store.record_all(records).await.unwrap();
        store
            .feedback(sample_feedback(first, Some("tributi"), None))
            .await
            .unwrap();
        store.close().await.unwrap();
        let path = dir.path().join("audit.sqlite3");
        let u = disk_usage(&path).unwrap();
        let decisions = u.table("decisions").unwrap();
        assert_eq!(decisions.rows, 300);
        assert_eq!(u.table("feedback").unwrap().rows, 1);
        assert_eq!(u.table("events").unwrap().rows, 0);
        assert_eq!(u.texts, 300);
        let expected_text: usize = (0..300).map(|i| sample_record(i).text.unwrap().len()).sum();
        assert_eq!(u.text_bytes, expected_text as u64);
        // 300 rows of ~400 bytes cannot fit in fewer than 25 pages of 4 KiB, nor the text in
        // less than its length.
        assert!(decisions.table_bytes >= 25 * 4096, "{decisions:?}");
        assert!(decisions.index_bytes >= 3 * 4096, "{decisions:?}");
        // Every page is somebody's: the tables, the schema's own page, or free.
        let counted: u64 = u.tables.iter().map(TableUsage::bytes).sum();
        let conn = rusqlite::Connection::open(&path).unwrap();
        let schema: i64 = conn
            .query_row(
                "SELECT sum(pgsize) FROM dbstat WHERE name = 'sqlite_schema'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let others: i64 = conn
            .query_row(
                "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'sqlite_%'
                 AND name != 'sqlite_schema' AND name NOT LIKE 'sqlite_autoindex_%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            counted + schema as u64 + others as u64 + u.free_bytes,
            u.file_bytes,
            "{u:?}"
        );
        assert_eq!(u.method, "dbstat");
    }
}
