//! `instrada backtest`: a rolling-origin backtest of a series read from a CSV file.
//!
//! Translates the arguments into a [`SeriesCalendar`], a [`CsvSpec`] and backtest [`Settings`],
//! runs [`backtest::backtest`], and prints a table (or one JSON object); `--out` writes every
//! forecast point of the chosen model.

use super::{BacktestArgs, CliError};
use crate::forecast::backtest::{self, Report, Run, Settings};
use crate::forecast::models::ModelKind;
use crate::forecast::series::{
    CsvSpec, ForecastError, HolidayRule, Interval, Series, SeriesCalendar, parse_weekly, read_csv,
};
use serde_json::{Value, json};
use std::io::Write;

/// Runs `instrada backtest` and returns what it prints.
pub fn backtest_cmd(args: &BacktestArgs) -> Result<String, CliError> {
    let bad =
        |what, reason: String| CliError::Forecast(ForecastError::BadArgument { what, reason });
    let tz: chrono_tz::Tz = args.tz.parse().map_err(|_| {
        bad(
            "--tz",
            format!("`{}` is not an IANA time zone (e.g. Europe/Rome)", args.tz),
        )
    })?;
    let mut calendar = SeriesCalendar::always_open(tz);
    calendar.national = !args.no_national_holidays;
    calendar.hours = args
        .open
        .as_deref()
        .map(|t| parse_weekly(t).map_err(|e| e.named("--open")))
        .transpose()?;
    if let Some(list) = &args.special_days {
        calendar.add_local(list)?;
    }
    let rule = args
        .holidays
        .as_deref()
        .map(|text| {
            HolidayRule::parse(text).ok_or_else(|| {
                bad(
                    "--holidays",
                    format!("`{text}` is not one of learn, like-sunday, closed"),
                )
            })
        })
        .transpose()?;
    if let Some(rule) = rule {
        calendar.holidays = rule;
    }
    let delimiter = match args.delimiter {
        Some(c) if c.is_ascii() => Some(c as u8),
        Some(c) => {
            return Err(bad(
                "--delimiter",
                format!("must be one ASCII character, not `{c}`"),
            ));
        }
        None => None,
    };
    let models = match args.model.as_str() {
        "auto" => ModelKind::ALL.to_vec(),
        name => vec![ModelKind::parse(name).ok_or_else(|| {
            bad(
                "--model",
                format!("`{name}` is not one of auto, snaive, profile, damped, mstl"),
            )
        })?],
    };
    let (loaded_series, notes) = match &args.series {
        Some(name) => stored_series(args, name, calendar)?,
        None => {
            let (data, time_col, interval) = match (&args.data, &args.time_col, &args.interval) {
                (Some(d), Some(t), Some(i)) => (d, t, i),
                // clap requires them without `--series`.
                _ => {
                    return Err(bad(
                        "--data",
                        "--data, --time-col and --interval are needed without --series".into(),
                    ));
                }
            };
            let loaded = read_csv(&CsvSpec {
                path: data.clone(),
                time_col: time_col.clone(),
                value_col: args.value_col.clone(),
                delimiter,
                interval: Interval::parse(interval)
                    .map_err(|e| ForecastError::from(e.named("--interval")))?,
                calendar,
            })?;
            let notes = csv_notes(&loaded);
            (loaded.series, notes)
        }
    };
    let series = &loaded_series;
    let settings = Settings {
        horizon: backtest::parse_span("--horizon", &args.horizon, series)?,
        step: backtest::parse_span("--step", &args.step, series)?,
        origins: args.origins,
    };
    let report = backtest::backtest(series, &settings, &models)?;
    if let Some(out) = &args.out {
        write_points(out, &report.chosen)?;
    }
    Ok(if args.json {
        json_report(&report, &notes).to_string() + "\n"
    } else {
        table(&report, &notes)
    })
}

/// What the CSV's reading says about the data.
fn csv_notes(loaded: &crate::forecast::series::Loaded) -> Vec<String> {
    let mut notes = Vec::new();
    if loaded.duplicate_stamps > 0 {
        notes.push(format!(
            "{} rows repeat an earlier row's timestamp (summed into the same interval)",
            loaded.duplicate_stamps
        ));
    }
    if loaded.in_closed > 0.0 {
        notes.push(format!(
            "{} contacts fall in closed intervals (kept, not fitted, not scored)",
            loaded.in_closed
        ));
    }
    notes
}

/// A `[forecast]` series counted from the store's contacts, with the config's interval, hours,
/// zone, local closures and holiday rule (`--special-days`, `--no-national-holidays` and
/// `--holidays` still apply).
fn stored_series(
    args: &BacktestArgs,
    name: &str,
    mut calendar: SeriesCalendar,
) -> Result<(Series, Vec<String>), CliError> {
    let (settings, _) = crate::config::Settings::load(args.config.as_deref(), &[])?;
    let def = &super::forecast::stored_series_config(&settings, name)?;
    let fc = &settings.forecast;
    calendar.tz = fc.timezone;
    calendar.add_closures(&fc.closures);
    if args.holidays.is_none() {
        calendar.holidays = fc.holidays;
    }
    if let Some(open) = &def.open {
        calendar.hours = Some(open.hours().clone());
    }
    let interval = match args.interval.as_deref() {
        Some(text) => {
            Interval::parse(text).map_err(|e| ForecastError::from(e.named("--interval")))?
        }
        None => def.interval,
    };
    let counts =
        crate::forecast::plan::stored_counts(&settings.store.location(), def, fc.count_decisions)
            .map_err(CliError::Usage)?;
    let rows: Vec<_> = counts.iter().map(|(t, n)| (*t, *n as f64)).collect();
    let series = Series::from_instants(interval, calendar, &rows).ok_or_else(|| {
        CliError::Usage(format!(
            "series `{name}` has no contacts in {} yet (events in through POST /v1/events or \
             instrada import events{})",
            settings.store.location(),
            if fc.count_decisions {
                ", or routed requests"
            } else {
                ""
            }
        ))
    })?;
    let total: u64 = counts.iter().map(|c| c.1).sum();
    let notes = vec![format!(
        "series `{name}`: {total} contacts from {}{}",
        settings.store.location(),
        if fc.count_decisions {
            " (events and routed requests)"
        } else {
            " (events)"
        }
    )];
    Ok((series, notes))
}

fn scores_json(run: &Run) -> Value {
    let s = &run.scores;
    let finite = |x: f64| if x.is_finite() { json!(x) } else { Value::Null };
    json!({
        "model": run.model,
        "mase": finite(s.mase),
        "smape": finite(s.smape),
        "coverage80": s.coverage80,
        "coverage95": s.coverage95,
        "mase_by_origin": s.mase_by_origin,
        "points": s.points,
        "notes": run.notes,
    })
}

/// The `--json` object: the chosen model's scores at the top, the baseline's and every
/// candidate's beside them.
fn json_report(report: &Report, notes: &[String]) -> Value {
    let mut top = scores_json(&report.chosen);
    if let Value::Object(map) = &mut top {
        map.insert("baseline".into(), scores_json(&report.baseline));
        map.insert(
            "candidates".into(),
            report.candidates.iter().map(scores_json).collect(),
        );
        map.insert("data_notes".into(), json!(notes));
        let failed: Vec<Value> = report
            .failed
            .iter()
            .map(|(model, why)| json!({"model": model, "error": why}))
            .collect();
        map.insert("failed".into(), json!(failed));
    }
    top
}

fn table(report: &Report, notes: &[String]) -> String {
    let mut out = String::from("model     MASE    sMAPE %  cover80  cover95\n");
    for run in &report.candidates {
        let s = &run.scores;
        out.push_str(&format!(
            "{:<9} {:>6.3}  {:>7.1}  {:>6.1}%  {:>6.1}%\n",
            run.model,
            s.mase,
            s.smape,
            100.0 * s.coverage80,
            100.0 * s.coverage95
        ));
    }
    out.push_str(&format!(
        "chosen: {} (MASE {:.3}; seasonal naive {:.3})\n",
        report.chosen.model, report.chosen.scores.mase, report.baseline.scores.mase
    ));
    for n in report
        .candidates
        .iter()
        .flat_map(|r| r.notes.iter().map(move |n| (r.model, n)))
    {
        out.push_str(&format!("note: {}: {}\n", n.0, n.1));
    }
    for (model, why) in &report.failed {
        out.push_str(&format!("note: {model}: not backtested: {why}\n"));
    }
    for n in notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
}

/// `origin,start,actual,expected,lower80,upper80,lower95,upper95`, one row per forecast point.
fn write_points(path: &std::path::Path, run: &Run) -> Result<(), CliError> {
    let io = |source| CliError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    writeln!(
        file,
        "origin,start,actual,expected,lower80,upper80,lower95,upper95"
    )
    .map_err(io)?;
    for p in &run.points {
        let q = &p.point;
        writeln!(
            file,
            "{},{},{},{:.3},{:.3},{:.3},{:.3},{:.3}",
            p.origin,
            q.start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            p.actual,
            q.expected,
            q.lower80,
            q.upper80,
            q.lower95,
            q.upper95
        )
        .map_err(io)?;
    }
    file.flush().map_err(io)
}
