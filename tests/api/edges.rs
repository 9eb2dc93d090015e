//! The same operation through both edges: the API and the command line give the same answer and
//! the same refusal, with the same message, for the same input (issue: "the edges only
//! translate"). Outreach's operations are checked in `outreach.rs`, the forecast read in
//! `forecast.rs`, each beside its own fixtures.

use crate::helpers::*;
use serde_json::{Value, json};

/// A decision without what differs between two routings of the same request.
fn routed(mut d: Value) -> Value {
    let o = d.as_object_mut().expect("a decision");
    o.remove("decision_id");
    o.remove("timing_us");
    d
}

#[tokio::test]
async fn routing_answers_and_refuses_alike() {
    let app = spawn_app().await;
    let at = "2026-11-23T09:15:00Z";
    let good = json!({"id": "A-1", "channel": "email", "text": "Ho ricevuto l'avviso TARI da pagare", "received_at": at});
    let bad = [
        json!({"channel": "email", "text": " \u{200b} "}),
        json!({"channel": "fax", "text": "TARI"}),
        json!({"channel": "email", "text": "TARI", "language": "italiano"}),
        json!({"channel": "email", "text": 42}),
    ];
    let mut lines = vec![good.to_string()];
    lines.extend(bad.iter().map(Value::to_string));
    lines.push("{\"channel\": ".into());
    let cli = app.cli(&["route"], &(lines.join("\n") + "\n"));
    assert!(!cli.ok, "refused lines fail the command");

    let one: Value = app.post("/v1/route", &good).await.json().await.unwrap();
    let printed: Vec<&str> = cli.stdout.lines().collect();
    assert_eq!(printed.len(), 1, "{}", cli.stdout);
    let line: Value = serde_json::from_str(printed[0]).unwrap();
    assert_eq!(routed(line.clone()), routed(one));
    let batch: Value = app
        .post("/v1/route/batch", &json!({"requests": [good]}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(routed(batch["decisions"][0].clone()), routed(line));

    // Each refusal: the API's code and message, on the line's number.
    let refusals: Vec<&str> = cli
        .stderr
        .lines()
        .filter(|l| l.starts_with("line "))
        .collect();
    let mut sent: Vec<(u16, String)> = Vec::new();
    for body in &bad {
        let r = app.post("/v1/route", body).await;
        let status = r.status().as_u16();
        let error: Value = r.json().await.unwrap();
        sent.push((
            status,
            format!(
                "{}: {}",
                error["error"]["code"].as_str().unwrap(),
                error["error"]["message"].as_str().unwrap()
            ),
        ));
    }
    let r = app
        .client
        .post(format!("{}/v1/route", app.address))
        .header("content-type", "application/json")
        .body("{\"channel\": ")
        .send()
        .await
        .unwrap();
    let error: Value = r.json().await.unwrap();
    sent.push((
        400,
        format!(
            "{}: {}",
            error["error"]["code"].as_str().unwrap(),
            error["error"]["message"].as_str().unwrap()
        ),
    ));
    assert_eq!(refusals.len(), sent.len(), "{}", cli.stderr);
    for (i, ((_, api), line)) in sent.iter().zip(&refusals).enumerate() {
        assert_eq!(*line, format!("line {}: {api}", i + 2));
    }
    assert_eq!(
        sent.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        [422, 422, 422, 422, 400]
    );
}

#[tokio::test]
async fn feedback_is_recorded_and_refused_alike() {
    let app = spawn_app().await;
    let d = app
        .route("email", "Ho ricevuto l'avviso TARI da pagare")
        .await;
    let id = d.decision_id.to_string();
    let refusals = [
        (
            json!({"decision_id": id, "topic": "astrologia"}),
            vec!["feedback", &id, "--topic", "astrologia"],
        ),
        (
            json!({"decision_id": id, "queue": "nowhere"}),
            vec!["feedback", &id, "--queue", "nowhere"],
        ),
        (
            json!({"decision_id": id, "urgency": "urgentissimo"}),
            vec!["feedback", &id, "--urgency", "urgentissimo"],
        ),
        (json!({"decision_id": id}), vec!["feedback", &id]),
        (
            json!({"decision_id": "not-a-uuid", "topic": "tributi"}),
            vec!["feedback", "not-a-uuid", "--topic", "tributi"],
        ),
    ];
    for (body, args) in refusals {
        let message = assert_error(
            app.post("/v1/feedback", &body).await,
            422,
            "invalid_request",
        )
        .await;
        assert_eq!(app.cli(&args, "").refusal(), message, "{body}");
    }
    let unknown = uuid::Uuid::now_v7().to_string();
    let message = assert_error(
        app.post(
            "/v1/feedback",
            &json!({"decision_id": unknown, "topic": "tributi"}),
        )
        .await,
        404,
        "unknown_decision",
    )
    .await;
    assert_eq!(
        app.cli(&["feedback", &unknown, "--topic", "tributi"], "")
            .refusal(),
        message
    );

    let api: Value = app
        .post(
            "/v1/feedback",
            &json!({"decision_id": id, "topic": "tributi", "note": "chiamare il 333 1234567"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let cli = app.cli(
        &[
            "feedback",
            &id,
            "--topic",
            "tributi",
            "--note",
            "chiamare il 333 1234567",
        ],
        "",
    );
    assert_eq!(cli.json(), api);
    let stored = app.stored(d.decision_id).await;
    assert_eq!(stored.feedback.len(), 2, "one through each edge");
    for f in &stored.feedback {
        let note = f.note.as_deref().unwrap();
        assert!(
            note.contains("[PHONE]") && !note.contains("1234567"),
            "{note}"
        );
    }
}

#[tokio::test]
async fn events_are_checked_alike_from_ndjson_and_from_csv() {
    let app = spawn_app().await;
    let now = chrono::Utc::now().to_rfc3339();
    // The same five events, good and bad, as NDJSON and as CSV rows.
    let rows = [
        ("e1", now.as_str(), "phone", "60"),
        ("e2", now.as_str(), "fax", "60"),
        ("e3", "1999-12-31T23:00:00Z", "email", "60"),
        ("e4", now.as_str(), "web", "-5"),
    ];
    let ndjson: Vec<String> = rows
        .iter()
        .map(|(id, at, ch, h)| {
            json!({"event_id": id, "occurred_at": at, "channel": ch, "handle_seconds": h.parse::<f64>().unwrap()})
                .to_string()
        })
        .collect();
    let r = app
        .client
        .post(format!("{}/v1/events", app.address))
        .header("content-type", "application/x-ndjson")
        .body(ndjson.join("\n"))
        .send()
        .await
        .unwrap();
    let api: Value = r.json().await.unwrap();
    let csv_path = app.db_path.parent().unwrap().join("events.csv");
    let mut csv = String::from("event_id,occurred_at,channel,handle_seconds\n");
    for (id, at, ch, h) in rows {
        csv.push_str(&format!("{id},{at},{ch},{h}\n"));
    }
    std::fs::write(&csv_path, csv).unwrap();
    let cli = app.cli(
        &["import", "events", csv_path.to_str().unwrap(), "--json"],
        "",
    );
    assert!(!cli.ok, "rejected rows fail the command");
    let imported: Value = serde_json::from_str(&cli.stdout).unwrap();
    let reasons = |v: &Value| -> Vec<String> {
        v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["reason"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(reasons(&imported), reasons(&api));
    assert_eq!(reasons(&api).len(), 3, "{api}");
    assert_eq!(
        (api["stored"].as_u64(), imported["duplicates"].as_u64()),
        (Some(1), Some(1))
    );
}

#[tokio::test]
async fn staffing_answers_and_refuses_alike() {
    let app = spawn_app().await;
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "staffing",
            "--contacts",
            "100",
            "--aht",
            "180",
            "--shrinkage",
            "0.3",
            "--max-occupancy",
            "0.85",
            "--json",
        ];
        for (flag, default) in [
            ("--interval", "30m"),
            ("--target", "0.8"),
            ("--within", "20"),
        ] {
            if !extra.contains(&flag) {
                a.extend([flag, default]);
            }
        }
        a.extend_from_slice(extra);
        a
    };
    let body = |extra: Value| {
        let mut b = json!({"contacts": 100, "interval": "30m", "aht_seconds": 180, "target": 0.8,
            "within_seconds": 20, "shrinkage": 0.3, "max_occupancy": 0.85});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    for (extra_args, extra_body) in [
        (vec![], json!({})),
        (vec!["--patience", "180"], json!({"patience_seconds": 180})),
        (
            vec!["--channel", "email", "--within", "28800"],
            json!({"channel": "email", "within_seconds": 28800}),
        ),
    ] {
        let api: Value = app
            .post("/v1/staffing", &body(extra_body))
            .await
            .json()
            .await
            .unwrap();
        let cli = app.cli(&args(&extra_args), "");
        assert_eq!(cli.json(), api);
    }
    for (extra_args, extra_body) in [
        (vec!["--channel", "fax"], json!({"channel": "fax"})),
        (vec!["--interval", "0m"], json!({"interval": "0m"})),
        (vec!["--target", "1.5"], json!({"target": 1.5})),
    ] {
        let message = assert_error(
            app.post("/v1/staffing", &body(extra_body)).await,
            422,
            "invalid_request",
        )
        .await;
        assert_eq!(app.cli(&args(&extra_args), "").refusal(), message);
    }
}
