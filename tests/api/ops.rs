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
    // The figures are the manifest's, field for field.
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(models_dir().join("topic/manifest.json")).unwrap(),
    )
    .unwrap();
    let report = &manifest["validation"]["report"];
    assert_eq!(
        topic.validation.accuracy,
        report["accuracy"].as_f64().unwrap()
    );
    assert_eq!(
        topic.validation.macro_f1,
        report["macro_f1"].as_f64().unwrap()
    );
    assert_eq!(
        topic.validation.macro_recall,
        report["macro_recall"].as_f64().unwrap()
    );
    assert_eq!(
        topic.validation.argmax_accuracy,
        manifest["validation"]["argmax_accuracy"].as_f64().unwrap()
    );
    assert_ne!(
        topic.validation.accuracy, topic.validation.macro_f1,
        "the fixture tells the two apart"
    );
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

/// The value of the sample `series` (name and labels, as rendered) in the exposition `text`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn each_service_counts_only_its_own_traffic() {
    let busy = spawn_app().await;
    for _ in 0..3 {
        busy.route("email", "Ho ricevuto l'avviso TARI da pagare")
            .await;
    }
    let quiet = spawn_app().await;
    quiet
        .route("email", "Ho ricevuto l'avviso TARI da pagare")
        .await;
    let text = quiet.get("/metrics").await.text().await.unwrap();
    let route_200 =
        "instrada_http_requests_total{endpoint=\"/v1/route\",method=\"POST\",status=\"200\"}";
    assert_eq!(sample(&text, route_200), Some(1.0), "{text}");
    assert_eq!(
        sample(&text, "instrada_decisions_total{queue=\"tributi\"}"),
        Some(1.0),
        "{text}"
    );
    let text = busy.get("/metrics").await.text().await.unwrap();
    assert_eq!(sample(&text, route_200), Some(3.0), "{text}");
}

#[tokio::test]
async fn requests_are_labelled_by_the_route_that_matched() {
    let app = spawn_app().await;
    assert_eq!(app.get("/v1/models").await.status(), 200);
    assert_eq!(app.get("/v1/route").await.status(), 405);
    assert_eq!(app.get("/docs/swagger-ui.css").await.status(), 200);
    assert_eq!(app.get("/wp-admin").await.status(), 404);
    assert_eq!(app.get("/v1/models/../../etc/passwd").await.status(), 404);
    let text = app.get("/metrics").await.text().await.unwrap();
    let count = |endpoint: &str, method: &str, status: u16| {
        sample(
            &text,
            &format!(
                "instrada_http_requests_total{{endpoint=\"{endpoint}\",method=\"{method}\",status=\"{status}\"}}"
            ),
        )
    };
    assert_eq!(count("/v1/models", "GET", 200), Some(1.0), "{text}");
    assert_eq!(count("/v1/route", "GET", 405), Some(1.0), "{text}");
    assert_eq!(count("unmatched", "GET", 404), Some(2.0), "{text}");
    let docs = text
        .lines()
        .filter(|l| l.starts_with("instrada_http_requests_total{endpoint=\"/docs"))
        .count();
    assert_eq!(docs, 1, "the docs' files share one label: {text}");
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
