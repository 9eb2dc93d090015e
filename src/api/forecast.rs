//! Workload forecasts for planners: `GET /v1/series`, `GET /v1/forecast`, and
//! `POST /v1/forecast/refit`.
//!
//! Forecasts are fitted off the request path (at start-up unless the store's cache is current,
//! on demand, and on the schedule of `[forecast] refit`) by the registry, which keeps the last
//! result; each refit is saved in the store, so a restart serves it at once. These handlers only
//! read it: a forecast is served in microseconds and never fitted per request.

use super::error::{ApiError, ErrorBody};
use super::extract::ApiQuery;
use super::state::{AppState, Job};
use crate::forecast::chart;
use crate::forecast::plan::{self, Forecasts, SeriesForecast, StaffedPoint};
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

/// A series and its last fit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SeriesInfo {
    /// Its name (`total`, `queue:tributi`, `channel:phone`, or as configured).
    pub name: String,
    /// Interval: `15m`, `30m`, `1h` or `1d`.
    pub interval: String,
    /// The model the backtest chose.
    pub model: String,
    /// Its backtest MASE (lower is better; below 1 beats a one-week seasonal naive in sample).
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
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SeriesList {
    /// When the last refit ran; none before the first.
    pub fitted_at: Option<DateTime<Utc>>,
    /// The series fitted.
    pub series: Vec<SeriesInfo>,
    /// The series that could not be fitted, with why (no contacts yet, too little history).
    pub failed: Vec<FailedSeries>,
}

/// A series that could not be fitted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FailedSeries {
    /// Its name.
    pub name: String,
    /// Why.
    pub reason: String,
}

/// One forecast interval.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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
    /// Agents needed for the expected contacts (`[forecast.staffing]`); none when closed.
    pub agents: Option<u32>,
    /// Agents to schedule after shrinkage.
    pub fte: Option<u32>,
}

/// A series' forecast.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ForecastResponse {
    /// The series and its fit.
    pub series: SeriesInfo,
    /// When it was fitted.
    pub fitted_at: DateTime<Utc>,
    /// How the agents were worked out (`erlang_c`, `erlang_a`, `backlog`).
    pub staffing_method: Option<String>,
    /// The intervals asked for.
    pub points: Vec<ForecastPoint>,
}

/// What `GET /v1/forecast` takes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ForecastQuery {
    /// The series' name (see `GET /v1/series`).
    pub series: String,
    /// How far ahead: `1d` to `28d` (or `1w`..`4w`). Default `14d`.
    pub horizon: Option<String>,
    /// `json` (default), `csv` (spreadsheets), `svg` or `png` (a chart of the last two weeks,
    /// the forecast and both intervals).
    pub format: Option<String>,
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

/// The series and their last fit.
#[utoipa::path(get, path = "/v1/series", tag = "forecast",
    responses((status = 200, description = "Every series, its model and backtest scores", body = SeriesList)))]
pub async fn series(State(state): State<AppState>) -> Json<SeriesList> {
    let f = state.registry.forecasts();
    Json(SeriesList {
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
    })
}

/// A series' forecast with its intervals and the staff it calls for.
#[utoipa::path(get, path = "/v1/forecast", tag = "forecast", params(ForecastQuery),
    responses(
        (status = 200, description = "The forecast (JSON; CSV with `format=csv`; an SVG or PNG chart with `format=svg` or `png`)",
            content((ForecastResponse = "application/json"), (String = "text/csv"), (String = "image/svg+xml"), (Vec<u8> = "image/png"))),
        (status = 404, description = "`unknown_series`", body = ErrorBody),
        (status = 422, description = "`invalid_request` (horizon, format)", body = ErrorBody),
        (status = 503, description = "`not_ready`: no refit has finished yet, or the series could not be fitted (with Retry-After)", body = ErrorBody),
    ))]
pub async fn forecast(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ForecastQuery>,
) -> Result<Response, ApiError> {
    let days = plan::parse_horizon_days("horizon", q.horizon.as_deref().unwrap_or("14d"))
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    let format = q.format.as_deref().unwrap_or("json");
    if !["json", "csv", "svg", "png"].contains(&format) {
        return Err(ApiError::invalid(format!(
            "format `{}`: json, csv, svg or png",
            format.chars().take(40).collect::<String>()
        )));
    }
    let forecasts = state.registry.forecasts();
    let s = find(&forecasts, &q.series)?;
    let per_day = s.interval.per_day();
    let chosen = &s.points[..(days * per_day).min(s.points.len())];
    match format {
        "csv" => {
            let body = plan::points_csv(chosen);
            let kind = "text/csv; charset=utf-8";
            return Ok(([(header::CONTENT_TYPE, kind)], body).into_response());
        }
        "svg" | "png" => return chart(&state, &forecasts, s, days, format == "png").await,
        _ => {}
    }
    Ok(Json(ForecastResponse {
        series: info(s),
        fitted_at: forecasts.fitted_at.unwrap_or_default(),
        staffing_method: s
            .points
            .iter()
            .find_map(|p| p.staffing.as_ref().map(|st| st.method.as_str().to_string())),
        points: chosen.iter().map(point).collect(),
    })
    .into_response())
}

/// Draws the chart on a blocking thread (tens of milliseconds for a PNG: off the async workers).
async fn chart(
    state: &AppState,
    forecasts: &Arc<Forecasts>,
    s: &SeriesForecast,
    days: usize,
    png: bool,
) -> Result<Response, ApiError> {
    let zone = state.settings.forecast.timezone;
    let (series, fitted_at) = (s.clone(), forecasts.fitted_at);
    let drawn = tokio::task::spawn_blocking(move || {
        let spec = chart::ChartSpec {
            forecast: &series,
            days,
            zone,
            fitted_at,
        };
        if png {
            chart::png(&spec).map(|b| ("image/png", b))
        } else {
            chart::svg(&spec).map(|s| ("image/svg+xml", s.into_bytes()))
        }
    })
    .await
    .map_err(|e| ApiError::Internal {
        cause: format!("the chart task failed: {e}"),
    })?
    .map_err(|e| ApiError::Internal {
        cause: e.to_string(),
    })?;
    Ok(([(header::CONTENT_TYPE, drawn.0)], drawn.1).into_response())
}

fn find<'a>(f: &'a Arc<Forecasts>, name: &str) -> Result<&'a SeriesForecast, ApiError> {
    if let Some(s) = f.get(name) {
        return Ok(s);
    }
    if let Some((_, why)) = f.failed.iter().find(|(n, _)| n == name) {
        return Err(ApiError::NotReady {
            reason: format!("series `{name}` could not be fitted: {why}"),
        });
    }
    if f.fitted_at.is_none() {
        return Err(ApiError::NotReady {
            reason: "the forecasts are being fitted; try again shortly".into(),
        });
    }
    let known: Vec<&str> = f
        .series
        .iter()
        .map(|s| s.config.name.as_str())
        .chain(f.failed.iter().map(|(n, _)| n.as_str()))
        .collect();
    Err(ApiError::UnknownSeries {
        name: name.chars().take(80).collect(),
        known: known.join(", "),
    })
}

/// What a refit did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RefitSummary {
    /// When it ran.
    pub fitted_at: Option<DateTime<Utc>>,
    /// Series fitted.
    pub fitted: usize,
    /// Series that could not be (see `GET /v1/series`).
    pub failed: usize,
}

/// Refits every series now (off the request path: on a blocking thread), then answers.
#[utoipa::path(post, path = "/v1/forecast/refit", tag = "forecast",
    responses(
        (status = 200, description = "The refit is done and serving", body = RefitSummary),
    ))]
pub async fn refit(State(state): State<AppState>) -> Result<Json<RefitSummary>, ApiError> {
    let f = refit_now(&state).await?;
    Ok(Json(RefitSummary {
        fitted_at: f.fitted_at,
        fitted: f.series.len(),
        failed: f.failed.len(),
    }))
}

/// Runs a refit on a blocking thread, after the one running (if any).
pub async fn refit_now(state: &AppState) -> Result<Arc<Forecasts>, ApiError> {
    let running = state.start(Job::Refit).await;
    refit_holding(state, running).await
}

/// Runs a refit unless one is running (`None`): for the schedule.
pub async fn refit_if_idle(state: &AppState) -> Option<Result<Arc<Forecasts>, ApiError>> {
    let running = state.try_start(Job::Refit)?;
    Some(refit_holding(state, running).await)
}

/// The refit, with `running` held until the fitting ends.
async fn refit_holding(
    state: &AppState,
    running: tokio::sync::OwnedMutexGuard<()>,
) -> Result<Arc<Forecasts>, ApiError> {
    let task = state.clone();
    let queues: Vec<String> = state
        .router()
        .policy()
        .queue_names()
        .map(str::to_string)
        .collect();
    let f = tokio::task::spawn_blocking(move || {
        let _running = running;
        task.registry.refit_forecasts(&queues)
    })
    .await
    .map_err(|e| ApiError::Internal {
        cause: format!("the refit task failed: {e}"),
    })?;
    tracing::info!(
        fitted = f.series.len(),
        failed = f.failed.len(),
        "forecasts refitted"
    );
    if let Some(at) = f.fitted_at {
        // Served from memory either way; the cache only spares a restart the refit.
        if let Err(e) = state.store.save_forecasts(at, f.to_json()).await {
            tracing::error!(error = %e, "the forecasts were not saved in the store");
        }
    }
    Ok(f)
}
