//! `POST /v1/events`: contact events stored once, bad ones rejected by position while the good
//! ones are kept, citizens stored only as pseudonyms.

use crate::helpers::*;
use serde_json::{Value, json};

fn event(id: &str) -> Value {
    json!({
        "event_id": id,
        "occurred_at": "2026-11-23T09:15:00+01:00",
        "channel": "phone",
        "queue": "tributi",
        "urgency": "normal",
        "handle_seconds": 214,
        "outcome": "resolved",
        "citizen_id": "RSSMRA80A01H501U"
    })
}

#[tokio::test]
async fn good_events_are_stored_once_and_bad_ones_rejected_by_index() {
    let mut app = spawn_app().await;
    let mut bad_channel = event("e4");
    bad_channel["channel"] = json!("fax");
    let mut future = event("e5");
    future["occurred_at"] = json!("2099-01-01T00:00:00Z");
    let mut negative = event("e6");
    negative["handle_seconds"] = json!(-3);
    let body = json!([event("e1"), event("e2"), event("e3"), bad_channel, future, negative, {"event_id": "e7"}]);
    let r = app.post("/v1/events", &body).await;
    assert_eq!(r.status(), 200);
    let ack: Value = r.json().await.unwrap();
    assert_eq!(ack["stored"], 3, "{ack}");
    assert_eq!(ack["duplicates"], 0);
    assert_eq!(ack["rejected"], 4);
    let errors = ack["errors"].as_array().unwrap();
    let at = |i: usize| {
        (
            errors[i]["index"].as_u64().unwrap(),
            errors[i]["reason"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(at(0).0, 3);
    assert!(at(0).1.contains("unknown channel `fax`"), "{ack}");
    assert_eq!(at(1).0, 4);
    assert!(at(1).1.contains("in the future"), "{ack}");
    assert_eq!(at(2).0, 5);
    assert!(at(2).1.contains("handle_seconds"), "{ack}");
    assert_eq!(at(3).0, 6);
    assert!(
        at(3).1.contains("occurred_at"),
        "a missing field is named: {ack}"
    );

    // A sender retrying the batch (and one more) counts nothing twice.
    let again = json!([event("e1"), event("e2"), event("e3"), event("e8")]);
    let ack: Value = app.post("/v1/events", &again).await.json().await.unwrap();
    assert_eq!(
        (ack["stored"].as_u64(), ack["duplicates"].as_u64()),
        (Some(1), Some(3)),
        "{ack}"
    );
    assert_eq!(app.state.store.counts().await.unwrap().events, 4);

    // The citizen is in the store only as a pseudonym.
    app.shutdown().await.unwrap();
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let citizens: Vec<String> = conn
        .prepare("SELECT DISTINCT citizen FROM events")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(citizens.len(), 1);
    assert_eq!(citizens[0].len(), 64);
    drop(conn);
    let bytes = std::fs::read(&app.db_path).unwrap();
    let raw = b"RSSMRA80A01H501U";
    assert!(
        !bytes.windows(raw.len()).any(|w| w == raw),
        "the identifier is nowhere in the file"
    );
}

#[tokio::test]
async fn ndjson_events_are_rejected_by_line() {
    let app = spawn_app().await;
    let body = format!("{}\n\n{{not json\n{}\r\n", event("n1"), event("n2"));
    let r = app
        .client
        .post(format!("{}/v1/events", app.address))
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let ack: Value = r.json().await.unwrap();
    assert_eq!(ack["stored"], 2, "{ack}");
    assert_eq!(ack["errors"][0]["line"], 3, "{ack}");
    assert!(
        ack["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("not JSON")
    );
}

#[tokio::test]
async fn a_body_that_is_not_a_list_of_events_is_refused_whole() {
    let app = spawn_app().await;
    assert_error(
        app.post("/v1/events", &json!([])).await,
        422,
        "invalid_request",
    )
    .await;
    assert_error(
        app.post("/v1/events", &event("x")).await,
        422,
        "invalid_request",
    )
    .await;
    let r = app
        .client
        .post(format!("{}/v1/events", app.address))
        .header("content-type", "text/plain")
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_error(r, 415, "unsupported_media_type").await;
    let r = app
        .client
        .post(format!("{}/v1/events", app.address))
        .header("content-type", "application/json")
        .body("[{")
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "malformed_json").await;
    assert_eq!(app.state.store.counts().await.unwrap().events, 0);
}
