//! Prediction intervals from a model's own out-of-sample errors.
//!
//! The model is fitted at inner origins inside the training data (each `horizon` intervals
//! before the next, the last one `horizon` before the end, as many as cover the last
//! [`Settings::span_days`]: a year) and forecasts the following `horizon` intervals. A year
//! rather than the last few months: on NYC 311, sixteen two-week origins (the spring and summer
//! before a December origin) gave 80 % intervals that covered 69 % of the outer backtest's
//! actuals; a year of them, with the last Christmas in it, 74–75 %. Each open interval gives a scaled error
//! `(actual − expected) / (expected + 1)^p`, with `p` = ½ (errors that grow like a count's
//! noise) or 1 (errors proportional to the level), whichever makes the errors of the smaller and
//! the larger half of the forecasts most alike in spread. The empirical 80 % and 95 % quantiles
//! of their absolute values give symmetric 80 % and 95 % intervals around the final forecast
//! (clipped at 0). Symmetric rather than the 10/90 % quantiles of the signed errors: a bias of the
//! inner origins (a level that rose there) rarely repeats in the same direction after the origin,
//! and the signed quantiles covered 63–75 % of the outer backtests' actuals, the absolute ones more.
//!
//! With fewer than [`MIN_ERRORS`] errors the intervals fall back to a Poisson-like width
//! (`±1.28·1.5·√(e+1)`, `±1.96·1.5·√(e+1)`), and the fit's notes say so.

use super::{Fitted, Model, clean, special};
use crate::forecast::series::{ForecastError, Series};

/// Errors needed before the empirical quantiles are trusted.
pub const MIN_ERRORS: usize = 30;

/// How intervals are calibrated.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The horizon the intervals are for, in intervals (the forecast's).
    pub horizon: usize,
    /// Days of history the inner origins' forecasts cover, back from the end (as far as the
    /// history goes). Default 364: a whole year, so that the errors of its seasons (a holiday
    /// week, a summer lull) are in the quantiles, not only those of the last months.
    pub span_days: usize,
}

impl Settings {
    /// Intervals for forecasts of `horizon` intervals, from the inner origins of the last year.
    pub fn new(horizon: usize) -> Self {
        Self {
            horizon,
            span_days: 364,
        }
    }

    /// Inner origins on a grid of `per_day` intervals a day: enough to cover `span_days`.
    pub fn origins(&self, per_day: usize) -> usize {
        (self.span_days * per_day)
            .div_ceil(self.horizon.max(1))
            .max(1)
    }
}

/// Quantiles of the scaled errors and the scale's exponent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantiles {
    /// Exponent of the scale `(e + 1)^p`.
    pub p: f64,
    /// 2.5 % quantile.
    pub q025: f64,
    /// 10 % quantile.
    pub q10: f64,
    /// 90 % quantile.
    pub q90: f64,
    /// 97.5 % quantile.
    pub q975: f64,
    /// Errors they come from (0 for the fallback).
    pub errors: usize,
}

impl Quantiles {
    /// The scale of an error around an expected count `e`.
    pub fn scale(&self, e: f64) -> f64 {
        (e.max(0.0) + 1.0).powf(self.p)
    }

    /// The Poisson-like fallback.
    pub fn fallback() -> Self {
        Self {
            p: 0.5,
            q025: -1.96 * 1.5,
            q10: -1.2816 * 1.5,
            q90: 1.2816 * 1.5,
            q975: 1.96 * 1.5,
            errors: 0,
        }
    }

    /// From `(expected, actual)` pairs; the fallback with fewer than [`MIN_ERRORS`].
    pub fn from_pairs(pairs: &[(f64, f64)]) -> Self {
        if pairs.len() < MIN_ERRORS {
            return Self::fallback();
        }
        let p = [0.5, 1.0]
            .into_iter()
            .min_by(|a, b| imbalance(pairs, *a).total_cmp(&imbalance(pairs, *b)))
            .unwrap_or(0.5);
        let mut r: Vec<f64> = pairs
            .iter()
            .map(|&(e, a)| ((a - e) / (e.max(0.0) + 1.0).powf(p)).abs())
            .collect();
        r.sort_by(f64::total_cmp);
        let (a80, a95) = (quantile(&r, 0.80), quantile(&r, 0.95));
        Self {
            p,
            q025: -a95,
            q10: -a80,
            q90: a80,
            q975: a95,
            errors: r.len(),
        }
    }
}

/// How unlike the mean absolute scaled errors of the lower and upper halves (by expected) are.
fn imbalance(pairs: &[(f64, f64)], p: f64) -> f64 {
    let mut sorted = pairs.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let half = sorted.len() / 2;
    let spread = |part: &[(f64, f64)]| {
        part.iter()
            .map(|&(e, a)| ((a - e) / (e.max(0.0) + 1.0).powf(p)).abs())
            .sum::<f64>()
            / part.len().max(1) as f64
            + 1e-9
    };
    (spread(&sorted[..half]) / spread(&sorted[half..]))
        .ln()
        .abs()
}

/// The `q` quantile of sorted values, linearly interpolated.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Fits `model` on `series` with intervals from its inner out-of-sample errors (every fit with
/// its special days forecast by the series' rule, [`special::fit_point`]).
pub fn fit<M: Model + ?Sized>(
    model: &M,
    series: &Series,
    settings: &Settings,
) -> Result<Fitted, ForecastError> {
    let point = special::fit_point(model, series)?;
    let mut notes = point.notes();
    let pairs = inner_errors(model, series, settings);
    let quantiles = Quantiles::from_pairs(&pairs);
    if quantiles.errors == 0 {
        notes.push(format!(
            "intervals not calibrated: {} out-of-sample errors from inner origins, {MIN_ERRORS} \
             needed (Poisson-like widths used)",
            pairs.len()
        ));
    }
    Ok(Fitted {
        name: model.name(),
        point,
        series: series.clone(),
        quantiles,
        notes,
    })
}

/// `(expected, actual)` of open intervals forecast from the inner origins (fitted in parallel:
/// each is independent of the others).
fn inner_errors<M: Model + ?Sized>(model: &M, series: &Series, s: &Settings) -> Vec<(f64, f64)> {
    use rayon::prelude::*;
    let (h, need) = (s.horizon.max(1), model.min_history(series));
    let origins: Vec<usize> = (1..=s.origins(series.per_day()))
        .map_while(|k| series.len().checked_sub(k * h))
        .take_while(|&origin| origin >= need)
        .collect();
    let per_origin: Vec<Vec<(f64, f64)>> = origins
        .par_iter()
        .map(|&origin| {
            let Ok(fit) = special::fit_point(model, &series.head(origin)) else {
                return Vec::new();
            };
            let expected = clean(series, origin, fit.expected(h));
            (origin..origin + h)
                .filter(|&i| series.is_open(i))
                .map(|i| (expected[i - origin], series.values()[i]))
                .collect()
        })
        .collect();
    per_origin.concat()
}
