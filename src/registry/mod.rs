//! The model registry: the one place that loads, validates, warms up, swaps and rolls back the
//! models the service runs, for every model kind.
//!
//! Each kind lives in a [`Slot`]: the version serving now and the one before it, so that a
//! rollback needs no disk read. Today there is one slot, `routing`: the topic and urgency models
//! with the policy checked against them, held as one [`Router`] because the policy names the
//! topic model's labels and the two models share a featurisation; they are validated and swapped
//! together. The workload forecasts have a slot of their own, `forecasts`, filled by each refit
//! and by the start-up restore (both [`crate::jobs::refit`]'s: the registry does no forecast I/O);
//! the outreach model has its own, `outreach` ([`outreach`]), empty when none is configured.
//!
//! A model's manifest names its kind (`topic`, `urgency`) and its backend (`linear`); loading
//! dispatches on both ([`load`]). A swap is build → validate → warm up → swap an `Arc`: requests in
//! flight finish on the version they started with, and a version that fails any check is never
//! served. `api/` (SIGHUP, `/v1/models`, `/readyz`), `cli/` (`instrada route`, `check-config`) and
//! `jobs` call the registry; it imports none of them, nor `ops`, and knows nothing of HTTP.

pub mod load;
pub mod outreach;
pub mod slot;

pub use load::{Invalid, Model, check, load_router, open_bundle, open_model};
pub use outreach::{OutreachSlot, open_outreach};
pub use slot::Slot;

use crate::config::{Settings, Source};
use crate::forecast::plan::Forecasts;
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

/// What [`Registry::follow`] did to serve the versions another instance recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Followed {
    /// They were serving already (this instance made the change, or followed it before).
    AlreadyServing,
    /// They were the previous models: rolled back to them, from memory.
    RolledBack,
    /// `models.dir` holds them: loaded, checked, warmed up and swapped in.
    Reloaded,
    /// `models.dir` holds other versions (`found`): nothing was swapped, this instance keeps
    /// serving what it served.
    Differs {
        /// The versions `models.dir` holds.
        found: Versions,
    },
}

/// Why a rollback did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RollbackError {
    /// No swap happened since start, so there is nothing to go back to.
    #[error("no previous models to roll back to: none were swapped in since the service started")]
    NothingToRollBack,
}

/// Every model kind the service runs, current and previous; cheap to clone (shared), so that a
/// job's blocking task can hold it.
#[derive(Debug, Clone)]
pub struct Registry {
    inner: Arc<Slots>,
}

impl std::ops::Deref for Registry {
    type Target = Slots;
    fn deref(&self) -> &Slots {
        &self.inner
    }
}

/// The slots behind a [`Registry`].
#[derive(Debug)]
pub struct Slots {
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
            inner: Arc::new(Slots {
                settings: settings.clone(),
                source: source.clone(),
                routing: Slot::new(router),
                forecasts: Slot::new(Forecasts::default()),
                outreach: Slot::new(outreach::load_outreach(settings)),
            }),
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

    /// Serves `forecasts` (a refit's, or the store's cached one) from now on; the previous ones
    /// are kept, as for the models. Fitting and saving them is the refit job's
    /// ([`crate::jobs::refit`]).
    pub fn serve_forecasts(&self, forecasts: Forecasts) -> Arc<Forecasts> {
        self.forecasts.swap(forecasts);
        self.forecasts.current()
    }

    /// Serves `wanted`, the versions another instance on the same database changed to (a reload
    /// or a rollback asked of it): nothing if they serve already, a rollback if they are the
    /// previous models, otherwise a reload of `models.dir` if it holds them. Models on disk that
    /// are not `wanted` are never swapped in ([`Followed::Differs`]). Blocking, as
    /// [`Self::reload`].
    pub fn follow(&self, wanted: &Versions) -> Result<Followed, Invalid> {
        if Versions::of(&self.router()) == *wanted {
            return Ok(Followed::AlreadyServing);
        }
        if self
            .previous_router()
            .is_some_and(|p| Versions::of(&p) == *wanted)
        {
            self.routing.rollback();
            return Ok(Followed::RolledBack);
        }
        let router = load_router(&self.settings, &self.source)?;
        let found = Versions::of(&router);
        if found != *wanted {
            return Ok(Followed::Differs { found });
        }
        load::warm_up(&router);
        self.routing.swap(router);
        Ok(Followed::Reloaded)
    }

    /// Serves the previous models again, from memory; a second rollback undoes the first.
    pub fn rollback(&self) -> Result<Versions, RollbackError> {
        self.routing
            .rollback()
            .map(|r| Versions::of(&r))
            .ok_or(RollbackError::NothingToRollBack)
    }
}
