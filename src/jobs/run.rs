//! The outreach scoring run: every citizen in the store who has not opted out, scored as of a
//! time by the serving outreach model, each score stored with its reasons
//! ([`crate::outreach::flags::run`]). On demand ([`run_now`]: `POST /v1/outreach/run`), on the
//! `[outreach] schedule` ([`on_schedule`]), and from the command line ([`run_blocking`]:
//! `instrada outreach score --all`). Seconds for 100,000 citizens: on a blocking thread.

use super::schedule::{self, Clock};
use super::{Job, Jobs, Running};
use crate::ops::outreach::ModelSlot;
use crate::ops::{OpError, Service};
use crate::outreach::flags::{self, ADVISORY_NOTE, RunSpec, RunSummary};
use crate::outreach::{OutreachError, OutreachModel};
use crate::registry::Registry;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What a key needs to ask for a scoring run: the case workers', whose list it refreshes.
pub const SCOPE: crate::access::Scope = crate::access::Scope::Caseworker;

/// What a scoring run did, labelled advisory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunOut {
    /// Always true: advice, not a decision.
    pub advisory: bool,
    /// "advice for a case worker; a person decides".
    pub note: String,
    /// When it scored, as of when, how many, with which model, how long.
    #[serde(flatten)]
    pub run: RunSummary,
}

impl From<RunSummary> for RunOut {
    fn from(run: RunSummary) -> Self {
        Self {
            advisory: true,
            note: ADVISORY_NOTE.into(),
            run,
        }
    }
}

/// The model, or `not_ready` with the reason (how to train one).
fn serving(model: &ModelSlot) -> Result<Arc<dyn OutreachModel>, OpError> {
    model.clone().map_err(|reason| OpError::NotReady { reason })
}

/// Scores every citizen as of `as_of` with `model`, blocking. A model that fails on a row fails
/// the run (internal: the cause is logged); a store that fails is `store_unavailable`.
pub fn run_blocking(
    svc: &Service,
    model: &dyn OutreachModel,
    as_of: DateTime<Utc>,
) -> Result<RunOut, OpError> {
    let spec = RunSpec {
        as_of,
        fairness_attributes: svc.settings.outreach.fairness_attributes.clone(),
    };
    let s = flags::run(&svc.store, model, &spec).map_err(|e| match e {
        OutreachError::Scoring { .. } => OpError::internal(e.to_string()),
        other => svc.unavailable(other),
    })?;
    tracing::info!(
        scored = s.scored,
        flagged = s.flagged,
        opted_out = s.opted_out,
        seconds = s.seconds,
        "outreach scoring run"
    );
    Ok(s.into())
}

/// Scores every citizen now, after the run going (if any).
pub async fn run_now(jobs: &Jobs, svc: &Service, model: &ModelSlot) -> Result<RunOut, OpError> {
    let model = serving(model)?;
    let running = jobs.start(Job::OutreachRun).await;
    holding(svc, model, running).await
}

/// Scores every citizen unless a run is going (`None`): for the schedule.
pub async fn run_if_idle(
    jobs: &Jobs,
    svc: &Service,
    model: &ModelSlot,
) -> Option<Result<RunOut, OpError>> {
    let model = match serving(model) {
        Ok(m) => m,
        Err(e) => return Some(Err(e)),
    };
    let running = jobs.try_start(Job::OutreachRun)?;
    Some(holding(svc, model, running).await)
}

/// The run, on a blocking thread that holds `running` until the scoring ends.
async fn holding(
    svc: &Service,
    model: Arc<dyn OutreachModel>,
    running: Running,
) -> Result<RunOut, OpError> {
    let svc = svc.clone();
    tokio::task::spawn_blocking(move || {
        let _running = running;
        run_blocking(&svc, &*model, Utc::now())
    })
    .await
    .map_err(|e| OpError::internal(format!("the outreach run failed: {e}")))?
}

/// Scores the store at each `[outreach] schedule` time with the model serving then.
pub async fn on_schedule(jobs: Jobs, svc: Service, registry: Registry, clock: Arc<dyn Clock>) {
    let config = &svc.settings.outreach;
    let (jobs, svc, registry) = (&jobs, &svc, &registry);
    schedule::at_times(
        &*clock,
        |now| config.next_run(now),
        move |due| async move {
            if !super::claimed(svc, "outreach_run", due).await {
                return;
            }
            match run_if_idle(jobs, svc, &registry.outreach()).await {
                Some(Ok(_)) => {}
                None => tracing::info!("an outreach run is going: the scheduled one is skipped"),
                Some(Err(OpError::NotReady { reason })) => {
                    tracing::info!(%reason, "no scheduled outreach run");
                }
                Some(Err(e)) => tracing::error!(error = %e, "the scheduled outreach run failed"),
            }
        },
    )
    .await;
}
