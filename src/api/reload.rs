//! Model reload and rollback on signals: the registry does the work, this file only listens.
//!
//! A data scientist retrains into `models.dir` (`instrada train … --out models/topic`) and sends
//! the service SIGHUP: the registry loads and checks the new bundle on a blocking thread (artefact
//! checksums, then the routing policy against its topic labels, as at start-up), warms it up and
//! swaps it in; requests in flight finish on the models they started with. A bundle that fails any
//! check leaves the old one serving, is logged with every problem, and counts
//! `instrada_model_reloads_total{outcome="failed"}`.
//!
//! SIGUSR1 rolls back to the models served before the last swap, from memory (no disk read): the
//! way back when new models pass every check but route worse. A second SIGUSR1 undoes the first.
//! `POST /v1/models/reload` and `POST /v1/models/rollback` (admin) do the same over HTTP, through
//! the same operations ([`crate::ops::models`]).
//!
//! Only the models are reloaded; the settings and the policy are those the service started with
//! (a changed `instrada.toml` needs a restart, which `check-config` can vet first).

use super::metrics as m;
use super::state::AppState;
use crate::ops::{self, Actor, OpError};

/// Loads `models.dir` again and, if it passes every check, serves it from now on; counted in the
/// metrics by outcome.
pub async fn reload(state: &AppState, actor: &Actor) -> Result<ops::models::Serving, OpError> {
    let loaded = ops::models::reload(&state.service, &state.registry, actor).await;
    let outcome = if loaded.is_ok() { "ok" } else { "failed" };
    state
        .metrics
        .record(|| metrics::counter!(m::MODEL_RELOADS, "outcome" => outcome).increment(1));
    loaded
}

/// Reloads the outreach model (on SIGHUP, with the routing models); a model that fails to load
/// leaves the one serving in place.
pub async fn reload_outreach(state: &AppState) {
    let registry = state.registry.clone();
    match tokio::task::spawn_blocking(move || registry.reload_outreach()).await {
        Ok(Ok(version)) => tracing::info!(%version, "outreach model reloaded"),
        Ok(Err(why)) => tracing::warn!(%why, "outreach model not reloaded"),
        Err(e) => tracing::error!(error = %e, "the outreach reload task failed"),
    }
}

/// Serves the models in use before the last swap again; counted in the metrics by outcome.
pub async fn rollback(state: &AppState, actor: &Actor) -> Result<ops::models::Serving, OpError> {
    let back = ops::models::rollback(&state.service, &state.registry, actor).await;
    let outcome = if back.is_ok() { "ok" } else { "failed" };
    state
        .metrics
        .record(|| metrics::counter!(m::MODEL_ROLLBACKS, "outcome" => outcome).increment(1));
    back
}

/// The SIGHUP and SIGUSR1 handlers, installed before the service says it listens: a signal sent
/// as soon as "listening" is logged must find them, not the default action, which ends the
/// process.
pub struct ReloadSignals {
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
    #[cfg(unix)]
    usr1: tokio::signal::unix::Signal,
}

impl ReloadSignals {
    /// Installs both handlers (inside the runtime); `None`, with a warning, if the system refuses.
    #[cfg(unix)]
    pub fn install() -> Option<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::hangup()),
            signal(SignalKind::user_defined1()),
        ) {
            (Ok(hup), Ok(usr1)) => Some(Self { hup, usr1 }),
            _ => {
                tracing::warn!(
                    "cannot listen for SIGHUP/SIGUSR1: models change only with a restart"
                );
                None
            }
        }
    }

    /// Without Unix signals there is no reload trigger.
    #[cfg(not(unix))]
    pub fn install() -> Option<Self> {
        None
    }
}

/// Reloads the models on every SIGHUP and rolls them back on every SIGUSR1, for as long as the
/// service runs.
#[cfg(unix)]
pub async fn reload_on_signals(state: AppState, signals: Option<ReloadSignals>) {
    let Some(ReloadSignals { mut hup, mut usr1 }) = signals else {
        return;
    };
    loop {
        tokio::select! {
            got = hup.recv() => {
                if got.is_none() { return; }
                tracing::info!("SIGHUP: reloading the models");
                let _ = reload(&state, &Actor::key("signal:SIGHUP")).await;
                reload_outreach(&state).await;
            }
            got = usr1.recv() => {
                if got.is_none() { return; }
                tracing::info!("SIGUSR1: rolling back to the previous models");
                let _ = rollback(&state, &Actor::key("signal:SIGUSR1")).await;
            }
        }
    }
}

/// Without Unix signals there is no reload trigger.
#[cfg(not(unix))]
pub async fn reload_on_signals(_state: AppState, _signals: Option<ReloadSignals>) {}
