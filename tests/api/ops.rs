//! `/healthz`, `/readyz`, `/metrics`, `/v1/models`, `/docs`.

use crate::helpers::*;
use instrada::api::models::ModelsResponse;
use serde_json::Value;

#[tokio::test]
async fn healthz_and_readyz_answer() {
    let mut app = spawn_app().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "ok");
    let r = app.get("/readyz").await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert!(
        body["models"]["topic"]
            .as_str()
            .unwrap()
            .starts_with("topic-fixture@")
    );
    // Once shutdown begins, readiness fails so that balancers stop sending traffic.
    app.state.begin_shutdown();
    let r = app.get("/readyz").await;
    assert_eq!(r.headers()["retry-after"], "1");
    assert_error(r, 503, "not_ready").await;
    app.shutdown().await.unwrap();
}

#[tokio::test]
async fn models_describes_both_models() {
    let app = spawn_app().await;
    let r = app.get("/v1/models").await;
    assert_eq!(r.status(), 200);
    let m: ModelsResponse = r.json().await.unwrap();
    assert_eq!(m.models.len(), 2);
    let (topic, urgency) = (&m.models[0], &m.models[1]);
    assert_eq!(topic.kind.as_str(), "topic");
    assert_eq!(topic.name, "topic-fixture");
    assert!(topic.version.starts_with("topic-fixture@"));
    assert_eq!(topic.labels.len(), 4);
    assert!(topic.labels.contains(&"tributi".to_string()));
    assert!((0.0..=1.0).contains(&topic.validation.accuracy));
    assert!((0.0..=1.0).contains(&topic.validation.macro_f1));
    assert_eq!(topic.training_rows, 34);
    assert_eq!(urgency.kind.as_str(), "urgency");
    assert_eq!(urgency.signals, ["gas_leak", "deadline_close"]);
}

#[tokio::test]
async fn metrics_count_requests_decisions_and_the_store() {
    let app = spawn_app().await;
    app.route("email", "Ho ricevuto l'avviso TARI da pagare")
        .await;
    app.route("chat", "asdf qwerty zxcv").await;
    let _ = app.get("/nope").await;
    let r = app.get("/metrics").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = r.text().await.unwrap();
    for needle in [
        "instrada_http_requests_total{endpoint=\"/v1/route\",method=\"POST\",status=\"200\"}",
        "instrada_http_requests_total{endpoint=\"unmatched\",method=\"GET\",status=\"404\"}",
        "instrada_http_request_duration_seconds_bucket{endpoint=\"/v1/route\",method=\"POST\",status=\"200\",le=\"0.001\"}",
        "instrada_decide_duration_seconds_bucket",
        "instrada_decisions_total{queue=\"tributi\"}",
        "instrada_decisions_total{queue=\"triage\"}",
        "instrada_decisions_human_review_total",
        "instrada_topic_confidence_bucket{le=\"0.5\"}",
        "instrada_urgency_confidence_bucket",
        "instrada_store_queue_depth",
        "instrada_store_committed_records",
        "instrada_store_lost_records 0",
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
}

#[tokio::test]
async fn docs_are_served_offline() {
    let app = spawn_app().await;
    let r = app.get("/docs/").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("swagger"), "{html}");
    assert!(
        !html.contains("unpkg.com") && !html.contains("cdn.jsdelivr"),
        "no CDN"
    );
    let r = app.get("/docs/swagger-ui.css").await;
    assert_eq!(r.status(), 200);
    // No call to the online validator either.
    let r = app.get("/docs/swagger-initializer.js").await;
    assert_eq!(r.status(), 200);
    let js = r.text().await.unwrap();
    assert!(js.contains(r#""validatorUrl": "none""#), "{js}");
}
