//! [`AppState`]: what every handler shares, passed with axum's `State`: the operations' [`Service`]
//! (settings, store, pseudonymiser), the [`Registry`] of models, and what only HTTP needs (the
//! concurrency limiter, the metrics recorder, the shutdown flag). Building it does no I/O.

use crate::ops::Service;
use crate::registry::Registry;
use crate::route::Router;
use crate::telemetry::Metrics;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{Mutex, OwnedMutexGuard, Semaphore};

/// Shared state of the service; cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

/// The fields behind [`AppState`]; derefs to the [`Service`], so `state.store` and
/// `state.settings` are the service's.
pub struct Inner {
    /// What the operations work with: settings, store, pseudonymiser.
    pub service: Service,
    /// The models in use (and the previous ones), swapped by the registry on reload.
    pub registry: Registry,
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
            .field("service", &self.inner.service)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over an opened service and registry (no I/O).
    pub fn new(service: Service, registry: Registry) -> Self {
        let limiter = Arc::new(Semaphore::new(service.settings.server.concurrency_limit));
        Self {
            inner: Arc::new(Inner {
                service,
                registry,
                limiter,
                metrics: Metrics::new(),
                shutting_down: AtomicBool::new(false),
                refit: Arc::default(),
                outreach_run: Arc::default(),
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

impl std::ops::Deref for Inner {
    type Target = Service;
    fn deref(&self) -> &Service {
        &self.service
    }
}
