//! The committed `api/openapi.json` must be what the code generates.

use crate::helpers::*;
use serde_json::Value;
use std::path::Path;

#[test]
fn openapi_json_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("api/openapi.json");
    let generated = instrada::api::openapi::pretty_json();
    if std::env::var_os("INSTRADA_UPDATE_OPENAPI").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "api/openapi.json differs from the API in the code. If the change is intended, regenerate \
         it with\n\n    INSTRADA_UPDATE_OPENAPI=1 cargo test --test api openapi\n\nand commit it."
    );
}

#[tokio::test]
async fn the_served_openapi_lists_every_endpoint() {
    let app = spawn_app().await;
    let r = app.get("/openapi.json").await;
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/v1/route",
        "/v1/route/batch",
        "/v1/feedback",
        "/v1/models",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(paths.contains_key(p), "{p} missing");
    }
    for s in [
        "RouteRequest",
        "Decision",
        "ErrorBody",
        "FeedbackRequest",
        "Channel",
        "UrgencyLevel",
    ] {
        assert!(
            doc["components"]["schemas"].get(s).is_some(),
            "schema {s} missing"
        );
    }
    // The committed document with what this service decides: its batch limit, its labels...
    let mut expected = instrada::api::openapi::document();
    let missed = instrada::api::contract::constrain_live(&mut expected, &app.state);
    assert_eq!(missed, Vec::<String>::new());
    assert_eq!(doc, expected);
    assert_eq!(
        doc["components"]["schemas"]["BatchRequest"]["properties"]["requests"]["maxItems"],
        app.state.settings.server.max_batch
    );
    let topics =
        &doc["components"]["schemas"]["FeedbackRequest"]["properties"]["topic"]["anyOf"][0]["enum"];
    assert_eq!(
        topics,
        &serde_json::json!(app.state.router().bundle().topic.manifest().labels),
        "a feedback's topic is one of the serving model's labels"
    );
}
