//! Every error code, with its exact status and the common body shape.

use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(format!("{}/v1/route", app.address))
        .header("content-type", "application/json")
        .body("{\"channel\": \"email\", \"text\": ")
        .send()
        .await
        .unwrap();
    let msg = assert_error(r, 400, "malformed_json").await;
    assert_eq!(
        msg,
        "the body is not valid JSON: EOF while parsing a value at line 1 column 29"
    );
}

#[tokio::test]
async fn a_body_with_a_byte_order_mark_is_accepted() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(format!("{}/v1/route", app.address))
        .header("content-type", "application/json; charset=utf-8")
        .body("\u{feff}{\"channel\": \"email\", \"text\": \"avviso TARI\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn wrong_shapes_are_invalid_request_422_naming_the_field() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"channel": "email"}),
            "`text` is missing: it is required",
        ),
        (json!({"text": "avviso TARI"}), "`channel` is missing"),
        (
            json!({"channel": "email", "text": 42}),
            "`text`: expected a string, got a number",
        ),
        (
            json!({"channel": "email", "text": "avviso TARI", "received_at": "yesterday"}),
            "`received_at`: not an RFC 3339 date-time such as 2026-12-01T09:30:00+01:00",
        ),
        (
            json!({"channel": "email", "text": "avviso TARI", "colour": "blue"}),
            "`colour`: unknown field (allowed: id, channel, text, subject, language, citizen_id, \
             received_at, attributes)",
        ),
        (
            json!({"channel": "email", "text": "avviso TARI", "language": "italiano"}),
            "language",
        ),
        (
            json!({"channel": "email", "text": "avviso TARI", "id": "x".repeat(200)}),
            "id must be at most 128",
        ),
        (
            json!([1, 2, 3]),
            "the body must be a JSON object with `channel` and `text`, not an array",
        ),
    ];
    for (body, needle) in cases {
        let msg = assert_error(app.post("/v1/route", &body).await, 422, "invalid_request").await;
        assert!(
            msg.contains(needle),
            "{body}: expected «{needle}» in «{msg}»"
        );
        for internal in [
            "deserialize",
            "target type",
            "invalid length",
            "invalid characters",
        ] {
            assert!(
                !msg.contains(internal),
                "{body}: library wording in «{msg}»"
            );
        }
    }
    let batch = json!({"requests": [
        {"channel": "email", "text": "a"},
        {"channel": "email", "text": "b", "received_at": "2026-13-01"}
    ]});
    let msg = assert_error(
        app.post("/v1/route/batch", &batch).await,
        422,
        "invalid_request",
    )
    .await;
    assert!(
        msg.starts_with("`requests[1].received_at`: not an RFC 3339 date-time"),
        "{msg}"
    );
}

#[tokio::test]
async fn blank_text_is_empty_text_422() {
    let app = spawn_app().await;
    for text in ["", "   \n\t "] {
        let r = app
            .post("/v1/route", &json!({"channel": "email", "text": text}))
            .await;
        assert_error(r, 422, "empty_text").await;
    }
}

#[tokio::test]
async fn an_unknown_channel_is_422() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/v1/route",
            &json!({"channel": "fax", "text": "avviso TARI"}),
        )
        .await;
    let msg = assert_error(r, 422, "unknown_channel").await;
    assert!(msg.contains("fax") && msg.contains("pec"), "{msg}");
    // Any case is accepted for a known channel.
    app.route("PEC", "avviso TARI").await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = spawn_app().await;
    // The fixture's server.max_body_bytes is 8192.
    let r = app
        .post(
            "/v1/route",
            &json!({"channel": "email", "text": "a".repeat(10_000)}),
        )
        .await;
    let msg = assert_error(r, 413, "body_too_large").await;
    assert!(msg.contains("8192"), "{msg}");
}

#[tokio::test]
async fn batches_must_have_one_to_max_batch_requests() {
    let app = spawn_app().await;
    let one = json!({"channel": "email", "text": "avviso TARI"});
    let r = app.post("/v1/route/batch", &json!({"requests": []})).await;
    assert_error(r, 422, "empty_batch").await;
    let six: Vec<_> = (0..6).map(|_| one.clone()).collect();
    let r = app.post("/v1/route/batch", &json!({"requests": six})).await;
    let msg = assert_error(r, 422, "batch_too_large").await;
    assert!(msg.contains('6') && msg.contains('5'), "{msg}");
    let bad = json!({"requests": [one, {"channel": "email", "text": " "}]});
    let msg = assert_error(app.post("/v1/route/batch", &bad).await, 422, "empty_text").await;
    assert!(msg.contains("requests[1].text"), "{msg}");
    let bad = json!({"requests": [one, {"channel": "telex", "text": "x"}]});
    let msg = assert_error(
        app.post("/v1/route/batch", &bad).await,
        422,
        "unknown_channel",
    )
    .await;
    assert!(msg.contains("requests[1].channel"), "{msg}");
    // Nothing of a refused batch is recorded.
    assert_eq!(app.state.store.counts().await.unwrap().decisions, 0);
}

#[tokio::test]
async fn unknown_paths_and_methods_are_404_and_405() {
    let app = spawn_app().await;
    assert_error(app.get("/v2/route").await, 404, "not_found").await;
    assert_error(app.get("/v1/route").await, 405, "method_not_allowed").await;
    let r = app
        .client
        .delete(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_error(r, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn a_body_not_declared_as_json_is_415() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(format!("{}/v1/route", app.address))
        .header("content-type", "text/plain")
        .body(r#"{"channel": "email", "text": "avviso TARI"}"#)
        .send()
        .await
        .unwrap();
    assert_error(r, 415, "unsupported_media_type").await;
}

#[tokio::test]
async fn past_the_concurrency_limit_it_is_503_overloaded_at_once() {
    let app = spawn_app().await;
    // Hold every permit, as 64 slow requests in flight would.
    let _held = app
        .state
        .limiter
        .clone()
        .acquire_many_owned(64)
        .await
        .unwrap();
    let r = app
        .post(
            "/v1/route",
            &json!({"channel": "email", "text": "avviso TARI"}),
        )
        .await;
    assert_eq!(r.headers()["retry-after"], "1");
    assert_error(r, 503, "overloaded").await;
    // Probes are not behind the limit.
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
    drop(_held);
    app.route("email", "avviso TARI").await;
}

#[tokio::test]
async fn a_store_that_cannot_write_is_503_store_unavailable() {
    let app = spawn_app().await;
    app.state.store.close().await.unwrap();
    let r = app
        .post(
            "/v1/route",
            &json!({"channel": "email", "text": "avviso TARI"}),
        )
        .await;
    assert!(r.headers().contains_key("retry-after"));
    assert_error(r, 503, "store_unavailable").await;
    let r = app
        .post(
            "/v1/feedback",
            &json!({"decision_id": uuid::Uuid::now_v7(), "topic": "tributi"}),
        )
        .await;
    assert_error(r, 503, "store_unavailable").await;
    assert_error(app.get("/readyz").await, 503, "store_unavailable").await;
}
