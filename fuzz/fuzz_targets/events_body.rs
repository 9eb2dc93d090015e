//! The events body: the bytes as a `POST /v1/events` body, both as NDJSON and as a JSON array,
//! through `ops::events::ingest` into a SQLite store in a scratch directory (good events are
//! committed, as the API commits them).
//!
//! Asserts: every event of the body is stored, a duplicate or rejected, once (NDJSON: one event a
//! line that is not blank; array: one an element); each rejection has a reason and the position
//! of its format (a line of the body, or an index in the array), in increasing order; a body is
//! refused whole only when it has no event (NDJSON) or is not a JSON array (array).

#![no_main]

use instrada::ops::events::{EventsAck, Format, ingest};
use instrada_fuzz::service;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime")
    })
}

/// Every event is counted once, and every rejection has a reason and a position in `1..=lines`
/// (NDJSON) or `0..elements` (array), increasing.
fn check_ack(ack: &EventsAck, events: usize, format: Format, positions: usize) {
    assert_eq!(
        (ack.stored + ack.duplicates + ack.rejected) as usize,
        events,
        "{format:?}: {ack:?}"
    );
    assert_eq!(ack.rejected as usize, ack.errors.len());
    let mut last = None;
    for e in &ack.errors {
        assert!(!e.reason.is_empty(), "{e:?}");
        let at = match (format, e.index, e.line) {
            (Format::Ndjson, None, Some(line)) => {
                assert!((1..=positions as u64).contains(&line), "{e:?}");
                line as usize
            }
            (Format::JsonArray, Some(index), None) => {
                assert!(index < positions, "{e:?}");
                index
            }
            _ => panic!("{format:?}: rejection without its position: {e:?}"),
        };
        assert!(last.is_none_or(|l| l < at), "{ack:?}");
        last = Some(at);
    }
}

fuzz_target!(|data: &[u8]| {
    let svc = service("events_body");
    let body = data.strip_prefix(BOM).unwrap_or(data);

    let lines: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
    let events = lines
        .iter()
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .count();
    match runtime().block_on(ingest(svc, data, Format::Ndjson)) {
        Ok(ack) => check_ack(&ack, events, Format::Ndjson, lines.len()),
        Err(e) => assert_eq!(events, 0, "NDJSON of {events} events refused: {e}"),
    }

    let elements = serde_json::from_slice::<Vec<serde_json::Value>>(body).map(|v| v.len());
    match runtime().block_on(ingest(svc, data, Format::JsonArray)) {
        Ok(ack) => {
            let n = elements.expect("a body accepted as an array is one");
            check_ack(&ack, n, Format::JsonArray, n);
        }
        Err(e) => assert!(
            matches!(elements, Err(_) | Ok(0)),
            "an array of {elements:?} events refused: {e}"
        ),
    }
});
