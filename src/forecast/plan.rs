//! Forecasts for planners, fitted off the request path: for each series of `[forecast]`, count
//! its contacts, choose the model by backtest, fit it on all the history, forecast the horizon
//! and staff every interval. The registry keeps the result (and the one before it) and the API
//! serves it: nothing is fitted per request, and nothing is parsed per fit (the settings arrive
//! typed from [`super::config`]).
//!
//! Imports `config`, `backtest`, `models`, `series` and `staffing` of `forecast`, and the store's
//! contact counts; `chart` imports this, not the other way.

use super::backtest;
use super::config::{ForecastConfig, SeriesConfig};
use super::models::{ModelKind, calibrate};
use super::series::{Interval, Series, SeriesCalendar};
use super::staffed::{self, Carried};
use super::staffing::answered_live;
use crate::duration::{Duration, DurationError, Unit};
use crate::store::{ContactCounts, ContactFilter};
use chrono::{DateTime, Utc};

/// Days forecast ahead at each refit (requests may ask for less).
pub const HORIZON_DAYS: usize = 28;
/// Days of history kept with each forecast, for its chart.
pub const HISTORY_DAYS: usize = 14;
/// Backtest origins used to choose the model (fewer when the history is short).
const ORIGINS: usize = 4;

pub use super::staffed::StaffedPoint;

/// The forecast of one series (serialised as the store's forecast cache).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SeriesForecast {
    /// The series' definition.
    pub config: SeriesConfig,
    /// Its interval.
    pub interval: Interval,
    /// The model chosen by backtest.
    pub model: String,
    /// Its backtest MASE (NaN without a backtest; stored as null).
    #[serde(with = "nan_as_null")]
    pub mase: f64,
    /// The seasonal naive's MASE on the same backtest.
    #[serde(with = "nan_as_null")]
    pub baseline_mase: f64,
    /// Share of the backtest's actuals inside the 80 % intervals.
    #[serde(with = "nan_as_null")]
    pub coverage80: f64,
    /// Contacts the series was fitted on.
    pub contacts: u64,
    /// First and last interval of the history.
    pub history: (DateTime<Utc>, DateTime<Utc>),
    /// The last [`HISTORY_DAYS`] days of the history (interval start, count), for
    /// the chart.
    #[serde(default)]
    pub recent: Vec<(DateTime<Utc>, f64)>,
    /// The next [`HORIZON_DAYS`] days.
    pub points: Vec<StaffedPoint>,
    /// Fallbacks and notes of the fit.
    pub notes: Vec<String>,
}

/// Every series' forecast from one refit (serialised as the store's forecast cache).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Forecasts {
    /// When the refit ran; `None` before the first.
    pub fitted_at: Option<DateTime<Utc>>,
    /// The series that could be fitted.
    pub series: Vec<SeriesForecast>,
    /// The series that could not, and why (no contacts yet, too little history…).
    pub failed: Vec<(String, String)>,
}

impl Forecasts {
    /// The forecast of the series `name`.
    pub fn get(&self, name: &str) -> Option<&SeriesForecast> {
        self.series.iter().find(|s| s.config.name == name)
    }
}

/// JSON has no NaN: a score that does not exist is `null`.
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        if x.is_finite() {
            s.serialize_f64(*x)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

impl Forecasts {
    /// The forecasts as JSON, for the store's cache.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Forecasts read back from the store's cache.
    pub fn from_json(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|e| format!("the cached forecasts are unreadable: {e}"))
    }
}

/// Days in a horizon: a [`crate::duration`] of whole days, 1 to [`HORIZON_DAYS`] (`14d`, `2w`).
/// `what` names the flag or field the text came from, in the error.
pub fn parse_horizon_days(what: &str, text: &str) -> Result<usize, DurationError> {
    let t = text.trim();
    let bad = || {
        DurationError::new(format!(
            "`{t}` is not 1 to {HORIZON_DAYS} days (e.g. `14d`, `2w`)"
        ))
        .named(what)
    };
    let days = Duration::parse(t)
        .ok()
        .and_then(|d| d.whole(Unit::Day))
        .ok_or_else(bad)?;
    usize::try_from(days)
        .ok()
        .filter(|d| (1..=HORIZON_DAYS).contains(d))
        .ok_or_else(bad)
}

/// The points as CSV for spreadsheets: `start,expected,lower80,upper80,lower95,upper95,agents,fte`
/// (agents and FTE empty where the interval is closed).
pub fn points_csv(points: &[StaffedPoint]) -> String {
    use std::fmt::Write;
    let mut out = String::from("start,expected,lower80,upper80,lower95,upper95,agents,fte\n");
    for p in points {
        let (agents, fte) = p
            .staffing
            .as_ref()
            .map_or((String::new(), String::new()), |st| {
                (st.agents.to_string(), st.fte.to_string())
            });
        let q = &p.point;
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{agents},{fte}",
            q.start.to_rfc3339(),
            q.expected,
            q.lower80,
            q.upper80,
            q.lower95,
            q.upper95
        );
    }
    out
}

/// The store's filter for the contacts of the series `def`.
pub fn contact_filter(def: &SeriesConfig) -> ContactFilter {
    ContactFilter {
        queue: def.queue.clone(),
        channel: def.channel.clone(),
        topic: def.topic.clone(),
        urgency: def.urgency.clone(),
    }
}

/// The contacts of the series `def` per 15-minute UTC bucket, from the store at `path` (events,
/// and routed requests with `include_decisions`).
pub fn stored_counts(
    path: &crate::store::Location,
    def: &SeriesConfig,
    include_decisions: bool,
) -> Result<Vec<(DateTime<Utc>, u64)>, String> {
    let counts = ContactCounts::read(path, include_decisions).map_err(|e| e.to_string())?;
    Ok(counts.series(&contact_filter(def)))
}

/// Fits every series of `defs` on the contacts of the store at `path`, read once for all of them
/// (one connection, one grouped scan); when the store cannot be read, every series fails with why.
pub fn fit_stored(
    path: &crate::store::Location,
    defs: &[SeriesConfig],
    config: &ForecastConfig,
    now: DateTime<Utc>,
) -> Forecasts {
    match ContactCounts::read(path, config.count_decisions) {
        Ok(counts) => fit_all(
            defs,
            config,
            |def| Ok(counts.series(&contact_filter(def))),
            now,
        ),
        Err(e) => {
            let why = e.to_string();
            fit_all(defs, config, |_| Err(why.clone()), now)
        }
    }
}

/// Fits every series of `defs`; `counts` gives a series' contacts per 15-minute UTC bucket.
pub fn fit_all(
    defs: &[SeriesConfig],
    config: &ForecastConfig,
    counts: impl Fn(&SeriesConfig) -> Result<Vec<(DateTime<Utc>, u64)>, String>,
    now: DateTime<Utc>,
) -> Forecasts {
    let mut out = Forecasts {
        fitted_at: Some(now),
        ..Forecasts::default()
    };
    for def in defs {
        match counts(def).and_then(|rows| fit_one(def, config, &rows, now)) {
            Ok(f) => out.series.push(f),
            Err(why) => out.failed.push((def.name.clone(), why)),
        }
    }
    out
}

/// What the series' notes say of its staffed hours.
fn staffed_note(hours: &str, carry: bool, c: &Carried) -> String {
    let what = if carry {
        format!(
            "the {:.0} contacts forecast to arrive while it is closed are carried to the next \
             opening and spread over it",
            c.carried
        )
    } else {
        format!(
            "the {:.0} contacts forecast while it is closed are not carried (callers do not wait \
             for the opening)",
            c.not_carried
        )
    };
    format!(
        "Agents only while the queue is open ({hours}; closed on holidays and local closures): \
         {} closed intervals have none; {what}.",
        c.closed_intervals
    )
}

/// The history is the complete local days before `now`'s: today's contacts so far are left out
/// (a day half counted would read as a quiet one), days after the last contact count as zero,
/// and the forecast starts at today's local midnight. The series' special days are the national
/// holidays and `config.closures`, forecast by `config.holidays` (the notes say which rule gave
/// which days).
fn fit_one(
    def: &SeriesConfig,
    config: &ForecastConfig,
    rows: &[(DateTime<Utc>, u64)],
    now: DateTime<Utc>,
) -> Result<SeriesForecast, String> {
    let tz = config.timezone;
    let today = now.with_timezone(&tz).date_naive();
    let midnight = crate::calendar::local_to_utc(tz, today.and_time(chrono::NaiveTime::MIN));
    let mut calendar = SeriesCalendar::always_open(tz);
    calendar.hours = def.open.as_ref().map(|o| o.hours().clone());
    calendar.add_closures(&config.closures);
    calendar.holidays = config.holidays;
    let interval = def.interval;
    let mut values: Vec<_> = rows
        .iter()
        .filter(|(t, _)| *t < midnight)
        .map(|(t, n)| (*t, *n as f64))
        .collect();
    if values.is_empty() {
        return Err("no contacts yet".into());
    }
    // A zero in the last second of yesterday carries the history up to today.
    values.push((midnight - chrono::TimeDelta::seconds(1), 0.0));
    let series = Series::from_instants(interval, calendar, &values)
        .ok_or_else(|| "no contacts yet".to_string())?;
    let horizon = HORIZON_DAYS * series.per_day();
    let (kind, report) = choose(&series, config.model_kinds())?;
    let fitted = kind
        .fit(
            &series,
            &calibrate::Settings::new(horizon.min(14 * series.per_day())),
        )
        .map_err(|e| e.to_string())?;
    let staffing = config.staffing.params(def.channel.as_deref()).check().ok();
    let seconds = f64::from(interval.minutes()) * 60.0;
    let hours = def.staffed.as_ref().map(|h| staffed::StaffedHours {
        hours: h.hours(),
        tz,
        closed: &config.closures,
        carry: !def.channel.as_deref().is_some_and(answered_live),
    });
    let (points, carried) =
        staffed::staff(fitted.forecast(horizon), staffing.as_ref(), seconds, hours);
    let mut notes = fitted.notes().to_vec();
    notes.extend(fitted.horizon_notes(horizon));
    if let (Some(h), Some(hours)) = (&def.staffed, hours) {
        notes.push(staffed_note(h.text(), hours.carry, &carried));
    }
    if let Some(r) = &report {
        notes.extend(r.chosen.notes.iter().cloned());
    }
    let (mase, baseline_mase, coverage80) =
        report.as_ref().map_or((f64::NAN, f64::NAN, f64::NAN), |r| {
            (
                r.chosen.scores.mase,
                r.baseline.scores.mase,
                r.chosen.scores.coverage80,
            )
        });
    Ok(SeriesForecast {
        config: def.clone(),
        interval,
        model: fitted.name().to_string(),
        mase,
        baseline_mase,
        coverage80,
        contacts: rows.iter().map(|r| r.1).sum(),
        history: (series.start_utc(0), series.start_utc(series.len() - 1)),
        recent: (series.len().saturating_sub(HISTORY_DAYS * series.per_day())..series.len())
            .map(|i| (series.start_utc(i), series.values()[i]))
            .collect(),
        points,
        notes,
    })
}

/// The model among `kinds` chosen by [`backtest::backtest`] (two-week horizon and step, as many
/// origins up to [`ORIGINS`] as the history allows), or, with too little history for a backtest,
/// the first of them that fits, without scores.
fn choose(
    series: &Series,
    kinds: &[ModelKind],
) -> Result<(ModelKind, Option<backtest::Report>), String> {
    let per_day = series.per_day();
    for origins in (1..=ORIGINS).rev() {
        let settings = backtest::Settings {
            horizon: 14 * per_day,
            step: 14 * per_day,
            origins,
        };
        if let Ok(report) = backtest::backtest(series, &settings, kinds) {
            return Ok((report.chosen.kind, Some(report)));
        }
    }
    kinds
        .iter()
        .copied()
        .find(|k| series.len() >= k.min_history(series))
        .map(|k| (k, None))
        .ok_or_else(|| {
            format!(
                "too little history: {} days, a forecast needs at least {} (two weeks)",
                series.len() / per_day,
                ModelKind::Snaive.min_history(series) / per_day
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::series::{HolidayRule, OpeningHours};

    /// Contacts per 30 minutes, 08:00–18:00 Rome time, from Tuesday 1 September to Monday 7
    /// December 2026: 15 on weekdays, 5 on Saturdays, 2 on Sundays, and `on_10_november` on
    /// Tuesday 10 November. The only national holidays in it (4 October, 1 November) are Sundays.
    fn three_months(on_10_november: u64) -> Vec<(DateTime<Utc>, u64)> {
        use chrono::{Datelike, NaiveDate, Weekday};
        let first = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
        let mut rows = Vec::new();
        for date in first
            .iter_days()
            .take_while(|d| d.month() != 12 || d.day() < 8)
        {
            let n = match date.weekday() {
                _ if date == NaiveDate::from_ymd_opt(2026, 11, 10).unwrap() => on_10_november,
                Weekday::Sat => 5,
                Weekday::Sun => 2,
                _ => 15,
            };
            for slot in 16..36 {
                let local = crate::forecast::series::slot_start(Interval::M30, date, slot);
                rows.push((
                    crate::calendar::local_to_utc(chrono_tz::Europe::Rome, local),
                    n,
                ));
            }
        }
        rows
    }

    /// The series `total` fitted at 07:00 on Tuesday 8 December 2026 (Immacolata Concezione):
    /// the expected total of each of the next 14 days, and the notes.
    fn fit_on_8_december(
        config: &ForecastConfig,
        open: Option<&str>,
        on_10_november: u64,
    ) -> (Vec<f64>, Vec<String>) {
        use chrono::TimeZone;
        let def = SeriesConfig {
            name: "total".into(),
            interval: Interval::M30,
            queue: None,
            channel: None,
            topic: None,
            urgency: None,
            open: open.map(|o| OpeningHours::parse(o).unwrap()),
            staffed: None,
        };
        let rows = three_months(on_10_november);
        let now = Utc.with_ymd_and_hms(2026, 12, 8, 6, 0, 0).unwrap();
        let f = fit_all(
            std::slice::from_ref(&def),
            config,
            |_| Ok(rows.clone()),
            now,
        );
        assert!(f.failed.is_empty(), "{:?}", f.failed);
        let s = &f.series[0];
        let days = s.points[..14 * 48]
            .chunks(48)
            .map(|day| day.iter().map(|p| p.point.expected).sum())
            .collect();
        (days, s.notes.clone())
    }

    #[test]
    fn a_holiday_with_no_example_in_the_history_is_forecast_like_a_sunday_and_the_notes_say_so() {
        let (days, notes) = fit_on_8_december(&ForecastConfig::default(), None, 15);
        // Day 0 is Tuesday 8 December, day 5 Sunday 13, day 7 Tuesday 15.
        let (holiday, sunday, tuesday) = (days[0], days[5], days[7]);
        assert!(tuesday > 250.0 && sunday < 60.0, "{days:?}");
        assert!((holiday - sunday).abs() < 0.25 * sunday, "{days:?}");
        let note = notes
            .iter()
            .find(|n| n.starts_with("special days "))
            .unwrap_or_else(|| panic!("{notes:?}"));
        assert!(
            note.contains("2026-12-08 (Immacolata Concezione)"),
            "{note}"
        );
        assert!(note.contains("like the series' Sundays"), "{note}");
        assert!(!note.contains("2026-12-10"), "{note}");
        assert!(
            days[2] > 250.0,
            "Thursday 10 December is a working day: {days:?}"
        );
    }

    #[test]
    fn a_local_closure_is_a_special_day_and_the_rule_is_configurable() {
        let mut config = ForecastConfig::default();
        config.closures.add_local("12-10").unwrap();
        let (days, notes) = fit_on_8_december(&config, None, 15);
        assert!(
            days[2] < 60.0,
            "Thursday 10 December, closed locally: {days:?}"
        );
        assert!(
            notes
                .iter()
                .any(|n| n.contains("2026-12-10 (local closure)")),
            "{notes:?}"
        );
        config.holidays = HolidayRule::Closed;
        let (days, notes) = fit_on_8_december(&config, None, 15);
        assert_eq!((days[0], days[2]), (0.0, 0.0), "{days:?}");
        assert!(days[1] > 250.0, "{days:?}");
        assert!(notes.iter().any(|n| n.contains("closed, 0")), "{notes:?}");
    }

    #[test]
    fn a_weekday_holiday_in_the_history_teaches_how_such_days_behave() {
        // Tuesday 10 November was a local closure with a third of a Tuesday's contacts.
        let mut config = ForecastConfig::default();
        config.closures.add_local("2026-11-10").unwrap();
        let (days, notes) = fit_on_8_december(&config, None, 5);
        assert!(days[0] > 60.0 && days[0] < 160.0, "{days:?}");
        assert!(
            notes
                .iter()
                .any(|n| n.contains("2026-12-08") && n.contains("1 weekday holiday")),
            "{notes:?}"
        );
        // Asked to, the same history is ignored.
        config.holidays = HolidayRule::LikeSunday;
        let (days, _) = fit_on_8_december(&config, None, 5);
        assert!((days[0] - days[5]).abs() < 0.25 * days[5], "{days:?}");
    }

    #[test]
    fn a_series_with_opening_hours_is_closed_on_a_holiday() {
        let config = ForecastConfig::default();
        let (days, notes) = fit_on_8_december(&config, Some("mon-sat 08:00-18:00"), 15);
        assert_eq!(days[0], 0.0, "{days:?}");
        assert!(days[7] > 250.0, "{days:?}");
        assert!(
            notes
                .iter()
                .any(|n| n.contains("2026-12-08") && n.contains("opening hours")),
            "{notes:?}"
        );
    }

    #[test]
    fn a_horizon_is_1_to_28_whole_days_however_written() {
        for (text, days) in [
            ("14d", 14),
            ("2w", 14),
            ("1w3d", 10),
            ("48h", 2),
            ("28d", 28),
        ] {
            assert_eq!(parse_horizon_days("horizon", text), Ok(days), "{text}");
        }
        for bad in ["0d", "29d", "5w", "36h", "1.5d", "14", "soon", ""] {
            let e = parse_horizon_days("--horizon", bad)
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with("--horizon: `") && e.contains("is not 1 to 28 days"),
                "{bad}: {e}"
            );
        }
    }
}
