//! `POST /v1/feedback`, and the loop it closes: route → correct → export → retrain.

use crate::helpers::*;
use instrada::api::feedback::FeedbackAck;
use instrada::classify::dataset::{DataSpec, load};
use instrada::classify::train::{TrainParams, Validation};
use serde_json::json;

#[tokio::test]
async fn feedback_is_acknowledged_with_201() {
    let app = spawn_app().await;
    let d = app
        .route("email", "Ho ricevuto l'avviso TARI da pagare")
        .await;
    let r = app
        .post(
            "/v1/feedback",
            &json!({"decision_id": d.decision_id, "topic": "anagrafe_stato_civile",
                    "urgency": "high", "queue": "servizi_demografici", "note": "chiamare 333 1234567"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let ack: FeedbackAck = r.json().await.unwrap();
    assert_eq!(
        (ack.decision_id, ack.status.as_str()),
        (d.decision_id, "recorded")
    );
    let stored = app.stored(d.decision_id).await;
    let fb = &stored.feedback[0];
    assert_eq!(fb.topic.as_deref(), Some("anagrafe_stato_civile"));
    assert_eq!(fb.urgency.as_deref(), Some("high"));
    assert_eq!(
        fb.note.as_deref(),
        Some("chiamare [PHONE]"),
        "notes are redacted"
    );
    // A note alone is feedback too.
    let r = app
        .post(
            "/v1/feedback",
            &json!({"decision_id": d.decision_id, "note": "il cittadino ha richiamato"}),
        )
        .await;
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn feedback_that_corrects_nothing_is_422_naming_the_fields() {
    let app = spawn_app().await;
    let d = app.route("email", "avviso TARI").await;
    for body in [
        json!({"decision_id": d.decision_id}),
        json!({"decision_id": d.decision_id, "topic": " ", "note": ""}),
    ] {
        let msg = assert_error(
            app.post("/v1/feedback", &body).await,
            422,
            "invalid_request",
        )
        .await;
        assert!(
            msg.contains("at least one of `topic`, `urgency`, `queue` and `note`"),
            "{msg}"
        );
    }
    let stored = app.stored(d.decision_id).await;
    assert!(stored.feedback.is_empty());
}

#[tokio::test]
async fn feedback_on_an_unknown_decision_is_404() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/v1/feedback",
            &json!({"decision_id": uuid::Uuid::now_v7(), "topic": "tributi"}),
        )
        .await;
    assert_error(r, 404, "unknown_decision").await;
}

#[tokio::test]
async fn feedback_must_name_known_labels_and_queues() {
    let app = spawn_app().await;
    let d = app.route("email", "avviso TARI").await;
    let id = d.decision_id;
    for body in [
        json!({"decision_id": id, "topic": "astrologia"}),
        json!({"decision_id": id, "queue": "nowhere"}),
        json!({"decision_id": id, "urgency": "urgentissimo"}),
        json!({"decision_id": "not-a-uuid"}),
        json!({"decision_id": id, "note": "x".repeat(2001)}),
    ] {
        assert_error(
            app.post("/v1/feedback", &body).await,
            422,
            "invalid_request",
        )
        .await;
    }
}

#[tokio::test]
async fn route_feedback_export_and_retrain_round_trip() {
    let mut app = spawn_app_with(store_raw).await;
    let cases = [
        (
            "Ho ricevuto un avviso TARI con un importo sbagliato",
            "tributi",
        ),
        ("Vorrei rateizzare l'IMU arretrata", "tributi"),
        ("Come pago la TARI con F24?", "tributi"),
        (
            "Mi serve il certificato di residenza",
            "anagrafe_stato_civile",
        ),
        ("Rinnovo carta d'identità scaduta", "anagrafe_stato_civile"),
        (
            "Cambio di residenza dopo il trasloco",
            "anagrafe_stato_civile",
        ),
        (
            "Il lampione in via Manzoni è spento",
            "strade_illuminazione",
        ),
        (
            "Una buca profonda sulla strada provinciale",
            "strade_illuminazione",
        ),
        ("Cassonetti pieni da una settimana", "rifiuti_igiene_urbana"),
        ("Ritiro ingombranti di un armadio", "rifiuti_igiene_urbana"),
    ];
    for (text, topic) in cases {
        let d = app.route("web", text).await;
        let r = app
            .post(
                "/v1/feedback",
                &json!({"decision_id": d.decision_id, "topic": topic}),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    // One more decision without feedback: not exported.
    app.route("web", "Orari della biblioteca").await;
    app.shutdown().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("feedback.csv");
    let summary = instrada::store::export_feedback(&app.db_path, &out).unwrap();
    assert_eq!(summary.exported, cases.len() as u64);

    let mut spec = DataSpec::new(&out);
    spec.label_col = Some("topic".into());
    let data = load(&spec).unwrap();
    assert_eq!(data.examples.len(), cases.len());
    let trained = TrainParams::default()
        .validation(Validation::KFold(2))
        .check()
        .unwrap()
        .fit(&data.examples, &|_, _, _| {})
        .unwrap();
    assert_eq!(trained.model.labels.len(), 4);
}
