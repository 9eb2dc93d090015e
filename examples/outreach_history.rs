//! Writes a synthetic but realistic contact history (see `instrada::outreach::synthetic`: repeat
//! contacts after unresolved cases, channel switches, escalations and complaints, TARI and
//! identity-card deadlines) as a CSV that `instrada import events` loads.
//!
//! ```sh
//! cargo run --release --example outreach_history -- [CITIZENS=20000] [OUT=/tmp/outreach_history.csv] [SEED=42]
//! instrada import events /tmp/outreach_history.csv --map deadline=attributes.deadline
//! instrada backtest outreach
//! ```
//!
//! The history ends on 31 October 2026 (before today, so the import accepts every row).

use chrono::NaiveDate;
use std::io::BufWriter;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let citizens = args.first().map_or(Ok(20_000), |a| a.parse())?;
    let out = args
        .get(1)
        .map_or("/tmp/outreach_history.csv", String::as_str);
    let seed = args.get(2).map_or(Ok(42), |a| a.parse())?;
    let end = NaiveDate::from_ymd_opt(2026, 10, 31).ok_or("bad end date")?;
    let events = instrada::outreach::synthetic::generate(citizens, seed, end);
    let file = std::fs::File::create(out)?;
    instrada::outreach::synthetic::write_csv(&events, BufWriter::new(file))?;
    println!("{out}: {} events of {citizens} citizens", events.len());
    Ok(())
}
