//! Hot reload: new models on disk are validated, warmed up and swapped in; bad ones are refused
//! while the old ones keep serving.

use crate::helpers::{bundle_copy, retrain_topic, spawn_app_with};
use instrada::api::reload::reload;
use serde_json::Value;

#[tokio::test]
async fn retrained_models_are_swapped_in_without_a_restart() {
    let bundle = bundle_copy();
    let dir = bundle.path().to_path_buf();
    let app = spawn_app_with(|s| s.models.dir = dir.clone()).await;
    let before = app
        .route("email", "Devo pagare la TARI, come faccio?")
        .await;

    retrain_topic(bundle.path());
    let now = reload(&app.state)
        .await
        .expect("the retrained bundle is valid");
    assert_ne!(now.topic, before.models.topic, "a new topic model version");
    assert_eq!(
        now.urgency, before.models.urgency,
        "the urgency model did not change"
    );

    let after = app
        .route("email", "Devo pagare la TARI, come faccio?")
        .await;
    assert_eq!(after.models.topic, now.topic);
    let models: Value = app.get("/v1/models").await.json().await.unwrap();
    assert!(models.to_string().contains(&now.topic), "{models}");
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
    let e = reload(&app.state)
        .await
        .expect_err("a truncated model is refused");
    assert!(e.to_string().contains("weights.safetensors"), "{e}");

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
    use instrada::api::reload::rollback;
    let bundle = bundle_copy();
    let dir = bundle.path().to_path_buf();
    let app = spawn_app_with(|s| s.models.dir = dir.clone()).await;
    let e = rollback(&app.state).expect_err("nothing to roll back to before any reload");
    assert!(e.to_string().contains("no previous models"), "{e}");

    let first = app
        .route("email", "Devo pagare la TARI, come faccio?")
        .await;
    retrain_topic(bundle.path());
    let second = reload(&app.state)
        .await
        .expect("the retrained bundle is valid");
    assert_ne!(second.topic, first.models.topic);
    // The disk no longer holds the first models: a rollback must come from memory.
    std::fs::remove_dir_all(bundle.path()).unwrap();

    let back = rollback(&app.state).expect("the first models are kept");
    assert_eq!(back.topic, first.models.topic);
    let after = app
        .route("email", "Devo pagare la TARI, come faccio?")
        .await;
    assert_eq!(after.models.topic, first.models.topic);
    assert_eq!(
        after.topic, first.topic,
        "the same model gives the same answer"
    );

    let forward = rollback(&app.state).expect("a second rollback undoes the first");
    assert_eq!(forward.topic, second.topic);
    let after = app
        .route("email", "Devo pagare la TARI, come faccio?")
        .await;
    assert_eq!(after.models.topic, second.topic);

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
