//! `instrada backtest` on synthetic series: the JSON answer, the points file, and bad input.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn instrada(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_instrada"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Ten weeks of daily events from Monday 2024-01-01: weekdays 20 + day-of-week, weekends 5 (with
/// a deterministic wiggle), one row per event at 10:00 local time, in `;`-separated rows.
fn events_csv(dir: &Path) -> PathBuf {
    let path = dir.join("events.csv");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(f, "id;created;category").unwrap();
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut id = 0;
    for d in 0..70 {
        let date = start + chrono::TimeDelta::days(d);
        let dow = d % 7;
        let n = if dow < 5 {
            20 + dow + (d * 7 % 5)
        } else {
            5 + d % 3
        };
        for _ in 0..n {
            id += 1;
            writeln!(f, "{id};{date} 10:00;buche").unwrap();
        }
    }
    path
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn events_are_counted_per_day_and_the_answer_names_the_winner_and_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let data = events_csv(dir.path());
    let points = dir.path().join("points.csv");
    let out = instrada(&[
        "backtest",
        "--data",
        data.to_str().unwrap(),
        "--time-col",
        "created",
        "--interval",
        "1d",
        "--horizon",
        "7d",
        "--step",
        "7d",
        "--origins",
        "3",
        "--json",
        "--out",
        points.to_str().unwrap(),
    ]);
    let v = json(&out);
    let model = v["model"].as_str().unwrap();
    assert!(
        ["snaive", "profile", "damped", "mstl"].contains(&model),
        "{v}"
    );
    assert_eq!(v["baseline"]["model"], "snaive");
    for key in ["mase", "smape", "coverage80", "coverage95"] {
        assert!(v[key].is_number(), "{key} in {v}");
        assert!(v["baseline"][key].is_number(), "baseline {key} in {v}");
    }
    // auto picks the lowest MASE among the candidates.
    let best = v["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["mase"].as_f64().unwrap())
        .fold(f64::INFINITY, f64::min);
    assert_eq!(v["mase"].as_f64().unwrap(), best);
    let text = std::fs::read_to_string(&points).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("origin,start,actual,expected,lower80,upper80,lower95,upper95")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 3 * 7);
    // The first point of origin 1 is day 49 (2024-02-19, a Monday; 70 − 21): local midnight in
    // Rome is 23:00 UTC the day before, and its count is 20 + 0 + (49·7 mod 5) = 23.
    assert!(
        rows[0].starts_with("1,2024-02-18T23:00:00Z,23,"),
        "{}",
        rows[0]
    );
}

#[test]
fn one_model_can_be_asked_for_and_the_table_says_which_was_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let data = events_csv(dir.path());
    let out = instrada(&[
        "backtest",
        "--data",
        data.to_str().unwrap(),
        "--time-col",
        "created",
        "--interval",
        "1d",
        "--horizon",
        "1w",
        "--step",
        "1w",
        "--origins",
        "2",
        "--model",
        "profile",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("chosen: profile"), "{text}");
    assert!(text.contains("snaive"), "{text}");
}

/// Ten weeks of 1999 in daily totals (`;`-separated, local dates): a call centre's old history.
fn history_1999_csv(dir: &Path) -> PathBuf {
    let path = dir.join("calls_1999.csv");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(f, "giorno;chiamate").unwrap();
    let start = chrono::NaiveDate::from_ymd_opt(1999, 3, 1).unwrap();
    for d in 0..70 {
        let dow = d % 7;
        let n = if dow < 5 {
            120 + 3 * dow + d % 4
        } else {
            30 + d % 5
        };
        writeln!(f, "{};{n}", start + chrono::TimeDelta::days(d)).unwrap();
    }
    path
}

#[test]
fn a_backtest_of_a_1999_history_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let data = history_1999_csv(dir.path());
    let out = instrada(&[
        "backtest",
        "--data",
        data.to_str().unwrap(),
        "--time-col",
        "giorno",
        "--value-col",
        "chiamate",
        "--interval",
        "1d",
        "--horizon",
        "1w",
        "--step",
        "1w",
        "--origins",
        "3",
        "--json",
    ]);
    let report = json(&out);
    assert_eq!(report["baseline"]["points"], 21, "{report}");
    assert!(report["mase"].as_f64().is_some(), "{report}");
}

fn error_of(args: &[&str], csv: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("bad.csv");
    std::fs::write(&data, csv).unwrap();
    let mut all = vec![
        "backtest",
        "--data",
        data.to_str().unwrap(),
        "--time-col",
        "t",
        "--interval",
        "1d",
    ];
    all.extend_from_slice(args);
    let out = instrada(&all);
    assert!(!out.status.success(), "{args:?} should fail");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn bad_input_is_refused_with_the_line_or_the_argument_and_never_a_panic() {
    let ok = "t,v\n2024-01-01,3\n2024-01-02,4\n";
    let cases: [(&[&str], &str, &str); 10] = [
        (
            &["--value-col", "v"],
            "t,v\n2024-01-01,3\nyesterday,4\n",
            "line 3: `yesterday` is not a time",
        ),
        (
            &["--value-col", "v"],
            "t,v\n2024-01-01,3\n2024-01-02,-4\n",
            "line 3: `-4` is not a count",
        ),
        (
            &["--value-col", "v"],
            "t,v\n1899-12-31,3\n",
            "line 2: 1899-12-30T23:00:00+00:00 is before 1900",
        ),
        (
            &["--value-col", "v"],
            "t,v\n2999-01-01,3\n",
            "in the future",
        ),
        (&["--value-col", "x"], ok, "no column `x`"),
        (
            &["--horizon", "0d"],
            ok,
            "--horizon: must be longer than zero",
        ),
        (
            &["--horizon", "3650d"],
            ok,
            "--horizon: `3650d` is longer than 366 days",
        ),
        (&[], ok, "too little history: 126 days"),
        (&["--open", "mon-fri 9-17"], ok, "--open: "),
        (
            &["--holidays", "open"],
            ok,
            "--holidays: `open` is not one of learn, like-sunday, closed",
        ),
    ];
    for (args, csv, expected) in cases {
        let e = error_of(args, csv);
        assert!(e.contains(expected), "{args:?}: {e}");
    }
}
