//! `instrada route`: routes requests offline, one JSON decision per line, with the body
//! `POST /v1/route` would return. For replaying a day of tickets through a new policy or new
//! models before deploying them, and for comparing two configurations line by line.
//!
//! Each input line is a `POST /v1/route` body, read, validated and routed by
//! [`crate::ops::route::rehearse`] (the API's checks and messages, the service's router).
//! Nothing is written to the audit trail: these are rehearsals, not decisions anyone received.
//! A line that is refused is reported on standard error with its number and error code, and the
//! others are still routed; the command then fails, so that scripts notice.

use super::CliError;
use crate::config::{Settings, Source};
use crate::ops::route::rehearse;
use crate::registry;
use std::io::{BufRead, Write};

/// What a run routed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSummary {
    /// Lines routed.
    pub routed: u64,
    /// Lines refused, with their number (1-based) and error.
    pub refused: Vec<(u64, String)>,
    /// Topic and urgency model versions used.
    pub models: (String, String),
}

/// Routes every line of `input` with the models and policy `settings` name, writing one decision
/// per routed line to `output` and one line per refused line to `errors`.
pub fn route_lines(
    settings: &Settings,
    source: &Source,
    input: impl BufRead,
    mut output: impl Write,
    mut errors: impl Write,
) -> Result<RouteSummary, CliError> {
    // The routing models and policy only: nothing else of the service is needed to rehearse.
    let router = registry::load_router(settings, source)?;
    registry::load::warm_up(&router);
    let max_bytes = settings.server.max_body_bytes;
    let mut summary = RouteSummary {
        routed: 0,
        refused: Vec::new(),
        models: (
            router.topic_version().to_string(),
            router.urgency_version().to_string(),
        ),
    };
    let write_err = |source| CliError::Io {
        path: "standard output".into(),
        source,
    };
    for (i, line) in input.split(b'\n').enumerate() {
        let number = i as u64 + 1;
        let line = line.map_err(|source| CliError::Io {
            path: "the input".into(),
            source,
        })?;
        let line = line.strip_suffix(b"\r").unwrap_or(&line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match rehearse(&router, line, max_bytes) {
            Ok(body) => {
                writeln!(output, "{body}").map_err(write_err)?;
                summary.routed += 1;
            }
            Err(e) => {
                let message = format!("{}: {e}", e.code());
                writeln!(errors, "line {number}: {message}").map_err(write_err)?;
                summary.refused.push((number, message));
            }
        }
    }
    output.flush().map_err(write_err)?;
    Ok(summary)
}

/// What `instrada route` prints on standard error when it is done.
pub fn route_report(s: &RouteSummary) -> String {
    format!(
        "{} with {} and {}{}",
        super::count(s.routed, "request routed", "requests routed"),
        s.models.0,
        s.models.1,
        if s.refused.is_empty() {
            String::new()
        } else {
            format!(
                "; {} (see above)",
                super::count(s.refused.len() as u64, "line refused", "lines refused")
            )
        }
    )
}
