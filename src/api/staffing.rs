//! `POST /v1/staffing`: one what-if for planners: the agents one interval's contacts call for
//! (Erlang C, Erlang A when a patience is given, or a backlog for e-mail, PEC and web), and the
//! FTE to schedule after shrinkage. The work is [`crate::ops::staffing`]'s (the same for
//! `instrada staffing`); this file runs it off the async workers and describes the shapes for
//! OpenAPI (schema mirrors of the operation's input and answer, never built).

use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use crate::ops::{self, OpError};
use axum::Json;
use serde::{Deserialize, Serialize};
use tracing::instrument;
use utoipa::ToSchema;

// The schema of [`ops::staffing::IntervalLength`].
/// An interval's length: `15m`, `30m`, `1h`, `1d` (any `<n>s|m|h|d`), or a number of seconds.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
#[serde(untagged)]
pub enum IntervalLength {
    /// Seconds.
    Seconds(f64),
    /// A duration such as `30m`.
    Text(String),
}

// The schema of [`ops::staffing::StaffingRequest`] (a test checks the fields are the same).
/// One interval to staff. Erlang A when `patience_seconds` is given, Erlang C otherwise; a
/// backlog (response-time target) when `channel` is `email`, `pec` or `web`.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
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
    pub channel: Option<String>,
}

// The schema of [`crate::forecast::staffing::Method`].
/// How the agents were worked out.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
#[serde(rename_all = "snake_case")]
pub enum StaffingMethod {
    /// M/M/N: no caller hangs up.
    ErlangC,
    /// M/M/N+M: callers hang up after an exponential patience.
    ErlangA,
    /// A channel not answered live: the work spread over the response-time window.
    Backlog,
}

// The schema of [`ops::staffing::StaffingAnswer`].
/// The staff the interval needs and the service it gets with them.
#[derive(Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // a schema only
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

/// Agents and FTE for one interval's contacts.
///
/// A what-if that no number of agents up to 100,000 meets (contacts × handle time ÷ interval too
/// large for the occupancy cap and the target: usually a units error) is refused with 422
/// `invalid_request`, naming the traffic; JSON Schema cannot state that bound.
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
    ApiJson(req): ApiJson<ops::staffing::StaffingRequest>,
) -> Result<Json<ops::staffing::StaffingAnswer>, ApiError> {
    // Microseconds for ordinary intervals, a few milliseconds at the 100,000-agent cap: off the
    // async workers all the same, under the `/v1` concurrency limit.
    let solved = tokio::task::spawn_blocking(move || ops::staffing::solve(&req))
        .await
        .map_err(|e| OpError::internal(format!("staffing task: {e}")))?;
    Ok(Json(solved?))
}
