//! The models in service, from an operator's seat: reload them from `models.dir` (checked, warmed
//! up, swapped; a bundle that fails a check is refused and the old one keeps serving) and roll
//! back to the previous ones, from memory. The registry does the work; `POST /v1/models/reload`,
//! `POST /v1/models/rollback`, SIGHUP and SIGUSR1 all come here.

use super::actor::Actor;
use super::error::OpError;
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
pub async fn reload(registry: &Registry, actor: &Actor) -> Result<Serving, OpError> {
    let task = registry.clone();
    let loaded = tokio::task::spawn_blocking(move || task.reload())
        .await
        .map_err(|e| OpError::internal(format!("the reload task failed: {e}")))?;
    match loaded {
        Ok(now) => {
            tracing::info!(topic = %now.topic, urgency = %now.urgency, by = %actor, "models reloaded");
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
pub fn rollback(registry: &Registry, actor: &Actor) -> Result<Serving, OpError> {
    match registry.rollback() {
        Ok(now) => {
            tracing::info!(topic = %now.topic, urgency = %now.urgency, by = %actor, "models rolled back");
            Ok(now.into())
        }
        Err(e) => {
            tracing::warn!(error = %e, by = %actor, "rollback refused");
            Err(OpError::NothingToRollBack)
        }
    }
}
