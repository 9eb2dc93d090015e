//! The shared Alessandria series through the binary (fast: a daily series of 1,000 days); the
//! full table of the three series is `cargo run --release --example backtest`.

use std::process::Command;

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (absent here)")]
fn alessandria_beats_its_seasonal_naive_with_honest_intervals() {
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
            "--model",
            "profile",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mase = v["mase"].as_f64().unwrap();
    // Measured 0.570 (seasonal naive 0.746, as statsforecast's on the same protocol).
    assert!(mase < 0.60, "{v}");
    assert!(
        (v["baseline"]["mase"].as_f64().unwrap() - 0.746).abs() < 0.001,
        "{v}"
    );
    let c80 = v["coverage80"].as_f64().unwrap();
    assert!((0.70..=0.90).contains(&c80), "{v}");
}
