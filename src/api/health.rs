//! `GET /healthz` (the process answers) and `GET /readyz` (it can take traffic: models loaded, the
//! store's writer answering, not shutting down). Neither is behind the concurrency limit, so a
//! saturated service still answers its probes.

use super::error::{ApiError, ErrorBody};
use super::state::AppState;
use crate::ops::OpError;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::ToSchema;

/// How long `/readyz` waits for the store's writer.
const STORE_PROBE: Duration = Duration::from_secs(2);

/// Liveness answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: String,
}

/// Readiness answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Readiness {
    /// Always `ready` (not ready is a 503 error).
    pub status: String,
    /// Versions of the loaded models.
    #[schema(value_type = super::schema::ModelVersions)]
    pub models: crate::route::decision::ModelVersions,
    /// Decisions waiting to be written.
    pub store_queue_depth: usize,
    /// Acknowledged decisions the database refused since start (alert when above 0).
    pub store_lost_records: u64,
}

/// The process is alive.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses((status = 200, description = "Alive", body = Health))
)]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

/// The service can take traffic.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "`not_ready` (shutting down) or `store_unavailable`", body = ErrorBody),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Readiness>, ApiError> {
    if state.is_shutting_down() {
        return Err(OpError::NotReady {
            reason: "shutting down".into(),
        }
        .into());
    }
    // A round trip through the writer thread: it answers only if it is alive and keeping up.
    state
        .within(
            STORE_PROBE,
            "an answer from the store's writer",
            state.store.counts(),
        )
        .await?
        .map_err(|e| state.unavailable(e))?;
    let router = state.router();
    let stats = state.store.stats();
    Ok(Json(Readiness {
        status: "ready".into(),
        models: crate::route::decision::ModelVersions {
            topic: router.topic_version().to_string(),
            urgency: router.urgency_version().to_string(),
        },
        store_queue_depth: stats.queue_depth,
        store_lost_records: stats.lost_records,
    }))
}
