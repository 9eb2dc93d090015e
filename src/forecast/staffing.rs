//! Agents for a workload: how many people an interval's contacts call for, and what service they
//! get. Pure and synchronous: the API, the CLI and the forecasts call it per interval.
//!
//! - **Erlang C** (M/M/N, nobody hangs up) for live channels without a patience: the smallest N
//!   whose service level (share answered within T) meets the target and whose occupancy A/N is
//!   at most the cap. Erlang B by its recurrence, C from B ([`erlang`]): no factorials, no
//!   overflow at thousands of erlangs.
//! - **Erlang A** (M/M/N+M: exponential patience with mean θ) when a patience is given. Service
//!   level is answered-within-T over *all offered*, abandoned contacts counted as missed; ASA is
//!   the mean wait of the answered ones. Exact: the states beyond N are summed until the rest is
//!   provably below 1e-17 of the total, never cut at a fixed length (a popular Python package cuts
//!   them and answers 651 agents for 5000 contacts in 30 min, AHT 300 s, θ 180 s, 80 % in 20 s,
//!   where the answer is 782). See [`erlang`] for the method.
//! - **Backlog** for the channels not answered live (e-mail, PEC, web forms): the contacts ×
//!   AHT of work is spread over the response-time window `within_seconds`, counted in business
//!   hours: agents = ⌈workload / (window × max occupancy)⌉. The answer says so (`Method::Backlog`)
//!   and carries no service level, wait or ASA: queueing formulas do not describe a tray.
//!
//! FTE scheduled is ⌈agents / (1 − shrinkage)⌉ in every method.
//!
//! Why no crate: none on crates.io does Erlang A (the ones found compute Erlang C only, e.g.
//! poolsim-core), and Erlang C is twenty lines once B is the recurrence.
//!
//! Parameters follow the linfa shape: [`StaffingParams`] (a builder, defaults documented) →
//! [`StaffingParams::check`] → [`Staffing`], which answers any number of intervals.

pub mod erlang;

pub use erlang::{Performance, Queue};

use crate::duration::{Duration, Unit};
use serde::{Deserialize, Serialize};

/// The most agents a search tries before it calls the target unreachable.
pub const MAX_AGENTS: u32 = 100_000;

/// A service level within this of the target counts as met (rounding, not policy).
const EPS: f64 = 1e-12;

/// Why staffing cannot be computed. Each variant names the field it is about.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StaffingError {
    /// NaN or infinite.
    #[error("`{field}` must be a finite number, got {value}")]
    NotFinite {
        /// The field.
        field: &'static str,
        /// As given.
        value: f64,
    },
    /// Fewer than zero contacts.
    #[error("`contacts` must not be negative, got {contacts}")]
    NegativeContacts {
        /// As given.
        contacts: f64,
    },
    /// An interval of zero or less.
    #[error("`interval` must be positive, got {interval_seconds} s")]
    Interval {
        /// As given, in seconds.
        interval_seconds: f64,
    },
    /// A handle time of zero or less.
    #[error("`aht_seconds` must be positive, got {aht_seconds}")]
    Aht {
        /// As given.
        aht_seconds: f64,
    },
    /// A service-level target outside (0, 1).
    #[error("`target` must be a fraction strictly between 0 and 1 (0.8 for 80 %), got {target}")]
    Target {
        /// As given.
        target: f64,
    },
    /// A negative target time (or zero for a backlog channel, which has no instant answer).
    #[error("`within_seconds` must be {}, got {within_seconds}", if *backlog { "positive for a channel not answered live (the response-time window)" } else { "zero or more" })]
    Within {
        /// As given.
        within_seconds: f64,
        /// Whether the channel is staffed as a backlog.
        backlog: bool,
    },
    /// A patience of zero or less.
    #[error(
        "`patience_seconds` must be positive (leave it out for Erlang C), got {patience_seconds}"
    )]
    Patience {
        /// As given.
        patience_seconds: f64,
    },
    /// Shrinkage outside [0, 1).
    #[error(
        "`shrinkage` must be in [0, 1) (0.3 for 30 % of paid time off the phones), got {shrinkage}"
    )]
    Shrinkage {
        /// As given.
        shrinkage: f64,
    },
    /// Maximum occupancy outside (0, 1].
    #[error("`max_occupancy` must be in (0, 1], got {max_occupancy}")]
    Occupancy {
        /// As given.
        max_occupancy: f64,
    },
    /// No number of agents up to [`MAX_AGENTS`] meets the target.
    #[error(
        "no staffing up to {max_agents} agents meets the target: {traffic:.0} erlangs of traffic \
         ({contacts} contacts × {aht_seconds} s over {interval_seconds} s); check the units"
    )]
    Unreachable {
        /// The search's cap.
        max_agents: u32,
        /// Offered traffic, erlangs.
        traffic: f64,
        /// Contacts in the interval.
        contacts: f64,
        /// Handle time.
        aht_seconds: f64,
        /// Interval length.
        interval_seconds: f64,
    },
    /// An interval that is neither a duration nor seconds.
    #[error("`{what}` must be 15m, 30m, 1h, 1d or a number of seconds, got `{given}`")]
    IntervalText {
        /// The field or flag it came from (`interval`, `--interval`).
        what: String,
        /// As given.
        given: String,
    },
}

/// How the agents were worked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// M/M/N: no one hangs up.
    ErlangC,
    /// M/M/N+M: exponential patience.
    ErlangA,
    /// A response-time target on a channel not answered live.
    Backlog,
}

impl Method {
    /// `erlang_c`, `erlang_a`, `backlog`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ErlangC => "erlang_c",
            Self::ErlangA => "erlang_a",
            Self::Backlog => "backlog",
        }
    }
}

/// The channels whose contacts sit in a tray answered later, by name (as `route::Channel` and
/// the store spell them): e-mail, PEC, web forms. The others (phone, chat, counter, app, social)
/// wait on a line for an agent. Names, not the enum, so that `forecast` need not import `route`.
pub const BACKLOG_CHANNELS: [&str; 3] = ["email", "pec", "web"];

/// Whether contacts on the channel named `channel` are answered live (see [`BACKLOG_CHANNELS`]).
pub fn answered_live(channel: &str) -> bool {
    !BACKLOG_CHANNELS
        .iter()
        .any(|c| c.eq_ignore_ascii_case(channel.trim()))
}

/// What to staff for: handle time, target, and the optional knobs. Build with [`Self::new`],
/// then [`Self::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct StaffingParams {
    aht_seconds: f64,
    target: f64,
    within_seconds: f64,
    patience_seconds: Option<f64>,
    shrinkage: f64,
    max_occupancy: f64,
    backlog: bool,
}

impl StaffingParams {
    /// Average handle time `aht_seconds`, and `target` (a fraction) of contacts answered within
    /// `within_seconds` (for a backlog channel: the response-time window, in business seconds).
    pub fn new(aht_seconds: f64, target: f64, within_seconds: f64) -> Self {
        Self {
            aht_seconds,
            target,
            within_seconds,
            patience_seconds: None,
            shrinkage: 0.0,
            max_occupancy: 1.0,
            backlog: false,
        }
    }

    /// Mean patience in seconds: Erlang A instead of Erlang C. Default: none (Erlang C).
    pub fn patience(mut self, seconds: Option<f64>) -> Self {
        self.patience_seconds = seconds;
        self
    }

    /// Share of paid time not on the phones (breaks, training, absence). Default 0.
    pub fn shrinkage(mut self, shrinkage: f64) -> Self {
        self.shrinkage = shrinkage;
        self
    }

    /// Most of their time agents may spend handling contacts. Default 1 (no cap).
    pub fn max_occupancy(mut self, occupancy: f64) -> Self {
        self.max_occupancy = occupancy;
        self
    }

    /// The channel, by name: e-mail, PEC and web are staffed as a backlog
    /// ([`BACKLOG_CHANNELS`]). Default: none (live).
    pub fn channel(mut self, channel: Option<&str>) -> Self {
        self.backlog = channel.is_some_and(|c| !answered_live(c));
        self
    }

    /// Every value in range, or the first one that is not.
    pub fn check(&self) -> Result<Staffing, StaffingError> {
        finite("aht_seconds", self.aht_seconds)?;
        finite("target", self.target)?;
        finite("within_seconds", self.within_seconds)?;
        finite("shrinkage", self.shrinkage)?;
        finite("max_occupancy", self.max_occupancy)?;
        if let Some(p) = self.patience_seconds {
            finite("patience_seconds", p)?;
        }
        if self.aht_seconds <= 0.0 {
            return Err(StaffingError::Aht {
                aht_seconds: self.aht_seconds,
            });
        }
        if !(self.target > 0.0 && self.target < 1.0) {
            return Err(StaffingError::Target {
                target: self.target,
            });
        }
        let method = match (self.backlog, self.patience_seconds) {
            (true, _) => Method::Backlog,
            (false, Some(_)) => Method::ErlangA,
            (false, None) => Method::ErlangC,
        };
        let backlog = method == Method::Backlog;
        if self.within_seconds < 0.0 || (backlog && self.within_seconds == 0.0) {
            return Err(StaffingError::Within {
                within_seconds: self.within_seconds,
                backlog,
            });
        }
        if let Some(p) = self.patience_seconds.filter(|p| *p <= 0.0) {
            return Err(StaffingError::Patience {
                patience_seconds: p,
            });
        }
        if !(0.0..1.0).contains(&self.shrinkage) {
            return Err(StaffingError::Shrinkage {
                shrinkage: self.shrinkage,
            });
        }
        if !(self.max_occupancy > 0.0 && self.max_occupancy <= 1.0) {
            return Err(StaffingError::Occupancy {
                max_occupancy: self.max_occupancy,
            });
        }
        Ok(Staffing {
            params: self.clone(),
            method,
        })
    }
}

fn finite(field: &'static str, value: f64) -> Result<(), StaffingError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(StaffingError::NotFinite { field, value })
    }
}

/// Checked parameters, ready to staff intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct Staffing {
    params: StaffingParams,
    method: Method,
}

/// The staff an interval needs and the service it gets with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Staffed {
    /// How it was worked out.
    pub method: Method,
    /// Agents handling contacts at once.
    pub agents: u32,
    /// Agents scheduled: ⌈agents / (1 − shrinkage)⌉.
    pub fte: u32,
    /// Offered workload in erlangs (contacts × AHT / interval).
    pub traffic_erlangs: f64,
    /// Share answered within the target time (live channels).
    pub service_level: Option<f64>,
    /// Share that waits at all (live channels).
    pub wait_probability: Option<f64>,
    /// Mean wait of the answered contacts, seconds (live channels).
    pub asa_seconds: Option<f64>,
    /// Share of the agents' time spent handling contacts.
    pub occupancy: f64,
    /// Share that hangs up before an answer (Erlang A).
    pub abandonment: Option<f64>,
}

impl Staffing {
    /// The method these parameters call for.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The staff for `contacts` arriving over `interval_seconds`.
    pub fn solve(&self, contacts: f64, interval_seconds: f64) -> Result<Staffed, StaffingError> {
        let queue = self.queue(contacts, interval_seconds)?;
        let p = &self.params;
        let a = queue.traffic();
        if contacts == 0.0 {
            return Ok(self.staffed(
                a,
                Performance {
                    agents: 0,
                    service_level: 1.0,
                    wait_probability: 0.0,
                    asa_seconds: 0.0,
                    occupancy: 0.0,
                    abandonment: (self.method == Method::ErlangA).then_some(0.0),
                },
            ));
        }
        let unreachable = || StaffingError::Unreachable {
            max_agents: MAX_AGENTS,
            traffic: a,
            contacts,
            aht_seconds: p.aht_seconds,
            interval_seconds,
        };
        // Every staffing within the occupancy cap has at least traffic ÷ cap agents: past the
        // limit on agents (or with a traffic that is not finite, from a vanishing interval) no
        // search can succeed, so none is started.
        let least = a / p.max_occupancy;
        if self.method != Method::Backlog && !(least.is_finite() && least <= f64::from(MAX_AGENTS))
        {
            return Err(unreachable());
        }
        let perf = match self.method {
            Method::Backlog => {
                let workload = contacts * p.aht_seconds;
                let agents = ceil(workload / (p.within_seconds * p.max_occupancy));
                let agents = u32::try_from(agents)
                    .ok()
                    .filter(|n| *n <= MAX_AGENTS)
                    .ok_or_else(unreachable)?
                    .max(1);
                Performance {
                    agents,
                    service_level: f64::NAN,
                    wait_probability: f64::NAN,
                    asa_seconds: f64::NAN,
                    occupancy: workload / (f64::from(agents) * p.within_seconds),
                    abandonment: None,
                }
            }
            Method::ErlangC => self.erlang_c(&queue).ok_or_else(unreachable)?,
            Method::ErlangA => self.erlang_a(&queue).ok_or_else(unreachable)?,
        };
        Ok(self.staffed(a, perf))
    }

    /// The service `agents` give to `contacts` over `interval_seconds` (`None` when the
    /// method is a backlog, or for Erlang C when agents ≤ traffic: the queue grows forever).
    pub fn performance(
        &self,
        contacts: f64,
        interval_seconds: f64,
        agents: u32,
    ) -> Result<Option<Performance>, StaffingError> {
        let queue = self.queue(contacts, interval_seconds)?;
        let within = self.params.within_seconds;
        Ok(match (self.method, self.params.patience_seconds) {
            _ if agents == 0 || contacts == 0.0 => None,
            (Method::ErlangA, Some(theta)) => Some(queue.erlang_a(agents, within, theta)),
            (Method::ErlangC, _) => queue.erlang_c(agents, within),
            _ => None,
        })
    }

    fn queue(&self, contacts: f64, interval_seconds: f64) -> Result<Queue, StaffingError> {
        finite("contacts", contacts)?;
        finite("interval", interval_seconds)?;
        if contacts < 0.0 {
            return Err(StaffingError::NegativeContacts { contacts });
        }
        if interval_seconds <= 0.0 {
            return Err(StaffingError::Interval { interval_seconds });
        }
        Ok(Queue {
            arrival_rate: contacts / interval_seconds,
            aht_seconds: self.params.aht_seconds,
        })
    }

    fn meets(&self, p: &Performance) -> bool {
        p.service_level >= self.params.target - EPS
            && p.occupancy <= self.params.max_occupancy + EPS
    }

    /// Erlang C: walk N up from ⌊A⌋ + 1, carrying B(N) along, to the first N that meets.
    fn erlang_c(&self, queue: &Queue) -> Option<Performance> {
        let a = queue.traffic();
        if a >= f64::from(MAX_AGENTS) {
            return None;
        }
        // ⌊A⌋ + 1 ≤ MAX_AGENTS by the check above.
        let start = a.floor() as u32 + 1;
        let mut b = erlang::erlang_b(start - 1, a);
        (start..=MAX_AGENTS).find_map(|n| {
            b = erlang::next_b(b, n, a);
            queue
                .erlang_c_with_b(n, b, self.params.within_seconds)
                .filter(|p| self.meets(p))
        })
    }

    /// Erlang A: service level rises and occupancy falls with N, so gallop from N = ⌈A⌉ (where
    /// the answer usually is) in steps 1, 2, 4, … to a bracket [fails, meets], then bisect it.
    /// The probes stay near the answer: each costs O(N) for Erlang B plus the queue states, and
    /// those far below A, with long queues, are the dear ones.
    fn erlang_a(&self, queue: &Queue) -> Option<Performance> {
        let theta = self.params.patience_seconds?;
        let within = self.params.within_seconds;
        let at = |n| queue.erlang_a(n, within, theta);
        let start = queue.traffic().ceil().clamp(1.0, f64::from(MAX_AGENTS)) as u32;
        let first = at(start);
        // Invariant: lo fails (or is 0), hi meets.
        let (mut lo, mut hi, mut best) = if self.meets(&first) {
            let (mut hi, mut best, mut step) = (start, first, 1_u32);
            loop {
                let n = hi.saturating_sub(step);
                if n == 0 {
                    break (0, hi, best);
                }
                let p = at(n);
                if !self.meets(&p) {
                    break (n, hi, best);
                }
                (hi, best, step) = (n, p, step.saturating_mul(2));
            }
        } else {
            let (mut lo, mut step) = (start, 1_u32);
            loop {
                if lo == MAX_AGENTS {
                    return None;
                }
                let n = lo.saturating_add(step).min(MAX_AGENTS);
                let p = at(n);
                if self.meets(&p) {
                    break (lo, n, p);
                }
                (lo, step) = (n, step.saturating_mul(2));
            }
        };
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            let p = at(mid);
            if self.meets(&p) {
                (hi, best) = (mid, p);
            } else {
                lo = mid;
            }
        }
        Some(best)
    }

    fn staffed(&self, traffic: f64, p: Performance) -> Staffed {
        let live = |v: f64| (self.method != Method::Backlog).then_some(v);
        Staffed {
            method: self.method,
            agents: p.agents,
            fte: fte(p.agents, self.params.shrinkage),
            traffic_erlangs: traffic,
            service_level: live(p.service_level),
            wait_probability: live(p.wait_probability),
            asa_seconds: live(p.asa_seconds),
            occupancy: p.occupancy,
            abandonment: p.abandonment,
        }
    }
}

/// Agents scheduled for `agents` on the phones: ⌈agents / (1 − shrinkage)⌉, where a quotient a
/// hair above an integer by rounding (14 / 0.7 = 20.000000000000004) is that integer.
pub fn fte(agents: u32, shrinkage: f64) -> u32 {
    let x = ceil(f64::from(agents) / (1.0 - shrinkage));
    u32::try_from(x).unwrap_or(u32::MAX)
}

/// ⌈x⌉ that ignores a rounding excess of a few ulps.
fn ceil(x: f64) -> u64 {
    let r = x.round();
    if (x - r).abs() <= 1e-9 * r.max(1.0) {
        r as u64
    } else {
        x.ceil() as u64
    }
}

/// An interval's length in seconds: a [`crate::duration`] in days, hours, minutes or seconds
/// (`15m`, `30m`, `1h`, `1d`, `0.5h`, `1d4h`) or a bare number of seconds (`1800`), more than
/// zero. `what` names the field or flag the text came from, in the error.
pub fn parse_interval(what: &str, text: &str) -> Result<f64, StaffingError> {
    let bad = || StaffingError::IntervalText {
        what: what.to_string(),
        given: text.to_string(),
    };
    let duration = Duration::parse(text).map_err(|_| bad())?;
    // Weeks are no interval a queue is staffed for (and were never accepted here).
    if !duration.uses_only(&[Unit::Day, Unit::Hour, Unit::Minute, Unit::Second]) {
        return Err(bad());
    }
    let seconds = duration.seconds();
    if seconds <= 0.0 {
        return Err(StaffingError::Interval {
            interval_seconds: seconds,
        });
    }
    Ok(seconds)
}

#[cfg(test)]
mod tests;
