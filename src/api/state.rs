//! [`AppState`]: what every handler shares, passed with axum's `State`: the operations' [`Service`]
//! (settings, store, pseudonymiser), the [`Registry`] of models, and what only HTTP needs (the
//! concurrency limiter, the metrics recorder, the shutdown flag). Building it does no I/O.

use crate::access::{KeyRing, Rates};
use crate::jobs::Jobs;
use crate::ops::Service;
use crate::registry::Registry;
use crate::route::Router;
use crate::telemetry::Metrics;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Semaphore;

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
    /// The live API keys (read again every few seconds by `serve`).
    pub keys: Arc<KeyRing>,
    /// Each key's request rate.
    pub rates: Rates,
    /// The queueing delay's share of requests to refuse, set by `lag::probe`.
    pub lag: Arc<super::lag::Lag>,
    /// Permits for `/v1/*` requests in flight (`server.concurrency_limit`), handed to tower's
    /// concurrency limit; kept here too so that `/metrics` can report how many are taken.
    pub limiter: Arc<Semaphore>,
    /// This instance's metrics recorder.
    pub metrics: Metrics,
    /// Set when shutdown begins, so that `/readyz` turns away new traffic.
    pub shutting_down: AtomicBool,
    /// The locks that keep one refit and one scoring run going at a time.
    pub jobs: Jobs,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("service", &self.inner.service)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over an opened service, registry and key ring (no I/O).
    pub fn new(service: Service, registry: Registry, keys: Arc<KeyRing>) -> Self {
        let limiter = Arc::new(Semaphore::new(service.settings.server.concurrency_limit));
        let rates = Rates::new(service.settings.server.key_rate_per_sec);
        Self {
            inner: Arc::new(Inner {
                service,
                registry,
                keys,
                rates,
                lag: Arc::default(),
                limiter,
                metrics: Metrics::new(),
                shutting_down: AtomicBool::new(false),
                jobs: Jobs::default(),
            }),
        }
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
