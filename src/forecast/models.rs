//! Forecasting models for a [`Series`]: a small trait, four candidates, and prediction intervals
//! calibrated on each model's own out-of-sample errors.
//!
//! - [`snaive`]: seasonal naive, one week back (the baseline every model is compared with).
//! - [`profile`]: the planners' classic, a daily total (level × weekday factor) times an intraday
//!   profile per weekday; on a daily series it is a level × weekly-profile model.
//! - [`damped`]: a damped additive trend (Holt's method with damping) on the deseasonalised daily
//!   totals, times the weekday factors and the intraday profile: follows a level that jumps and
//!   decays (a surge after a storm) in microseconds.
//! - [`mstl`]: MSTL (augurs) with an AutoETS trend, over the within-day, weekly and — with two
//!   years of daily data — yearly seasonalities.
//!
//! Every model forecasts 0 on closed intervals and never a negative count. **Special days**
//! (national holidays, local closures) are forecast by the series' rule, once for every model
//! ([`special`]): as the weekday holidays of the history behaved, like the series' Sundays when
//! the history has none (or always, or closed, as configured); special days are left out when
//! levels and profiles are estimated.
//!
//! **Intervals** ([`calibrate`]): before fitting on the whole training data, the model is fitted at
//! a few inner origins inside it and forecasts the next horizon; the out-of-sample errors, scaled
//! by `(expected + 1)^p`, give empirical quantiles (10/90 % and 2.5/97.5 %) that are put around the
//! final forecast. No analytic interval is used.

pub mod calibrate;
pub mod damped;
pub mod mstl;
pub mod profile;
pub mod snaive;
pub mod special;

use crate::forecast::series::{ForecastError, Series};
use chrono::{DateTime, Utc};

/// One forecast interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Point {
    /// Start of the interval.
    pub start: DateTime<Utc>,
    /// Expected count (≥ 0; 0 when closed).
    pub expected: f64,
    /// 80 % interval, lower bound.
    pub lower80: f64,
    /// 80 % interval, upper bound.
    pub upper80: f64,
    /// 95 % interval, lower bound.
    pub lower95: f64,
    /// 95 % interval, upper bound.
    pub upper95: f64,
}

/// A point forecaster: what each model implements.
pub trait Model: Send + Sync {
    /// Short name: `snaive`, `profile`, `damped`, `mstl`.
    fn name(&self) -> &'static str;

    /// Intervals of history the model needs on `series`' grid (fitting on less fails with
    /// [`ForecastError::TooLittleHistory`]).
    fn min_history(&self, series: &Series) -> usize;

    /// Fits on all of `series` (closed intervals ignored).
    fn fit_point(&self, series: &Series) -> Result<Box<dyn PointFit>, ForecastError>;

    /// Fits, with intervals calibrated on inner origins of `calibration.horizon` intervals.
    fn fit(
        &self,
        series: &Series,
        calibration: &calibrate::Settings,
    ) -> Result<Fitted, ForecastError>
    where
        Self: Sized,
    {
        calibrate::fit(self, series, calibration)
    }
}

/// A fitted point forecaster.
pub trait PointFit {
    /// Expected counts of the `horizon` intervals after the training data (raw: before closed
    /// intervals are zeroed and negatives clipped, which the caller does).
    fn expected(&self, horizon: usize) -> Vec<f64>;

    /// What the fit had to give up (a seasonality without enough history), for the answer.
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }

    /// What the forecast of the next `horizon` intervals did with special days (which rule gave
    /// which days), for the answer.
    fn horizon_notes(&self, _horizon: usize) -> Vec<String> {
        Vec::new()
    }
}

/// A fitted model with calibrated intervals.
pub struct Fitted {
    pub(crate) name: &'static str,
    pub(crate) point: Box<dyn PointFit>,
    pub(crate) series: Series,
    pub(crate) quantiles: calibrate::Quantiles,
    pub(crate) notes: Vec<String>,
}

impl std::fmt::Debug for Fitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fitted")
            .field("name", &self.name)
            .field("quantiles", &self.quantiles)
            .finish_non_exhaustive()
    }
}

impl Fitted {
    /// The model's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// What the fit gave up or fell back to.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// How the special days among the next `horizon` intervals are forecast (which rule, which
    /// days), for the series' notes.
    pub fn horizon_notes(&self, horizon: usize) -> Vec<String> {
        self.point.horizon_notes(horizon)
    }

    /// The interval quantiles in use.
    pub fn quantiles(&self) -> &calibrate::Quantiles {
        &self.quantiles
    }

    /// The next `horizon` intervals after the training data.
    pub fn forecast(&self, horizon: usize) -> Vec<Point> {
        let end = self.series.len();
        let expected = clean(&self.series, end, self.point.expected(horizon));
        expected
            .iter()
            .enumerate()
            .map(|(j, &e)| {
                let i = end + j;
                // Counts are whole: bounds are rounded to the nearest whole count.
                let band = |q: f64| (e + q * self.quantiles.scale(e)).max(0.0).round();
                let open = self.series.is_open(i);
                let at = |q: f64| if open { band(q) } else { 0.0 };
                Point {
                    start: self.series.start_utc(i),
                    expected: e,
                    lower80: at(self.quantiles.q10).min(e),
                    upper80: at(self.quantiles.q90).max(e),
                    lower95: at(self.quantiles.q025).min(e),
                    upper95: at(self.quantiles.q975).max(e),
                }
            })
            .collect()
    }
}

/// Zero on closed intervals, never negative, never NaN.
pub(crate) fn clean(series: &Series, end: usize, mut expected: Vec<f64>) -> Vec<f64> {
    for (j, e) in expected.iter_mut().enumerate() {
        if !series.is_open(end + j) || !e.is_finite() || *e < 0.0 {
            *e = 0.0;
        }
    }
    expected
}

/// The error for a fit on less history than a model needs.
pub(crate) fn too_little(model: &str, series: &Series, needed: usize, what: &str) -> ForecastError {
    let per_day = series.per_day();
    ForecastError::TooLittleHistory {
        needed: format!(
            "{what} ({needed} intervals of {}, {} days) for {model}",
            series.interval().label(),
            needed.div_ceil(per_day)
        ),
        have: format!(
            "{} intervals ({} days)",
            series.len(),
            series.len() / per_day
        ),
    }
}

/// Which model a caller asks for (written by its name in settings: `snaive`, `profile`, `damped`,
/// `mstl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum ModelKind {
    /// Seasonal naive.
    Snaive,
    /// Daily total × intraday profile.
    Profile,
    /// Damped-trend daily total × weekday factor × intraday profile.
    Damped,
    /// MSTL + AutoETS trend.
    Mstl,
}

impl TryFrom<String> for ModelKind {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text)
            .ok_or_else(|| format!("`{text}` is not one of snaive, profile, damped, mstl"))
    }
}

impl From<ModelKind> for &'static str {
    fn from(k: ModelKind) -> Self {
        k.name()
    }
}

impl ModelKind {
    /// All candidates, the baseline first.
    pub const ALL: [ModelKind; 4] = [Self::Snaive, Self::Profile, Self::Damped, Self::Mstl];

    /// Parses `snaive`, `profile`, `damped`, `mstl`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == text)
    }

    /// The name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Snaive => "snaive",
            Self::Profile => "profile",
            Self::Damped => "damped",
            Self::Mstl => "mstl",
        }
    }

    /// Fits the model of this kind.
    pub fn fit(
        self,
        series: &Series,
        calibration: &calibrate::Settings,
    ) -> Result<Fitted, ForecastError> {
        match self {
            Self::Snaive => snaive::SeasonalNaive.fit(series, calibration),
            Self::Profile => profile::Profile::default().fit(series, calibration),
            Self::Damped => damped::Damped::default().fit(series, calibration),
            Self::Mstl => mstl::Mstl.fit(series, calibration),
        }
    }

    /// History the model of this kind needs on `series`' grid.
    pub fn min_history(self, series: &Series) -> usize {
        match self {
            Self::Snaive => snaive::SeasonalNaive.min_history(series),
            Self::Profile => profile::Profile::default().min_history(series),
            Self::Damped => damped::Damped::default().min_history(series),
            Self::Mstl => mstl::Mstl.min_history(series),
        }
    }
}

#[cfg(test)]
mod tests;
