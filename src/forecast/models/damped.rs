//! A damped additive trend on the daily totals, times the weekday factors and the intraday
//! profile: the profile model's shape with a level that may move, for a surge that decays.
//!
//! - **Weekday factors**: each usable day's total over the mean of the week centred on it (so a
//!   level that moves does not leak into the factors), the median per weekday over the last
//!   [`Damped::season_weeks`] weeks (so a surge day does not either), scaled to a mean of 1.
//! - **Daily total**: Holt's linear method with a damped trend (additive, damping φ) on the
//!   deseasonalised totals; a special or closed day is skipped (the level and trend run on
//!   without it). α, β and φ are those of a small grid ([`ALPHAS`] × [`BETAS`] × [`PHIS`]) with the
//!   smallest sum of squared one-step errors after the first week, the largest tenth of them left
//!   out ([`TRIM`]). The forecast `h` days ahead is
//!   `level + (φ + φ² + … + φʰ)·trend`, never below 0.
//! - **Intraday profile**: the profile model's ([`super::profile`]), per weekday over the last
//!   [`Damped::profile_weeks`] weeks.
//!
//! Written here rather than with augurs' ETS (`augurs-ets`, in the tree for MSTL): its AutoETS
//! searches model forms with a numerical optimiser and has no seasonal ETS; what is needed is one
//! form on at most a few hundred daily totals, and a 140-point grid over them takes well under a
//! millisecond, deterministic, with no failure to converge.

use super::profile::{intraday_profiles, weekday_factors};
use super::special::{daily_totals, usable};
use super::{Model, PointFit};
use crate::forecast::series::{ForecastError, Series};
use chrono::Datelike;

/// Damped-trend daily total × weekday factor × intraday profile.
#[derive(Debug, Clone, Copy)]
pub struct Damped {
    /// Weeks over which weekday factors are averaged. Default 8.
    pub season_weeks: usize,
    /// Weeks over which intraday profiles are averaged. Default 8.
    pub profile_weeks: usize,
}

impl Default for Damped {
    fn default() -> Self {
        Self {
            season_weeks: 8,
            profile_weeks: 8,
        }
    }
}

/// Level smoothing weights tried.
pub const ALPHAS: [f64; 7] = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9];
/// Trend smoothing weights tried.
pub const BETAS: [f64; 5] = [0.01, 0.05, 0.1, 0.2, 0.4];
/// Dampings tried (1 would be Holt's undamped trend, which runs away on long horizons).
pub const PHIS: [f64; 4] = [0.8, 0.88, 0.94, 0.98];

/// Days of one-step errors left out while the level settles.
const WARM_UP: usize = 7;

/// Share of the largest one-step errors left out of the fit (least trimmed squares): the jump of
/// a surge, and the overshoot of a trend just after it, would otherwise decide the weights, and
/// the fit would choose no trend at all (β 0.01, φ 0.8: a level 20 % above the actuals a week
/// after a synthetic storm); trimmed, it follows the decay (a third of the error), for 0-8 %
/// more on flat noisy series (a simulation of both, before this was written).
const TRIM: f64 = 0.1;

impl Model for Damped {
    fn name(&self) -> &'static str {
        "damped"
    }

    fn min_history(&self, series: &Series) -> usize {
        2 * series.per_week()
    }

    fn fit_point(&self, series: &Series) -> Result<Box<dyn PointFit>, ForecastError> {
        let need = self.min_history(series);
        if series.len() < need {
            return Err(super::too_little("damped", series, need, "two weeks"));
        }
        let per_day = series.per_day();
        // Whole days only: a part-day at the end would read as a quiet day.
        let days = series.len() / per_day;
        let totals = &daily_totals(series)[..days];
        let ok: Vec<bool> = (0..days).map(|d| usable(series, d)).collect();
        let weekday = |d: usize| series.date(d).weekday().num_days_from_monday() as usize;
        let from = days.saturating_sub(7 * self.season_weeks);
        let factors = centred_factors(totals, &ok, weekday, from)
            .unwrap_or_else(|| weekday_factors(totals, &ok, weekday, from));
        let z: Vec<Option<f64>> = (0..days)
            .map(|d| (ok[d] && factors[weekday(d)] > 0.0).then(|| totals[d] / factors[weekday(d)]))
            .collect();
        let holt = Holt::best(&z);
        let profiles = intraday_profiles(series, &ok, days.saturating_sub(7 * self.profile_weeks));
        Ok(Box::new(Fit {
            calendar: series.head(0),
            end: series.len(),
            days,
            holt,
            factors,
            profiles,
        }))
    }
}

/// Weekday factors from ratios to a centred week (see the module header); `None` when a weekday
/// has no usable day in `from..` with a week of usable days around it.
fn centred_factors(
    totals: &[f64],
    ok: &[bool],
    weekday: impl Fn(usize) -> usize,
    from: usize,
) -> Option<[f64; 7]> {
    let mut ratios: [Vec<f64>; 7] = std::array::from_fn(|_| Vec::new());
    for d in (from.max(3)..totals.len().saturating_sub(3)).filter(|&d| ok[d]) {
        let week: Vec<f64> = (d - 3..=d + 3)
            .filter(|&e| ok[e])
            .map(|e| totals[e])
            .collect();
        let mean = week.iter().sum::<f64>() / week.len() as f64;
        // A week with a closed or special day in it misses that weekday: its mean is not a level.
        if week.len() == 7 && mean > 0.0 {
            ratios[weekday(d)].push(totals[d] / mean);
        }
    }
    // The median, not the mean: the week of a surge (2 000 contacts on a Monday of 600) would
    // otherwise make every Monday a busy day and every other day a quiet one.
    let mut medians = [0.0; 7];
    for (m, r) in medians.iter_mut().zip(ratios.iter_mut()) {
        if r.is_empty() {
            return None;
        }
        r.sort_by(f64::total_cmp);
        *m = super::calibrate::quantile(r, 0.5);
    }
    let mean = medians.iter().sum::<f64>() / 7.0;
    (mean > 0.0).then(|| medians.map(|m| m / mean))
}

/// A fitted damped trend: its weights and final state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Holt {
    /// Level weight.
    pub alpha: f64,
    /// Trend weight.
    pub beta: f64,
    /// Damping.
    pub phi: f64,
    /// Level after the last day.
    pub level: f64,
    /// Trend after the last day.
    pub trend: f64,
}

impl Holt {
    /// Runs the method over `z` (unknown days skipped) and returns the final state with the sum
    /// of the squared one-step errors after [`WARM_UP`] days, the largest [`TRIM`] of them left
    /// out.
    fn run(z: &[Option<f64>], alpha: f64, beta: f64, phi: f64) -> (Self, f64) {
        let known: Vec<f64> = z.iter().flatten().take(WARM_UP).copied().collect();
        let mut level = known.iter().sum::<f64>() / known.len().max(1) as f64;
        let mut trend = 0.0;
        let mut errors = Vec::with_capacity(z.len());
        for (t, x) in z.iter().enumerate() {
            let forecast = level + phi * trend;
            match x {
                Some(x) => {
                    if t >= WARM_UP {
                        errors.push((x - forecast).powi(2));
                    }
                    let next = alpha * x + (1.0 - alpha) * forecast;
                    trend = beta * (next - level) + (1.0 - beta) * phi * trend;
                    level = next;
                }
                None => {
                    level = forecast;
                    trend *= phi;
                }
            }
        }
        errors.sort_by(f64::total_cmp);
        let kept = errors.len() - (errors.len() as f64 * TRIM).floor() as usize;
        let sse = errors[..kept].iter().sum();
        let holt = Self {
            alpha,
            beta,
            phi,
            level,
            trend,
        };
        (holt, sse)
    }

    /// The weights of the grid with the smallest one-step squared error on `z`.
    pub fn best(z: &[Option<f64>]) -> Self {
        let mut best: Option<(Self, f64)> = None;
        for alpha in ALPHAS {
            for beta in BETAS {
                for phi in PHIS {
                    let (holt, sse) = Self::run(z, alpha, beta, phi);
                    if best.as_ref().is_none_or(|(_, b)| sse < *b) {
                        best = Some((holt, sse));
                    }
                }
            }
        }
        best.map_or(
            Self {
                alpha: ALPHAS[0],
                beta: BETAS[0],
                phi: PHIS[0],
                level: 0.0,
                trend: 0.0,
            },
            |(holt, _)| holt,
        )
    }

    /// The deseasonalised total `h` ≥ 1 days after the last, never below 0.
    pub fn ahead(&self, h: usize) -> f64 {
        // φ + φ² + … + φʰ
        let damped = (1..=h).map(|i| self.phi.powi(i as i32)).sum::<f64>();
        (self.level + damped * self.trend).max(0.0)
    }
}

struct Fit {
    /// The series' calendar without its values (weekdays after the end).
    calendar: Series,
    end: usize,
    /// Whole days of history.
    days: usize,
    holt: Holt,
    factors: [f64; 7],
    profiles: [Vec<f64>; 7],
}

impl PointFit for Fit {
    fn expected(&self, horizon: usize) -> Vec<f64> {
        let per_day = self.calendar.per_day();
        (self.end..self.end + horizon)
            .map(|t| {
                let d = t / per_day;
                let w = self.calendar.weekday(t).num_days_from_monday() as usize;
                let h = (d + 1).saturating_sub(self.days).max(1);
                self.holt.ahead(h) * self.factors[w] * self.profiles[w][t % per_day]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_follows_a_linear_trend_and_damps_it() {
        let z: Vec<Option<f64>> = (0..60).map(|t| Some(100.0 + 2.0 * t as f64)).collect();
        let holt = Holt::best(&z);
        assert!((holt.level - 218.0).abs() < 2.0, "{holt:?}");
        assert!((holt.trend - 2.0).abs() < 0.3, "{holt:?}");
        // Damped: the total increase over a long horizon stays below trend × φ/(1 − φ).
        let bound = holt.level + holt.trend * holt.phi / (1.0 - holt.phi) + 1e-9;
        assert!(holt.ahead(1000) <= bound, "{holt:?}");
        assert!(holt.ahead(2) > holt.ahead(1));
    }

    #[test]
    fn an_unknown_day_is_skipped_and_a_falling_level_never_forecasts_below_zero() {
        let mut z: Vec<Option<f64>> = (0..40).map(|t| Some(200.0 - 5.0 * t as f64)).collect();
        z[20] = None;
        let holt = Holt::best(&z);
        assert!(holt.trend < 0.0, "{holt:?}");
        assert_eq!(holt.ahead(400), 0.0);
    }
}
