//! The forecast refit: fit every `[forecast]` series on the store's contacts
//! ([`crate::ops::forecast::fit`]), serve the result from the registry, and save it in the
//! store's forecast cache so that a restart serves it at once ([`restore`]). On demand
//! ([`refit_now`]: `POST /v1/forecast/refit`), and on the `[forecast] refit` schedule
//! ([`on_schedule`]), which also refits at start-up unless the cache holds a refit at least as
//! recent as the last scheduled one.

use super::schedule::{self, Clock};
use super::{Job, Jobs, Running};
use crate::forecast::plan::Forecasts;
use crate::ops::{self, Actor, OpError, Service};
use crate::registry::Registry;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What a key needs to ask for a refit.
pub const SCOPE: crate::access::Scope = crate::access::Scope::Planner;

/// What a refit did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefitSummary {
    /// When it ran.
    pub fitted_at: Option<DateTime<Utc>>,
    /// Series fitted.
    pub fitted: usize,
    /// Series that could not be.
    pub failed: usize,
}

impl RefitSummary {
    /// The summary of a refit.
    pub fn of(f: &Forecasts) -> Self {
        Self {
            fitted_at: f.fitted_at,
            fitted: f.series.len(),
            failed: f.failed.len(),
        }
    }
}

/// Refits now, after the refit running (if any); answers once the new forecasts serve.
pub async fn refit_now(
    jobs: &Jobs,
    svc: &Service,
    registry: &Registry,
    actor: &Actor,
) -> Result<RefitSummary, OpError> {
    let running = jobs.start(Job::Refit).await;
    holding(svc, registry, running, actor).await
}

/// Refits unless one is running (`None`): for the schedule.
pub async fn refit_if_idle(
    jobs: &Jobs,
    svc: &Service,
    registry: &Registry,
) -> Option<Result<RefitSummary, OpError>> {
    let running = jobs.try_start(Job::Refit)?;
    Some(holding(svc, registry, running, &Actor::schedule()).await)
}

/// The refit, on a blocking thread that holds `running` until the forecasts are fitted, served
/// and saved: all of it happens even if the caller goes away.
async fn holding(
    svc: &Service,
    registry: &Registry,
    running: Running,
    actor: &Actor,
) -> Result<RefitSummary, OpError> {
    let (svc, registry, actor) = (svc.clone(), registry.clone(), actor.clone());
    let f = tokio::task::spawn_blocking(move || {
        let _running = running;
        registry.serve_forecasts(refit_blocking(&svc, &actor))
    })
    .await
    .map_err(|e| OpError::internal(format!("the refit task failed: {e}")))?;
    Ok(RefitSummary::of(&f))
}

/// Fits every series on the store's contacts and saves the refit in the store's cache (a
/// service serves it from memory either way: the cache only spares a restart the refit).
/// Blocking and slow; `instrada forecast --refit` runs it, the service in a job.
pub fn refit_blocking(svc: &Service, actor: &Actor) -> Forecasts {
    let defs = ops::forecast::series_defs(&svc.settings);
    let f = ops::forecast::fit(&svc.settings, &defs);
    tracing::info!(
        fitted = f.series.len(),
        failed = f.failed.len(),
        "forecasts refitted"
    );
    if let Some(at) = f.fitted_at
        && let Err(e) =
            svc.store
                .save_forecasts_blocking(at, f.to_json(), actor.as_str().to_string())
    {
        tracing::error!(error = %e, "the forecasts were not saved in the store");
    }
    f
}

/// Serves the last refit saved in the store, if any: what a restarted service answers with until
/// its next refit. Returns when it was fitted. Blocking (reads the store): call it at start-up.
pub fn restore(svc: &Service, registry: &Registry) -> Result<Option<DateTime<Utc>>, OpError> {
    let Some(cached) = ops::forecast::cached(&svc.settings)? else {
        return Ok(None);
    };
    let at = cached.fitted_at;
    registry.serve_forecasts(cached);
    Ok(at)
}

/// Refits at start unless the cache is current (in the background: the service answers
/// meanwhile, and `GET /v1/forecast` says the forecasts are being fitted), then at each
/// `[forecast] refit` time, skipping one due while a refit asked for runs.
pub async fn on_schedule(jobs: Jobs, svc: Service, registry: Registry, clock: Arc<dyn Clock>) {
    let cached = registry.forecasts().fitted_at;
    let fc = &svc.settings.forecast;
    match cached.filter(|at| fc.cache_is_current(*at, clock.now())) {
        Some(at) => {
            tracing::info!(fitted_at = %at, "the cached forecasts are current: no refit at start")
        }
        None => at_start(&jobs, &svc, &registry, clock.now()).await,
    }
    schedule::at_times(
        &*clock,
        |now| fc.next_refit(now),
        |due| {
            let (jobs, svc, registry) = (jobs.clone(), svc.clone(), registry.clone());
            async move {
                if super::claimed(&svc, "refit", due).await {
                    scheduled(&jobs, &svc, &registry).await;
                } else {
                    follow(&svc, &registry, due).await;
                }
            }
        },
    )
    .await;
}

/// The refit at start of a service whose cached forecasts are older than the last scheduled
/// refit: of several replicas starting on one database with the same stale cache, the one that
/// claims `refit-start` for that due time refits and the others serve its forecasts once saved.
/// A claim of its own (`refit-start`, not `refit`): a scheduled refit that claimed the due time
/// and then died with its process is done again at the restart. With refits `off` there is no
/// due time to claim, and each replica without a cache refits.
async fn at_start(jobs: &Jobs, svc: &Service, registry: &Registry, now: DateTime<Utc>) {
    let due = svc
        .settings
        .forecast
        .next_refit(now - chrono::TimeDelta::days(1))
        .filter(|due| *due <= now);
    match due {
        Some(due) if !super::claimed(svc, "refit-start", due).await => {
            follow(svc, registry, due).await;
        }
        _ => scheduled(jobs, svc, registry).await,
    }
}

/// Another replica refits: serve its forecasts once it has saved them (the store's cache,
/// polled every [`FOLLOW_EVERY`] for at most [`FOLLOW_FOR`]).
async fn follow(svc: &Service, registry: &Registry, due: DateTime<Utc>) {
    let tries = FOLLOW_FOR.as_secs() / FOLLOW_EVERY.as_secs();
    for _ in 0..tries {
        tokio::time::sleep(FOLLOW_EVERY).await;
        let at = svc
            .read(|at| crate::store::latest_forecasts(at))
            .await
            .ok()
            .flatten()
            .map(|(fitted_at, _)| fitted_at);
        if at.is_some_and(|a| a >= due) {
            let (svc, registry) = (svc.clone(), registry.clone());
            match tokio::task::spawn_blocking(move || restore(&svc, &registry)).await {
                Ok(Ok(_)) => tracing::info!(%due, "serving the forecasts another replica fitted"),
                Ok(Err(e)) => tracing::warn!(error = %e, "the other replica's forecasts"),
                Err(e) => tracing::warn!(error = %e, "the other replica's forecasts"),
            }
            return;
        }
    }
    tracing::warn!(%due, "no refit saved by another replica: the previous forecasts keep serving");
}

/// How often a replica that did not refit looks for the forecasts of the one that did.
const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_secs(5);
/// How long it looks (a refit of every series takes seconds to minutes).
const FOLLOW_FOR: std::time::Duration = std::time::Duration::from_secs(1800);

/// One scheduled refit; skipped when one asked for is still running.
async fn scheduled(jobs: &Jobs, svc: &Service, registry: &Registry) {
    match refit_if_idle(jobs, svc, registry).await {
        Some(Ok(_)) => {}
        None => tracing::info!("a forecast refit is running: the scheduled one is skipped"),
        Some(Err(e)) => {
            tracing::error!(error = %e, "forecast refit failed: the previous forecasts keep serving");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EMBEDDED, Settings, Source};
    use crate::jobs::schedule::SystemClock;

    #[tokio::test(flavor = "multi_thread")]
    async fn of_two_replicas_starting_with_a_stale_cache_one_refits_and_the_other_serves_its_forecasts()
     {
        let dir = tempfile::tempdir().unwrap();
        let replica = |name: &str| {
            let mut settings =
                Settings::from_layers(EMBEDDED, &Source::Embedded, &[], &[]).unwrap();
            settings.store.path = dir.path().join("shared.db");
            settings.store.pseudonym_key = dir.path().join(format!("{name}.key"));
            let registry = Registry::open(&settings, &Source::Embedded).unwrap();
            (Service::open(settings).unwrap(), registry)
        };
        let (a, b) = (replica("a"), replica("b"));
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let tasks = [&a, &b].map(|(svc, registry)| {
            tokio::spawn(on_schedule(
                Jobs::default(),
                svc.clone(),
                registry.clone(),
                clock.clone(),
            ))
        });
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        while a.1.forecasts().fitted_at.is_none() || b.1.forecasts().fitted_at.is_none() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "both serve forecasts"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(
            a.1.forecasts().fitted_at,
            b.1.forecasts().fitted_at,
            "the same refit"
        );
        let usage = crate::store::disk_usage(a.0.store.location()).unwrap();
        assert_eq!(
            usage.table("forecast_runs").unwrap().rows,
            1,
            "one refit, not two"
        );
        let claims = a.0.store.job_runs("refit-start").await.unwrap();
        assert_eq!(claims.len(), 1, "{claims:?}");
        for t in tasks {
            t.abort();
        }
        a.0.store.close().await.unwrap();
        b.0.store.close().await.unwrap();
    }
}
