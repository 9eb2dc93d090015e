//! The record of model reloads and rollbacks (`model_changes`): written by the replica that made
//! one, read by every replica, which follows the latest (`jobs/follow.rs`), so that a reload or a
//! rollback asked of one instance reaches all of them. Kept, like the access log: which models
//! served when is part of the decisions' record.

use chrono::{DateTime, Utc};

use super::access::replica_name;
use super::rows::{timestamp, timestamp_column};
use super::sql::{Conn, DbError, Row, args};
use super::{Store, StoreError};

/// One reload or rollback, and the versions serving after it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModelChange {
    /// Its place in the record: later changes have larger ids.
    pub id: i64,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// `reload` or `rollback`.
    pub action: String,
    /// The topic model's version after it.
    pub topic: String,
    /// The urgency model's version after it.
    pub urgency: String,
    /// Who asked: a key's name, or `signal:SIGHUP`.
    pub actor: String,
    /// The instance that made it (host and process).
    pub replica: String,
}

const SELECT: &str = "SELECT id, at, action, topic, urgency, actor, replica FROM model_changes";

fn change(r: &Row<'_>) -> Result<ModelChange, DbError> {
    Ok(ModelChange {
        id: r.get(0)?,
        at: timestamp_column(r, 1)?,
        action: r.get(2)?,
        topic: r.get(3)?,
        urgency: r.get(4)?,
        actor: r.get(5)?,
        replica: r.get(6)?,
    })
}

fn latest(conn: &Conn) -> Result<Option<ModelChange>, DbError> {
    conn.query_opt(
        &format!("{SELECT} ORDER BY id DESC LIMIT 1"),
        args![],
        change,
    )
}

impl Store {
    /// Records that this instance now serves `topic` and `urgency` after `action` (`reload`,
    /// `rollback`) asked by `actor`; returns the change, once committed.
    pub async fn record_model_change(
        &self,
        action: &str,
        (topic, urgency): (&str, &str),
        actor: &str,
    ) -> Result<ModelChange, StoreError> {
        let at = Utc::now();
        let (action, topic, urgency, actor) = (
            action.to_string(),
            topic.to_string(),
            urgency.to_string(),
            actor.to_string(),
        );
        let replica = replica_name();
        self.exec(move |conn| {
            conn.execute(
                "INSERT INTO model_changes (at, action, topic, urgency, actor, replica)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                args![timestamp(&at), action, topic, urgency, actor, replica],
            )?;
            latest(conn)?.ok_or_else(|| DbError::convert(0, "the change just written is missing"))
        })
        .await
    }

    /// The latest reload or rollback of any instance on this database, if any was made.
    pub async fn latest_model_change(&self) -> Result<Option<ModelChange>, StoreError> {
        self.exec(latest).await
    }

    /// The last `limit` changes, newest first.
    pub async fn model_changes(&self, limit: usize) -> Result<Vec<ModelChange>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.exec(move |conn| {
            conn.query_map(
                &format!("{SELECT} ORDER BY id DESC LIMIT ?1"),
                args![limit],
                change,
            )
        })
        .await
    }
}
