//! `instrada import events FILE.csv [--map column=field …] [--json]`: contact events from a CSV
//! export of a contact centre's systems into the store, through [`crate::ops::events`]: the
//! checks and messages of `POST /v1/events`, idempotent on `event_id`, citizens pseudonymised, a
//! bad row rejected with its line while the good ones are committed.

use super::CliError;
use crate::config::Settings;
use crate::ops::events::{EventsAck, Mapping, import_csv};
use crate::ops::{OpError, Service};
use std::path::Path;

/// Imports the events of `file` into the store `settings` name.
pub fn import_events(
    settings: &Settings,
    file: &Path,
    map: &[String],
) -> Result<EventsAck, CliError> {
    let read_err = |e: csv::Error| CliError::Io {
        path: file.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(file)
        .map_err(read_err)?;
    let headers = reader.headers().map_err(read_err)?.clone();
    let mapping = Mapping::new(&headers, map).map_err(|e| match e {
        OpError::Invalid { detail } => CliError::Usage(format!("--map: {detail}")),
        other => other.into(),
    })?;
    let svc = Service::open(settings.clone())?;
    let imported = import_csv(&svc, &mut reader, &mapping);
    super::close(&svc)?;
    Ok(imported?)
}

/// What `instrada import events` prints.
pub fn import_report(file: &Path, ack: &EventsAck) -> String {
    let mut out = format!(
        "{}: {} stored, {} already there, {} rejected\n",
        file.display(),
        ack.stored,
        ack.duplicates,
        ack.rejected
    );
    for e in ack.errors.iter().take(20) {
        out.push_str(&format!("  line {}: {}\n", e.line.unwrap_or(0), e.reason));
    }
    if ack.errors.len() > 20 {
        out.push_str(&format!(
            "  … {} more rejected rows (--json lists them all)\n",
            ack.errors.len() - 20
        ));
    }
    out
}
