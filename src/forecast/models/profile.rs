//! The planners' classic: a daily total times an intraday profile per weekday.
//!
//! - **Daily total** = level × weekday factor (special days: see [`super::special`]). The weekday
//!   factors are the mean total of each weekday over the last [`Profile::season_weeks`] weeks
//!   divided by the mean of all days there; the level is simple exponential smoothing of the
//!   deseasonalised totals, its smoothing weight chosen on the history by the mean absolute error
//!   of the level at leads of one to seven days.
//! - **Intraday profile**: the share of each interval in its day's total, per weekday, averaged
//!   over the last [`Profile::profile_weeks`] weeks (all weekdays pooled for a weekday with no
//!   usable day there).
//!
//! Special and closed days are left out of every estimate. On a daily series the profile is 1:
//! the model is a level × weekly-profile model.

use super::special::{daily_totals, usable};
use super::{Model, PointFit};
use crate::forecast::series::{ForecastError, Series};
use chrono::Datelike;

/// Daily total × intraday profile per weekday.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    /// Weeks over which weekday factors are averaged. Default 26.
    pub season_weeks: usize,
    /// Weeks over which intraday profiles are averaged. Default 8.
    pub profile_weeks: usize,
}

impl Default for Profile {
    fn default() -> Self {
        Self {
            season_weeks: 26,
            profile_weeks: 8,
        }
    }
}

/// Days ahead over which a smoothing weight is scored.
const LEADS: usize = 7;

/// Smoothing weights tried for the level.
const ALPHAS: [f64; 7] = [0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8];

impl Model for Profile {
    fn name(&self) -> &'static str {
        "profile"
    }

    fn min_history(&self, series: &Series) -> usize {
        2 * series.per_week()
    }

    fn fit_point(&self, series: &Series) -> Result<Box<dyn PointFit>, ForecastError> {
        let need = self.min_history(series);
        if series.len() < need {
            return Err(super::too_little("profile", series, need, "two weeks"));
        }
        let totals = daily_totals(series);
        let days = totals.len();
        let ok: Vec<bool> = (0..days).map(|d| usable(series, d)).collect();
        let weekday = |d: usize| series.date(d).weekday().num_days_from_monday() as usize;
        let factors = weekday_factors(
            &totals,
            &ok,
            weekday,
            days.saturating_sub(7 * self.season_weeks),
        );
        let deseasonalised: Vec<Option<f64>> = (0..days)
            .map(|d| (ok[d] && factors[weekday(d)] > 0.0).then(|| totals[d] / factors[weekday(d)]))
            .collect();
        let level = best_level(&deseasonalised);
        let profiles = intraday_profiles(series, &ok, days.saturating_sub(7 * self.profile_weeks));
        Ok(Box::new(Fit {
            series: series.clone(),
            deseasonalised,
            level,
            factors,
            profiles,
        }))
    }
}

/// Mean total per weekday over days `from..` divided by the mean over all of them (1 for a
/// weekday never seen there).
pub(super) fn weekday_factors(
    totals: &[f64],
    ok: &[bool],
    weekday: impl Fn(usize) -> usize,
    from: usize,
) -> [f64; 7] {
    let (mut sum, mut n) = ([0.0; 7], [0usize; 7]);
    for d in (from..totals.len()).filter(|&d| ok[d]) {
        sum[weekday(d)] += totals[d];
        n[weekday(d)] += 1;
    }
    let means: Vec<Option<f64>> = (0..7)
        .map(|w| (n[w] > 0).then(|| sum[w] / n[w] as f64))
        .collect();
    let seen: Vec<f64> = means.iter().flatten().copied().collect();
    let overall = seen.iter().sum::<f64>() / seen.len().max(1) as f64;
    let mut factors = [1.0; 7];
    for (w, m) in means.iter().enumerate() {
        if let Some(m) = m
            && overall > 0.0
        {
            factors[w] = m / overall;
        }
    }
    factors
}

/// The final level of exponential smoothing over the known values, with the weight that has the
/// smallest mean absolute error at leads 1..=7.
fn best_level(z: &[Option<f64>]) -> f64 {
    let known: Vec<f64> = z.iter().flatten().copied().collect();
    let Some(&first) = known.first() else {
        return 0.0;
    };
    let mut best = (f64::INFINITY, first);
    for alpha in ALPHAS {
        let mut level = first;
        let (mut err, mut n) = (0.0, 0usize);
        for (t, &x) in known.iter().enumerate() {
            if t > 0 {
                for lead in known.iter().skip(t).take(LEADS) {
                    err += (lead - level).abs();
                    n += 1;
                }
            }
            level += alpha * (x - level);
        }
        let mae = if n > 0 { err / n as f64 } else { 0.0 };
        if mae < best.0 {
            best = (mae, level);
        }
    }
    best.1
}

/// Share of each slot in its day's total, per weekday, over usable days `from..`.
pub(super) fn intraday_profiles(series: &Series, ok: &[bool], from: usize) -> [Vec<f64>; 7] {
    let per_day = series.per_day();
    let v = series.values();
    let mut sums: [Vec<f64>; 7] = std::array::from_fn(|_| vec![0.0; per_day]);
    let mut pooled = vec![0.0; per_day];
    for d in (from..ok.len()).filter(|&d| ok[d]) {
        let w = series.date(d).weekday().num_days_from_monday() as usize;
        for s in (0..per_day).filter(|&s| series.is_open(d * per_day + s)) {
            sums[w][s] += v[d * per_day + s];
            pooled[s] += v[d * per_day + s];
        }
    }
    let normalise = |p: &mut Vec<f64>| {
        let total: f64 = p.iter().sum();
        if total > 0.0 {
            p.iter_mut().for_each(|x| *x /= total);
        }
        total > 0.0
    };
    let pooled_ok = normalise(&mut pooled);
    for profile in &mut sums {
        if !normalise(profile) {
            *profile = if pooled_ok {
                pooled.clone()
            } else {
                vec![1.0 / per_day as f64; per_day]
            };
        }
    }
    sums
}

struct Fit {
    series: Series,
    deseasonalised: Vec<Option<f64>>,
    level: f64,
    factors: [f64; 7],
    profiles: [Vec<f64>; 7],
}

impl PointFit for Fit {
    fn expected(&self, horizon: usize) -> Vec<f64> {
        let end = self.series.len();
        let per_day = self.series.per_day();
        (end..end + horizon)
            .map(|t| {
                let w = self.series.weekday(t).num_days_from_monday() as usize;
                let yearly = self.yearly(t / per_day);
                self.level * self.factors[w] * yearly * self.profiles[w][t % per_day]
            })
            .collect()
    }
}

impl Fit {
    /// The yearly factor of day `d` after the history: for each year back (52 weeks, so the
    /// weekday is the same) that the history reaches, the mean deseasonalised total of the week
    /// around that day divided by that of the four weeks before the origin a year back; the
    /// mean of those ratios, shrunk halfway to 1 and kept within [0.5, 1.5]. 1 with less than
    /// [`YEARLY_HISTORY`] days.
    fn yearly(&self, d: usize) -> f64 {
        let z = &self.deseasonalised;
        let days = z.len();
        if days < YEARLY_HISTORY {
            return 1.0;
        }
        let mean = |from: usize, to: usize| {
            let known: Vec<f64> = z[from..to.min(days)].iter().flatten().copied().collect();
            (known.len() >= 3).then(|| known.iter().sum::<f64>() / known.len() as f64)
        };
        let ratios: Vec<f64> = (1..)
            .map(|k| k * YEAR_DAYS)
            .take_while(|back| days >= back + 28 && d >= back + 3)
            .filter_map(|back| {
                let near = mean(d - back - 3, d - back + 4)?;
                let before = mean(days - back - 28, days - back)?;
                (before > 0.0).then(|| near / before)
            })
            .collect();
        if ratios.is_empty() {
            return 1.0;
        }
        let r = ratios.iter().sum::<f64>() / ratios.len() as f64;
        (1.0 + YEARLY_SHRINK * (r - 1.0)).clamp(0.5, 1.5)
    }
}

/// A year back on the same weekday: 52 weeks.
const YEAR_DAYS: usize = 364;
/// Days of history before a yearly factor is used: two years.
const YEARLY_HISTORY: usize = 2 * YEAR_DAYS;
/// How far the yearly ratio moves the forecast (1 = all the way).
const YEARLY_SHRINK: f64 = 0.5;
