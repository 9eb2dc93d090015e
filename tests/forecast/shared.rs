//! The shared Alessandria series through the binary (fast: a daily series of 1,000 days); the
//! full table of the three series is `cargo run --release --example backtest`.

use std::process::Command;

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (absent here)")]
fn alessandria_beats_its_seasonal_naive_with_honest_intervals() {
    let v = backtest(&["--model", "profile"]);
    let mase = v["mase"].as_f64().unwrap();
    // Measured 0.550; the seasonal naive 0.722, its national holidays forecast like Sundays
    // (`forecast.holidays = "learn"` with no weekday holiday to learn from).
    assert!(mase < 0.60, "{v}");
    assert!(
        (v["baseline"]["mase"].as_f64().unwrap() - 0.722).abs() < 0.001,
        "{v}"
    );
    let c80 = v["coverage80"].as_f64().unwrap();
    assert!((0.70..=0.90).contains(&c80), "{v}");
    // With no special day treated, the seasonal naive is statsforecast's on the same protocol.
    let plain = backtest(&["--model", "snaive", "--no-national-holidays"]);
    assert!(
        (plain["baseline"]["mase"].as_f64().unwrap() - 0.746).abs() < 0.001,
        "{plain}"
    );
}

/// `instrada backtest --json` of the Alessandria series, daily, eight origins of 14 days.
fn backtest(extra: &[&str]) -> serde_json::Value {
    let data = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/workload/alessandria-segnalazioni/segnalazioni-municipium.csv"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_instrada"))
        .args([
            "backtest",
            "--data",
            data,
            "--time-col",
            "Creato",
            "--interval",
            "1d",
            "--horizon",
            "14d",
            "--step",
            "14d",
            "--origins",
            "8",
            "--json",
        ])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
