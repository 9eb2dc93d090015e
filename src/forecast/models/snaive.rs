//! Seasonal naive: each interval repeats the same interval one week earlier (the baseline).
//!
//! Beyond one week the forecast repeats the last observed week. A source interval that was
//! closed (a holiday closed by the opening hours) is skipped for the week before it, so an open
//! interval is never forecast from a closure; special days get the series' rule like every model
//! ([`super::special`]).

use super::{Model, PointFit};
use crate::forecast::series::{ForecastError, Series};

/// The seasonal naive model, season one week.
#[derive(Debug, Clone, Copy, Default)]
pub struct SeasonalNaive;

/// How many weeks back a closed source may be skipped.
const MAX_WEEKS_BACK: usize = 8;

impl Model for SeasonalNaive {
    fn name(&self) -> &'static str {
        "snaive"
    }

    fn min_history(&self, series: &Series) -> usize {
        series.per_week()
    }

    fn fit_point(&self, series: &Series) -> Result<Box<dyn PointFit>, ForecastError> {
        let week = series.per_week();
        if series.len() < week {
            return Err(super::too_little("snaive", series, week, "one week"));
        }
        Ok(Box::new(Fit {
            values: series.values().to_vec(),
            open: (0..series.len()).map(|i| series.is_open(i)).collect(),
            week,
        }))
    }
}

struct Fit {
    values: Vec<f64>,
    open: Vec<bool>,
    week: usize,
}

impl PointFit for Fit {
    fn expected(&self, horizon: usize) -> Vec<f64> {
        let end = self.values.len();
        (end..end + horizon)
            .map(|t| {
                // The latest same-week-position interval in the history …
                let back = (t - end) / self.week + 1;
                let first = t - back * self.week;
                // … or an earlier one when that was closed.
                (0..MAX_WEEKS_BACK)
                    .map_while(|k| first.checked_sub(k * self.week))
                    .find(|&s| self.open[s])
                    .map_or(self.values[first], |s| self.values[s])
            })
            .collect()
    }
}

/// In-sample mean absolute error of the one-week seasonal naive over the pairs of open intervals
/// (the MASE scale); `None` with no such pair.
pub fn in_sample_mae(series: &Series) -> Option<f64> {
    let week = series.per_week();
    let v = series.values();
    let (sum, n) = (week..series.len())
        .filter(|&t| series.is_open(t) && series.is_open(t - week))
        .fold((0.0, 0usize), |(s, n), t| {
            (s + (v[t] - v[t - week]).abs(), n + 1)
        });
    (n > 0).then(|| sum / n as f64)
}
