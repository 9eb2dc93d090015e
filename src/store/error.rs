//! The store's error type: one enum for opening, writing, reading and exporting; and [`contain`],
//! which tells a failure of one command from a failure of its batch (the writer and the jobs both
//! ask it, so it lives here, below both).

use std::path::PathBuf;

use uuid::Uuid;

use super::sql::{Conn, DbError};

/// Everything that can go wrong in [`crate::store`].
///
/// The HTTP layer maps [`StoreError::Busy`], [`StoreError::Unavailable`],
/// [`StoreError::Unreachable`] and [`StoreError::Closed`] to 503 and [`StoreError::UnknownDecision`] to 404; everything else is a runtime fault.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened, reached or configured (`at` names it, without a
    /// password).
    #[error("cannot open the decision store {at}")]
    Open {
        at: String,
        #[source]
        source: DbError,
    },
    /// The file's schema is not the one this build works with: newer (written by a newer
    /// instrada, refused rather than guessed at) or, for read-only access, not yet migrated.
    #[error(
        "{at} has schema version {found} but this build of instrada works with version {supported}; \
         a newer database needs a newer instrada, an older one is migrated when the server opens \
         it (or by `instrada store migrate`)"
    )]
    Schema {
        at: String,
        found: i64,
        supported: i64,
    },
    /// `store copy` will not copy into `at`: it is the source, or it holds rows.
    #[error("cannot copy into {at}: {why}")]
    CopyRefused { at: String, why: String },
    /// A configuration value the store cannot work with.
    #[error("store setting `{field}` = {value} is out of range ({expected})")]
    InvalidConfig {
        field: &'static str,
        value: usize,
        expected: &'static str,
    },
    /// Any other failure of the database.
    #[error("database error")]
    Database(#[from] DbError),
    /// The write queue is full: the caller should shed load (answer 503) rather than wait.
    #[error("the decision store's write queue is full")]
    Busy,
    /// The writer thread is gone (it failed); nothing can be recorded any more.
    #[error("the decision store's writer is not running")]
    Unavailable,
    /// The database cannot be reached (PostgreSQL stopped, restarting, or cut off): nothing is
    /// taken until the writer can connect again, which it tries every fraction of a second.
    #[error("the database cannot be reached; reconnecting")]
    Unreachable,
    /// [`crate::store::Store::close`] was called: the store takes no new commands.
    #[error("the decision store is closed")]
    Closed,
    /// Feedback names a decision that was never recorded.
    #[error("no decision {decision_id} in the store")]
    UnknownDecision { decision_id: Uuid },
    /// The batch carrying this command could not be committed, even after one retry.
    #[error("the decision store could not commit the batch: {cause}")]
    WriteFailed { cause: String },
    /// A file-system operation failed.
    #[error("I/O error on {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The writer thread could not be started.
    #[error("cannot start the store writer thread")]
    Spawn {
        #[source]
        source: std::io::Error,
    },
    /// Writing the export CSV failed.
    #[error("cannot write the CSV {}", path.display())]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
}

/// An error and its sources on one line, for logs (`Display` of each level, joined by ": ").
pub(super) fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.into())
    }
}

/// Keeps a failure local to its command when the transaction survived it; otherwise passes it
/// up to abort the batch. (On PostgreSQL the caller has put the command in a savepoint and rolls
/// back to it.)
pub(super) fn contain<T>(
    conn: &Conn,
    result: Result<T, DbError>,
) -> Result<Result<T, StoreError>, DbError> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(err) if !conn.is_autocommit() && conn.isolating() && err.statement_level() => {
            Ok(Err(StoreError::Database(err)))
        }
        Err(err) => Err(err),
    }
}
