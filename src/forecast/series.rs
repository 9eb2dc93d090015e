//! A series: counts of contacts per interval (15, 30, 60 minutes or a day) on the local wall clock
//! of a time zone, with which intervals are open and which days are special (holidays).
//!
//! # Intervals are local wall-clock intervals
//!
//! Every local day has the same number of slots (48 of 30 minutes), so that a day and a week are
//! a fixed number of intervals and the seasonal models index them by arithmetic. Instants (UTC)
//! are converted to the zone and counted in the slot of their local time:
//!
//! - on the 23-hour day (last Sunday of March in Europe/Rome) the slots of the skipped hour do not
//!   exist: they are closed (never fitted, forecast as 0);
//! - on the 25-hour day (last Sunday of October) the repeated hour is counted twice into its one
//!   wall-clock slot, as a planner's wall-clock schedule sees it;
//! - a daily series counts per local date, so those days total 23 and 25 hours of contacts.
//!
//! Missing intervals are 0 (a series of counts has no gaps: no event means no contact). Closed
//! intervals — outside the opening hours, or on a holiday when hours are given — are not fitted and
//! are forecast as 0; contacts counted in them are kept in the values but ignored by the models.
//! Holidays (Italian national ones, plus local dates) are *special days*, forecast by the series'
//! [`HolidayRule`]: as the history's weekday holidays behaved, like the series' Sundays, or closed
//! (see [`crate::forecast::models::special`]).

mod error;
mod hours;
mod load;

pub use error::ForecastError;
pub use hours::{OpeningHours, OpeningHoursError, parse_weekly};
pub use load::{CsvSpec, Loaded, Stamp, parse_stamp, read_csv};

use crate::calendar::{HolidayCalendar, WeeklyHours, is_national_holiday, local_to_utc};
use crate::duration::{Duration, DurationError, Unit};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// The length of one interval (serialised as its label, `30m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum Interval {
    /// 15 minutes.
    M15,
    /// 30 minutes.
    M30,
    /// 60 minutes.
    H1,
    /// One local day.
    D1,
}

impl Interval {
    /// Reads a [`crate::duration`] of 15 minutes, 30 minutes, an hour or a day, however written
    /// (`15m`, `30m`, `60m` or `1h`, `1d` or `24h`). The error does not name where the text came
    /// from: the caller does ([`DurationError::named`]).
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        let bad =
            || DurationError::new(format!("`{}` is not one of 15m, 30m, 1h, 1d", text.trim()));
        let minutes = Duration::parse(text)
            .ok()
            .and_then(|d| d.whole(Unit::Minute))
            .ok_or_else(bad)?;
        [Self::M15, Self::M30, Self::H1, Self::D1]
            .into_iter()
            .find(|i| u64::from(i.minutes()) == minutes)
            .ok_or_else(bad)
    }

    /// Minutes in one interval (1440 for a day).
    pub fn minutes(self) -> u32 {
        match self {
            Self::M15 => 15,
            Self::M30 => 30,
            Self::H1 => 60,
            Self::D1 => 1440,
        }
    }

    /// Intervals in one local day.
    pub fn per_day(self) -> usize {
        (1440 / self.minutes()) as usize
    }

    /// The label written by [`Interval::parse`].
    pub fn label(self) -> &'static str {
        match self {
            Self::M15 => "15m",
            Self::M30 => "30m",
            Self::H1 => "1h",
            Self::D1 => "1d",
        }
    }
}

impl TryFrom<String> for Interval {
    type Error = DurationError;
    fn try_from(text: String) -> Result<Self, DurationError> {
        Self::parse(&text)
    }
}

impl From<Interval> for &'static str {
    fn from(i: Interval) -> Self {
        i.label()
    }
}

/// How the special days (national holidays, local closures) of a forecast are forecast
/// (`forecast.holidays`: `learn`, `like-sunday` or `closed`). A series with opening hours is
/// closed on its special days whatever the rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HolidayRule {
    /// As the weekday (Monday to Friday) special days of the history behaved; like the series'
    /// Sundays when the history has none. The default.
    #[default]
    Learn,
    /// Like the series' Sundays, whatever the history shows.
    LikeSunday,
    /// Closed: 0.
    Closed,
}

impl HolidayRule {
    /// All rules, the default first.
    pub const ALL: [HolidayRule; 3] = [Self::Learn, Self::LikeSunday, Self::Closed];

    /// Parses `learn`, `like-sunday`, `closed`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == text.trim())
    }

    /// The name in settings: `learn`, `like-sunday`, `closed`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Learn => "learn",
            Self::LikeSunday => "like-sunday",
            Self::Closed => "closed",
        }
    }
}

/// When a series is open and which days are special: the same for its history and its future.
#[derive(Debug, Clone)]
pub struct SeriesCalendar {
    /// Opening hours; `None`: always open (holidays are then special days, not closed ones).
    pub hours: Option<WeeklyHours>,
    /// Whether the Italian national holidays are special days (off for another country's series).
    pub national: bool,
    /// Local special days every year, as (month, day): the patron saint.
    pub yearly: Vec<(u32, u32)>,
    /// Local special days on one date: an election, a tax deadline, a strike.
    pub dates: Vec<NaiveDate>,
    /// The zone intervals are counted in.
    pub tz: Tz,
    /// How special days are forecast. Default [`HolidayRule::Learn`].
    pub holidays: HolidayRule,
}

impl SeriesCalendar {
    /// Always open, Italian national holidays special, in `tz`.
    pub fn always_open(tz: Tz) -> Self {
        Self {
            hours: None,
            national: true,
            yearly: Vec::new(),
            dates: Vec::new(),
            tz,
            holidays: HolidayRule::default(),
        }
    }

    /// Adds the local closures of `closures` (the routing policy's `local_holidays`, read once
    /// when the settings were loaded) as special days.
    pub fn add_closures(&mut self, closures: &HolidayCalendar) {
        self.yearly.extend_from_slice(closures.local_yearly());
        self.dates.extend_from_slice(closures.local_dates());
    }

    /// Adds local special days: `MM-DD` (every year) or `YYYY-MM-DD`, comma-separated.
    pub fn add_local(&mut self, list: &str) -> Result<(), ForecastError> {
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let bad = |_| ForecastError::BadArgument {
                what: "--special-days",
                reason: format!("`{entry}` is not MM-DD or YYYY-MM-DD"),
            };
            if entry.len() == 5 {
                let date =
                    NaiveDate::parse_from_str(&format!("2024-{entry}"), "%Y-%m-%d").map_err(bad)?;
                self.yearly.push((date.month(), date.day()));
            } else {
                self.dates
                    .push(NaiveDate::parse_from_str(entry, "%Y-%m-%d").map_err(bad)?);
            }
        }
        Ok(())
    }

    /// Whether `date` is a special day.
    pub fn is_special(&self, date: NaiveDate) -> bool {
        (self.national && is_national_holiday(date))
            || self.yearly.contains(&(date.month(), date.day()))
            || self.dates.contains(&date)
    }

    /// Whether the interval of `slot` on local `date` is open.
    pub fn is_open(&self, interval: Interval, date: NaiveDate, slot: usize) -> bool {
        let start = slot_start(interval, date, slot);
        if interval != Interval::D1 && self.tz.from_local_datetime(&start).earliest().is_none() {
            return false; // the skipped hour of a spring-forward day
        }
        let Some(hours) = &self.hours else {
            return true;
        };
        if self.is_special(date) {
            return false; // with opening hours, a holiday is a closed day
        }
        let from = slot as u32 * interval.minutes() * 60;
        let to = from + interval.minutes() * 60;
        hours
            .windows(date.weekday())
            .iter()
            .any(|w| w.start < to && from < w.end)
    }
}

/// The local start of `slot` on `date`.
pub fn slot_start(interval: Interval, date: NaiveDate, slot: usize) -> NaiveDateTime {
    date.and_time(chrono::NaiveTime::MIN)
        + TimeDelta::minutes(i64::from(interval.minutes()) * slot as i64)
}

/// Counts per local interval, with open flags per interval and special flags per day.
#[derive(Debug, Clone)]
pub struct Series {
    interval: Interval,
    calendar: SeriesCalendar,
    first_day: NaiveDate,
    values: Vec<f64>,
    open: Vec<bool>,
    special: Vec<bool>,
}

impl Series {
    /// A series of `values` from local midnight of `first_day`, whole days (the last one is padded
    /// with zeros), with open and special flags from `calendar`.
    pub fn new(
        interval: Interval,
        calendar: SeriesCalendar,
        first_day: NaiveDate,
        mut values: Vec<f64>,
    ) -> Self {
        let per_day = interval.per_day();
        values.resize(values.len().div_ceil(per_day) * per_day, 0.0);
        let days = values.len() / per_day;
        let mut series = Self {
            interval,
            calendar,
            first_day,
            values,
            open: Vec::new(),
            special: Vec::new(),
        };
        series.special = (0..days)
            .map(|d| series.calendar.is_special(series.date(d)))
            .collect();
        series.open = (0..series.values.len())
            .map(|i| series.open_at(i))
            .collect();
        series
    }

    /// Aggregates `(local time, value)` pairs: each value is added to the interval of its local
    /// time; the series runs from the first to the last day seen, missing intervals 0.
    pub fn from_local(
        interval: Interval,
        calendar: SeriesCalendar,
        rows: &[(NaiveDateTime, f64)],
    ) -> Option<Self> {
        let first = rows.iter().map(|r| r.0.date()).min()?;
        let last = rows.iter().map(|r| r.0.date()).max()?;
        let per_day = interval.per_day();
        let days = (last - first).num_days() as usize + 1;
        let mut values = vec![0.0; days * per_day];
        for (t, v) in rows {
            let day = (t.date() - first).num_days() as usize;
            let minute = t
                .time()
                .signed_duration_since(chrono::NaiveTime::MIN)
                .num_minutes() as u32;
            let slot = (minute / interval.minutes()) as usize;
            values[day * per_day + slot.min(per_day - 1)] += v;
        }
        Some(Self::new(interval, calendar, first, values))
    }

    /// Aggregates instants: each converted to the calendar's zone, then as [`Series::from_local`].
    pub fn from_instants(
        interval: Interval,
        calendar: SeriesCalendar,
        rows: &[(DateTime<Utc>, f64)],
    ) -> Option<Self> {
        let tz = calendar.tz;
        let local: Vec<_> = rows
            .iter()
            .map(|(t, v)| (t.with_timezone(&tz).naive_local(), *v))
            .collect();
        Self::from_local(interval, calendar, &local)
    }

    /// The interval length.
    pub fn interval(&self) -> Interval {
        self.interval
    }
    /// The calendar (zone, hours, holidays).
    pub fn calendar(&self) -> &SeriesCalendar {
        &self.calendar
    }
    /// Number of intervals.
    pub fn len(&self) -> usize {
        self.values.len()
    }
    /// Whether there is no interval.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
    /// Intervals per day.
    pub fn per_day(&self) -> usize {
        self.interval.per_day()
    }
    /// Intervals per week: the season of the seasonal naive.
    pub fn per_week(&self) -> usize {
        7 * self.per_day()
    }
    /// The counts.
    pub fn values(&self) -> &[f64] {
        &self.values
    }
    /// The local date of the first interval.
    pub fn first_day(&self) -> NaiveDate {
        self.first_day
    }
    /// The local date of day `d` from the start.
    pub fn date(&self, day: usize) -> NaiveDate {
        self.first_day + TimeDelta::days(day as i64)
    }
    /// The weekday of interval `i` (also beyond the end).
    pub fn weekday(&self, i: usize) -> Weekday {
        self.date(i / self.per_day()).weekday()
    }
    /// Whether interval `i` is open (computed from the calendar beyond the end).
    pub fn is_open(&self, i: usize) -> bool {
        self.open.get(i).copied().unwrap_or_else(|| self.open_at(i))
    }
    /// Whether interval `i` lies on a special day (also beyond the end).
    pub fn is_special(&self, i: usize) -> bool {
        let day = i / self.per_day();
        self.special
            .get(day)
            .copied()
            .unwrap_or_else(|| self.calendar.is_special(self.date(day)))
    }
    /// The local start of interval `i`.
    pub fn start_local(&self, i: usize) -> NaiveDateTime {
        let per_day = self.per_day();
        slot_start(self.interval, self.date(i / per_day), i % per_day)
    }
    /// The start of interval `i` as an instant (the first pass of a repeated autumn hour).
    pub fn start_utc(&self, i: usize) -> DateTime<Utc> {
        local_to_utc(self.calendar.tz, self.start_local(i))
    }
    /// The first `end` intervals (the training part of a backtest origin).
    pub fn head(&self, end: usize) -> Series {
        let end = end.min(self.len());
        let days = end.div_ceil(self.per_day());
        Series {
            interval: self.interval,
            calendar: self.calendar.clone(),
            first_day: self.first_day,
            values: self.values[..end].to_vec(),
            open: self.open[..end].to_vec(),
            special: self.special[..days].to_vec(),
        }
    }

    fn open_at(&self, i: usize) -> bool {
        let per_day = self.per_day();
        self.calendar
            .is_open(self.interval, self.date(i / per_day), i % per_day)
    }
}

#[cfg(test)]
mod tests;
