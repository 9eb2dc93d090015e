//! `instrada import events FILE.csv [--map column=field …] [--json]`: contact events from a CSV
//! export of a contact centre's systems into the store, with the checks `POST /v1/events` makes
//! (the same DTO and messages): idempotent on `event_id`, citizens pseudonymised, a bad row
//! rejected with its line while the good ones are committed.

use super::CliError;
use crate::api::events::{EventsAck, RejectedEvent, parse_event};
use crate::config::Settings;
use crate::digest::Pseudonymiser;
use crate::store::{EventRecord, Store};
use chrono::Utc;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;

/// Events committed per store call: large, because each transaction rewrites the index pages it
/// touches into the WAL (5,000 took 58 s for a million events here, 50,000 took 21 s).
const BATCH: usize = 50_000;
/// The fields of an event a column can fill; any other column becomes an attribute only if mapped
/// to `attributes.NAME`.
const FIELDS: [&str; 9] = [
    "event_id",
    "occurred_at",
    "channel",
    "queue",
    "topic",
    "urgency",
    "citizen_id",
    "handle_seconds",
    "outcome",
];

/// Which field each column fills: the column's own name when it is a field, else what `--map`
/// says (`column=field` or `column=attributes.NAME`).
fn plan(headers: &csv::StringRecord, map: &[String]) -> Result<Vec<Option<String>>, CliError> {
    let mut renamed: HashMap<&str, &str> = HashMap::new();
    for pair in map {
        let (column, field) = pair
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("--map: `{pair}` is not COLUMN=FIELD")))?;
        let field = field.trim();
        if !FIELDS.contains(&field) && !field.starts_with("attributes.") {
            return Err(CliError::Usage(format!(
                "--map: `{field}` is not an event field ({}, or attributes.NAME)",
                FIELDS.join(", ")
            )));
        }
        if !headers.iter().any(|h| h == column.trim()) {
            return Err(CliError::Usage(format!(
                "--map: the file has no column `{}` (it has {})",
                column.trim(),
                headers.iter().collect::<Vec<_>>().join(", ")
            )));
        }
        renamed.insert(column.trim(), field);
    }
    Ok(headers
        .iter()
        .map(|h| match renamed.get(h) {
            Some(f) => Some((*f).to_string()),
            None => FIELDS.contains(&h).then(|| h.to_string()),
        })
        .collect())
}

/// The JSON object of one row, as `POST /v1/events` would receive it.
fn row_json(row: &csv::StringRecord, plan: &[Option<String>]) -> Value {
    let mut object = Map::new();
    let mut attributes = Map::new();
    for (value, field) in row.iter().zip(plan) {
        let (Some(field), false) = (field, value.trim().is_empty()) else {
            continue;
        };
        if let Some(name) = field.strip_prefix("attributes.") {
            attributes.insert(name.to_string(), Value::String(value.to_string()));
        } else if field == "handle_seconds" {
            let number = value
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64);
            object.insert(
                field.clone(),
                number.map_or_else(|| Value::String(value.to_string()), Value::Number),
            );
        } else {
            object.insert(field.clone(), Value::String(value.to_string()));
        }
    }
    if !attributes.is_empty() {
        object.insert("attributes".into(), Value::Object(attributes));
    }
    Value::Object(object)
}

/// Imports the events of `file` into the store `settings` name.
pub fn import_events(
    settings: &Settings,
    file: &Path,
    map: &[String],
) -> Result<EventsAck, CliError> {
    let read_err = |source: std::io::Error| CliError::Io {
        path: file.to_path_buf(),
        source,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(file)
        .map_err(|e| read_err(std::io::Error::other(e.to_string())))?;
    let headers = reader
        .headers()
        .map_err(|e| read_err(std::io::Error::other(e.to_string())))?
        .clone();
    let plan = plan(&headers, map)?;
    let pseudonyms = Pseudonymiser::from_key_file(&settings.store.pseudonym_key)?;
    let store = Store::open(&settings.store.store_config())?;
    let mut ack = EventsAck::default();
    let mut batch: Vec<EventRecord> = Vec::with_capacity(BATCH);
    let now = Utc::now();
    for (i, row) in reader.records().enumerate() {
        // Line of the row in the file: the header is line 1 (for rows without line breaks).
        let line = row
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(i as u64 + 2, |p| p.line());
        let parsed = row
            .map_err(|e| format!("not a CSV row: {e}"))
            .and_then(|r| parse_event(row_json(&r, &plan)))
            .and_then(|e| e.parse(&pseudonyms, "import", now));
        match parsed {
            Ok(record) => batch.push(record),
            Err(reason) => ack.errors.push(RejectedEvent {
                index: None,
                line: Some(line),
                reason,
            }),
        }
        if batch.len() == BATCH {
            commit(&store, &mut batch, &mut ack)?;
        }
    }
    commit(&store, &mut batch, &mut ack)?;
    ack.rejected = ack.errors.len() as u64;
    let closing = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(read_err)?
        .block_on(store.close());
    closing?;
    Ok(ack)
}

fn commit(
    store: &Store,
    batch: &mut Vec<EventRecord>,
    ack: &mut EventsAck,
) -> Result<(), CliError> {
    if batch.is_empty() {
        return Ok(());
    }
    let done = store.events_blocking(std::mem::take(batch))?;
    ack.stored += done.stored;
    ack.duplicates += done.duplicates;
    Ok(())
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
