//! `instrada staffing`: one what-if, the agents and FTE for one interval's contacts, as a table
//! or (`--json`) one object with the fields of `POST /v1/staffing`'s answer.
//!
//! Translates the arguments into the operation's request ([`crate::ops::staffing`], the same as
//! `POST /v1/staffing`'s: the command line and the API answer alike, with the same messages) and
//! prints its answer.

use super::{CliError, StaffingArgs};
use crate::forecast::staffing::Method;
use crate::ops::staffing::{IntervalLength, StaffingAnswer, StaffingRequest, solve};
use std::fmt::Write;

/// Runs `instrada staffing` and returns what it prints.
pub fn staffing_cmd(args: &StaffingArgs) -> Result<String, CliError> {
    let req = StaffingRequest {
        contacts: args.contacts,
        interval: IntervalLength::Text(args.interval.clone()),
        aht_seconds: args.aht,
        target: args.target,
        within_seconds: args.within,
        patience_seconds: args.patience,
        shrinkage: Some(args.shrinkage),
        max_occupancy: Some(args.max_occupancy),
        channel: args.channel.clone(),
    };
    let staffed = solve(&req)?;
    if args.json {
        let mut s = serde_json::to_string(&staffed).unwrap_or_default();
        s.push('\n');
        return Ok(s);
    }
    Ok(table(args, &staffed))
}

/// The readable answer: one figure a line, the method first.
fn table(args: &StaffingArgs, s: &StaffingAnswer) -> String {
    let method = match s.method {
        Method::ErlangC => "Erlang C (no abandonment)".to_string(),
        Method::ErlangA => format!(
            "Erlang A (mean patience {} s)",
            args.patience.unwrap_or_default()
        ),
        Method::Backlog => format!(
            "backlog: {} contacts × {} s of work spread over a {} s response window (business \
             time), not answered live",
            args.contacts, args.aht, args.within
        ),
    };
    let mut out = String::new();
    let mut line = |k: &str, v: String| {
        let _ = writeln!(out, "{k:<22}{v}");
    };
    line("method", method);
    line("traffic", format!("{:.2} erlangs", s.traffic_erlangs));
    line("agents", s.agents.to_string());
    line(
        "fte scheduled",
        format!("{} (shrinkage {:.0} %)", s.fte, args.shrinkage * 100.0),
    );
    if let Some(sl) = s.service_level {
        line(
            "service level",
            format!(
                "{:.1} % answered within {} s (target {:.1} %)",
                sl * 100.0,
                args.within,
                args.target * 100.0
            ),
        );
    }
    if let Some(w) = s.wait_probability {
        line("wait probability", format!("{:.1} %", w * 100.0));
    }
    if let Some(asa) = s.asa_seconds {
        line("asa", format!("{asa:.2} s"));
    }
    if let Some(ab) = s.abandonment {
        line("abandonment", format!("{:.1} %", ab * 100.0));
    }
    line(
        "occupancy",
        format!(
            "{:.1} % (at most {:.0} %)",
            s.occupancy * 100.0,
            args.max_occupancy * 100.0
        ),
    );
    out
}
