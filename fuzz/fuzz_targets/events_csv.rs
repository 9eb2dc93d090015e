//! Event CSV import: the bytes as the file of `instrada import events`, read as that command
//! reads it, its header through `ops::events::Mapping` and its rows through
//! `ops::events::import_csv` into a SQLite store in a scratch directory (good rows are
//! committed). An input whose first line is `#map RENAMES` gives `--map RENAMES` (comma-separated
//! `column=field`), and the file starts on the next line.
//!
//! Asserts: every row of the file (as the `csv` crate reads it, a malformed one included) is
//! stored, a duplicate or rejected, once; each rejection has a reason and a line after the
//! header's.

#![no_main]

use instrada::ops::events::{Mapping, import_csv};
use instrada_fuzz::service;
use libfuzzer_sys::fuzz_target;

fn reader(file: &[u8]) -> csv::Reader<&[u8]> {
    // As `instrada import events` builds it (src/cli/import.rs).
    csv::ReaderBuilder::new().flexible(false).from_reader(file)
}

fuzz_target!(|data: &[u8]| {
    let (renames, file) = match data.strip_prefix(b"#map ") {
        Some(rest) => {
            let (line, file) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, &[][..]),
            };
            let renames: Vec<String> = String::from_utf8_lossy(line)
                .split(',')
                .map(str::to_string)
                .collect();
            (renames, file)
        }
        None => (Vec::new(), data),
    };
    let mut rows = reader(file);
    let Ok(headers) = rows.headers().cloned() else {
        return;
    };
    let Ok(mapping) = Mapping::new(&headers, &renames) else {
        return;
    };
    let ack = import_csv(service("events_csv"), &mut rows, &mapping).expect("the store commits");

    let mut count = reader(file);
    let _ = count.headers();
    let n = count.records().count();
    assert_eq!(
        (ack.stored + ack.duplicates + ack.rejected) as usize,
        n,
        "{ack:?}"
    );
    assert_eq!(ack.rejected as usize, ack.errors.len());
    for e in &ack.errors {
        assert!(!e.reason.is_empty() && e.index.is_none(), "{e:?}");
        assert!(e.line.is_some_and(|l| l >= 2), "{e:?}");
    }
});
