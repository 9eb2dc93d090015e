//! Running the service: start-up, the accept loop, and the graceful shutdown that guarantees that
//! every decision a caller received is committed.
//!
//! Shutdown order, on SIGTERM or Ctrl-C: `/readyz` turns 503; the listener stops accepting; requests
//! in flight finish (for at most `server.shutdown_grace_secs`, after which they are cut); then
//! the store is closed, which commits everything enqueued. A request cut by the grace period
//! gets no decision, and a decision enqueued before the cut is still committed.
//!
//! Once the port is bound, the process id is logged and, with `server.pid_file`, written to that
//! file (removed again on exit) so that operators can `kill -HUP $(cat data/instrada.pid)`.

use super::state::AppState;
use super::{build_router, metrics};
use crate::access::KeyRing;
use crate::config::{AuthMode, ConfigError, Settings, Source};
use crate::jobs::{
    self,
    schedule::{Clock, SystemClock},
};
use crate::ops::{OpenError, Service};
use crate::registry::{Invalid, Registry};
use crate::store::StoreError;
use axum::serve::ListenerExt;
use std::future::{Future, IntoFuture};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// How often histograms are folded (the Prometheus recorder needs periodic upkeep).
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Why the service could not start or stopped badly.
///
/// A variant's message does not repeat its `source`: `main` prints the whole chain.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The settings could not be read.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The configuration does not validate (every problem is listed).
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The pseudonym key could not be read or created, or the store opened.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The accept loop failed.
    #[error("the HTTP server failed")]
    Server {
        /// The cause.
        source: std::io::Error,
    },
    /// The PID file (`server.pid_file`) could not be written.
    #[error("cannot write the PID file {}", path.display())]
    PidFile {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The store did not close cleanly: some decisions may not be committed.
    #[error("the decision store did not close cleanly")]
    Close {
        /// The cause.
        source: StoreError,
    },
}

/// Loads everything `settings` names, binds `server.bind` and serves until SIGTERM or Ctrl-C.
pub async fn serve(settings: Settings, source: Source) -> Result<(), ServeError> {
    crate::telemetry::init_tracing(&settings.log);
    tracing::info!(
        pid = std::process::id(),
        config = %source,
        server = ?settings.server,
        models = %settings.models.dir.display(),
        store = ?settings.store,
        "starting"
    );
    let registry = Registry::open(&settings, &source)?;
    let service = Service::open(settings.clone())?;
    let store = service.store.clone();
    let keys = match key_ring(&settings) {
        Ok(k) => Arc::new(k),
        Err(e) => {
            let _ = store.close().await;
            return Err(e);
        }
    };
    let addr = settings.server.bind;
    let listener = match TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(source) => {
            // Nothing was recorded yet, but close cleanly all the same.
            let _ = store.close().await;
            return Err(ServeError::Bind { addr, source });
        }
    };
    // Every signal handler is in place before the PID file is written and "listening" is logged:
    // whoever waits for either may signal at once, and an unhandled SIGUSR1 ends the process.
    let reload_signals = super::reload::ReloadSignals::install();
    let stop = shutdown_signal();
    // Written once the port is ours, so that a second instance refused at bind does not
    // overwrite the running one's file.
    let pid_file = match settings.server.pid_file.as_deref().map(PidFile::write) {
        Some(Err(e)) => {
            let _ = store.close().await;
            return Err(e);
        }
        Some(Ok(f)) => Some(f),
        None => None,
    };
    tracing::info!(
        addr = %listener.local_addr().unwrap_or(addr),
        pid = std::process::id(),
        pid_file = pid_file.as_ref().map(|f| f.path.display().to_string()),
        "listening (SIGHUP reloads the models, SIGUSR1 rolls them back, SIGTERM stops)"
    );
    match jobs::refit::restore(&service, &registry) {
        Ok(Some(at)) => tracing::info!(fitted_at = %at, "serving the cached forecasts"),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "the cached forecasts were not restored"),
    }
    let state = AppState::new(service, registry, Arc::clone(&keys));
    let key_refresher = tokio::spawn(refresh_keys(keys, settings.server.auth));
    let reloader = tokio::spawn(super::reload::reload_on_signals(
        state.clone(),
        reload_signals,
    ));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let (jobs, svc, registry) = (&state.jobs, &state.service, &state.registry);
    let refitter = tokio::spawn(jobs::refit::on_schedule(
        jobs.clone(),
        svc.clone(),
        registry.clone(),
        clock.clone(),
    ));
    let scorer = tokio::spawn(jobs::run::on_schedule(
        jobs.clone(),
        svc.clone(),
        registry.clone(),
        clock.clone(),
    ));
    let pruner = tokio::spawn(jobs::prune::on_schedule(jobs.clone(), svc.clone(), clock));
    let follower = (settings.models.follow_secs > 0).then(|| {
        tokio::spawn(jobs::follow::follow_models(
            svc.clone(),
            registry.clone(),
            Duration::from_secs(settings.models.follow_secs),
        ))
    });
    let served = run(listener, state, stop).await;
    reloader.abort();
    key_refresher.abort();
    refitter.abort();
    scorer.abort();
    pruner.abort();
    if let Some(follower) = follower {
        follower.abort();
    }
    drop(pid_file);
    served
}

/// The live API keys, or, with `server.auth = "off"` (a loopback address only: the settings'
/// check refuses it on any other), none, said loudly.
fn key_ring(settings: &Settings) -> Result<KeyRing, ServeError> {
    let path = settings.store.location();
    match settings.server.auth {
        AuthMode::Off => {
            tracing::warn!(
                addr = %settings.server.bind,
                "server.auth = off: NO API KEY IS CHECKED, anyone who reaches this address can read \
                 and change everything; allowed on a loopback address only (create keys with \
                 `instrada keys create` and set server.auth = \"required\")"
            );
            Ok(KeyRing::empty(path))
        }
        AuthMode::Required => {
            let ring =
                KeyRing::load(path).map_err(|source| ServeError::Open(OpenError::Store(source)))?;
            if ring.is_empty() {
                tracing::warn!(
                    "server.auth = required and no API key exists: every /v1 request is refused \
                     with 401 until one is created (`instrada keys create --name NAME --scope \
                     route`; the service reads the keys again every few seconds)"
                );
            } else {
                tracing::info!(keys = ring.len(), "API keys required");
            }
            Ok(ring)
        }
    }
}

/// Reads the keys again every [`KeyRing::REFRESH`], so that keys created or revoked with
/// `instrada keys` take effect while the service runs.
async fn refresh_keys(keys: Arc<KeyRing>, auth: AuthMode) {
    if auth == AuthMode::Off {
        return;
    }
    let mut every = tokio::time::interval(KeyRing::REFRESH);
    every.tick().await;
    loop {
        every.tick().await;
        let ring = Arc::clone(&keys);
        match tokio::task::spawn_blocking(move || ring.refresh()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "the API keys were not read again"),
            Err(e) => tracing::error!(error = %e, "the key refresh task failed"),
        }
    }
}

/// `server.pid_file` while the service runs: holds this process's id, removed when dropped.
#[derive(Debug)]
struct PidFile {
    path: PathBuf,
    pid: String,
}

impl PidFile {
    fn write(path: &Path) -> Result<Self, ServeError> {
        let pid = std::process::id().to_string();
        let err = |source| ServeError::PidFile {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        std::fs::write(path, format!("{pid}\n")).map_err(err)?;
        Ok(Self {
            path: path.to_path_buf(),
            pid,
        })
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        // Only our own: another instance may have replaced the file since.
        let ours = std::fs::read_to_string(&self.path).is_ok_and(|s| s.trim() == self.pid);
        if ours && let Err(e) = std::fs::remove_file(&self.path) {
            tracing::warn!(path = %self.path.display(), error = %e, "cannot remove the PID file");
        }
    }
}

/// Serves `state` on `listener` until `shutdown` completes, then shuts down gracefully and closes
/// the store. Tests call this with their own listener and shutdown trigger.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    metrics::describe(&state.metrics);
    let app = build_router(state.clone());
    let listener = listener.tap_io(|tcp| {
        // Small JSON answers: do not let Nagle's algorithm hold them back.
        let _ = tcp.set_nodelay(true);
    });
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = stop_rx.await;
    });
    let mut server = tokio::spawn(server.into_future());
    // Shedding by queueing delay (`api::shed`): the probe sets the share to refuse.
    let probe = (state.settings.server.shed_lag_ms > 0).then(|| {
        let target = Duration::from_millis(state.settings.server.shed_lag_ms);
        tokio::spawn(super::lag::probe(Arc::clone(&state.lag), target))
    });
    let upkeep = {
        let handle = state.metrics.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(UPKEEP_EVERY);
            loop {
                every.tick().await;
                handle.run_upkeep();
            }
        })
    };

    let outcome = tokio::select! {
        joined = &mut server => joined,
        () = shutdown => {
            tracing::info!("shutdown requested: finishing requests in flight");
            state.begin_shutdown();
            let _ = stop_tx.send(());
            let grace = Duration::from_secs(state.settings.server.shutdown_grace_secs);
            match tokio::time::timeout(grace, &mut server).await {
                Ok(joined) => joined,
                Err(_) => {
                    tracing::warn!(grace_secs = grace.as_secs(), "requests still in flight after the grace period: cutting them");
                    server.abort();
                    Ok(Ok(()))
                }
            }
        }
    };
    upkeep.abort();
    if let Some(p) = probe {
        p.abort();
    }
    state.begin_shutdown();
    // Whatever happened to the server, commit what was acknowledged.
    let closed = state.store.close().await;
    let served = match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(source)) => Err(ServeError::Server { source }),
        Err(join) => Err(ServeError::Server {
            source: std::io::Error::other(join.to_string()),
        }),
    };
    served?;
    closed.map_err(|source| ServeError::Close { source })?;
    tracing::info!("stopped: every recorded decision is committed");
    Ok(())
}

/// Completes on SIGTERM or Ctrl-C (SIGINT). The handlers are installed when this is called, not
/// when the future is first polled, so call it before announcing that the service listens.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let terminate = signal(SignalKind::terminate());
        let interrupt = signal(SignalKind::interrupt());
        if terminate.is_err() || interrupt.is_err() {
            tracing::warn!("cannot listen for SIGTERM/SIGINT: the service stops only when killed");
        }
        async move {
            let one = async {
                match terminate {
                    Ok(mut s) => drop(s.recv().await),
                    Err(_) => std::future::pending::<()>().await,
                }
            };
            let other = async {
                match interrupt {
                    Ok(mut s) => drop(s.recv().await),
                    Err(_) => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = one => {},
                () = other => {},
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
