//! `POST /v1/staffing`: one what-if for planners: the agents one interval's contacts call for
//! (Erlang C, Erlang A when a patience is given, or a backlog for e-mail, PEC and web), and the
//! FTE to schedule after shrinkage. The work is [`crate::forecast::staffing`]; this file
//! translates the body into its parameters and its answer back.

use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use crate::forecast::staffing::{self, Method, Staffed, StaffingError, StaffingParams};
use crate::route::Channel;
use axum::Json;
use serde::{Deserialize, Serialize};
use tracing::instrument;
use utoipa::ToSchema;

/// An interval's length: `15m`, `30m`, `1h`, `1d` (any `<n>s|m|h|d`), or a number of seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum IntervalLength {
    /// Seconds.
    Seconds(f64),
    /// A duration such as `30m`.
    Text(String),
}

impl IntervalLength {
    /// In seconds.
    pub fn seconds(&self) -> Result<f64, StaffingError> {
        match self {
            Self::Seconds(s) => Ok(*s),
            Self::Text(t) => staffing::parse_interval("interval", t),
        }
    }
}

/// One interval to staff. Erlang A when `patience_seconds` is given, Erlang C otherwise; a
/// backlog (response-time target) when `channel` is `email`, `pec` or `web`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "contacts": 100,
    "interval": "30m",
    "aht_seconds": 180,
    "target": 0.8,
    "within_seconds": 20,
    "patience_seconds": 180,
    "shrinkage": 0.3
}))]
pub struct StaffingRequest {
    /// Contacts expected in the interval (a forecast may be fractional).
    pub contacts: f64,
    /// The interval's length.
    pub interval: IntervalLength,
    /// Average handle time, seconds.
    pub aht_seconds: f64,
    /// Share of contacts to answer within `within_seconds`, strictly between 0 and 1.
    pub target: f64,
    /// The target's answer time in seconds; for a backlog channel, the response-time window
    /// in business seconds (e.g. 28800 for one 8-hour day).
    pub within_seconds: f64,
    /// Mean patience in seconds before a caller hangs up: Erlang A. Left out: Erlang C.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patience_seconds: Option<f64>,
    /// Share of paid time off the phones, in [0, 1). Default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shrinkage: Option<f64>,
    /// Most of their time agents may spend on contacts, in (0, 1]. Default 1 (no cap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_occupancy: Option<f64>,
    /// The channel; `email`, `pec` and `web` are staffed as a backlog. Default: live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<super::schema::Channel>)]
    pub channel: Option<Channel>,
}

/// How the agents were worked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffingMethod {
    /// M/M/N: no caller hangs up.
    ErlangC,
    /// M/M/N+M: callers hang up after an exponential patience.
    ErlangA,
    /// A channel not answered live: the work spread over the response-time window.
    Backlog,
}

impl From<Method> for StaffingMethod {
    fn from(m: Method) -> Self {
        match m {
            Method::ErlangC => Self::ErlangC,
            Method::ErlangA => Self::ErlangA,
            Method::Backlog => Self::Backlog,
        }
    }
}

/// The staff the interval needs and the service it gets with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "method": "erlang_a",
    "agents": 12,
    "fte": 18,
    "traffic_erlangs": 10.0,
    "service_level": 0.8023,
    "asa_seconds": 8.53,
    "occupancy": 0.789,
    "wait_probability": 0.303,
    "abandonment": 0.0531
}))]
pub struct StaffingResponse {
    /// How the agents were worked out.
    pub method: StaffingMethod,
    /// Agents handling contacts at once: the fewest that meet the target and the occupancy cap.
    pub agents: u32,
    /// Agents to schedule: ⌈agents / (1 − shrinkage)⌉.
    pub fte: u32,
    /// Offered workload, erlangs (contacts × AHT / interval).
    pub traffic_erlangs: f64,
    /// Share of offered contacts answered within `within_seconds` (abandoned ones missed);
    /// null for a backlog.
    pub service_level: Option<f64>,
    /// Mean wait of the answered contacts, seconds; null for a backlog.
    pub asa_seconds: Option<f64>,
    /// Share of the agents' time spent on contacts.
    pub occupancy: f64,
    /// Share of contacts that wait at all; null for a backlog.
    pub wait_probability: Option<f64>,
    /// Share of offered contacts that hang up first (Erlang A only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abandonment: Option<f64>,
}

impl From<Staffed> for StaffingResponse {
    fn from(s: Staffed) -> Self {
        Self {
            method: s.method.into(),
            agents: s.agents,
            fte: s.fte,
            traffic_erlangs: s.traffic_erlangs,
            service_level: s.service_level,
            asa_seconds: s.asa_seconds,
            occupancy: s.occupancy,
            wait_probability: s.wait_probability,
            abandonment: s.abandonment,
        }
    }
}

impl StaffingRequest {
    /// The staff for this request, or why not (each error names its field).
    pub fn solve(&self) -> Result<Staffed, StaffingError> {
        let interval = self.interval.seconds()?;
        StaffingParams::new(self.aht_seconds, self.target, self.within_seconds)
            .patience(self.patience_seconds)
            .shrinkage(self.shrinkage.unwrap_or(0.0))
            .max_occupancy(self.max_occupancy.unwrap_or(1.0))
            .channel(self.channel.map(Channel::as_str))
            .check()?
            .solve(self.contacts, interval)
    }
}

/// Agents and FTE for one interval's contacts.
#[utoipa::path(
    post,
    path = "/v1/staffing",
    tag = "staffing",
    request_body = StaffingRequest,
    responses(
        (status = 200, description = "The staff and the service they give", body = StaffingResponse),
        (status = 400, description = "`malformed_json`", body = ErrorBody),
        (status = 413, description = "`body_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_request` (a value out of range, named; an unknown channel or interval; a target no staffing up to 100,000 agents meets)", body = ErrorBody),
        (status = 503, description = "`overloaded`", body = ErrorBody),
    )
)]
#[instrument(skip_all, fields(contacts = req.contacts))]
pub async fn staffing(
    ApiJson(req): ApiJson<StaffingRequest>,
) -> Result<Json<StaffingResponse>, ApiError> {
    // Microseconds for ordinary intervals, a few milliseconds at the 100,000-agent cap: off the
    // async workers all the same, under the `/v1` concurrency limit.
    let solved = tokio::task::spawn_blocking(move || req.solve())
        .await
        .map_err(|e| ApiError::Internal {
            cause: format!("staffing task: {e}"),
        })?;
    solved
        .map(|s| Json(s.into()))
        .map_err(|e| ApiError::invalid(e.to_string()))
}
