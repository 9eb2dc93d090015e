//! The read connections to PostgreSQL, pooled: the reads of the request path (a citizen's
//! outreach score, the access log, the keys, the forecasts' history) each borrow a connection
//! instead of opening one (a TCP or socket connect, authentication and a server process fork:
//! milliseconds, and worse with TLS). One pool per database URL in the process, at most
//! [`POOL_SIZE`] connections, opened on demand and checked before each loan (a server restart
//! leaves broken connections, which are dropped and replaced). `r2d2` with `r2d2_postgres`, the
//! pool of the blocking client the store already uses; the writer keeps its one connection apart
//! (`writer.rs`). Whether a pool's database is at this build's schema is checked once, with its
//! first connection.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use r2d2_postgres::PostgresConnectionManager;

use super::StoreError;
use super::location::Location;
use super::sql::{DbError, Pooled, off_runtime};

type Manager = PostgresConnectionManager<postgres::NoTls>;

/// Most read connections one process holds to one database. With the writer's one, a replica
/// holds at most 9; PostgreSQL allows 100 by default.
pub const POOL_SIZE: u32 = 8;

/// A pool and whether its database's schema was checked.
struct Entry {
    pool: r2d2::Pool<Manager>,
    checked: bool,
}

fn pools() -> &'static Mutex<HashMap<String, Entry>> {
    static POOLS: OnceLock<Mutex<HashMap<String, Entry>>> = OnceLock::new();
    POOLS.get_or_init(Mutex::default)
}

/// A connection to `url` from its pool (made on first use), and whether its schema was checked.
pub(super) fn get(at: &Location, url: &str) -> Result<(Pooled, bool), StoreError> {
    let (pool, checked) = {
        let mut pools = pools().lock().unwrap_or_else(PoisonError::into_inner);
        let entry = match pools.get(url) {
            Some(entry) => entry,
            None => {
                let config = pg_config(at, url)?;
                let timeout = config
                    .get_connect_timeout()
                    .copied()
                    .unwrap_or(std::time::Duration::from_secs(5));
                let pool = r2d2::Pool::builder()
                    .max_size(POOL_SIZE)
                    .min_idle(Some(0))
                    .connection_timeout(timeout)
                    .build_unchecked(Manager::new(config, postgres::NoTls));
                pools.entry(url.to_string()).or_insert(Entry {
                    pool,
                    checked: false,
                })
            }
        };
        (entry.pool.clone(), entry.checked)
    };
    // The blocking client cannot connect on a thread of the async runtime.
    let client = off_runtime(|| pool.get()).map_err(|e| StoreError::Open {
        at: at.to_string(),
        source: DbError::Pool(e.to_string()),
    })?;
    Ok((client, checked))
}

/// Records that `url`'s schema was checked.
pub(super) fn checked(url: &str) {
    if let Some(entry) = pools()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get_mut(url)
    {
        entry.checked = true;
    }
}

/// How long a connect may take unless the URL says (`connect_timeout`).
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The connection settings of `url`, with a connect timeout and the application name unless the
/// URL sets them (the writer's connection and the pool's alike).
pub(super) fn pg_config(at: &Location, url: &str) -> Result<postgres::Config, StoreError> {
    let mut config: postgres::Config =
        url.parse().map_err(|e: postgres::Error| StoreError::Open {
            at: at.to_string(),
            source: e.into(),
        })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("instrada");
    }
    Ok(config)
}
