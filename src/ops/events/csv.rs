//! Contact events from the rows of a CSV export: each row becomes the JSON object `POST
//! /v1/events` would receive and goes through the same parser and checks ([`super::EventIn`]), so
//! a row is refused with the message an API caller would get, named by its line.
//!
//! Columns named like a field fill it; a [`Mapping`] renames (`id=event_id`,
//! `operatore=attributes.operatore`). Events are committed in large batches (a bulk import is
//! not a request: it waits for the writer rather than failing when its queue is full).

use super::{EventsAck, Origin, RejectedEvent, parse_event};
use crate::ops::{OpError, Service};
use crate::store::EventRecord;
use chrono::Utc;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Events committed per store call: large, because each transaction rewrites the index pages it
/// touches into the WAL (5,000 took 58 s for a million events here, 50,000 took 21 s).
const BATCH: usize = 50_000;

/// The fields of an event a column can fill; any other column becomes an attribute only if mapped
/// to `attributes.NAME`.
pub const FIELDS: [&str; 9] = [
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

/// Which field each column of a file fills.
#[derive(Debug, Clone)]
pub struct Mapping {
    fields: Vec<Option<String>>,
}

impl Mapping {
    /// Each column fills the field it is named after, else what `renames` says (`column=field` or
    /// `column=attributes.NAME`); a rename naming no column of `headers` or no field is refused.
    pub fn new(headers: &csv::StringRecord, renames: &[String]) -> Result<Self, OpError> {
        let mut renamed: HashMap<&str, &str> = HashMap::new();
        for pair in renames {
            let (column, field) = pair
                .split_once('=')
                .ok_or_else(|| OpError::invalid(format!("`{pair}` is not COLUMN=FIELD")))?;
            let field = field.trim();
            if !FIELDS.contains(&field) && !field.starts_with("attributes.") {
                return Err(OpError::invalid(format!(
                    "`{field}` is not an event field ({}, or attributes.NAME)",
                    FIELDS.join(", ")
                )));
            }
            if !headers.iter().any(|h| h == column.trim()) {
                return Err(OpError::invalid(format!(
                    "the file has no column `{}` (it has {})",
                    column.trim(),
                    headers.iter().collect::<Vec<_>>().join(", ")
                )));
            }
            renamed.insert(column.trim(), field);
        }
        let fields = headers
            .iter()
            .map(|h| match renamed.get(h) {
                Some(f) => Some((*f).to_string()),
                None => FIELDS.contains(&h).then(|| h.to_string()),
            })
            .collect();
        Ok(Self { fields })
    }

    /// The JSON object of one row, as `POST /v1/events` would receive it.
    fn row_json(&self, row: &csv::StringRecord) -> Value {
        let mut object = Map::new();
        let mut attributes = Map::new();
        for (value, field) in row.iter().zip(&self.fields) {
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
}

/// Imports the rows of `reader` (its header already read into `mapping`) into the store,
/// blocking: idempotent on `event_id`, citizens pseudonymised, a bad row rejected with its line
/// while the good ones are committed. Fails only when the store does.
pub fn import_csv<R: std::io::Read>(
    svc: &Service,
    reader: &mut csv::Reader<R>,
    mapping: &Mapping,
) -> Result<EventsAck, OpError> {
    let mut ack = EventsAck::default();
    let mut batch: Vec<EventRecord> = Vec::with_capacity(BATCH);
    let now = Utc::now();
    // The line of the row before (the header's is 1). The csv crate ends a record at the `\r` of
    // `\r\n` (or a bare `\r`) and counts lines by `\n`: a row's position is then on the line
    // before its own (CRLF) or on the header's (CR), so a row is at least one after the last.
    let mut last_line = 1;
    for (i, row) in reader.records().enumerate() {
        // Line of the row in the file: the header is line 1 (for rows without line breaks).
        let line = row
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(i as u64 + 2, |p| p.line())
            .max(last_line + 1);
        last_line = line;
        let parsed = row
            .map_err(|e| format!("not a CSV row: {e}"))
            .and_then(|r| parse_event(mapping.row_json(&r)))
            .and_then(|e| {
                e.parse(
                    &svc.pseudonyms,
                    svc.references.as_ref(),
                    Origin::Import,
                    now,
                )
            });
        match parsed {
            Ok(record) => batch.push(record),
            Err(reason) => ack.errors.push(RejectedEvent {
                index: None,
                line: Some(line),
                reason,
            }),
        }
        if batch.len() == BATCH {
            commit(svc, &mut batch, &mut ack)?;
        }
    }
    commit(svc, &mut batch, &mut ack)?;
    ack.rejected = ack.errors.len() as u64;
    Ok(ack)
}

fn commit(svc: &Service, batch: &mut Vec<EventRecord>, ack: &mut EventsAck) -> Result<(), OpError> {
    if batch.is_empty() {
        return Ok(());
    }
    let sent = svc.known_references.strip_known(batch);
    let done = svc
        .store
        .events_blocking(std::mem::take(batch))
        .map_err(|e| svc.unavailable(e))?;
    svc.known_references.remember(sent);
    ack.stored += done.stored;
    ack.duplicates += done.duplicates;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EMBEDDED, Settings, Source};

    /// Imports `file` into a store in a temporary directory: the lines of the rejected rows.
    fn rejected_lines(file: &[u8]) -> Vec<u64> {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::from_layers(EMBEDDED, &Source::Embedded, &[], &[]).unwrap();
        settings.store.path = dir.path().join("instrada.db");
        settings.store.pseudonym_key = dir.path().join("pseudonym.key");
        let svc = Service::open(settings).unwrap();
        let mut reader = csv::ReaderBuilder::new().from_reader(file);
        let mapping = Mapping::new(&reader.headers().unwrap().clone(), &[]).unwrap();
        let ack = import_csv(&svc, &mut reader, &mapping).unwrap();
        ack.errors.iter().map(|e| e.line.unwrap()).collect()
    }

    /// Found by fuzzing (fuzz/seeds/events_csv/regression-cr-line-ends): the csv crate ends a
    /// record at `\r` but counts lines by `\n`, so a row of a CRLF file (Excel's) was named one
    /// line early, the first at the header's, and every row of a CR file at line 1.
    #[test]
    fn a_rejected_row_is_named_by_a_line_after_the_header_and_the_row_before() {
        assert_eq!(rejected_lines(b"note\nfirst\nsecond\n"), [2, 3]);
        assert_eq!(rejected_lines(b"note\r\nfirst\r\nsecond\r\n"), [2, 3]);
        assert_eq!(rejected_lines(b"note\rfirst\rsecond\r"), [2, 3]);
        assert_eq!(rejected_lines(b"note\n\"two\nlines\"\nthird\n"), [2, 4]);
    }
}
