//! MSTL (augurs) with an AutoETS trend, over the intervals the opening hours open.
//!
//! The series is compressed to the intervals its weekly hours open (all of them when always
//! open), so the seasonal periods are the open intervals of a day and of a week; intervals closed
//! in that pattern by a holiday or a skipped DST hour, and special days, are filled with the same
//! interval one week earlier before fitting (special days in the forecast: see
//! [`super::special`]). Periods: within the day (intraday series), the week, and the
//! year for a daily series with two years of history. A period needs two full cycles; one that
//! does not fit is dropped and the fit's notes say so (with no period left the fit fails with
//! [`ForecastError::TooLittleHistory`], and the backtest falls back to a simpler model).

use super::{Model, PointFit};
use crate::forecast::series::{ForecastError, Interval, Series};
use augurs::ets::AutoETS;
use augurs::mstl::MSTLModel;
use augurs::{Fit as _, Predict as _};

/// MSTL with an AutoETS trend.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mstl;

/// Days of history a yearly period needs.
const YEAR_DAYS: usize = 2 * 365;

impl Model for Mstl {
    fn name(&self) -> &'static str {
        "mstl"
    }

    fn min_history(&self, series: &Series) -> usize {
        2 * series.per_week()
    }

    fn fit_point(&self, series: &Series) -> Result<Box<dyn PointFit>, ForecastError> {
        let need = self.min_history(series);
        if series.len() < need {
            return Err(super::too_little("mstl", series, need, "two weeks"));
        }
        let series = &recent(series);
        let pattern = pattern_open(series);
        let y = filled(series, &pattern);
        let (periods, notes) = periods(series, &pattern, y.len());
        let model = MSTLModel::new(periods, AutoETS::non_seasonal().into_trend_model());
        let fit = model.fit(&y).map_err(|e| ForecastError::Model {
            model: "mstl",
            reason: e.to_string(),
        })?;
        Ok(Box::new(MstlFit {
            series: series.clone(),
            fit,
            notes,
        }))
    }
}

/// Weeks of an intraday series MSTL is fitted on (the last ones).
pub const INTRADAY_WEEKS: usize = 12;

/// An intraday series cut to its last [`INTRADAY_WEEKS`] weeks (a daily one whole). No yearly
/// period is fitted within the day, and the daily and weekly periods and the trend of a
/// forecast a few weeks ahead are set by the last months: fitting two years of 30-minute
/// intervals took 1.7 s with its calibration, twelve weeks about half a second (benches/forecast.rs).
fn recent(series: &Series) -> Series {
    let per_day = series.per_day();
    let keep = INTRADAY_WEEKS * 7;
    let days = series.len() / per_day;
    if per_day == 1 || !series.len().is_multiple_of(per_day) || days <= keep {
        return series.clone();
    }
    let first = days - keep;
    Series::new(
        series.interval(),
        series.calendar().clone(),
        series.date(first),
        series.values()[first * per_day..].to_vec(),
    )
}

/// Whether each slot of each weekday is open by the weekly hours alone (no holidays, no DST).
fn pattern_open(series: &Series) -> [Vec<bool>; 7] {
    let per_day = series.per_day();
    let minutes = series.interval().minutes();
    std::array::from_fn(|w| {
        (0..per_day)
            .map(|s| match &series.calendar().hours {
                None => true,
                Some(h) => {
                    let day = chrono::Weekday::try_from(w as u8).unwrap_or(chrono::Weekday::Mon);
                    let (from, to) = (s as u32 * minutes * 60, (s as u32 + 1) * minutes * 60);
                    h.windows(day).iter().any(|x| x.start < to && from < x.end)
                }
            })
            .collect()
    })
}

fn in_pattern(series: &Series, pattern: &[Vec<bool>; 7], i: usize) -> bool {
    let w = series.weekday(i).num_days_from_monday() as usize;
    pattern[w][i % series.per_day()]
}

/// The pattern-open values, closed and special ones replaced by the value a week earlier.
fn filled(series: &Series, pattern: &[Vec<bool>; 7]) -> Vec<f64> {
    let week = series.per_week();
    let mut full = series.values().to_vec();
    for i in 0..full.len() {
        if !series.is_open(i) || series.is_special(i) {
            full[i] = match i.checked_sub(week) {
                Some(j) => full[j],
                None => (1..=4)
                    .map(|k| i + k * week)
                    .find(|&j| j < full.len() && series.is_open(j) && !series.is_special(j))
                    .map_or(0.0, |j| full[j]),
            };
        }
    }
    (0..full.len())
        .filter(|&i| in_pattern(series, pattern, i))
        .map(|i| full[i])
        .collect()
}

/// The periods that fit `n` compressed values, and notes on those dropped.
fn periods(series: &Series, pattern: &[Vec<bool>; 7], n: usize) -> (Vec<usize>, Vec<String>) {
    let week: usize = pattern
        .iter()
        .map(|d| d.iter().filter(|&&o| o).count())
        .sum();
    let open_days = pattern
        .iter()
        .filter(|d| d.iter().any(|&o| o))
        .count()
        .max(1);
    let mut wanted = Vec::new();
    if series.interval() != Interval::D1 {
        wanted.push((week / open_days, "within-day"));
    }
    wanted.push((week, "weekly"));
    let mut notes = Vec::new();
    if series.interval() == Interval::D1 {
        if series.len() >= YEAR_DAYS {
            wanted.push((open_days * 365 / 7, "yearly"));
        } else {
            notes.push(format!(
                "no yearly seasonality: it needs {YEAR_DAYS} days of history, the series has {}",
                series.len()
            ));
        }
    }
    let mut kept = Vec::new();
    for (p, what) in wanted {
        if p >= 2 && 2 * p <= n {
            kept.push(p);
        } else if p >= 2 {
            notes.push(format!(
                "no {what} seasonality: it needs {} intervals of history, the series has {n}",
                2 * p
            ));
        }
    }
    (kept, notes)
}

struct MstlFit {
    series: Series,
    fit: augurs::mstl::FittedMSTLModel,
    notes: Vec<String>,
}

impl PointFit for MstlFit {
    fn expected(&self, horizon: usize) -> Vec<f64> {
        let end = self.series.len();
        let pattern = pattern_open(&self.series);
        let steps = (end..end + horizon)
            .filter(|&i| in_pattern(&self.series, &pattern, i))
            .count();
        let point = match self.fit.predict(steps, None) {
            Ok(f) => f.point,
            Err(_) => vec![0.0; steps],
        };
        let mut next = point.into_iter();
        (end..end + horizon)
            .map(|i| {
                if !in_pattern(&self.series, &pattern, i) {
                    return 0.0;
                }
                next.next().unwrap_or(0.0)
            })
            .collect()
    }

    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }
}
