//! [`AppState`]: what every handler shares, passed with axum's `State`.

use crate::config::Settings;
use crate::digest::Pseudonymiser;
use crate::registry::Registry;
use crate::route::Router;
use crate::store::Store;
use crate::telemetry::Metrics;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{Mutex, OwnedMutexGuard, Semaphore};

/// Shared state of the service; cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

/// The fields behind [`AppState`].
pub struct Inner {
    /// The models in use (and the previous ones), swapped by the registry on reload.
    pub registry: Registry,
    /// The audit trail and the contact events (a handle to its writer thread).
    pub store: Store,
    /// Turns citizens' identifiers into the keyed pseudonyms the store keeps.
    pub pseudonyms: Pseudonymiser,
    /// The settings the service started with.
    pub settings: Settings,
    /// Permits for `/v1/*` requests in flight (`server.concurrency_limit`), handed to tower's
    /// concurrency limit; kept here too so that `/metrics` can report how many are taken.
    pub limiter: Arc<Semaphore>,
    /// This instance's metrics recorder.
    pub metrics: Metrics,
    /// Set when shutdown begins, so that `/readyz` turns away new traffic.
    pub shutting_down: AtomicBool,
    /// Held while a forecast refit runs.
    refit: Arc<Mutex<()>>,
    /// Held while an outreach scoring run runs.
    outreach_run: Arc<Mutex<()>>,
}

/// A long job of which one at a time runs: two refits, or two scoring runs, at once would compete
/// for the same cores and the same store and write the same results twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// `POST /v1/forecast/refit`, and the `[forecast] refit` schedule.
    Refit,
    /// `POST /v1/outreach/run`, and the `[outreach] schedule`.
    OutreachRun,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.inner.store)
            .field("bind", &self.inner.settings.server.bind)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over an opened registry and store; the store's cached forecasts (if any) serve
    /// until the next refit.
    pub fn new(
        settings: Settings,
        registry: Registry,
        store: Store,
        pseudonyms: Pseudonymiser,
    ) -> Self {
        let limiter = Arc::new(Semaphore::new(settings.server.concurrency_limit));
        match registry.restore_forecasts() {
            Ok(Some(at)) => tracing::info!(fitted_at = %at, "serving the cached forecasts"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "the cached forecasts were not restored"),
        }
        Self {
            inner: Arc::new(Inner {
                registry,
                store,
                pseudonyms,
                limiter,
                metrics: Metrics::new(),
                shutting_down: AtomicBool::new(false),
                refit: Arc::default(),
                outreach_run: Arc::default(),
                settings,
            }),
        }
    }

    fn job_lock(&self, job: Job) -> Arc<Mutex<()>> {
        Arc::clone(match job {
            Job::Refit => &self.inner.refit,
            Job::OutreachRun => &self.inner.outreach_run,
        })
    }

    /// Starts `job` once the one running (if any) has finished: what a caller asking for it
    /// wants, since the running one may predate the events it just sent. Move the guard into the
    /// blocking task that does the work: the job then counts as running until the work ends,
    /// even when the request that asked for it has gone.
    pub async fn start(&self, job: Job) -> OwnedMutexGuard<()> {
        self.job_lock(job).lock_owned().await
    }

    /// Starts `job` unless one is running (for a schedule: the running one does the work).
    pub fn try_start(&self, job: Job) -> Option<OwnedMutexGuard<()>> {
        self.job_lock(job).try_lock_owned().ok()
    }

    /// The router (models and policy) in use now; hold it for the whole request.
    pub fn router(&self) -> Arc<Router> {
        self.inner.registry.router()
    }

    /// Marks the service as shutting down (`/readyz` answers 503 from now on).
    pub fn begin_shutdown(&self) {
        self.inner.shutting_down.store(true, Ordering::SeqCst);
    }

    /// Whether shutdown has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.inner.shutting_down.load(Ordering::SeqCst)
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.inner
    }
}
