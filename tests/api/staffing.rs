//! `POST /v1/staffing` and `instrada staffing`: the references end to end, a backlog
//! channel, and bad values refused by name.

use crate::helpers::*;
use serde_json::{Value, json};
use std::process::Command;

async fn staffing(app: &TestApp, body: Value) -> Value {
    let r = app.post("/v1/staffing", &body).await;
    let status = r.status();
    let text = r.text().await.expect("body");
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).expect("JSON")
}

/// `value` shown with `digits` decimals is `expected`.
fn to_digits(value: &Value, digits: i32, expected: f64) {
    let v = value
        .as_f64()
        .unwrap_or_else(|| panic!("{value} is a number"));
    let f = 10f64.powi(digits);
    assert_eq!((v * f).round() / f, expected, "{v} to {digits} digits");
}

#[tokio::test]
async fn erlang_c_reference() {
    let app = spawn_app().await;
    let r = staffing(
        &app,
        json!({"contacts": 100, "interval": "30m", "aht_seconds": 180, "target": 0.8,
               "within_seconds": 20, "shrinkage": 0.3}),
    )
    .await;
    assert_eq!(r["method"], "erlang_c");
    assert_eq!(r["agents"], 14);
    assert_eq!(r["fte"], 20);
    to_digits(&r["service_level"], 3, 0.888);
    to_digits(&r["wait_probability"], 3, 0.174);
    to_digits(&r["occupancy"], 3, 0.714);
    to_digits(&r["asa_seconds"], 2, 7.84);
    assert!(r.get("abandonment").is_none(), "{r}");
}

#[tokio::test]
async fn erlang_a_references() {
    let app = spawn_app().await;
    let r = staffing(
        &app,
        json!({"contacts": 100, "interval": 1800, "aht_seconds": 180, "target": 0.8,
               "within_seconds": 20, "patience_seconds": 180}),
    )
    .await;
    assert_eq!(r["method"], "erlang_a");
    assert_eq!(r["agents"], 12);
    to_digits(&r["service_level"], 3, 0.802);
    to_digits(&r["abandonment"], 3, 0.053);
    to_digits(&r["asa_seconds"], 1, 8.5);
    let r = staffing(
        &app,
        json!({"contacts": 5000, "interval": "30m", "aht_seconds": 300, "target": 0.8,
               "within_seconds": 20, "patience_seconds": 180, "channel": "phone"}),
    )
    .await;
    assert_eq!(r["agents"], 782, "{r}");
}

#[tokio::test]
async fn email_is_staffed_as_a_backlog() {
    let app = spawn_app().await;
    let r = staffing(
        &app,
        json!({"contacts": 200, "interval": "1d", "aht_seconds": 600, "target": 0.9,
               "within_seconds": 28800, "max_occupancy": 0.85, "shrinkage": 0.3,
               "channel": "email"}),
    )
    .await;
    assert_eq!(r["method"], "backlog");
    assert_eq!(
        (r["agents"].as_u64(), r["fte"].as_u64()),
        (Some(5), Some(8))
    );
    assert_eq!(r["service_level"], Value::Null);
}

#[tokio::test]
async fn bad_values_are_refused_by_name() {
    let app = spawn_app().await;
    let base = json!({"contacts": 100, "interval": "30m", "aht_seconds": 180, "target": 0.8,
                      "within_seconds": 20});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (field, value) in [
        ("aht_seconds", json!(0)),
        ("target", json!(1.2)),
        ("shrinkage", json!(1)),
        ("max_occupancy", json!(0)),
        ("patience_seconds", json!(-5)),
        ("contacts", json!(-1)),
        ("interval", json!("half an hour")),
        ("within_seconds", json!(-20)),
    ] {
        let r = app.post("/v1/staffing", &with(field, value)).await;
        let message = assert_error(r, 422, "invalid_request").await;
        assert!(
            message.contains(&format!("`{field}`")),
            "{field}: {message}"
        );
    }
    let r = app
        .post("/v1/staffing", &with("channel", json!("fax")))
        .await;
    let message = assert_error(r, 422, "invalid_request").await;
    assert!(message.contains("channel"), "{message}");
    let r = app
        .post("/v1/staffing", &with("contacts", json!(1e9)))
        .await;
    let message = assert_error(r, 422, "invalid_request").await;
    assert!(message.contains("100000 agents"), "{message}");
}

#[test]
fn the_command_line_answers_as_the_api() {
    let out = Command::new(env!("CARGO_BIN_EXE_instrada"))
        .args([
            "staffing",
            "--contacts",
            "100",
            "--interval",
            "30m",
            "--aht",
            "180",
            "--target",
            "0.8",
            "--within",
            "20",
            "--patience",
            "180",
            "--shrinkage",
            "0.3",
            "--json",
        ])
        .env_remove("RUST_LOG")
        .output()
        .expect("instrada runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_str(&stdout).expect("one JSON object");
    assert_eq!(r["agents"], 12);
    assert_eq!(r["fte"], 18);
    to_digits(&r["service_level"], 3, 0.802);
    to_digits(&r["abandonment"], 3, 0.053);
    to_digits(&r["asa_seconds"], 1, 8.5);
    to_digits(&r["occupancy"], 3, 0.789);

    let out = Command::new(env!("CARGO_BIN_EXE_instrada"))
        .args([
            "staffing",
            "--contacts",
            "100",
            "--aht",
            "180",
            "--target",
            "0.8",
            "--within",
            "20",
            "--shrinkage",
            "1",
        ])
        .output()
        .expect("instrada runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`shrinkage`"), "{stderr}");
}
