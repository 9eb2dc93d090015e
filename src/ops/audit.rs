//! The access log of personal data: recording an access ([`Service::record_access`], called by
//! every operation that shows or changes a citizen's outreach data, whichever edge asked) and
//! reading the log back ([`access`]: `instrada audit access`, `GET /v1/audit/access`).

use super::actor::Actor;
use super::error::OpError;
use super::service::Service;
use crate::store::AccessRecord;
use crate::store::access::read_access;
use chrono::{DateTime, Utc};

impl Service {
    /// Records that `actor` did `action` on the data of `citizens` citizens; returns once
    /// committed. A read whose access cannot be recorded is not answered.
    pub async fn record_access(
        &self,
        actor: &Actor,
        action: &str,
        citizens: usize,
        detail: Option<String>,
    ) -> Result<(), OpError> {
        self.store
            .log_access(AccessRecord {
                at: Utc::now(),
                actor: actor.as_str().to_string(),
                action: action.to_string(),
                citizens: citizens as u64,
                detail,
            })
            .await
            .map_err(|e| self.unavailable(e))
    }
}

/// The accesses from `since` on, oldest first, optionally one actor's.
pub async fn access(
    svc: &Service,
    since: DateTime<Utc>,
    actor: Option<String>,
) -> Result<Vec<AccessRecord>, OpError> {
    svc.read(move |path| read_access(path, since, actor.as_deref()))
        .await
}
