//! The forecast cache: each refit's forecasts as one JSON document, so that a restarted service
//! serves the last forecasts at once instead of fitting them again, and a planner can see what
//! was forecast before. The store keeps the document opaque (it is `forecast`'s to define) and
//! the last [`FORECAST_RUNS_KEPT`] runs.

use chrono::{DateTime, SecondsFormat, Utc};

use super::location::Location;
use super::schema::open_for_reading;
use super::sql::{Conn, DbError, args};
use super::{Store, StoreError};

/// Refits whose forecasts are kept (older ones are deleted as new ones are saved).
pub const FORECAST_RUNS_KEPT: usize = 8;

fn save(conn: &Conn, fitted_at: &str, body: &str, by: &str) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO forecast_runs (fitted_at, body, requested_by) VALUES (?1, ?2, ?3)
         ON CONFLICT (fitted_at) DO UPDATE
         SET body = excluded.body, requested_by = excluded.requested_by",
        args![fitted_at, body, by],
    )?;
    conn.execute(
        "DELETE FROM forecast_runs WHERE fitted_at NOT IN
            (SELECT fitted_at FROM forecast_runs ORDER BY fitted_at DESC LIMIT ?1)",
        args![FORECAST_RUNS_KEPT as i64],
    )?;
    Ok(())
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

impl Store {
    /// Saves the forecasts of the refit at `fitted_at`, asked for by `by` (a key's name,
    /// `cli:USER` or `schedule`); returns once committed.
    pub async fn save_forecasts(
        &self,
        fitted_at: DateTime<Utc>,
        body: String,
        by: String,
    ) -> Result<(), StoreError> {
        let at = stamp(fitted_at);
        self.exec(move |conn| save(conn, &at, &body, &by)).await
    }

    /// [`Self::save_forecasts`] outside any async runtime.
    pub fn save_forecasts_blocking(
        &self,
        fitted_at: DateTime<Utc>,
        body: String,
        by: String,
    ) -> Result<(), StoreError> {
        let at = stamp(fitted_at);
        self.exec_blocking(move |conn| save(conn, &at, &body, &by))
    }
}

/// The last refit's forecasts in the store at `path`, with when they were fitted; `None` when
/// no refit was saved yet.
pub fn latest_forecasts(
    at: impl Into<Location>,
) -> Result<Option<(DateTime<Utc>, String)>, StoreError> {
    let conn = open_for_reading(at)?;
    let row: Option<(String, String)> = conn.query_opt(
        "SELECT fitted_at, body FROM forecast_runs ORDER BY fitted_at DESC LIMIT 1",
        args![],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(row.and_then(|(at, body)| {
        let at = DateTime::parse_from_rfc3339(&at).ok()?.with_timezone(&Utc);
        Some((at, body))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::open_temp;
    use chrono::TimeZone;

    #[tokio::test]
    async fn the_latest_run_is_read_back_and_only_the_last_runs_are_kept() {
        let (_dir, store) = open_temp();
        assert_eq!(latest_forecasts(store.location()).unwrap(), None);
        let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 1, 0, 0).unwrap();
        for day in 0..(FORECAST_RUNS_KEPT as i64 + 3) {
            let at = t0 + chrono::TimeDelta::days(day);
            store
                .save_forecasts(at, format!("{{\"day\":{day}}}"), "test".into())
                .await
                .unwrap();
        }
        let last = t0 + chrono::TimeDelta::days(FORECAST_RUNS_KEPT as i64 + 2);
        let (at, body) = latest_forecasts(store.location()).unwrap().unwrap();
        assert_eq!(at, last);
        assert_eq!(body, format!("{{\"day\":{}}}", FORECAST_RUNS_KEPT + 2));
        let conn = open_for_reading(store.location()).unwrap();
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM forecast_runs", args![], |r| r.get(0))
            .unwrap();
        assert_eq!(n, FORECAST_RUNS_KEPT as i64);
    }

    #[tokio::test]
    async fn a_failing_job_undoes_its_own_statements_and_the_batch_goes_on() {
        let (_dir, store) = open_temp();
        // The second statement fails on its own (NOT NULL): the first is rolled back with it.
        let failed = store
            .exec(|conn| {
                conn.execute(
                    "INSERT INTO forecast_runs (fitted_at, body) VALUES ('a', '{}')",
                    args![],
                )?;
                conn.execute(
                    "INSERT INTO forecast_runs (fitted_at, body) VALUES ('b', NULL)",
                    args![],
                )
            })
            .await;
        assert!(matches!(failed, Err(StoreError::Database(_))), "{failed:?}");
        let t = Utc.with_ymd_and_hms(2026, 11, 1, 1, 0, 0).unwrap();
        store
            .save_forecasts(t, "{}".into(), "test".into())
            .await
            .unwrap();
        let conn = open_for_reading(store.location()).unwrap();
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM forecast_runs", args![], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1, "the failed job's first insert must be undone");
    }
}
