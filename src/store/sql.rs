//! One SQL surface over the two databases the store runs on: SQLite (`rusqlite`, the embedded
//! default) and PostgreSQL (the `postgres` crate: rust-postgres' blocking client, by the author
//! of `tokio-postgres`, which it runs underneath).
//!
//! Why a blocking client and not sqlx: the store's writes go through one dedicated thread that
//! owns one connection and commits whatever is queued in one transaction (`writer.rs`); its reads
//! are synchronous functions run in `spawn_blocking`. A blocking client keeps that design, the
//! group commit and the durability modes the same on both databases. sqlx 0.9 would make every
//! store call async and, linking its own sqlite3, would force rusqlite back to 0.39.
//!
//! Hand-written here (no crate does it): the statements are written once, in the common subset
//! of the two dialects, with SQLite's `?N` placeholders, which [`Conn`] rewrites to `$N` for
//! PostgreSQL; values cross as [`Value`], so that an `i64` binds to a PostgreSQL `bigint`,
//! `integer` or `double precision` column alike, and a column reads back whatever its integer or
//! float width. Where the dialects differ (upserts excepted: both speak `ON CONFLICT`), the caller
//! asks [`Conn::dialect`].

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use postgres::types::ToSql;

use super::value::PgValue;
pub(super) use super::value::{FromValue, Param, Value, args};

/// Which database a connection speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A failure of the database or of a conversion to or from it.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {}", pg_text(.0))]
    Postgres(#[from] postgres::Error),
    /// A value that does not convert (column `column`, or a parameter when `None`).
    #[error("conversion of column {column:?}: {message}")]
    Convert {
        column: Option<usize>,
        message: String,
    },
    /// `query_row` found no row.
    #[error("no row")]
    NoRows,
    /// No connection could be had from the read pool in time (the cause is in the text).
    #[error("PostgreSQL: {0}")]
    Pool(String),
}

/// A PostgreSQL error with the server's message and SQLSTATE, which `Display` alone leaves out.
fn pg_text(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({}): {}", db.severity(), db.code().code(), db.message()),
        None => e.to_string(),
    }
}

impl DbError {
    /// A conversion failure of column `column`.
    pub(super) fn convert(column: usize, message: impl fmt::Display) -> Self {
        DbError::Convert {
            column: Some(column),
            message: message.to_string(),
        }
    }

    /// True when the failure is the statement's own (a constraint, a value out of range, a
    /// conversion): the transaction survives it (on PostgreSQL, once rolled back to a savepoint).
    pub(super) fn statement_level(&self) -> bool {
        match self {
            DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                rusqlite::ErrorCode::ConstraintViolation
                    | rusqlite::ErrorCode::TooBig
                    | rusqlite::ErrorCode::TypeMismatch
            ),
            DbError::Sqlite(
                rusqlite::Error::ToSqlConversionFailure(_)
                | rusqlite::Error::FromSqlConversionFailure(..)
                | rusqlite::Error::IntegralValueOutOfRange(..)
                | rusqlite::Error::InvalidColumnType(..)
                | rusqlite::Error::Utf8Error(..),
            ) => true,
            DbError::Sqlite(_) => false,
            // Class 22 (data exception) and 23 (integrity constraint violation).
            DbError::Postgres(e) => e.code().is_some_and(|c| {
                let code = c.code();
                code.starts_with("22") || code.starts_with("23")
            }),
            DbError::Convert { .. } | DbError::NoRows => true,
            DbError::Pool(_) => false,
        }
    }

    /// True when the connection itself is gone (PostgreSQL restarted, network cut): a new one is
    /// needed before anything else can be tried.
    pub(super) fn connection_lost(&self) -> bool {
        match self {
            DbError::Postgres(e) => {
                e.is_closed()
                    || e.code().is_some_and(|c| {
                        // 08: connection exception; 57P01..03: admin shutdown, crash, cannot
                        // connect now.
                        let code = c.code();
                        code.starts_with("08") || code.starts_with("57P")
                    })
                    || e.as_db_error().is_none()
            }
            DbError::Pool(_) => true,
            _ => false,
        }
    }
}

/// A row of a result.
pub(super) enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a postgres::Row),
}

impl Row<'_> {
    /// Column `idx` as `T`.
    pub(super) fn get<T: FromValue>(&self, idx: usize) -> Result<T, DbError> {
        let value = match self {
            Row::Sqlite(r) => {
                use rusqlite::types::ValueRef;
                match r.get_ref(idx)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(i) => Value::Int(i),
                    ValueRef::Real(f) => Value::Real(f),
                    ValueRef::Text(t) => Value::Text(Cow::Owned(
                        std::str::from_utf8(t)
                            .map_err(|e| DbError::convert(idx, e))?
                            .to_string(),
                    )),
                    ValueRef::Blob(b) => Value::Blob(Cow::Owned(b.to_vec())),
                }
            }
            Row::Postgres(r) => r.try_get::<_, PgValue>(idx)?.0,
        };
        T::from_value(value).map_err(|m| DbError::convert(idx, m))
    }
}

/// Rows fetched at a time by [`Conn::for_each`] on PostgreSQL.
const CURSOR_ROWS: i32 = 10_000;

/// A connection to either database.
#[derive(Debug)]
pub enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(Box<Pg>),
}

/// A PostgreSQL connection and its prepared statements (rust-postgres caches none by itself).
pub struct Pg {
    /// Whether commands are isolated in savepoints ([`Conn::isolating`]).
    careful: std::cell::Cell<bool>,
    /// `None` only while being dropped (the client is closed off the runtime, [`Drop`]).
    client: RefCell<Option<Client>>,
    statements: RefCell<HashMap<String, postgres::Statement>>,
}

impl fmt::Debug for Pg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pg").finish_non_exhaustive()
    }
}

impl Drop for Pg {
    /// Closing the blocking client blocks on its runtime too: off tokio's threads as well.
    fn drop(&mut self) {
        if let Some(client) = self.client.get_mut().take() {
            off_runtime(move || drop(client));
        }
    }
}

/// A connection lent by the read pool (`pool.rs`); back to it when dropped.
pub(super) type Pooled =
    r2d2::PooledConnection<r2d2_postgres::PostgresConnectionManager<postgres::NoTls>>;

/// A connection of its own (the writer's), or one lent by the read pool until dropped.
enum Client {
    Own(postgres::Client),
    Pooled(Pooled),
}

impl Client {
    fn get(&mut self) -> &mut postgres::Client {
        match self {
            Client::Own(c) => c,
            Client::Pooled(c) => c,
        }
    }
}

impl Pg {
    pub(super) fn new(client: postgres::Client) -> Self {
        Self::with(Client::Own(client))
    }

    /// A connection of the read pool, back to it when dropped.
    pub(super) fn pooled(client: Pooled) -> Self {
        Self::with(Client::Pooled(client))
    }

    fn with(client: Client) -> Self {
        Self {
            careful: std::cell::Cell::new(false),
            client: RefCell::new(Some(client)),
            statements: RefCell::new(HashMap::new()),
        }
    }

    /// Runs `f` on the client. The blocking client drives its connection with a runtime of its
    /// own, which tokio refuses to start on a thread of another runtime: called from one (an
    /// async test, a handler that forgot `spawn_blocking`), `f` runs on a scoped thread of its
    /// own; from the writer's thread or a blocking one, in place.
    fn with_client<T: Send>(&self, f: impl FnOnce(&mut postgres::Client) -> T + Send) -> T {
        let mut guard = self.client.borrow_mut();
        let client: &mut postgres::Client = guard.as_mut().expect("a client until dropped").get();
        off_runtime(move || f(client))
    }

    /// The statement for `sql` (in SQLite's placeholders), prepared once per connection.
    fn statement(&self, sql: &str) -> Result<postgres::Statement, DbError> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let text = super::placeholders::dollar_placeholders(sql);
        let prepared = self.with_client(|c| c.prepare(&text))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_string(), prepared.clone());
        Ok(prepared)
    }

    /// Runs `run` with the prepared statement of `sql` and its parameters, bound.
    fn bound<T: Send>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        run: impl FnOnce(
            &mut postgres::Client,
            &postgres::Statement,
            &[&(dyn ToSql + Sync)],
        ) -> Result<T, postgres::Error>
        + Send,
    ) -> Result<T, DbError> {
        let stmt = self.statement(sql)?;
        let values: Vec<Value<'_>> = params.iter().map(|p| p.value()).collect();
        Ok(self.with_client(|c| {
            let refs: Vec<&(dyn ToSql + Sync)> =
                values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
            run(c, &stmt, &refs)
        })?)
    }

    fn query(&self, sql: &str, params: &[&dyn Param]) -> Result<Vec<postgres::Row>, DbError> {
        self.bound(sql, params, |c, stmt, refs| c.query(stmt, refs))
    }

    fn execute(&self, sql: &str, params: &[&dyn Param]) -> Result<u64, DbError> {
        self.bound(sql, params, |c, stmt, refs| c.execute(stmt, refs))
    }

    fn batch(&self, sql: &str) -> Result<(), DbError> {
        Ok(self.with_client(|c| c.batch_execute(sql))?)
    }

    pub(super) fn is_closed(&self) -> bool {
        self.client.borrow().as_ref().is_none_or(|c| match c {
            Client::Own(c) => c.is_closed(),
            Client::Pooled(c) => c.is_closed(),
        })
    }
}

impl Conn {
    pub fn dialect(&self) -> Dialect {
        match self {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs one statement; returns how many rows it changed.
    pub(super) fn execute(&self, sql: &str, params: &[&dyn Param]) -> Result<usize, DbError> {
        match self {
            Conn::Sqlite(c) => {
                let values: Vec<Value<'_>> = params.iter().map(|p| p.value()).collect();
                Ok(c.prepare_cached(sql)?
                    .execute(rusqlite::params_from_iter(values.iter()))?)
            }
            Conn::Postgres(pg) => {
                Ok(usize::try_from(pg.execute(sql, params)?).unwrap_or(usize::MAX))
            }
        }
    }

    /// Runs statements without parameters, separated by `;`.
    pub(super) fn batch(&self, sql: &str) -> Result<(), DbError> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Postgres(pg) => pg.batch(sql),
        }
    }

    /// Every row of a query, each through `f`.
    pub(super) fn query_map<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        mut f: impl FnMut(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<Vec<T>, DbError> {
        match self {
            Conn::Sqlite(c) => {
                let values: Vec<Value<'_>> = params.iter().map(|p| p.value()).collect();
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(values.iter()))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(f(&Row::Sqlite(r))?);
                }
                Ok(out)
            }
            Conn::Postgres(pg) => pg
                .query(sql, params)?
                .iter()
                .map(|r| f(&Row::Postgres(r)))
                .collect(),
        }
    }

    /// Rows of a query one at a time, for reads too large to hold (a million events): `f`
    /// returns `false` to stop.
    pub(super) fn for_each<E: From<DbError> + Send>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        mut f: impl FnMut(&Row<'_>) -> Result<bool, E> + Send,
    ) -> Result<(), E> {
        match self {
            Conn::Sqlite(c) => {
                let values: Vec<Value<'_>> = params.iter().map(|p| p.value()).collect();
                let mut stmt = c.prepare_cached(sql).map_err(DbError::from)?;
                let mut rows = stmt
                    .query(rusqlite::params_from_iter(values.iter()))
                    .map_err(DbError::from)?;
                while let Some(r) = rows.next().map_err(DbError::from)? {
                    if !f(&Row::Sqlite(r))? {
                        break;
                    }
                }
                Ok(())
            }
            // A cursor: the rows come [`CURSOR_ROWS`] at a time from a portal in a read-only
            // transaction, so memory holds one portion, not the result (a million events).
            Conn::Postgres(pg) => {
                let stmt = pg.statement(sql)?;
                let values: Vec<Value<'_>> = params.iter().map(|p| p.value()).collect();
                pg.with_client(|c| {
                    let refs: Vec<&(dyn ToSql + Sync)> =
                        values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                    let mut tx = c
                        .build_transaction()
                        .read_only(true)
                        .start()
                        .map_err(DbError::from)?;
                    let portal = tx.bind(&stmt, &refs).map_err(DbError::from)?;
                    loop {
                        let rows = tx
                            .query_portal(&portal, CURSOR_ROWS)
                            .map_err(DbError::from)?;
                        for r in &rows {
                            if !f(&Row::Postgres(r))? {
                                return Ok(());
                            }
                        }
                        if rows.len() < CURSOR_ROWS as usize {
                            return Ok(());
                        }
                    }
                })
            }
        }
    }

    /// The one row of a query, through `f`; [`DbError::NoRows`] when there is none.
    pub(super) fn query_row<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnOnce(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        self.query_opt(sql, params, f)?.ok_or(DbError::NoRows)
    }

    /// The first row of a query, if any, through `f`.
    pub(super) fn query_opt<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnOnce(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<Option<T>, DbError> {
        match self {
            Conn::Sqlite(c) => {
                let values: Vec<Value<'_>> = params.iter().map(|p| p.value()).collect();
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(values.iter()))?;
                match rows.next()? {
                    Some(r) => f(&Row::Sqlite(r)).map(Some),
                    None => Ok(None),
                }
            }
            Conn::Postgres(pg) => match pg.query(sql, params)?.first() {
                Some(r) => f(&Row::Postgres(r)).map(Some),
                None => Ok(None),
            },
        }
    }

    /// Test hook: the SQLite connection, for assertions only SQLite can answer (pragmas).
    #[cfg(test)]
    pub(super) fn sqlite(&self) -> &rusqlite::Connection {
        match self {
            Conn::Sqlite(c) => c,
            Conn::Postgres(_) => panic!("an SQLite connection was expected"),
        }
    }

    /// Whether each command of a batch is isolated in a savepoint, so that a statement failing
    /// on its own (a duplicate id) fails that command alone. Always on SQLite, where a savepoint
    /// costs nothing. On PostgreSQL each costs two round trips, so a batch first runs without
    /// them, and a statement failing aborts it; the writer then runs it again isolating
    /// ([`Conn::set_isolating`]), which gives the same outcome as isolating from the start.
    pub(super) fn isolating(&self) -> bool {
        match self {
            Conn::Sqlite(_) => true,
            Conn::Postgres(pg) => pg.careful.get(),
        }
    }

    /// Turns isolation on or off on PostgreSQL; true when that changed anything.
    pub(super) fn set_isolating(&self, on: bool) -> bool {
        match self {
            Conn::Sqlite(_) => false,
            Conn::Postgres(pg) => pg.careful.replace(on) != on,
        }
    }

    /// `SAVEPOINT name` when [`Self::isolating`].
    pub(super) fn savepoint(&self, name: &str) -> Result<(), DbError> {
        if self.isolating() {
            self.batch(&format!("SAVEPOINT {name}"))?;
        }
        Ok(())
    }

    /// `RELEASE name` when [`Self::isolating`].
    pub(super) fn release(&self, name: &str) -> Result<(), DbError> {
        if self.isolating() {
            self.batch(&format!("RELEASE {name}"))?;
        }
        Ok(())
    }

    /// Undoes what was done since `SAVEPOINT name`, when [`Self::isolating`].
    pub(super) fn rollback_to(&self, name: &str) -> Result<(), DbError> {
        if self.isolating() {
            self.batch(&format!("ROLLBACK TO {name}; RELEASE {name}"))?;
        }
        Ok(())
    }

    /// Whether no transaction is open (SQLite rolls one back by itself on some errors).
    pub(super) fn is_autocommit(&self) -> bool {
        match self {
            Conn::Sqlite(c) => c.is_autocommit(),
            // The writer tracks its own transactions on PostgreSQL.
            Conn::Postgres(_) => false,
        }
    }

    /// Starts the writer's transaction: on SQLite `IMMEDIATE`, taking the write lock at once.
    pub(super) fn begin(&self) -> Result<(), DbError> {
        self.batch(match self {
            Conn::Sqlite(_) => "BEGIN IMMEDIATE",
            Conn::Postgres(_) => "BEGIN",
        })
    }

    pub(super) fn commit(&self) -> Result<(), DbError> {
        self.batch("COMMIT")
    }

    /// Rolls back whatever transaction is open; nothing when none is.
    pub(super) fn rollback(&self) {
        let open = match self {
            Conn::Sqlite(c) => !c.is_autocommit(),
            Conn::Postgres(pg) => !pg.is_closed(),
        };
        if open {
            let _ = self.batch("ROLLBACK");
        }
    }
}

/// Runs `f` where a blocking client may block: in place outside any tokio runtime, else on a
/// scoped thread of its own (see `Pg::with_client`).
pub(super) fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cross_sqlite_both_ways() {
        let conn = Conn::Sqlite(rusqlite::Connection::open_in_memory().unwrap());
        conn.batch("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB)")
            .unwrap();
        let blob = vec![1u8, 2, 3];
        let n = conn
            .execute(
                "INSERT INTO t VALUES (?1, ?2, ?3, ?4)",
                args![true, f64::NAN, "x", blob],
            )
            .unwrap();
        assert_eq!(n, 1);
        let (i, r, s, b): (bool, Option<f64>, String, Vec<u8>) = conn
            .query_row("SELECT i, r, s, b FROM t", args![], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .unwrap();
        assert!(i);
        assert_eq!(r, None, "NaN is stored as NULL");
        assert_eq!((s.as_str(), b), ("x", blob));
        let err = conn
            .query_row("SELECT s FROM t", args![], |r| r.get::<i64>(0))
            .unwrap_err();
        assert!(matches!(err, DbError::Convert { .. }), "{err}");
        assert!(matches!(
            conn.query_row("SELECT s FROM t WHERE 0", args![], |r| r.get::<String>(0)),
            Err(DbError::NoRows)
        ));
    }
}
