//! Special days (national holidays, local closures) and daily totals, shared by the models.
//!
//! How a special day is forecast is decided here once for every model, by the series'
//! [`HolidayRule`] ([`fit_point`] wraps each model's fit):
//!
//! - **learned** (`learn`, when the history has an example): the model's forecast for that day
//!   times one multiplicative factor per series: over the special days of the history that fell on
//!   a weekday (Monday to Friday) and were open, the sum of their totals divided by the sum of the
//!   mean totals of the same weekday one and two weeks before and after (days that are not
//!   special); kept within [0, 3]. A holiday on a Saturday or Sunday is no example: it says nothing
//!   of how a working day behaves when it is a holiday.
//! - **like the series' Sundays** (`like-sunday`, and `learn` with no example in the history): the
//!   model's forecast for the same interval of the next Sunday, so that a Tuesday holiday is
//!   forecast like a Sunday rather than an ordinary Tuesday.
//! - **closed** (`closed`): 0.
//!
//! A series with opening hours is closed on its special days whatever the rule (its calendar closes
//! them, and closed intervals are forecast as 0). Special days are left out when levels and
//! profiles are estimated.

use super::{Model, PointFit};
use crate::calendar::holidays::national_holiday;
use crate::forecast::series::{ForecastError, HolidayRule, Series};
use chrono::{Datelike, NaiveDate, Weekday};

/// Totals per local day over open intervals.
pub fn daily_totals(series: &Series) -> Vec<f64> {
    let per_day = series.per_day();
    series
        .values()
        .chunks(per_day)
        .enumerate()
        .map(|(d, day)| {
            day.iter()
                .enumerate()
                .filter(|(s, _)| series.is_open(d * per_day + s))
                .map(|(_, v)| v)
                .sum()
        })
        .collect()
}

/// Whether day `d` has an open interval.
pub fn day_open(series: &Series, d: usize) -> bool {
    let per_day = series.per_day();
    (d * per_day..(d + 1) * per_day).any(|i| series.is_open(i))
}

/// Whether day `d` is usable for estimating levels and profiles: open and not special.
pub fn usable(series: &Series, d: usize) -> bool {
    !series.is_special(d * series.per_day()) && day_open(series, d)
}

/// What the history says about special days: the factor of the module header and how many
/// weekday special days it comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HolidayEffect {
    /// Total of a special day over that of the same weekday around it, within [0, 3].
    pub factor: f64,
    /// Weekday special days of the history it was measured on (at least one).
    pub examples: usize,
}

/// The multiplicative effect of a special day (see the module header); `None` when the history
/// has no open weekday special day with ordinary days around it.
pub fn holiday_effect(series: &Series) -> Option<HolidayEffect> {
    let totals = daily_totals(series);
    let days = totals.len();
    let per_day = series.per_day();
    let (mut actual, mut reference, mut examples) = (0.0, 0.0, 0);
    let weekday_special = |d: usize| {
        series.is_special(d * per_day)
            && !matches!(series.date(d).weekday(), Weekday::Sat | Weekday::Sun)
    };
    for d in (0..days).filter(|&d| day_open(series, d) && weekday_special(d)) {
        let around: Vec<f64> = [-14_i64, -7, 7, 14]
            .iter()
            .filter_map(|k| usize::try_from(d as i64 + k).ok())
            .filter(|&e| e < days && usable(series, e))
            .map(|e| totals[e])
            .collect();
        if !around.is_empty() {
            actual += totals[d];
            reference += around.iter().sum::<f64>() / around.len() as f64;
            examples += 1;
        }
    }
    (examples > 0 && reference > 0.0).then(|| HolidayEffect {
        factor: (actual / reference).clamp(0.0, 3.0),
        examples,
    })
}

/// How the special days after the history are forecast, decided once per fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Treatment {
    /// The model's forecast times the history's factor.
    Learned(HolidayEffect),
    /// The model's forecast of the next Sunday; `fallback` when `learn` found no example.
    LikeSunday {
        /// Whether this is `learn` with nothing to learn from.
        fallback: bool,
    },
    /// Zero.
    Closed,
}

impl Treatment {
    /// The treatment of `series`' special days under its calendar's rule.
    pub fn of(series: &Series) -> Self {
        match series.calendar().holidays {
            HolidayRule::Closed => Self::Closed,
            HolidayRule::LikeSunday => Self::LikeSunday { fallback: false },
            HolidayRule::Learn => {
                holiday_effect(series).map_or(Self::LikeSunday { fallback: true }, Self::Learned)
            }
        }
    }

    /// The rule in words, for the notes.
    fn describe(self) -> String {
        match self {
            Self::Learned(e) => format!(
                "forecast as the {} weekday holiday(s) of the history behaved (× {:.2} the same \
                 weekday; forecast.holidays = \"learn\")",
                e.examples, e.factor
            ),
            Self::LikeSunday { fallback: true } => "forecast like the series' Sundays (no \
                 weekday holiday in the history to learn from; forecast.holidays = \"learn\")"
                .into(),
            Self::LikeSunday { fallback: false } => {
                "forecast like the series' Sundays (forecast.holidays = \"like-sunday\")".into()
            }
            Self::Closed => "forecast closed, 0 (forecast.holidays = \"closed\")".into(),
        }
    }
}

/// Fits `model` on `series` and forecasts its special days by the series' rule (module header).
pub fn fit_point<M: Model + ?Sized>(
    model: &M,
    series: &Series,
) -> Result<Box<dyn PointFit>, ForecastError> {
    let inner = model.fit_point(series)?;
    Ok(Box::new(SpecialDays {
        inner,
        // The calendar without the values: it answers `is_special` and the weekday of any
        // interval after the end, which is all the forecast needs.
        calendar: series.head(0),
        end: series.len(),
        treatment: Treatment::of(series),
    }))
}

/// A model's fit with its special days forecast by a [`Treatment`].
struct SpecialDays {
    inner: Box<dyn PointFit>,
    calendar: Series,
    end: usize,
    treatment: Treatment,
}

impl SpecialDays {
    /// The special days among the `horizon` intervals after the history, as (offset of their
    /// first interval, date).
    fn special_days(&self, horizon: usize) -> Vec<(usize, NaiveDate)> {
        let per_day = self.calendar.per_day();
        let first_day = self.end / per_day;
        let last_day = (self.end + horizon).div_ceil(per_day);
        (first_day..last_day)
            .filter(|&d| self.calendar.is_special(d * per_day))
            .map(|d| {
                (
                    (d * per_day).saturating_sub(self.end),
                    self.calendar.date(d),
                )
            })
            .collect()
    }
}

impl PointFit for SpecialDays {
    fn expected(&self, horizon: usize) -> Vec<f64> {
        let per_day = self.calendar.per_day();
        let like_sunday = matches!(self.treatment, Treatment::LikeSunday { .. });
        // Like Sunday reads up to a week past the horizon: the Sunday after its last day.
        let reach = if like_sunday && !self.special_days(horizon).is_empty() {
            horizon + 7 * per_day
        } else {
            horizon
        };
        let raw = self.inner.expected(reach);
        let mut out = raw[..horizon.min(raw.len())].to_vec();
        for (j, e) in out.iter_mut().enumerate() {
            let t = self.end + j;
            if !self.calendar.is_special(t) {
                continue;
            }
            match self.treatment {
                Treatment::Learned(effect) => *e *= effect.factor,
                Treatment::Closed => *e = 0.0,
                Treatment::LikeSunday { .. } => {
                    // Sunday is day 6 from Monday: 0 days ahead on a Sunday itself.
                    let days = 6 - self.calendar.weekday(t).num_days_from_monday() as usize;
                    if let Some(v) = raw.get(j + days * per_day) {
                        *e = *v;
                    }
                }
            }
        }
        out
    }

    fn notes(&self) -> Vec<String> {
        self.inner.notes()
    }

    fn horizon_notes(&self, horizon: usize) -> Vec<String> {
        let days = self.special_days(horizon);
        if days.is_empty() {
            return Vec::new();
        }
        let named: Vec<String> = days
            .iter()
            .map(|(_, date)| {
                let national = self.calendar.calendar().national;
                let name = national
                    .then(|| national_holiday(*date))
                    .flatten()
                    .unwrap_or("local closure");
                format!("{date} ({name})")
            })
            .collect();
        let how = if self.calendar.calendar().hours.is_some() {
            "closed, 0 (the series' opening hours close special days)".to_string()
        } else {
            self.treatment.describe()
        };
        vec![format!("special days {}: {how}", named.join(", "))]
    }
}
