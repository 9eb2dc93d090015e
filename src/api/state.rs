//! [`AppState`]: what every handler shares, passed with axum's `State`.

use crate::classify::Bundle;
use crate::config::Settings;
use crate::route::Policy;
use crate::store::Store;
use crate::text::LanguageDetector;
use arc_swap::ArcSwap;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Semaphore;

/// The models and the policy validated against them: they are swapped together, as one, because
/// the policy names the topic model's labels.
#[derive(Debug)]
pub struct Engine {
    /// Topic and urgency models.
    pub bundle: Bundle,
    /// The routing policy, checked against `bundle`'s topic labels.
    pub policy: Policy,
}

impl Engine {
    /// Version of the topic model.
    pub fn topic_version(&self) -> &str {
        &self.bundle.topic.manifest().model_version
    }

    /// Version of the urgency model.
    pub fn urgency_version(&self) -> &str {
        &self.bundle.urgency.classifier().manifest().model_version
    }
}

/// Shared state of the service; cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

/// The fields behind [`AppState`].
pub struct Inner {
    /// The engine in use. An `ArcSwap` so that a reload can replace it without a lock on the
    /// request path: each request loads the current `Arc` once and finishes on it.
    pub engine: ArcSwap<Engine>,
    /// The audit trail (a handle to its writer thread).
    pub store: Store,
    /// The settings the service started with.
    pub settings: Settings,
    /// Language detection for requests that do not say their language, among the languages the
    /// policy names.
    pub language: LanguageDetector,
    /// Permits for `/v1/*` requests in flight (`server.concurrency_limit`). A semaphore so that
    /// a request past the limit can be refused at once (`try_acquire`) instead of queueing.
    pub limiter: Arc<Semaphore>,
    /// Renders the Prometheus text for `/metrics`.
    pub metrics: PrometheusHandle,
    /// Set when shutdown begins, so that `/readyz` turns away new traffic.
    pub shutting_down: AtomicBool,
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
    /// State over a loaded engine and an open store.
    pub fn new(settings: Settings, engine: Engine, store: Store) -> Self {
        let limiter = Arc::new(Semaphore::new(settings.server.concurrency_limit));
        // Policy changes need a restart, so the languages it names are fixed for the process.
        let language = LanguageDetector::new(
            engine.policy.default_language(),
            engine.policy.detect_languages(),
        );
        Self {
            inner: Arc::new(Inner {
                engine: ArcSwap::from_pointee(engine),
                store,
                language,
                limiter,
                metrics: crate::telemetry::metrics_handle(),
                shutting_down: AtomicBool::new(false),
                settings,
            }),
        }
    }

    /// The engine in use now.
    pub fn engine(&self) -> Arc<Engine> {
        self.inner.engine.load_full()
    }

    /// Replaces the engine; requests in flight finish on the old one.
    pub fn swap_engine(&self, engine: Engine) {
        self.inner.engine.store(Arc::new(engine));
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
