//! The prune: every kind of record past its `store.retention` deleted
//! ([`crate::ops::store::prune`], chunk by chunk so the writer is never held for long). On demand
//! ([`prune_now`]: `POST /v1/store/prune`, `instrada store prune`) and on the `store.prune`
//! schedule ([`on_schedule`]), one at a time.

use super::schedule::{self, Clock};
use super::{Job, Jobs};
use crate::ops::store::PruneReport;
use crate::ops::{OpError, Service};
use chrono::Utc;
use std::sync::Arc;

/// What a key needs to ask for a prune (or a dry run).
pub const SCOPE: crate::access::Scope = crate::ops::store::SCOPE;

/// Prunes now, after the prune going (if any); `dry_run` only counts.
pub async fn prune_now(jobs: &Jobs, svc: &Service, dry_run: bool) -> Result<PruneReport, OpError> {
    let _running = jobs.start(Job::Prune).await;
    crate::ops::store::prune(svc, Utc::now(), dry_run).await
}

/// Prunes at each `store.prune` time (in `forecast.timezone`), unless a prune is going.
pub async fn on_schedule(jobs: Jobs, svc: Service, clock: Arc<dyn Clock>) {
    let (plan, tz) = (svc.settings.store.prune, svc.settings.forecast.timezone);
    let (jobs, svc, now) = (&jobs, &svc, &clock);
    schedule::at_times(
        &*clock,
        |now| plan.next_after(now, tz),
        move |due| async move {
            if !super::claimed(svc, "prune", due).await {
                return;
            }
            let Some(_running) = jobs.try_start(Job::Prune) else {
                tracing::info!("a prune is going: the scheduled one is skipped");
                return;
            };
            if let Err(e) = crate::ops::store::prune(svc, now.now(), false).await {
                tracing::error!(error = %e, "the scheduled prune failed");
            }
        },
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EMBEDDED, Settings, Source};
    use crate::jobs::schedule::TokioClock;
    use crate::store::{Keep, Retention};
    use chrono::TimeZone;

    #[tokio::test(start_paused = true)]
    async fn the_schedule_prunes_daily_what_has_passed_its_retention() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::from_layers(EMBEDDED, &Source::Embedded, &[], &[]).unwrap();
        settings.store.path = dir.path().join("a.db");
        settings.store.pseudonym_key = dir.path().join("k");
        settings.store.retention = Retention {
            access_log: Keep::days(1),
            ..Retention::forever()
        };
        let svc = Service::open(settings).unwrap();
        // 04:00 in Rome on 1 December; the prune is due at 04:30.
        let start = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap();
        let access = |hours: i64| crate::store::AccessRecord {
            at: start - chrono::Duration::hours(hours),
            actor: "k".into(),
            action: "outreach.list".into(),
            citizens: 1,
            detail: None,
        };
        for hours in [1, 23, 25, 48] {
            svc.store.log_access(access(hours)).await.unwrap();
        }
        let clock: Arc<dyn Clock> = Arc::new(TokioClock::starting_at(start));
        let task = tokio::spawn(on_schedule(Jobs::default(), svc.clone(), clock));
        // Until 04:29 nothing goes; the writer's thread runs on real time, so wait for it by
        // reading through its queue (which sees every write before it), not by sleeping.
        tokio::time::sleep(std::time::Duration::from_secs(29 * 60)).await;
        let path = svc.store.location().clone();
        let left = || {
            let since = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
            crate::store::access::read_access(&path, since, None)
                .unwrap()
                .len()
        };
        assert_eq!(left(), 4);
        // 04:31: older than a day at 04:30 (03:30 UTC the day before) are the 25 and 48 hours.
        tokio::time::sleep(std::time::Duration::from_secs(2 * 60)).await;
        let mut waited = 0;
        while left() != 2 && waited < 1_000 {
            tokio::task::yield_now().await;
            std::thread::sleep(std::time::Duration::from_millis(1));
            waited += 1;
        }
        assert_eq!(left(), 2);
        task.abort();
        svc.store.close().await.unwrap();
    }
}
