//! Opening the database: connection settings and schema migrations, for SQLite and PostgreSQL.
//!
//! One list of migrations serves both (`migrations.rs`: written in SQLite, translated for
//! PostgreSQL by [`for_postgres`]). SQLite keeps the version in `PRAGMA
//! user_version`; PostgreSQL in the table `instrada_schema`, and a migration there holds an
//! advisory lock, so that replicas starting together apply each script once. Each script is
//! applied in its own transaction with the version bump. A database with a newer version than
//! this build knows is refused before anything is written to it.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::location::Location;
use super::migrations::{MIGRATIONS, SCHEMA_VERSION, for_postgres};
use super::sql::{Conn, DbError, Pg};
use super::{StoreError, checkpoint};

/// How long a connection waits for another process's lock (e.g. an operator's `sqlite3` shell)
/// before reporting `SQLITE_BUSY`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The advisory lock a PostgreSQL migration holds (any constant shared by every replica).
const MIGRATION_LOCK: i64 = 0x696e_7374_7261_6461; // "instrada"

/// Opens the database for the writer thread, migrating it. SQLite (creating the file and its
/// parent directories if needed): WAL journal so readers never block the writer, `synchronous =
/// NORMAL` (a commit survives a process crash; only an OS crash or power loss can lose the last
/// commits), foreign keys on, automatic checkpoints handed to the checkpointer thread.
/// PostgreSQL: a connection with `synchronous_commit` as the server has it (on by default: a
/// commit is on disk, or on the synchronous standbys, when it returns).
pub(super) fn open_for_writing(at: impl Into<Location>) -> Result<Conn, StoreError> {
    let at = &at.into();
    match at {
        Location::Sqlite(path) => {
            let conn = sqlite_for_writing(path)?;
            checkpoint::hand_over(&conn).map_err(|e| open_err(at, e.into()))?;
            Ok(Conn::Sqlite(conn))
        }
        Location::Postgres(url) => {
            let conn = Conn::Postgres(Box::new(Pg::new(connect(at, url)?)));
            migrate_postgres(&conn, at)?;
            Ok(conn)
        }
    }
}

/// Opens an existing database for reading (exports, reports, operators' tools); works while the
/// writer runs. Refuses a database not yet migrated to this build's version. On PostgreSQL the
/// connection comes from the database's read pool (`pool.rs`) and goes back to it when dropped.
pub(super) fn open_for_reading(at: impl Into<Location>) -> Result<Conn, StoreError> {
    let at = &at.into();
    match at {
        Location::Sqlite(path) => sqlite_for_reading(path).map(Conn::Sqlite),
        Location::Postgres(url) => {
            let (client, checked) = super::pool::get(at, url)?;
            let conn = Conn::Postgres(Box::new(Pg::pooled(client)));
            if !checked {
                let found = pg_version(&conn).map_err(|e| open_err(at, e))?;
                readable(at, found)?;
                super::pool::checked(url);
            }
            Ok(conn)
        }
    }
}

/// Applies every migration this build knows (`instrada store migrate`); returns the version the
/// database was at and the version it is at now.
pub fn migrate(at: &Location) -> Result<(i64, i64), StoreError> {
    let before = match at {
        Location::Sqlite(path) if path.exists() => {
            let conn = Connection::open(path).map_err(|e| open_err(at, e.into()))?;
            user_version(&conn).map_err(|e| open_err(at, e.into()))?
        }
        Location::Sqlite(_) => 0,
        Location::Postgres(url) => {
            let conn = Conn::Postgres(Box::new(Pg::new(connect(at, url)?)));
            ensure_pg_version_table(&conn).map_err(|e| open_err(at, e))?;
            pg_version(&conn).map_err(|e| open_err(at, e))?
        }
    };
    drop(open_for_writing(at)?);
    Ok((before, SCHEMA_VERSION))
}

fn open_err(at: &Location, source: DbError) -> StoreError {
    StoreError::Open {
        at: at.to_string(),
        source,
    }
}

fn connect(at: &Location, url: &str) -> Result<postgres::Client, StoreError> {
    let config = super::pool::pg_config(at, url)?;
    super::sql::off_runtime(|| config.connect(postgres::NoTls)).map_err(|e| open_err(at, e.into()))
}

fn ensure_pg_version_table(conn: &Conn) -> Result<(), DbError> {
    conn.batch("CREATE TABLE IF NOT EXISTS instrada_schema (version BIGINT NOT NULL)")
}

fn pg_version(conn: &Conn) -> Result<i64, DbError> {
    let exists: bool = conn.query_row(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'instrada_schema'
             AND table_schema = current_schema()",
        super::sql::args![],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(0);
    }
    conn.query_row(
        "SELECT coalesce(max(version), 0) FROM instrada_schema",
        super::sql::args![],
        |r| r.get(0),
    )
}

/// Applies the scripts after the database's version, each atomically with its version bump,
/// under an advisory lock (replicas starting at once wait for each other).
fn migrate_postgres(conn: &Conn, at: &Location) -> Result<(), StoreError> {
    let fail = |e: DbError| open_err(at, e);
    ensure_pg_version_table(conn).map_err(fail)?;
    conn.query_row(
        "SELECT pg_advisory_lock(?1)",
        super::sql::args![MIGRATION_LOCK],
        |_| Ok(()),
    )
    .map_err(fail)?;
    let result = (|| {
        let found = pg_version(conn).map_err(fail)?;
        check_version(at, found)?;
        let start = usize::try_from(found.max(0)).unwrap_or(usize::MAX);
        for index in start..MIGRATIONS.len() {
            let version = index as i64 + 1;
            let script = for_postgres(index);
            let applied = conn
                .batch("BEGIN")
                .and_then(|()| conn.batch(&script))
                .and_then(|()| conn.batch("DELETE FROM instrada_schema"))
                .and_then(|()| {
                    conn.execute(
                        "INSERT INTO instrada_schema (version) VALUES (?1)",
                        super::sql::args![version],
                    )
                    .map(drop)
                })
                .and_then(|()| conn.commit());
            if let Err(e) = applied {
                conn.rollback();
                return Err(fail(e));
            }
            tracing::info!(database = %at, version, "store schema migrated");
        }
        Ok(())
    })();
    let _ = conn.query_row(
        "SELECT pg_advisory_unlock(?1)",
        super::sql::args![MIGRATION_LOCK],
        |_| Ok(()),
    );
    result
}

fn sqlite_for_writing(path: &Path) -> Result<Connection, StoreError> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|source| StoreError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let at = Location::Sqlite(path.to_path_buf());
    let open_err = |source: rusqlite::Error| open_err(&at, source.into());
    let mut conn = Connection::open(path).map_err(open_err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
    // Before touching anything: a newer file must be left exactly as it is.
    let found = user_version(&conn).map_err(open_err)?;
    check_version(&at, found)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(open_err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        // Still correct, but exports and readers will contend with the writer.
        tracing::warn!(path = %path.display(), %mode, "SQLite refused WAL journal mode");
    }
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(open_err)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(open_err)?;
    // 64 MiB of page cache (SQLite's default is 2 MiB): the indexes of a million events or
    // decisions stay in memory, so a bulk import does not read a page back per row.
    conn.pragma_update(None, "cache_size", -65_536)
        .map_err(open_err)?;
    migrate_sqlite(&mut conn, path, found)?;
    Ok(conn)
}

fn sqlite_for_reading(path: &Path) -> Result<Connection, StoreError> {
    let at = Location::Sqlite(path.to_path_buf());
    let open_err = |source: rusqlite::Error| open_err(&at, source.into());
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(open_err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
    let found = user_version(&conn).map_err(open_err)?;
    readable(&at, found)?;
    Ok(conn)
}

/// A reader needs this build's version exactly: a newer database is refused, an older one has
/// not been migrated yet (no server has opened it since the upgrade, nor `store migrate`).
fn readable(at: &Location, found: i64) -> Result<(), StoreError> {
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    Err(StoreError::Schema {
        at: at.to_string(),
        found,
        supported: SCHEMA_VERSION,
    })
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

fn check_version(at: &Location, found: i64) -> Result<(), StoreError> {
    if found > SCHEMA_VERSION {
        return Err(StoreError::Schema {
            at: at.to_string(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// Applies the scripts after version `found`, each atomically with its version bump.
fn migrate_sqlite(conn: &mut Connection, path: &Path, found: i64) -> Result<(), StoreError> {
    let start = usize::try_from(found.max(0)).unwrap_or(usize::MAX);
    for (index, script) in MIGRATIONS.iter().enumerate().skip(start) {
        let version = index as i64 + 1;
        let tx = conn.transaction().map_err(DbError::from)?;
        tx.execute_batch(script).map_err(DbError::from)?;
        tx.pragma_update(None, "user_version", version)
            .map_err(DbError::from)?;
        tx.commit().map_err(DbError::from)?;
        tracing::info!(path = %path.display(), version, "decision store schema migrated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_file_gets_current_version_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/dir/audit.sqlite3");
        let conn = open_for_writing(&path).unwrap();
        assert_eq!(user_version(conn.sqlite()).unwrap(), SCHEMA_VERSION);
        let mode: String = conn
            .sqlite()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(conn);
        // Reopening applies nothing and keeps the version.
        let conn = open_for_writing(&path).unwrap();
        assert_eq!(user_version(conn.sqlite()).unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn newer_schema_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("future.sqlite3");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        let err = open_for_writing(&path).unwrap_err();
        match &err {
            StoreError::Schema {
                at: p,
                found,
                supported,
            } => {
                assert_eq!(p, &path.display().to_string());
                assert_eq!(*found, SCHEMA_VERSION + 1);
                assert_eq!(*supported, SCHEMA_VERSION);
            }
            other => panic!("expected a schema error, got {other:?}"),
        }
        assert!(err.to_string().contains("future.sqlite3"), "{err}");
        assert!(matches!(
            open_for_reading(&path),
            Err(StoreError::Schema { .. })
        ));
        // Still a rollback-journal file at the future version: nothing was changed.
        let conn = Connection::open(&path).unwrap();
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete");
    }

    #[test]
    fn version_6_compacts_the_decisions_already_stored_and_reads_them_back_unchanged() {
        use super::super::rows::{insert_v5, load_decision};
        use super::super::test_support::{consistent, sample_record};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v5.sqlite3");
        // A file at version 5, with a decision as the router wrote it and one whose JSON says
        // something else than its columns, both in the columns of version 5.
        let (routed, odd) = (consistent(2), sample_record(3));
        {
            let mut conn = Connection::open(&path).unwrap();
            let tx = conn.transaction().unwrap();
            for script in &MIGRATIONS[..5] {
                tx.execute_batch(script).unwrap();
            }
            tx.pragma_update(None, "user_version", 5).unwrap();
            for r in [&routed, &odd] {
                insert_v5(&tx, r).unwrap();
            }
            tx.commit().unwrap();
        }
        let conn = open_for_writing(&path).unwrap();
        assert_eq!(user_version(conn.sqlite()).unwrap(), SCHEMA_VERSION);
        let (form, json, sha): (i64, String, Vec<u8>) = conn
            .sqlite()
            .query_row(
                "SELECT json_form, decision_json, text_sha256 FROM decisions WHERE decision_id = ?1",
                [routed.decision_id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(form, 1, "{json}");
        assert!(json.len() < routed.decision_json.len() * 2 / 3, "{json}");
        assert_eq!(sha.len(), 32);
        for rec in [&routed, &odd] {
            let back = load_decision(&conn, rec.decision_id)
                .unwrap()
                .unwrap()
                .record;
            let value = |j: &str| serde_json::from_str::<serde_json::Value>(j).unwrap();
            assert_eq!(value(&back.decision_json), value(&rec.decision_json));
            let mut same = back.clone();
            same.decision_json = rec.decision_json.clone();
            assert_eq!(&same, rec, "every column survives");
        }
        let odd_back = load_decision(&conn, odd.decision_id)
            .unwrap()
            .unwrap()
            .record;
        assert_eq!(
            odd_back.decision_json, odd.decision_json,
            "kept whole, byte for byte"
        );
        let indexes: Vec<String> = conn
            .sqlite()
            .prepare(
                "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'decisions'",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            !indexes.iter().any(|i| i == "decisions_queue"),
            "{indexes:?}"
        );
        assert!(
            indexes.iter().any(|i| i == "decisions_texts"),
            "{indexes:?}"
        );
    }

    #[test]
    fn reading_a_missing_file_fails_without_creating_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing.sqlite3");
        assert!(matches!(
            open_for_reading(&path),
            Err(StoreError::Open { .. })
        ));
        assert!(!path.exists());
    }
}
