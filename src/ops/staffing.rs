//! One staffing what-if for planners: the agents one interval's contacts call for (Erlang C,
//! Erlang A when a patience is given, or a backlog for e-mail, PEC and web), and the FTE to
//! schedule after shrinkage. The maths is [`crate::forecast::staffing`]'s; this file takes the
//! request as callers send it (`POST /v1/staffing`, `instrada staffing`) and gives the answer.

use super::decode::Input;
use super::error::{OpError, quote};
use crate::forecast::staffing::{self, Method, Staffed, StaffingParams};
use crate::route::Channel;
use serde::{Deserialize, Serialize};

/// What a key needs for these operations.
pub const SCOPE: crate::access::Scope = crate::access::Scope::Planner;

/// An interval's length: `15m`, `30m`, `1h`, `1d` (any `<n>s|m|h|d`), or a number of seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IntervalLength {
    /// Seconds.
    Seconds(f64),
    /// A duration such as `30m`.
    Text(String),
}

/// One interval to staff. Erlang A when `patience_seconds` is given, Erlang C otherwise; a
/// backlog (response-time target) when `channel` is `email`, `pec` or `web`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffingRequest {
    /// Contacts expected in the interval (a forecast may be fractional).
    pub contacts: f64,
    /// The interval's length.
    pub interval: IntervalLength,
    /// Average handle time, seconds.
    pub aht_seconds: f64,
    /// Share of contacts to answer within `within_seconds`, strictly between 0 and 1.
    pub target: f64,
    /// The target's answer time in seconds (a backlog channel's response window).
    pub within_seconds: f64,
    /// Mean patience in seconds before a caller hangs up: Erlang A.
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
    pub channel: Option<String>,
}

impl Input for StaffingRequest {
    const REQUIRED: &'static [&'static str] = &[
        "contacts",
        "interval",
        "aht_seconds",
        "target",
        "within_seconds",
    ];
}

/// The staff the interval needs and the service it gets with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffingAnswer {
    /// How the agents were worked out.
    pub method: Method,
    /// Agents handling contacts at once: the fewest that meet the target and the occupancy cap.
    pub agents: u32,
    /// Agents to schedule: ⌈agents / (1 − shrinkage)⌉.
    pub fte: u32,
    /// Offered workload, erlangs.
    pub traffic_erlangs: f64,
    /// Share answered within `within_seconds`; none for a backlog.
    pub service_level: Option<f64>,
    /// Mean wait of the answered contacts, seconds; none for a backlog.
    pub asa_seconds: Option<f64>,
    /// Share of the agents' time spent on contacts.
    pub occupancy: f64,
    /// Share of contacts that wait at all; none for a backlog.
    pub wait_probability: Option<f64>,
    /// Share of offered contacts that hang up first (Erlang A only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abandonment: Option<f64>,
}

impl From<Staffed> for StaffingAnswer {
    fn from(s: Staffed) -> Self {
        Self {
            method: s.method,
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

/// The staff for `req`, or why not (each error names its field). Microseconds for ordinary
/// intervals, a few milliseconds at the 100,000-agent cap.
pub fn solve(req: &StaffingRequest) -> Result<StaffingAnswer, OpError> {
    let invalid = |e: staffing::StaffingError| OpError::invalid(e.to_string());
    let interval = match &req.interval {
        IntervalLength::Seconds(s) => *s,
        IntervalLength::Text(t) => staffing::parse_interval("interval", t).map_err(invalid)?,
    };
    let channel = req
        .channel
        .as_deref()
        .map(|c| {
            c.parse::<Channel>().map_err(|_| {
                OpError::invalid(format!(
                    "`channel`: `{}` is not one of {}",
                    quote(c, 40),
                    Channel::ALL.map(Channel::as_str).join(", ")
                ))
            })
        })
        .transpose()?;
    StaffingParams::new(req.aht_seconds, req.target, req.within_seconds)
        .patience(req.patience_seconds)
        .shrinkage(req.shrinkage.unwrap_or(0.0))
        .max_occupancy(req.max_occupancy.unwrap_or(1.0))
        .channel(channel.map(Channel::as_str))
        .check()
        .map_err(invalid)?
        .solve(req.contacts, interval)
        .map(StaffingAnswer::from)
        .map_err(invalid)
}
