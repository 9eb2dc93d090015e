//! Hot reload over HTTP (`POST /v1/models/reload`, `POST /v1/models/rollback`; SIGHUP and
//! SIGUSR1 call the same operations, see `process.rs`): new models on disk are validated, warmed
//! up and swapped in; bad ones are refused while the old ones keep serving; requests in flight
//! never fail.

use crate::helpers::{TestApp, bundle_copy, retrain_topic, spawn_app_with};
use serde_json::{Value, json};

/// `POST /v1/models/reload`: the versions serving, or the error's code and message.
async fn reload(app: &TestApp) -> Result<Value, (String, String)> {
    answer(app.post("/v1/models/reload", &json!({})).await).await
}

/// `POST /v1/models/rollback`.
async fn rollback(app: &TestApp) -> Result<Value, (String, String)> {
    answer(app.post("/v1/models/rollback", &json!({})).await).await
}

async fn answer(r: reqwest::Response) -> Result<Value, (String, String)> {
    let ok = r.status() == 200;
    let body: Value = r.json().await.unwrap();
    if ok {
        Ok(body)
    } else {
        let e = &body["error"];
        Err((
            e["code"].as_str().unwrap().into(),
            e["message"].as_str().unwrap().into(),
        ))
    }
}

#[tokio::test]
async fn retrained_models_are_swapped_in_without_a_restart() {
    let bundle = bundle_copy();
    let dir = bundle.path().to_path_buf();
    let app = spawn_app_with(|s| s.models.dir = dir.clone()).await;
    let before = app
        .route("email", "Devo pagare la TARI, come faccio?")
        .await;

    retrain_topic(bundle.path());
    let now = reload(&app).await.expect("the retrained bundle is valid");
    assert_ne!(
        now["topic"],
        before.models.topic.as_str(),
        "a new topic model version"
    );
    assert_eq!(
        now["urgency"],
        before.models.urgency.as_str(),
        "the urgency model did not change"
    );

    let after = app
        .route("email", "Devo pagare la TARI, come faccio?")
        .await;
    assert_eq!(now["topic"], after.models.topic.as_str());
    let models: Value = app.get("/v1/models").await.json().await.unwrap();
    assert!(
        models.to_string().contains(now["topic"].as_str().unwrap()),
        "{models}"
    );
}

#[tokio::test]
async fn a_damaged_bundle_is_refused_and_the_old_models_keep_serving() {
    let bundle = bundle_copy();
    let dir = bundle.path().to_path_buf();
    let app = spawn_app_with(|s| s.models.dir = dir.clone()).await;
    let before = app
        .route("email", "Devo pagare la TARI, come faccio?")
        .await;

    let weights = bundle.path().join("topic/weights.safetensors");
    let bytes = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &bytes[..bytes.len() / 2]).unwrap();
    let (code, message) = reload(&app)
        .await
        .expect_err("a truncated model is refused");
    assert_eq!(code, "models_refused");
    assert!(message.contains("weights.safetensors"), "{message}");

    let after = app
        .route("email", "Devo pagare la TARI, come faccio?")
        .await;
    assert_eq!(
        after.models.topic, before.models.topic,
        "the old model still serves"
    );
    assert_eq!(after.topic.label, before.topic.label);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("instrada_model_reloads_total{outcome=\"failed\"}"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_rollback_serves_the_previous_models_again_without_reading_the_disk() {
    let bundle = bundle_copy();
    let dir = bundle.path().to_path_buf();
    let app = spawn_app_with(|s| s.models.dir = dir.clone()).await;
    let (code, message) = rollback(&app)
        .await
        .expect_err("nothing to roll back to before any reload");
    assert_eq!(code, "nothing_to_roll_back");
    assert!(message.contains("no previous models"), "{message}");

    let first = app
        .route("email", "Devo pagare la TARI, come faccio?")
        .await;
    retrain_topic(bundle.path());
    let second = reload(&app).await.expect("the retrained bundle is valid");
    assert_ne!(second["topic"], first.models.topic.as_str());
    // The disk no longer holds the first models: a rollback must come from memory.
    std::fs::remove_dir_all(bundle.path()).unwrap();

    let back = rollback(&app).await.expect("the first models are kept");
    assert_eq!(back["topic"], first.models.topic.as_str());
    let after = app
        .route("email", "Devo pagare la TARI, come faccio?")
        .await;
    assert_eq!(after.models.topic, first.models.topic);
    assert_eq!(
        after.topic, first.topic,
        "the same model gives the same answer"
    );

    let forward = rollback(&app)
        .await
        .expect("a second rollback undoes the first");
    assert_eq!(forward["topic"], second["topic"]);
    let after = app
        .route("email", "Devo pagare la TARI, come faccio?")
        .await;
    assert_eq!(second["topic"], after.models.topic.as_str());

    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("instrada_model_rollbacks_total{outcome=\"ok\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("instrada_model_rollbacks_total{outcome=\"failed\"} 1"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reloads_and_rollbacks_under_load_fail_no_request() {
    let bundle = bundle_copy();
    let dir = bundle.path().to_path_buf();
    let app = spawn_app_with(|s| s.models.dir = dir.clone()).await;
    retrain_topic(bundle.path());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Four clients route without pause while the models are swapped back and forth.
    let clients: Vec<_> = (0..4)
        .map(|i| {
            let (client, url, stop) = (
                app.client.clone(),
                format!("{}/v1/route", app.address),
                stop.clone(),
            );
            tokio::spawn(async move {
                let (mut ok, mut failed, mut versions) =
                    (0u32, Vec::new(), std::collections::BTreeSet::new());
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let body =
                        json!({"channel": "email", "text": format!("Devo pagare la TARI {i}")});
                    match client.post(&url).json(&body).send().await {
                        Ok(r) if r.status() == 200 => {
                            let d: Value = r.json().await.unwrap();
                            versions.insert(d["models"]["topic"].as_str().unwrap().to_string());
                            ok += 1;
                        }
                        Ok(r) => failed.push(r.status().as_u16()),
                        Err(e) => failed.push(if e.is_timeout() { 0 } else { 1 }),
                    }
                }
                (ok, failed, versions)
            })
        })
        .collect();
    let mut swaps = 0;
    for round in 0..10 {
        if round % 2 == 0 {
            reload(&app).await.expect("a valid bundle reloads");
        } else {
            rollback(&app).await.expect("the previous models come back");
        }
        swaps += 1;
        // Let the clients route on these models before the next swap.
        let served = app.route("email", "Devo pagare la TARI").await;
        assert!(!served.models.topic.is_empty());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut total = 0;
    let mut seen = std::collections::BTreeSet::new();
    for c in clients {
        let (ok, failed, versions) = c.await.unwrap();
        assert!(failed.is_empty(), "failed requests: {failed:?}");
        total += ok;
        seen.extend(versions);
    }
    assert_eq!(swaps, 10);
    assert!(total > 0, "the clients routed");
    assert!(
        seen.len() >= 2,
        "both versions served while swapping: {seen:?}"
    );
}

/// The topic model version `app` routes with now.
async fn topic_version(app: &TestApp) -> String {
    app.route("email", "Devo pagare la TARI, come faccio?")
        .await
        .models
        .topic
}

/// Waits (up to 20 s) until `app` routes with topic model `version`.
async fn until_topic(app: &TestApp, version: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let now = topic_version(app).await;
        if now == version {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still serving {now}, not {version}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reload_and_a_rollback_asked_of_one_instance_reach_another_on_the_same_database() {
    // Two instances on one database and one models directory, as replicas behind a load
    // balancer (here SQLite in one process; tests/api/replicas.rs does it with two processes on
    // PostgreSQL). Only B follows the recorded changes; A is the one asked.
    let bundle = bundle_copy();
    let db = tempfile::tempdir().unwrap();
    let shared = |s: &mut instrada::config::Settings| {
        s.models.dir = bundle.path().to_path_buf();
        s.store.path = db.path().join("shared.db");
    };
    let a = spawn_app_with(shared).await;
    let b = spawn_app_with(shared).await;
    let follower = tokio::spawn(instrada::jobs::follow::follow_models(
        b.state.service.clone(),
        b.state.registry.clone(),
        std::time::Duration::from_millis(50),
    ));
    let first = topic_version(&b).await;

    retrain_topic(bundle.path());
    let now = reload(&a).await.expect("the retrained bundle is valid");
    let second = now["topic"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    until_topic(&b, &second).await;

    let back = rollback(&a).await.expect("there is a previous version");
    assert_eq!(back["topic"], first.as_str());
    until_topic(&b, &first).await;

    // Who did what, on record.
    let changes = a.state.service.store.model_changes(10).await.unwrap();
    let actions: Vec<_> = changes
        .iter()
        .map(|c| (c.action.as_str(), c.topic.as_str()))
        .collect();
    assert_eq!(
        actions,
        [("rollback", first.as_str()), ("reload", second.as_str())]
    );
    follower.abort();
}
