//! Forecasts for planners, fitted off the request path: for each series of `[forecast]`, count
//! its contacts, choose the model by backtest, fit it on all the history, forecast the horizon
//! and staff every interval. The registry keeps the result (and the one before it) and the API
//! serves it: nothing is fitted per request.

use super::backtest::{self, Choice};
use super::config::{ForecastConfig, SeriesConfig};
use super::models::{ModelKind, Point, calibrate};
use super::series::{Interval, Series, SeriesCalendar, parse_weekly};
use super::staffing::{Staffed, Staffing, StaffingParams};
use chrono::{DateTime, Utc};

/// Days forecast ahead at each refit (requests may ask for less).
pub const HORIZON_DAYS: usize = 28;
/// Backtest origins used to choose the model (fewer when the history is short).
const ORIGINS: usize = 4;

/// One forecast interval with the staff it calls for.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StaffedPoint {
    /// The forecast.
    pub point: Point,
    /// Agents and FTE for the expected contacts; `None` when the interval is closed.
    pub staffing: Option<Staffed>,
}

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
    /// The last [`super::chart::HISTORY_DAYS`] days of the history (interval start, count), for
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

/// Days in a horizon such as `14d` or `2w`, 1 to [`HORIZON_DAYS`]; the message says what is
/// wrong otherwise.
pub fn parse_horizon_days(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let bad = || format!("horizon `{t}`: 1 to {HORIZON_DAYS} days (`14d`) or weeks (`2w`)");
    let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: usize = n.parse().map_err(|_| bad())?;
    let days = match unit {
        "d" => n,
        "w" => n.saturating_mul(7),
        _ => return Err(bad()),
    };
    if (1..=HORIZON_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(bad())
    }
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

/// The contacts of the series `def` per 15-minute UTC bucket, from the store at `path` (events,
/// and routed requests with `include_decisions`).
pub fn stored_counts(
    path: &std::path::Path,
    def: &SeriesConfig,
    include_decisions: bool,
) -> Result<Vec<(DateTime<Utc>, u64)>, String> {
    let query = crate::store::ContactQuery {
        queue: def.queue.clone(),
        channel: def.channel.clone(),
        topic: def.topic.clone(),
        urgency: def.urgency.clone(),
        include_decisions,
    };
    crate::store::contact_counts(path, &query).map_err(|e| e.to_string())
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

/// The history is the complete local days before `now`'s: today's contacts so far are left out
/// (a day half counted would read as a quiet one), days after the last contact count as zero,
/// and the forecast starts at today's local midnight.
fn fit_one(
    def: &SeriesConfig,
    config: &ForecastConfig,
    rows: &[(DateTime<Utc>, u64)],
    now: DateTime<Utc>,
) -> Result<SeriesForecast, String> {
    let tz: chrono_tz::Tz = config
        .timezone
        .parse()
        .map_err(|_| format!("`{}` is not a time zone", config.timezone))?;
    let today = now.with_timezone(&tz).date_naive();
    let midnight = crate::calendar::local_to_utc(tz, today.and_time(chrono::NaiveTime::MIN));
    let mut calendar = SeriesCalendar::always_open(tz);
    if let Some(open) = &def.open {
        calendar.hours = Some(parse_weekly(open).map_err(|e| e.to_string())?);
    }
    let interval = Interval::parse(&def.interval).map_err(|e| e.to_string())?;
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
    let (kind, report) = choose(&series, &config.model_kinds())?;
    let fitted = kind
        .fit(
            &series,
            &calibrate::Settings::new(horizon.min(14 * series.per_day())),
        )
        .map_err(|e| e.to_string())?;
    let staffing = config.staffing.params(def.channel.as_deref()).check().ok();
    let seconds = f64::from(interval.minutes()) * 60.0;
    let points = fitted
        .forecast(horizon)
        .into_iter()
        .map(|point| StaffedPoint {
            staffing: staffing
                .as_ref()
                .filter(|_| point.expected > 0.0 || point.upper95 > 0.0)
                .and_then(|s: &Staffing| s.solve(point.expected, seconds).ok()),
            point,
        })
        .collect();
    let mut notes = fitted.notes().to_vec();
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
        recent: (series
            .len()
            .saturating_sub(super::chart::HISTORY_DAYS * series.per_day())
            ..series.len())
            .map(|i| (series.start_utc(i), series.values()[i]))
            .collect(),
        points,
        notes,
    })
}

/// The model among `kinds` with the lowest backtest MASE (two-week horizon and step), or, with
/// too little history for a backtest, the first of them that fits, without scores.
fn choose(
    series: &Series,
    kinds: &[ModelKind],
) -> Result<(ModelKind, Option<backtest::Report>), String> {
    let per_day = series.per_day();
    for origins in (1..=ORIGINS).rev() {
        let mut best: Option<(ModelKind, backtest::Report)> = None;
        for &kind in kinds {
            let settings = backtest::Settings {
                horizon: 14 * per_day,
                step: 14 * per_day,
                origins,
                choice: Choice::One(kind),
            };
            let Ok(report) = backtest::backtest(series, &settings) else {
                continue;
            };
            let mase = |r: &backtest::Report| {
                let m = r.chosen.scores.mase;
                if m.is_nan() { f64::INFINITY } else { m }
            };
            if best.as_ref().is_none_or(|(_, b)| mase(&report) < mase(b)) {
                best = Some((kind, report));
            }
        }
        if let Some((kind, report)) = best {
            return Ok((kind, Some(report)));
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

/// Staffing assumptions of the forecasts (`[forecast.staffing]`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StaffingConfig {
    /// Average handle time, seconds. Default 300.
    pub aht_seconds: f64,
    /// Share answered within `within_seconds`. Default 0.8.
    pub target: f64,
    /// Answer time of the target, seconds (the response window for e-mail, PEC, web). Default 20.
    pub within_seconds: f64,
    /// Mean patience before hanging up (Erlang A), seconds. Default none (Erlang C).
    pub patience_seconds: Option<f64>,
    /// Share of paid time not on contacts. Default 0.3.
    pub shrinkage: f64,
    /// Highest occupancy allowed. Default 0.85.
    pub max_occupancy: f64,
}

impl Default for StaffingConfig {
    fn default() -> Self {
        Self {
            aht_seconds: 300.0,
            target: 0.8,
            within_seconds: 20.0,
            patience_seconds: None,
            shrinkage: 0.3,
            max_occupancy: 0.85,
        }
    }
}

impl StaffingConfig {
    /// The staffing parameters for a series of `channel` (all channels: answered live).
    pub fn params(&self, channel: Option<&str>) -> StaffingParams {
        StaffingParams::new(self.aht_seconds, self.target, self.within_seconds)
            .patience(self.patience_seconds)
            .shrinkage(self.shrinkage)
            .max_occupancy(self.max_occupancy)
            .channel(channel)
    }
}
