//! Workload forecasts for planners: `GET /v1/series`, `GET /v1/forecast`, and
//! `POST /v1/forecast/refit`.
//!
//! Forecasts are fitted off the request path (at start-up unless the store's cache is current,
//! on demand, and on the schedule of `[forecast] refit`) and kept by the registry; these handlers
//! only read the last refit, through [`crate::ops::forecast`] (the same reading `instrada forecast
//! --cached` does): a forecast is served in microseconds and never fitted per request. The types
//! here are schema mirrors for OpenAPI (never built; tests check the fields are the same).

use super::auth::Authenticated;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiQuery;
use super::state::AppState;
use crate::forecast::plan::Forecasts;
use crate::ops::{self, OpError, forecast::Format};
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

// The schema of the operation's answer (never built).
/// A series and its last fit.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
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

// The schema of the operation's answer (never built).
/// The series and when they were fitted.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
pub struct SeriesList {
    /// When the last refit ran; none before the first.
    pub fitted_at: Option<DateTime<Utc>>,
    /// The series fitted.
    pub series: Vec<SeriesInfo>,
    /// The series that could not be fitted, with why (no contacts yet, too little history).
    pub failed: Vec<FailedSeries>,
}

// The schema of the operation's answer (never built).
/// A series that could not be fitted.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
pub struct FailedSeries {
    /// Its name.
    pub name: String,
    /// Why.
    pub reason: String,
}

// The schema of the operation's answer (never built).
/// One forecast interval.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
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

// The schema of the operation's answer (never built).
/// A series' forecast.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
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

/// The series and their last fit.
#[utoipa::path(get, path = "/v1/series", tag = "forecast",
    responses((status = 200, description = "Every series, its model and backtest scores", body = SeriesList)))]
pub async fn series(State(state): State<AppState>) -> Json<ops::forecast::SeriesList> {
    Json(ops::forecast::series(&state.registry.forecasts()))
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
    let format = Format::parse(q.format.as_deref())?;
    let forecasts = state.registry.forecasts();
    let selected = ops::forecast::select(&forecasts, &q.series, q.horizon.as_deref())?;
    match format {
        Format::Json => Ok(Json(ops::forecast::view(&forecasts, selected)).into_response()),
        Format::Csv => {
            let kind = "text/csv; charset=utf-8";
            let body = ops::forecast::csv(selected);
            Ok(([(header::CONTENT_TYPE, kind)], body).into_response())
        }
        Format::Svg | Format::Png => chart(&state, forecasts.clone(), &q, format).await,
    }
}

/// Draws the chart on a blocking thread (tens of milliseconds for a PNG: off the async workers).
async fn chart(
    state: &AppState,
    forecasts: Arc<Forecasts>,
    q: &ForecastQuery,
    format: Format,
) -> Result<Response, ApiError> {
    let settings = state.settings.clone();
    let (name, horizon) = (q.series.clone(), q.horizon.clone());
    let drawn = tokio::task::spawn_blocking(move || {
        let selected = ops::forecast::select(&forecasts, &name, horizon.as_deref())?;
        ops::forecast::chart(&settings, forecasts.fitted_at, selected, format)
    })
    .await
    .map_err(|e| OpError::internal(format!("the chart task failed: {e}")))??;
    Ok(([(header::CONTENT_TYPE, drawn.0)], drawn.1).into_response())
}

// The schema of [`crate::jobs::refit::RefitSummary`] (never built).
/// What a refit did.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
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
pub async fn refit(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Json<crate::jobs::refit::RefitSummary>, ApiError> {
    let done =
        crate::jobs::refit::refit_now(&state.jobs, &state.service, &state.registry, &actor).await?;
    Ok(Json(done))
}
