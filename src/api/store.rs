//! `GET /v1/store/stats` and `POST /v1/store/prune` (admin): what the store holds, and pruning it
//! to `store.retention` now — [`crate::ops::store`] and [`crate::jobs::prune`], the same as
//! `instrada store stats|prune`.

use super::error::{ApiError, ErrorBody};
use super::extract::ApiQuery;
use super::state::AppState;
use crate::ops;
use crate::ops::store::PruneReport;
use crate::store::Usage;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// What `POST /v1/store/prune` takes.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PruneQuery {
    /// Only count what would be pruned. Default false.
    #[serde(default)]
    pub dry_run: bool,
}

// The schemas of [`Usage`] and [`PruneReport`] (never built).
/// Rows and bytes per table of the store, its kept texts and its file.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
pub struct StoreStats {
    /// One entry per table.
    pub tables: Vec<TableStats>,
    /// Decisions whose request text is kept.
    pub texts: u64,
    /// Bytes of those texts.
    pub text_bytes: u64,
    /// Size of the database file.
    pub file_bytes: u64,
    /// Of which free pages (returned by `VACUUM`).
    pub free_bytes: u64,
    /// Size of the write-ahead log.
    pub wal_bytes: u64,
    /// How bytes were counted: `dbstat` (SQLite's pages per table and index).
    pub method: String,
}

/// One table.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
pub struct TableStats {
    /// Its name.
    pub table: String,
    /// Rows.
    pub rows: u64,
    /// Bytes of its own pages.
    pub table_bytes: u64,
    /// Bytes of its indexes' pages.
    pub index_bytes: u64,
}

/// What a prune did, or with `dry_run` would do.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
pub struct PruneOut {
    /// Whether it only counted.
    pub dry_run: bool,
    /// The time the cutoffs count back from.
    pub at: DateTime<Utc>,
    /// One entry per kind, in the order pruned.
    pub kinds: Vec<KindPrunedOut>,
    /// Seconds it took.
    pub seconds: f64,
}

/// One kind of record.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
pub struct KindPrunedOut {
    /// `texts`, `feedback`, `decisions`, `events`, `reviews`, `outreach`, `access_log`.
    pub kind: String,
    /// Its retention (`400d`, or `off`).
    pub keep: String,
    /// Older records were pruned; absent when kept forever.
    pub before: Option<DateTime<Utc>>,
    /// Records deleted (texts: cleared), or that would be.
    pub rows: u64,
    /// Transactions it took.
    pub chunks: u64,
    /// The longest, in milliseconds.
    pub longest_chunk_ms: f64,
}

/// Rows and bytes per table of the store.
#[utoipa::path(get, path = "/v1/store/stats", tag = "store",
    responses(
        (status = 200, description = "Rows and bytes per table", body = StoreStats),
        (status = 503, description = "`store_unavailable`", body = ErrorBody),
    ))]
pub async fn stats(State(state): State<AppState>) -> Result<Json<Usage>, ApiError> {
    Ok(Json(ops::store::stats(&state.service).await?))
}

/// Prunes every kind of record past its `store.retention` now, in short transactions.
#[utoipa::path(post, path = "/v1/store/prune", tag = "store", params(PruneQuery),
    responses(
        (status = 200, description = "What was pruned, per kind", body = PruneOut),
        (status = 503, description = "`store_unavailable`", body = ErrorBody),
    ))]
pub async fn prune(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PruneQuery>,
) -> Result<Json<PruneReport>, ApiError> {
    let report = crate::jobs::prune::prune_now(&state.jobs, &state.service, q.dry_run).await?;
    Ok(Json(report))
}
