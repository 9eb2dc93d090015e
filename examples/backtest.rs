//! The backtest of the three shared workload series, as a Markdown table.
//!
//! `cargo run --release --example backtest` (needs `../shared/data/workload/`). The protocol of
//! issue 8: 8 origins; horizon and step 14 days for the two daily series, one week for the bank's
//! calls aggregated to 30 minutes (open weekdays 07:00–21:00, the six weekdays missing from the
//! file closed). The same numbers come from `instrada backtest` with the arguments printed under
//! the table.

use instrada::forecast::backtest::{self, Report, Settings};
use instrada::forecast::models::ModelKind;
use instrada::forecast::series::{CsvSpec, Interval, SeriesCalendar, parse_weekly, read_csv};
use std::path::PathBuf;
use std::time::Instant;

struct Case {
    name: &'static str,
    file: &'static str,
    time_col: &'static str,
    value_col: Option<&'static str>,
    interval: Interval,
    tz: chrono_tz::Tz,
    open: Option<&'static str>,
    national: bool,
    special: &'static str,
    span: &'static str,
}

/// US federal holidays 2016–2018: NYC 311's special days (the Italian ones do not apply there).
const US_HOLIDAYS: &str = "01-01,07-04,11-11,12-25,2016-01-18,2017-01-16,2018-01-15,2016-02-15,\
    2017-02-20,2018-02-19,2016-05-30,2017-05-29,2018-05-28,2016-09-05,2017-09-04,2018-09-03,\
    2016-10-10,2017-10-09,2018-10-08,2016-11-24,2017-11-23,2018-11-22";

const BANK_MISSING: &str = "2003-04-04,2003-04-07,2003-05-26,2003-07-04,2003-09-01,2003-10-14";

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "NYC 311 (daily)",
            file: "nyc311-daily/311_daily_counts.csv",
            time_col: "Date",
            value_col: Some("call_count"),
            interval: Interval::D1,
            tz: chrono_tz::America::New_York,
            open: None,
            national: false,
            special: US_HOLIDAYS,
            span: "14d",
        },
        Case {
            name: "Alessandria (daily)",
            file: "alessandria-segnalazioni/segnalazioni-municipium.csv",
            time_col: "Creato",
            value_col: None,
            interval: Interval::D1,
            tz: chrono_tz::Europe::Rome,
            open: None,
            national: true,
            special: "",
            span: "14d",
        },
        Case {
            name: "bank calls (30 min)",
            file: "bank-calls-5min/bank_calls.csv",
            time_col: "DateTime",
            value_col: Some("Calls"),
            interval: Interval::M30,
            tz: chrono_tz::UTC,
            open: Some("mon-fri 07:00-21:00"),
            national: false,
            special: BANK_MISSING,
            span: "7d",
        },
    ]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/workload");
    println!(
        "| series | model (auto) | MASE | sMAPE % | cover 80 % | cover 95 % | snaive MASE | snaive sMAPE % | snaive cover 80/95 % | candidates (MASE) | seconds |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let mut notes = Vec::new();
    let mut timings = Vec::new();
    for case in cases() {
        let mut calendar = SeriesCalendar::always_open(case.tz);
        calendar.national = case.national;
        calendar.hours = case.open.map(parse_weekly).transpose()?;
        calendar.add_local(case.special)?;
        let spec = CsvSpec {
            path: root.join(case.file),
            time_col: case.time_col.into(),
            value_col: case.value_col.map(Into::into),
            delimiter: None,
            interval: case.interval,
            calendar,
        };
        let series = read_csv(&spec)?.series;
        let span = backtest::parse_span("--horizon", case.span, &series)?;
        let settings = Settings {
            horizon: span,
            step: span,
            origins: 8,
        };
        let started = Instant::now();
        // `instrada backtest --model auto`: every model kind, chosen by the one rule.
        let report = backtest::backtest(&series, &settings, &ModelKind::ALL)?;
        row(case.name, &report, started.elapsed().as_secs_f64());
        if case.interval != Interval::D1 {
            timings.push(fit_timing(case.name, &series, span));
        }
        for run in &report.candidates {
            for n in &run.notes {
                notes.push(format!("{}: {}: {n}", case.name, run.model));
            }
        }
        for (model, why) in &report.failed {
            notes.push(format!("{}: {model}: not backtested: {why}", case.name));
        }
    }
    for n in notes {
        println!("\n- {n}");
    }
    for t in timings {
        println!("\n{t}");
    }
    Ok(())
}

fn row(name: &str, r: &Report, seconds: f64) {
    let (c, b) = (&r.chosen.scores, &r.baseline.scores);
    let candidates: Vec<String> = r
        .candidates
        .iter()
        .map(|run| {
            format!(
                "{} {:.3} ({:.0}/{:.0} %)",
                run.model,
                run.scores.mase,
                100.0 * run.scores.coverage80,
                100.0 * run.scores.coverage95
            )
        })
        .collect();
    println!(
        "| {name} | {} | {:.3} | {:.1} | {:.1} | {:.1} | {:.3} | {:.1} | {:.1} / {:.1} | {} | {seconds:.1} |",
        r.chosen.model,
        c.mase,
        c.smape,
        100.0 * c.coverage80,
        100.0 * c.coverage95,
        b.mase,
        b.smape,
        100.0 * b.coverage80,
        100.0 * b.coverage95,
        candidates.join(", ")
    );
}

/// One fit on the whole series (with its inner calibration fits) and one forecast, per model.
fn fit_timing(name: &str, series: &instrada::forecast::series::Series, horizon: usize) -> String {
    use instrada::forecast::models::calibrate;
    let mut parts = Vec::new();
    for kind in ModelKind::ALL {
        let started = Instant::now();
        let ok = kind
            .fit(series, &calibrate::Settings::new(horizon))
            .map(|f| f.forecast(horizon).len());
        parts.push(format!(
            "{} {:.0} ms ({ok:?} points)",
            kind.name(),
            started.elapsed().as_secs_f64() * 1e3
        ));
    }
    format!(
        "fit + forecast of {name}, {} intervals of history: {}",
        series.len(),
        parts.join(", ")
    )
}
