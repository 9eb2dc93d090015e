//! The model registry: the one place that loads, validates, warms up, swaps and rolls back the
//! models the service runs, for every model kind.
//!
//! Each kind lives in a [`Slot`]: the version serving now and the one before it, so that a
//! rollback needs no disk read. Today there is one slot, `routing`: the topic and urgency models
//! with the policy checked against them, held as one [`Router`] because the policy names the
//! topic model's labels and the two models share a featurisation; they are validated and swapped
//! together. The workload forecasts have a slot of their own, `forecasts`, filled by each refit;
//! the outreach model has its own, `outreach` ([`outreach`]), empty when none is configured.
//!
//! A model's manifest names its kind (`topic`, `urgency`) and its backend (`linear`); loading
//! dispatches on both ([`load`]). A swap is build → validate → warm up → swap an `Arc`: requests in
//! flight finish on the version they started with, and a version that fails any check is never
//! served. `api/` (SIGHUP, `/v1/models`, `/readyz`) and `cli/` (`instrada route`, `check-config`)
//! call the registry; it imports neither, and knows nothing of HTTP.

pub mod load;
pub mod outreach;
pub mod slot;

pub use load::{Invalid, Model, check, load_router, open_bundle, open_model};
pub use outreach::{OutreachSlot, open_outreach};
pub use slot::Slot;

use crate::config::{Settings, Source};
use crate::forecast::plan::{self, Forecasts};
use crate::route::Router;
use std::sync::Arc;

/// The versions serving after a reload or a rollback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versions {
    /// Topic model version.
    pub topic: String,
    /// Urgency model version.
    pub urgency: String,
}

impl Versions {
    fn of(router: &Router) -> Self {
        Self {
            topic: router.topic_version().to_string(),
            urgency: router.urgency_version().to_string(),
        }
    }
}

/// Why a rollback did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RollbackError {
    /// No swap happened since start, so there is nothing to go back to.
    #[error("no previous models to roll back to: none were swapped in since the service started")]
    NothingToRollBack,
}

/// Every model kind the service runs, current and previous.
#[derive(Debug)]
pub struct Registry {
    /// Where to load from again on reload (`models.dir`) and how to check it (`routing`).
    settings: Settings,
    /// Named in the problems of a refused reload.
    source: Source,
    /// Topic and urgency models with the policy validated against them.
    routing: Slot<Router>,
    /// The workload forecasts of the last refit (empty before the first).
    forecasts: Slot<Forecasts>,
    /// The outreach model of `[outreach] model`, or why there is none.
    outreach: Slot<OutreachSlot>,
}

impl Registry {
    /// Loads, validates and warms up everything `settings` names.
    pub fn open(settings: &Settings, source: &Source) -> Result<Self, Invalid> {
        let router = load_router(settings, source)?;
        load::warm_up(&router);
        Ok(Self::with_router(settings, source, router))
    }

    /// A registry serving `router`, which the caller has built and validated.
    pub fn with_router(settings: &Settings, source: &Source, router: Router) -> Self {
        Self {
            settings: settings.clone(),
            source: source.clone(),
            routing: Slot::new(router),
            forecasts: Slot::new(Forecasts::default()),
            outreach: Slot::new(outreach::load_outreach(settings)),
        }
    }

    /// The router in use now: hold the `Arc` for the whole request.
    pub fn router(&self) -> Arc<Router> {
        self.routing.current()
    }

    /// The router a rollback would bring back, if any.
    pub fn previous_router(&self) -> Option<Arc<Router>> {
        self.routing.previous()
    }

    /// Loads `models.dir` again and, if it passes every check, serves it from now on; the
    /// version it replaces is kept for [`Self::rollback`]. Blocking (reads and checks files,
    /// milliseconds to seconds): call it from a blocking thread.
    pub fn reload(&self) -> Result<Versions, Invalid> {
        let router = load_router(&self.settings, &self.source)?;
        load::warm_up(&router);
        let now = Versions::of(&router);
        self.routing.swap(router);
        Ok(now)
    }

    /// The workload forecasts in use now.
    pub fn forecasts(&self) -> Arc<Forecasts> {
        self.forecasts.current()
    }

    /// Fits every `[forecast]` series on the store's contacts and serves the result from now on
    /// (the previous forecasts are kept, as for the models). Blocking and slow (a backtest per
    /// series): call it from a blocking thread, never per request. `queues` are the policy's, for
    /// the default series.
    pub fn refit_forecasts(&self, queues: &[String]) -> Arc<Forecasts> {
        let fc = &self.settings.forecast;
        let channels = crate::route::Channel::ALL.map(crate::route::Channel::as_str);
        let defs = fc.series_or_default(queues, &channels);
        let fitted = plan::fit_stored(&self.settings.store.path, &defs, fc, chrono::Utc::now());
        self.forecasts.swap(fitted);
        self.forecasts.current()
    }

    /// Serves the last forecasts saved in the store (`store.path`), if any: what a restarted
    /// service answers with until its next refit. Returns when they were fitted.
    pub fn restore_forecasts(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, String> {
        let path = &self.settings.store.path;
        let Some((at, body)) = crate::store::latest_forecasts(path).map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        let cached = Forecasts::from_json(&body)?;
        self.forecasts.swap(cached);
        Ok(Some(at))
    }

    /// Serves the previous models again, from memory; a second rollback undoes the first.
    pub fn rollback(&self) -> Result<Versions, RollbackError> {
        self.routing
            .rollback()
            .map(|r| Versions::of(&r))
            .ok_or(RollbackError::NothingToRollBack)
    }
}
