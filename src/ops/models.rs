//! The models in service, from an operator's seat: reload them from `models.dir` (checked, warmed
//! up, swapped; a bundle that fails a check is refused and the old one keeps serving) and roll
//! back to the previous ones, from memory. The registry does the work; `POST /v1/models/reload`,
//! `POST /v1/models/rollback`, SIGHUP and SIGUSR1 all come here.
//!
//! Each change that happens is recorded in the store (`model_changes`: what, the versions after
//! it, who, which instance), and every instance on the same database follows the latest one
//! (`jobs::follow`): a reload or rollback asked of one replica reaches them all.

use super::actor::Actor;
use super::error::OpError;
use super::service::Service;
use crate::access::Scope;
use crate::registry::{Registry, Versions};
use serde::{Deserialize, Serialize};

/// What a key needs for these operations.
pub const SCOPE: Scope = Scope::Admin;

/// The versions serving after a reload or a rollback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Serving {
    /// The topic model's version.
    pub topic: String,
    /// The urgency model's version.
    pub urgency: String,
}

impl From<Versions> for Serving {
    fn from(v: Versions) -> Self {
        Self {
            topic: v.topic,
            urgency: v.urgency,
        }
    }
}

/// Loads `models.dir` again and, if it passes every check, serves it from now on (on a blocking
/// thread: it reads and checks files); requests in flight finish on the models they started with.
pub async fn reload(svc: &Service, registry: &Registry, actor: &Actor) -> Result<Serving, OpError> {
    let task = registry.clone();
    let loaded = tokio::task::spawn_blocking(move || task.reload())
        .await
        .map_err(|e| OpError::internal(format!("the reload task failed: {e}")))?;
    match loaded {
        Ok(now) => {
            tracing::info!(topic = %now.topic, urgency = %now.urgency, by = %actor, "models reloaded");
            record(svc, "reload", &now, actor).await;
            Ok(now.into())
        }
        Err(invalid) => {
            tracing::error!(problems = %invalid, by = %actor, "model reload refused: the previous models keep serving");
            Err(OpError::ModelsRefused {
                problems: invalid.problems.join("; "),
            })
        }
    }
}

/// Serves the models in use before the last swap again (a second rollback undoes the first).
pub async fn rollback(
    svc: &Service,
    registry: &Registry,
    actor: &Actor,
) -> Result<Serving, OpError> {
    match registry.rollback() {
        Ok(now) => {
            tracing::info!(topic = %now.topic, urgency = %now.urgency, by = %actor, "models rolled back");
            record(svc, "rollback", &now, actor).await;
            Ok(now.into())
        }
        Err(e) => {
            tracing::warn!(error = %e, by = %actor, "rollback refused");
            Err(OpError::NothingToRollBack)
        }
    }
}

/// Records a change that happened, for the other instances to follow. The change stands if the
/// store fails (this instance serves the new models either way): said loudly, as the other
/// instances keep theirs until asked again.
async fn record(svc: &Service, action: &str, now: &Versions, actor: &Actor) {
    let versions = (now.topic.as_str(), now.urgency.as_str());
    if let Err(e) = svc
        .store
        .record_model_change(action, versions, &actor.to_string())
        .await
    {
        tracing::error!(
            error = %e,
            action,
            "the model change was not recorded in the store: other instances on this database \
             keep their models until it is asked again"
        );
    }
}
