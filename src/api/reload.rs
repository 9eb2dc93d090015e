//! Hot reload of the models: build, validate, warm up, then swap.
//!
//! A data scientist retrains into `models.dir` (`instrada train … --out models/topic`) and sends
//! the service SIGHUP. The new bundle is loaded and checked on a blocking thread (artefact
//! checksums, then the routing policy against its topic labels, as at start-up), warmed up with one
//! classification, and swapped in atomically. Requests in flight finish on the models they
//! started with. A bundle that fails any check leaves the old one serving, is logged with every
//! problem, and counts `instrada_model_reloads_total{outcome="failed"}`.
//!
//! Only the models are reloaded; the settings and the policy are those the service started with
//! (a changed `instrada.toml` needs a restart, which `check-config` can vet first).

use super::metrics as m;
use super::startup::{self, Invalid};
use super::state::AppState;
use crate::classify::PredictOptions;
use crate::config::Source;

/// The versions now serving after a successful reload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reloaded {
    /// Topic model version.
    pub topic: String,
    /// Urgency model version.
    pub urgency: String,
}

/// Loads `models.dir` again and, if it passes every check, serves it from now on.
pub async fn reload(state: &AppState, source: &Source) -> Result<Reloaded, Invalid> {
    let settings = state.settings.clone();
    let source_name = source.to_string();
    let src = source.clone();
    let loaded = tokio::task::spawn_blocking(move || {
        let engine = startup::load_engine(&settings, &src)?;
        // Warm up: page the weights in and size this thread's buffers before real traffic.
        let opts = PredictOptions::default();
        let _ = engine
            .bundle
            .classify("Buongiorno, vorrei informazioni sul servizio.", opts, opts);
        Ok(engine)
    })
    .await
    .unwrap_or_else(|join| {
        Err(Invalid {
            source_name,
            problems: vec![format!("the reload task failed: {join}")],
        })
    });
    match loaded {
        Ok(engine) => {
            let now = Reloaded {
                topic: engine.topic_version().to_string(),
                urgency: engine.urgency_version().to_string(),
            };
            state.swap_engine(engine);
            metrics::counter!(m::MODEL_RELOADS, "outcome" => "ok").increment(1);
            tracing::info!(topic = %now.topic, urgency = %now.urgency, "models reloaded");
            Ok(now)
        }
        Err(e) => {
            metrics::counter!(m::MODEL_RELOADS, "outcome" => "failed").increment(1);
            tracing::error!(problems = %e, "model reload refused: the previous models keep serving");
            Err(e)
        }
    }
}

/// Reloads the models on every SIGHUP, for as long as the service runs.
#[cfg(unix)]
pub async fn reload_on_sighup(state: AppState, source: Source) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hup) = signal(SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP: models reload only with a restart");
        return;
    };
    while hup.recv().await.is_some() {
        tracing::info!("SIGHUP: reloading the models");
        let _ = reload(&state, &source).await;
    }
}

/// Without Unix signals there is no reload trigger.
#[cfg(not(unix))]
pub async fn reload_on_sighup(_state: AppState, _source: Source) {}
