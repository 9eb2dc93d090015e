//! Who may do what, and who saw what: the API keys (their SHA-256, never the key), and the
//! access log of personal data (every read of outreach flags and the fairness report, every
//! review and opt-out: who, when, what, how many citizens). Writes are jobs of the writer thread,
//! answered once committed; reads use their own connection.

use super::location::Location;
use super::rows::{timestamp, timestamp_column};
use super::schema::open_for_reading;
use super::sql::{Conn, DbError, args};
use super::{Store, StoreError};
use chrono::{DateTime, Utc};

/// An API key as stored: its name, the SHA-256 of the key, what it may do.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRecord {
    /// Unique, forever (a revoked key's name is not reused: the audit trail names it).
    pub name: String,
    /// SHA-256 of the key, 64 hex digits.
    pub key_sha256: String,
    /// Its scopes, as their names.
    pub scopes: Vec<String>,
    /// Requests per second it may make; `None`: the server's default.
    pub rate_per_sec: Option<f64>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Who created it (a key's name, or `cli:USER`).
    pub created_by: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One access to personal data.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AccessRecord {
    /// When.
    pub at: DateTime<Utc>,
    /// Who: the key's name, or `cli:USER`.
    pub actor: String,
    /// What, e.g. `outreach.list`, `outreach.review`.
    pub action: String,
    /// How many citizens' data it showed or changed.
    pub citizens: u64,
    /// A detail that identifies nobody (a flag id, a query), if any.
    pub detail: Option<String>,
}

fn insert_key(conn: &Conn, k: &KeyRecord) -> Result<bool, DbError> {
    let taken: Option<i64> = conn.query_opt(
        "SELECT 1 FROM api_keys WHERE name = ?1",
        args![k.name],
        |r| r.get(0),
    )?;
    if taken.is_some() {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO api_keys (name, key_sha256, scopes, rate_per_sec, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![
            k.name,
            k.key_sha256,
            k.scopes.join(","),
            k.rate_per_sec,
            timestamp(&k.created_at),
            k.created_by
        ],
    )?;
    Ok(true)
}

fn revoke(conn: &Conn, name: &str, at: &DateTime<Utc>) -> Result<bool, DbError> {
    let n = conn.execute(
        "UPDATE api_keys SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
        args![name, timestamp(at)],
    )?;
    Ok(n == 1)
}

fn insert_access(conn: &Conn, a: &AccessRecord) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO access_log (at, actor, action, citizens, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        args![
            timestamp(&a.at),
            a.actor,
            a.action,
            i64::try_from(a.citizens).unwrap_or(i64::MAX),
            a.detail
        ],
    )?;
    Ok(())
}

/// Claims the run of `job` due at `due` for `replica`; `false` when another already claimed it.
fn claim(conn: &Conn, job: &str, due: &str, replica: &str, now: &str) -> Result<bool, DbError> {
    let n = conn.execute(
        "INSERT INTO job_runs (job, due, replica, claimed_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (job, due) DO NOTHING",
        args![job, due, replica, now],
    )?;
    Ok(n == 1)
}

impl Store {
    /// Claims the scheduled run of `job` due at `due` for this process: `true` for exactly one
    /// of the replicas (processes) on this database that ask, once committed.
    pub async fn claim_run(&self, job: &str, due: DateTime<Utc>) -> Result<bool, StoreError> {
        let (job, due) = (job.to_string(), timestamp(&due));
        let replica = replica_name();
        let now = timestamp(&Utc::now());
        self.exec(move |conn| claim(conn, &job, &due, &replica, &now))
            .await
    }

    /// Who claimed each run of `job`, by due time (for tests and operators).
    pub async fn job_runs(&self, job: &str) -> Result<Vec<(String, String)>, StoreError> {
        let job = job.to_string();
        self.exec(move |conn| {
            conn.query_map(
                "SELECT due, replica FROM job_runs WHERE job = ?1 ORDER BY due",
                args![job],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await
    }

    /// Stores a new key; `false` when its name is taken (by a live or a revoked key).
    pub async fn create_key(&self, key: KeyRecord) -> Result<bool, StoreError> {
        self.exec(move |conn| insert_key(conn, &key)).await
    }

    /// Revokes the live key `name`; `false` when there is none.
    pub async fn revoke_key(&self, name: String, at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.exec(move |conn| revoke(conn, &name, &at)).await
    }

    /// Records an access to personal data; returns once committed.
    pub async fn log_access(&self, access: AccessRecord) -> Result<(), StoreError> {
        self.exec(move |conn| insert_access(conn, &access)).await
    }
}

/// This process, as a replica: host name and process id.
pub(super) fn replica_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into());
    format!("{host}:{}", std::process::id())
}

/// Every key, live and revoked, by name.
pub fn list_keys(at: impl Into<Location>) -> Result<Vec<KeyRecord>, StoreError> {
    let conn = open_for_reading(at)?;
    let rows = conn.query_map(
        "SELECT name, key_sha256, scopes, rate_per_sec, created_at, created_by, revoked_at
         FROM api_keys ORDER BY name",
        args![],
        |r| {
            let revoked: Option<String> = r.get(6)?;
            Ok(KeyRecord {
                name: r.get(0)?,
                key_sha256: r.get(1)?,
                scopes: r
                    .get::<String>(2)?
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                rate_per_sec: r.get(3)?,
                created_at: timestamp_column(r, 4)?,
                created_by: r.get(5)?,
                revoked_at: match revoked {
                    Some(_) => Some(timestamp_column(r, 6)?),
                    None => None,
                },
            })
        },
    )?;
    Ok(rows)
}

/// The access log from `since` on, oldest first, optionally one actor's.
pub fn read_access(
    at: impl Into<Location>,
    since: DateTime<Utc>,
    actor: Option<&str>,
) -> Result<Vec<AccessRecord>, StoreError> {
    let conn = open_for_reading(at)?;
    let rows = conn.query_map(
        "SELECT at, actor, action, citizens, detail FROM access_log
         WHERE at >= ?1 AND (CAST(?2 AS TEXT) IS NULL OR actor = ?2) ORDER BY at, id",
        args![timestamp(&since), actor],
        |r| {
            Ok(AccessRecord {
                at: timestamp_column(r, 0)?,
                actor: r.get(1)?,
                action: r.get(2)?,
                citizens: u64::try_from(r.get::<i64>(3)?).unwrap_or(0),
                detail: r.get(4)?,
            })
        },
    )?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreConfig;

    fn key(name: &str) -> KeyRecord {
        KeyRecord {
            name: name.into(),
            key_sha256: crate::digest::sha256_hex(name),
            scopes: vec!["route".into(), "events".into()],
            rate_per_sec: Some(5.0),
            created_at: Utc::now(),
            created_by: "cli:test".into(),
            revoked_at: None,
        }
    }

    #[tokio::test]
    async fn keys_are_created_once_per_name_revoked_once_and_listed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&StoreConfig::new(dir.path().join("s.db"))).unwrap();
        assert!(store.create_key(key("crm")).await.unwrap());
        assert!(
            !store.create_key(key("crm")).await.unwrap(),
            "the name is taken"
        );
        assert!(store.create_key(key("cti")).await.unwrap());
        assert!(store.revoke_key("crm".into(), Utc::now()).await.unwrap());
        assert!(!store.revoke_key("crm".into(), Utc::now()).await.unwrap());
        assert!(!store.revoke_key("nobody".into(), Utc::now()).await.unwrap());
        assert!(
            !store.create_key(key("crm")).await.unwrap(),
            "not even once revoked"
        );
        let keys = list_keys(store.location()).unwrap();
        let names: Vec<(&str, bool)> = keys
            .iter()
            .map(|k| (k.name.as_str(), k.revoked_at.is_some()))
            .collect();
        assert_eq!(names, [("crm", true), ("cti", false)]);
        assert_eq!(keys[1], key("cti").with_times(&keys[1]));
        store.close().await.unwrap();
    }

    impl KeyRecord {
        /// `self` with the stored times of `stored` (written with nanoseconds, read back alike).
        fn with_times(mut self, stored: &KeyRecord) -> Self {
            self.created_at = stored.created_at;
            self
        }
    }

    #[tokio::test]
    async fn the_access_log_reads_back_from_a_time_and_by_actor() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&StoreConfig::new(dir.path().join("s.db"))).unwrap();
        let t0 = Utc::now();
        for (actor, action, n) in [("a", "outreach.list", 3), ("b", "outreach.review", 1)] {
            store
                .log_access(AccessRecord {
                    at: Utc::now(),
                    actor: actor.into(),
                    action: action.into(),
                    citizens: n,
                    detail: None,
                })
                .await
                .unwrap();
        }
        let all = read_access(store.location(), t0, None).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(
            (all[0].action.as_str(), all[0].citizens),
            ("outreach.list", 3)
        );
        let b = read_access(store.location(), t0, Some("b")).unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].actor, "b");
        let later = read_access(store.location(), Utc::now(), None).unwrap();
        assert!(later.is_empty());
        store.close().await.unwrap();
    }
}
