//! Reading workload forecasts, for planners: the series and their last fit ([`series`]), one
//! series' forecast with its intervals and staff ([`view`]) as JSON, CSV or a chart
//! ([`Format`]), the same for `GET /v1/forecast` (the registry's last refit) and `instrada
//! forecast` (the store's cached refit, or a series fitted now). Which series exist is decided
//! once, here ([`series_defs`]); fitting them is [`fit`]. The refit on a schedule or on demand is
//! a job ([`crate::jobs`]); nothing is fitted per request.

use super::error::{OpError, quote};
use crate::config::Settings;
use crate::forecast::chart::{self, ChartSpec};
use crate::forecast::config::SeriesConfig;
use crate::forecast::plan::{self, Forecasts, SeriesForecast, StaffedPoint};
use crate::forecast::series::OpeningHours;
use crate::route::Channel;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a key needs for these operations.
pub const SCOPE: crate::access::Scope = crate::access::Scope::Planner;

/// A series and its last fit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeriesInfo {
    /// Its name (`total`, `queue:tributi`, `channel:phone`, or as configured).
    pub name: String,
    /// Interval: `15m`, `30m`, `1h` or `1d`.
    pub interval: String,
    /// The model the backtest chose.
    pub model: String,
    /// Its backtest MASE.
    pub mase: Option<f64>,
    /// The seasonal naive's MASE on the same backtest.
    pub baseline_mase: Option<f64>,
    /// Share of the backtest's actuals inside the 80 % intervals.
    pub coverage80: Option<f64>,
    /// Contacts it was fitted on.
    pub contacts: u64,
    /// First interval of its history.
    pub history_from: DateTime<Utc>,
    /// Last interval of its history.
    pub history_to: DateTime<Utc>,
    /// Fallbacks and notes of the fit.
    pub notes: Vec<String>,
}

/// The series and when they were fitted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeriesList {
    /// When the last refit ran; none before the first.
    pub fitted_at: Option<DateTime<Utc>>,
    /// The series fitted.
    pub series: Vec<SeriesInfo>,
    /// The series that could not be fitted, with why.
    pub failed: Vec<FailedSeries>,
}

/// A series that could not be fitted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FailedSeries {
    /// Its name.
    pub name: String,
    /// Why.
    pub reason: String,
}

/// One forecast interval.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ForecastPoint {
    /// Start of the interval.
    pub start: DateTime<Utc>,
    /// Expected contacts (0 when closed).
    pub expected: f64,
    /// 80 % interval.
    pub lower80: f64,
    /// 80 % interval.
    pub upper80: f64,
    /// 95 % interval.
    pub lower95: f64,
    /// 95 % interval.
    pub upper95: f64,
    /// Agents needed for the expected contacts; none when closed.
    pub agents: Option<u32>,
    /// Agents to schedule after shrinkage.
    pub fte: Option<u32>,
}

/// A series' forecast.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ForecastView {
    /// The series and its fit.
    pub series: SeriesInfo,
    /// When it was fitted.
    pub fitted_at: DateTime<Utc>,
    /// How the agents were worked out (`erlang_c`, `erlang_a`, `backlog`).
    pub staffing_method: Option<String>,
    /// The intervals asked for.
    pub points: Vec<ForecastPoint>,
}

/// How a forecast is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The [`ForecastView`].
    Json,
    /// The points for spreadsheets.
    Csv,
    /// A chart of the last two weeks, the forecast and both intervals.
    Svg,
    /// The same chart as PNG.
    Png,
}

impl Format {
    /// `json` (the default), `csv`, `svg` or `png`.
    pub fn parse(text: Option<&str>) -> Result<Self, OpError> {
        match text.unwrap_or("json") {
            "json" => Ok(Self::Json),
            "csv" => Ok(Self::Csv),
            "svg" => Ok(Self::Svg),
            "png" => Ok(Self::Png),
            other => Err(OpError::invalid(format!(
                "format `{}`: json, csv, svg or png",
                quote(other, 40)
            ))),
        }
    }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn info(s: &SeriesForecast) -> SeriesInfo {
    SeriesInfo {
        name: s.config.name.clone(),
        interval: s.interval.label().to_string(),
        model: s.model.to_string(),
        mase: finite(s.mase),
        baseline_mase: finite(s.baseline_mase),
        coverage80: finite(s.coverage80),
        contacts: s.contacts,
        history_from: s.history.0,
        history_to: s.history.1,
        notes: s.notes.clone(),
    }
}

fn point(p: &StaffedPoint) -> ForecastPoint {
    ForecastPoint {
        start: p.point.start,
        expected: p.point.expected,
        lower80: p.point.lower80,
        upper80: p.point.upper80,
        lower95: p.point.lower95,
        upper95: p.point.upper95,
        agents: p.staffing.as_ref().map(|s| s.agents),
        fte: p.staffing.as_ref().map(|s| s.fte),
    }
}

/// The series of a refit and why the others failed.
pub fn series(f: &Forecasts) -> SeriesList {
    SeriesList {
        fitted_at: f.fitted_at,
        series: f.series.iter().map(info).collect(),
        failed: f
            .failed
            .iter()
            .map(|(name, reason)| FailedSeries {
                name: name.clone(),
                reason: reason.clone(),
            })
            .collect(),
    }
}

/// A series of `f` over `horizon` days (`14d` when none is given, at most 28).
#[derive(Debug, Clone, Copy)]
pub struct Selected<'a> {
    /// The series' forecast.
    pub forecast: &'a SeriesForecast,
    /// Days asked for.
    pub days: usize,
    /// Its points over those days.
    pub points: &'a [StaffedPoint],
}

/// The series `name` of `f` over `horizon`, or why not: `not_ready` while no refit has finished or
/// when the series could not be fitted, `unknown_series` naming the series there are.
pub fn select<'a>(
    f: &'a Forecasts,
    name: &str,
    horizon: Option<&str>,
) -> Result<Selected<'a>, OpError> {
    let days = plan::parse_horizon_days("horizon", horizon.unwrap_or("14d"))
        .map_err(|e| OpError::invalid(e.to_string()))?;
    let s = find(f, name)?;
    let n = (days * s.interval.per_day()).min(s.points.len());
    Ok(Selected {
        forecast: s,
        days,
        points: &s.points[..n],
    })
}

/// The [`ForecastView`] of a selected series.
pub fn view(f: &Forecasts, selected: Selected<'_>) -> ForecastView {
    let s = selected.forecast;
    ForecastView {
        series: info(s),
        fitted_at: f.fitted_at.unwrap_or_default(),
        staffing_method: s
            .points
            .iter()
            .find_map(|p| p.staffing.as_ref().map(|st| st.method.as_str().to_string())),
        points: selected.points.iter().map(point).collect(),
    }
}

/// The selected points as CSV: `start,expected,lower80,upper80,lower95,upper95,agents,fte`.
pub fn csv(selected: Selected<'_>) -> String {
    plan::points_csv(selected.points)
}

/// The chart of a selected series, with its content type; blocking (tens of milliseconds for a
/// PNG): run it off the async workers.
pub fn chart(
    settings: &Settings,
    fitted_at: Option<DateTime<Utc>>,
    selected: Selected<'_>,
    format: Format,
) -> Result<(&'static str, Vec<u8>), OpError> {
    let spec = ChartSpec {
        forecast: selected.forecast,
        days: selected.days,
        zone: settings.forecast.timezone,
        fitted_at,
    };
    let drawn = match format {
        Format::Png => chart::png(&spec).map(|b| ("image/png", b)),
        _ => chart::svg(&spec).map(|s| ("image/svg+xml", s.into_bytes())),
    };
    drawn.map_err(|e| OpError::internal(e.to_string()))
}

fn find<'a>(f: &'a Forecasts, name: &str) -> Result<&'a SeriesForecast, OpError> {
    if let Some(s) = f.get(name) {
        return Ok(s);
    }
    if let Some((_, why)) = f.failed.iter().find(|(n, _)| n == name) {
        return Err(OpError::NotReady {
            reason: format!("series `{name}` could not be fitted: {why}"),
        });
    }
    if f.fitted_at.is_none() {
        return Err(OpError::NotReady {
            reason: "the forecasts are being fitted; try again shortly".into(),
        });
    }
    let known: Vec<&str> = f
        .series
        .iter()
        .map(|s| s.config.name.as_str())
        .chain(f.failed.iter().map(|(n, _)| n.as_str()))
        .collect();
    Err(OpError::UnknownSeries {
        name: quote(name, 80),
        known: known.join(", "),
    })
}

/// The series `[forecast]` keeps: as configured, or the total and one per queue of the routing
/// policy and per channel. A series of one queue is staffed during that queue's opening hours
/// in the policy unless it says otherwise (`staffed`).
pub fn series_defs(settings: &Settings) -> Vec<SeriesConfig> {
    let queues: Vec<String> = settings
        .routing
        .queues
        .iter()
        .map(|q| q.name.clone())
        .collect();
    let mut defs = settings
        .forecast
        .series_or_default(&queues, &Channel::ALL.map(Channel::as_str));
    for def in defs.iter_mut().filter(|d| d.staffed.is_none()) {
        let queue = def
            .queue
            .as_deref()
            .and_then(|name| settings.routing.queues.iter().find(|q| q.name == name));
        def.staffed = queue.and_then(|q| q.hours.as_ref()).and_then(queue_hours);
    }
    defs
}

/// A queue's `hours` table (`mon = "09:00-12:30,15:00-17:00"`) as opening hours
/// (`mon 09:00-12:30,15:00-17:00; …`); the policy was checked when loaded, so `None` only for
/// what it would have refused.
fn queue_hours(days: &std::collections::BTreeMap<String, String>) -> Option<OpeningHours> {
    let text: Vec<String> = crate::calendar::hours::DAY_KEYS
        .iter()
        .filter_map(|d| days.get(*d).map(|w| format!("{d} {}", w.trim())))
        .filter(|d| !d.ends_with(' '))
        .collect();
    OpeningHours::parse(&text.join("; ")).ok()
}

/// Fits `defs` on the store's contacts as of now (one scan of the store for all of them).
/// Blocking and slow (a backtest per series): from a blocking thread or the command line, never
/// per request.
pub fn fit(settings: &Settings, defs: &[SeriesConfig]) -> Forecasts {
    plan::fit_stored(
        &settings.store.location(),
        defs,
        &settings.forecast,
        Utc::now(),
    )
}

/// The series `name` fitted now on the store's contacts (as a refit would fit it; nothing is
/// saved), or `unknown_series` naming the series there are. Blocking.
pub fn fit_one(settings: &Settings, name: &str) -> Result<Forecasts, OpError> {
    let defs = series_defs(settings);
    let Some(def) = defs.iter().find(|d| d.name == name) else {
        let known: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
        return Err(OpError::UnknownSeries {
            name: quote(name, 80),
            known: known.join(", "),
        });
    };
    Ok(fit(settings, std::slice::from_ref(def)))
}

/// The forecasts of the last refit saved in the store's cache, if any.
pub fn cached(settings: &Settings) -> Result<Option<Forecasts>, OpError> {
    let stored = crate::store::latest_forecasts(settings.store.location()).map_err(|e| {
        OpError::StoreUnavailable {
            retry_after_secs: settings.server.retry_after_secs,
            cause: e.to_string(),
        }
    })?;
    stored
        .map(|(_, body)| Forecasts::from_json(&body).map_err(OpError::internal))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EMBEDDED, Source};
    use chrono::{TimeZone, Timelike, Weekday};

    fn settings() -> Settings {
        Settings::from_layers(EMBEDDED, &Source::Embedded, &[], &[]).unwrap()
    }

    #[test]
    fn a_queue_series_is_staffed_during_the_queue_hours_of_the_policy() {
        let defs = series_defs(&settings());
        let named = |n: &str| defs.iter().find(|d| d.name == n).unwrap();
        let hours = named("queue:tributi")
            .staffed
            .as_ref()
            .expect("tributi's hours");
        assert!(
            hours.text().contains("tue 09:00-12:30,15:00-17:00"),
            "{}",
            hours.text()
        );
        assert_eq!(hours.hours().windows(Weekday::Mon).len(), 1);
        assert!(hours.hours().windows(Weekday::Sun).is_empty());
        assert!(named("total").staffed.is_none());
        assert!(named("channel:email").staffed.is_none());
    }

    /// Eight weeks of contacts at every hour (mail arrives at night too) for `queue:tributi`:
    /// no agents on Monday at 16:00, when tributi is closed, and more at Tuesday's opening than
    /// the hour's own contacts call for (the night's mail is carried to it).
    #[test]
    fn no_agents_are_asked_for_while_the_queue_is_closed() {
        let settings = settings();
        let def = series_defs(&settings)
            .into_iter()
            .find(|d| d.name == "queue:tributi")
            .unwrap();
        let tz = settings.forecast.timezone;
        let now = tz
            .with_ymd_and_hms(2026, 11, 29, 12, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let rows: Vec<(DateTime<Utc>, u64)> = (1..=56 * 96)
            .map(|q| (now - chrono::TimeDelta::minutes(15 * q), 2))
            .collect();
        let f = plan::fit_all(&[def], &settings.forecast, |_| Ok(rows.clone()), now);
        assert!(f.failed.is_empty(), "{:?}", f.failed);
        let s = &f.series[0];
        let at = |day: u32, h: u32, m: u32| {
            let t = tz.with_ymd_and_hms(2026, 11, day, h, m, 0).unwrap();
            s.points
                .iter()
                .find(|p| p.point.start == t.with_timezone(&Utc))
                .unwrap()
        };
        let monday_afternoon = at(30, 16, 0);
        assert!(monday_afternoon.point.expected > 0.0, "mail still arrives");
        assert!(monday_afternoon.staffing.is_none(), "tributi is closed");
        assert!(at(30, 3, 0).staffing.is_none());
        let opening = at(30, 9, 0);
        let staffed = opening.staffing.as_ref().expect("open at 9");
        let alone = settings
            .forecast
            .staffing
            .params(None)
            .check()
            .unwrap()
            .solve(opening.point.expected, 1800.0)
            .unwrap();
        assert!(staffed.agents > alone.agents, "{staffed:?} vs {alone:?}");
        assert!(
            s.notes
                .iter()
                .any(|n| n.contains("Agents only while the queue is open")),
            "{:?}",
            s.notes
        );
        assert_eq!(opening.point.start.with_timezone(&tz).hour(), 9);
    }
}
