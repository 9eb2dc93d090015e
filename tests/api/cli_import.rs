//! `instrada import events`: a CSV export into the store, with the API's checks, once.

use crate::helpers::*;
use serde_json::Value;
use std::process::{Command, Output};

fn import(dir: &std::path::Path, args: &[&str]) -> Output {
    let config = write_config(dir);
    Command::new(env!("CARGO_BIN_EXE_instrada"))
        .args(["import", "events"])
        .args(args)
        .arg("--config")
        .arg(&config)
        .env_remove("RUST_LOG")
        .env("INSTRADA__STORE__PATH", dir.join("instrada.db"))
        .env("INSTRADA__STORE__PSEUDONYM_KEY", dir.join("pseudonym.key"))
        .output()
        .expect("instrada runs")
}

#[test]
fn rows_are_imported_once_mapped_and_pseudonymised_and_bad_rows_named_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("calls.csv");
    std::fs::write(
        &csv,
        "id,quando,canale,coda,cf,durata,operatore\n\
         c1,2026-11-23T09:15:00+01:00,phone,tributi,RSSMRA80A01H501U,214,17\n\
         c2,2026-11-23T09:16:00+01:00,email,anagrafe,,,\n\
         c3,ieri,phone,tributi,,90,\n\
         c4,2026-11-23T09:20:00+01:00,fax,tributi,,90,\n\
         c5,2026-11-23T09:21:00+01:00,phone,tributi,,-4,\n\
         c6,2026-11-23T09:22:00+01:00,chat,urp,VRDLGI75B02F205X,30,3\n",
    )
    .unwrap();
    let map = "id=event_id,quando=occurred_at,canale=channel,coda=queue,cf=citizen_id,durata=handle_seconds,operatore=attributes.operatore";
    let out = import(dir.path(), &[csv.to_str().unwrap(), "--map", map, "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "rejected rows make it fail: {stderr}"
    );
    assert!(stderr.contains("3 of 6 lines refused"), "{stderr}");
    let ack: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(ack["stored"], 3, "{ack}");
    assert_eq!(ack["rejected"], 3);
    let lines: Vec<u64> = ack["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [4, 5, 6], "{ack}");
    assert!(
        ack["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("occurred_at"),
        "{ack}"
    );
    assert!(
        ack["errors"][1]["reason"].as_str().unwrap().contains("fax"),
        "{ack}"
    );
    assert!(
        ack["errors"][2]["reason"]
            .as_str()
            .unwrap()
            .contains("handle_seconds"),
        "{ack}"
    );

    // Imported again: nothing counted twice.
    let out = import(dir.path(), &[csv.to_str().unwrap(), "--map", map]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("0 stored, 3 already there, 3 rejected"),
        "{text}"
    );
    assert!(
        text.contains("line 5: `channel`: unknown channel `fax`"),
        "{text}"
    );

    let conn = rusqlite::Connection::open(dir.path().join("instrada.db")).unwrap();
    let (n, attrs, citizen): (i64, String, String) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM events), attributes, citizen FROM events WHERE event_id = 'c1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(attrs, r#"{"operatore":"17"}"#);
    assert_eq!(citizen.len(), 64);
    assert_ne!(citizen, "RSSMRA80A01H501U");
}

#[test]
fn a_map_naming_no_column_or_no_field_is_refused_before_anything_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("e.csv");
    std::fs::write(&csv, "id,quando,canale\nc1,2026-11-23T09:15:00Z,phone\n").unwrap();
    let out = import(
        dir.path(),
        &[csv.to_str().unwrap(), "--map", "nope=event_id"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the file has no column `nope` (it has id, quando, canale)"),
        "{stderr}"
    );
    let out = import(
        dir.path(),
        &[csv.to_str().unwrap(), "--map", "id=identifier"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`identifier` is not an event field"),
        "{stderr}"
    );
    assert!(!dir.path().join("instrada.db").exists());
}

#[test]
fn a_stored_series_is_backtested_from_the_imported_events() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("events.csv");
    // Ten weeks of phone and e-mail contacts, busier on Mondays, none on Sundays.
    let mut text = String::from("event_id,occurred_at,channel,queue\n");
    let start = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let mut id = 0;
    for day in 0..70 {
        let date = start + chrono::Days::new(day);
        let n = match chrono::Datelike::weekday(&date) {
            chrono::Weekday::Mon => 12,
            chrono::Weekday::Sun => 0,
            _ => 6 + day as usize % 3,
        };
        for k in 0..n {
            id += 1;
            let channel = if k % 3 == 0 { "email" } else { "phone" };
            text.push_str(&format!(
                "ev{id},{date}T{:02}:10:00+02:00,{channel},tributi\n",
                8 + k % 9
            ));
        }
    }
    std::fs::write(&csv, text).unwrap();
    let out = import(dir.path(), &[csv.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let config = write_config(dir.path());
    let backtest = |series: &str| {
        Command::new(env!("CARGO_BIN_EXE_instrada"))
            .args(["backtest", "--series", series, "--interval", "1d"])
            .args([
                "--horizon",
                "7d",
                "--step",
                "7d",
                "--origins",
                "2",
                "--json",
            ])
            .arg("--config")
            .arg(&config)
            .env("INSTRADA__STORE__PATH", dir.path().join("instrada.db"))
            .output()
            .expect("instrada runs")
    };
    let out = backtest("channel:phone");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["baseline"]["model"], "snaive", "{report}");
    assert!(report["mase"].as_f64().unwrap().is_finite(), "{report}");
    assert_eq!(report["points"], 14, "two origins of seven days: {report}");
    let notes = report["data_notes"].to_string();
    assert!(notes.contains("series `channel:phone`: "), "{notes}");

    // The same series forecast, its points written for a spreadsheet, with its chart.
    let out_dir = dir.path().join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_instrada"))
        .args([
            "forecast",
            "--series",
            "channel:phone",
            "--horizon",
            "1w",
            "--json",
            "--out",
        ])
        .arg(&out_dir)
        .arg("--config")
        .arg(&config)
        .env("INSTRADA__STORE__PATH", dir.path().join("instrada.db"))
        .output()
        .expect("instrada runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let f: Value = serde_json::from_slice(&out.stdout).unwrap();
    let points = f["points"].as_array().unwrap();
    assert_eq!(points.len(), 7 * 48, "a week of half hours: {f}");
    assert!(
        points
            .iter()
            .all(|p| p["expected"].as_f64().unwrap() >= 0.0)
    );
    let csv = std::fs::read_to_string(out_dir.join("channel-phone.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 7 * 48);
    let svg = std::fs::read_to_string(out_dir.join("channel-phone.svg")).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("channel:phone"),
        "{svg:.200}"
    );
    let png = std::fs::read(out_dir.join("channel-phone.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n"), "{:?}", &png[..8]);

    // No service has refitted into this store: `--cached` says so rather than fitting.
    let out = Command::new(env!("CARGO_BIN_EXE_instrada"))
        .args(["forecast", "--series", "channel:phone", "--cached"])
        .arg("--config")
        .arg(&config)
        .env("INSTRADA__STORE__PATH", dir.path().join("instrada.db"))
        .output()
        .expect("instrada runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("holds no forecasts yet"), "{stderr}");

    let out = backtest("nope");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("no series `nope` (the series are total, queue:"),
        "{stderr}"
    );
}
