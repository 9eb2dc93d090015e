//! Running a job at the times of a schedule (`daily HH:MM` in a zone, or `off`), while the
//! service runs. The loop asks the schedule for the next time after now, sleeps until then, runs
//! the job, and asks again from the time it was due, so a job that ends early (or a clock that
//! reads a little behind tokio's timer) never runs twice for one due time.
//!
//! The time comes from a [`Clock`]: the system's in service, one that follows tokio's clock in
//! tests, so that `tokio::time::pause` and `advance` drive a day of schedule in microseconds.

use chrono::{DateTime, Utc};
use std::future::Future;

/// Where the current time comes from.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that starts at a given time and advances with tokio's (which tests pause).
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    start: DateTime<Utc>,
    origin: tokio::time::Instant,
}

impl TokioClock {
    /// A clock reading `start` now.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self {
            start,
            origin: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = chrono::TimeDelta::from_std(self.origin.elapsed()).unwrap_or_default();
        self.start + elapsed
    }
}

/// Runs `job` at each time `next` gives (the first time strictly after the one it is given),
/// with the time it was due, until it gives none. Never returns while the schedule has times:
/// spawn it, and abort it on shutdown.
pub async fn at_times<F, Fut>(
    clock: &dyn Clock,
    next: impl Fn(DateTime<Utc>) -> Option<DateTime<Utc>>,
    mut job: F,
) where
    F: FnMut(DateTime<Utc>) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut after = clock.now();
    while let Some(due) = next(after) {
        let wait = (due - clock.now()).to_std().unwrap_or_default();
        tracing::debug!(%due, "next scheduled job");
        tokio::time::sleep(wait).await;
        job(due).await;
        after = due.max(clock.now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Schedule;
    use crate::outreach::config::OutreachConfig;
    use chrono::TimeZone;
    use std::sync::{Arc, Mutex};

    /// The times the job ran at, on `clock`, over `span` of tokio's time.
    async fn ran_at(
        schedule: &str,
        clock: impl Clock + 'static,
        span: std::time::Duration,
    ) -> Vec<DateTime<Utc>> {
        let config = OutreachConfig {
            schedule: Schedule::parse(schedule).expect("a schedule"),
            ..OutreachConfig::default()
        };
        let runs = Arc::new(Mutex::new(Vec::new()));
        let task = {
            let runs = Arc::clone(&runs);
            tokio::spawn(async move {
                at_times(
                    &clock,
                    |now| config.next_run(now),
                    |_| {
                        runs.lock().unwrap().push(clock.now());
                        async {}
                    },
                )
                .await;
            })
        };
        tokio::time::sleep(span).await;
        task.abort();
        runs.lock().unwrap().clone()
    }

    #[tokio::test(start_paused = true)]
    async fn a_daily_schedule_runs_once_at_each_local_time() {
        // 02:59 in Rome (UTC+1); the run is due at 03:00 local, 02:00 UTC, every day.
        let start = Utc.with_ymd_and_hms(2026, 12, 1, 1, 59, 0).unwrap();
        let three_days = std::time::Duration::from_secs(3 * 86_400);
        let runs = ran_at("daily 03:00", TokioClock::starting_at(start), three_days).await;
        let due = |d| Utc.with_ymd_and_hms(2026, 12, d, 2, 0, 0).unwrap();
        assert_eq!(runs, [due(1), due(2), due(3)]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_schedule_that_is_off_never_runs() {
        let start = Utc.with_ymd_and_hms(2026, 12, 1, 1, 59, 0).unwrap();
        let clock = TokioClock::starting_at(start);
        let runs = ran_at("off", clock, std::time::Duration::from_secs(86_400)).await;
        assert!(runs.is_empty(), "{runs:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_that_ends_before_the_clock_reaches_its_time_runs_once() {
        // A wall clock that runs 1 % slower than tokio's timer (as one being slewed by NTP):
        // woken when the timer says the time has come, it still reads before it. Asking the
        // schedule from the due time, not from the clock, runs the job once.
        struct Slow(TokioClock);
        impl Clock for Slow {
            fn now(&self) -> DateTime<Utc> {
                let ahead = self.0.now() - self.0.start;
                self.0.start + ahead * 99 / 100
            }
        }
        let start = Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap();
        let clock = Slow(TokioClock::starting_at(start));
        // Due at 02:00 UTC (03:00 in Rome); two hours of tokio's time cover it with room to spare.
        let two_hours = std::time::Duration::from_secs(2 * 3_600);
        let runs = ran_at("daily 03:00", clock, two_hours).await;
        assert_eq!(runs.len(), 1, "{runs:?}");
    }
}
