//! Jobs: the long work that runs off the request path, one of each kind at a time — the forecast
//! refit ([`refit`]), the outreach scoring run ([`run`]) and the prune to the retention
//! ([`prune`]) — with their lock, their blocking
//! thread, what they persist, their schedule ([`schedule`]) and the start-up restore of the last
//! refit, in one place. The edges start them (`POST /v1/forecast/refit`, `POST /v1/outreach/run`,
//! `instrada outreach score --all`); `instrada serve` starts their schedules.
//!
//! One at a time: two refits, or two scoring runs, at once would compete for the same cores and
//! the same store and write the same results twice. A job asked for while one of its kind runs
//! waits for it and then runs (the running one may predate the events its caller just sent); a
//! scheduled one due meanwhile is skipped (the running one does the work). The guard is held by
//! the blocking task itself, so a job counts as running until its work ends, even when the
//! request that asked for it has gone.
//!
//! Imports `ops` (the service, its errors, the forecast reading), `registry`, `outreach`,
//! `forecast` and `store`; never an edge.

pub mod follow;
pub mod prune;
pub mod refit;
pub mod run;
pub mod schedule;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// A kind of job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// The forecast refit: `POST /v1/forecast/refit` and the `[forecast] refit` schedule.
    Refit,
    /// The outreach scoring run: `POST /v1/outreach/run` and the `[outreach] schedule`.
    OutreachRun,
    /// The prune to `store.retention`: `POST /v1/store/prune` and the `store.prune` schedule.
    Prune,
}

/// The locks that keep one job of each kind running; cheap to clone (shared).
#[derive(Debug, Clone, Default)]
pub struct Jobs {
    /// Held while a refit runs.
    refit: Lock,
    /// Held while an outreach scoring run runs.
    run: Lock,
    /// Held while a prune runs.
    prune: Lock,
}

/// One kind's lock, and how many callers wait for it.
#[derive(Debug, Clone, Default)]
struct Lock {
    /// A tokio mutex: the guard is moved into the blocking task that does the work.
    mutex: Arc<Mutex<()>>,
    /// Callers waiting for the running job to end: lets a test see that a caller reached the
    /// lock, rather than guess with a sleep.
    waiting: Arc<AtomicUsize>,
}

/// A job that is running: the work may go on while this is held. Move it into the task that
/// does the work.
#[derive(Debug)]
pub struct Running(#[allow(dead_code)] OwnedMutexGuard<()>);

/// Whether this replica runs the scheduled `job` due at `due`: of several `instrada serve` on
/// one database, the first to claim the run in the store ([`crate::store::Store::claim_run`])
/// runs it and the others skip it. A claim the store cannot answer runs the job here: a prune or
/// a refit done twice costs time, one never done costs more.
pub async fn claimed(
    svc: &crate::ops::Service,
    job: &str,
    due: chrono::DateTime<chrono::Utc>,
) -> bool {
    match svc.store.claim_run(job, due).await {
        Ok(true) => true,
        Ok(false) => {
            tracing::info!(job, %due, "another replica runs this scheduled job");
            false
        }
        Err(e) => {
            tracing::warn!(job, %due, error = %e, "cannot claim the scheduled run: running it here");
            true
        }
    }
}

impl Jobs {
    fn lock(&self, job: Job) -> &Lock {
        match job {
            Job::Refit => &self.refit,
            Job::OutreachRun => &self.run,
            Job::Prune => &self.prune,
        }
    }

    /// Starts `job` once the one running (if any) has finished.
    pub async fn start(&self, job: Job) -> Running {
        let lock = self.lock(job);
        lock.waiting.fetch_add(1, Ordering::SeqCst);
        let guard = Arc::clone(&lock.mutex).lock_owned().await;
        lock.waiting.fetch_sub(1, Ordering::SeqCst);
        Running(guard)
    }

    /// Starts `job` unless one is running (for a schedule: the running one does the work).
    pub fn try_start(&self, job: Job) -> Option<Running> {
        Arc::clone(&self.lock(job).mutex)
            .try_lock_owned()
            .ok()
            .map(Running)
    }

    /// Callers waiting for the running `job` to end.
    pub fn waiting(&self, job: Job) -> usize {
        self.lock(job).waiting.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_of_a_kind_at_a_time_and_the_waiters_are_counted() {
        let jobs = Jobs::default();
        let running = jobs.start(Job::Refit).await;
        assert!(jobs.try_start(Job::Refit).is_none(), "a second refit waits");
        assert!(
            jobs.try_start(Job::OutreachRun).is_some(),
            "another kind does not"
        );
        let asked = tokio::spawn({
            let jobs = jobs.clone();
            async move { jobs.start(Job::Refit).await }
        });
        while jobs.waiting(Job::Refit) == 0 {
            tokio::task::yield_now().await;
        }
        assert!(!asked.is_finished(), "it waits for the running one");
        drop(running);
        let second = asked.await.unwrap();
        assert_eq!(jobs.waiting(Job::Refit), 0);
        drop(second);
        assert!(jobs.try_start(Job::Refit).is_some(), "released when done");
    }
}
