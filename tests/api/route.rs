//! `POST /v1/route` and `POST /v1/route/batch`.

use crate::helpers::*;
use instrada::api::route::BatchResponse;
use serde_json::json;

#[tokio::test]
async fn a_clear_request_is_routed_with_reasons() {
    let app = spawn_app().await;
    let d = app
        .route_json(&json!({
            "id": "TCK-1",
            "channel": "email",
            "subject": "Avviso TARI",
            "text": "Buongiorno, ho ricevuto un avviso di pagamento TARI con un importo sbagliato.",
            "received_at": "2026-11-23T09:00:00Z"
        }))
        .await;
    assert_eq!(d.topic.label, "tributi");
    assert!(d.topic.confidence > 0.6, "{d:?}");
    assert_eq!(d.topic.alternatives.len(), 3);
    assert!(!d.topic.alternatives.iter().any(|a| a.label == "tributi"));
    assert_eq!(d.queue, "tributi");
    assert_eq!(d.rule.as_deref(), Some("tributi"));
    assert_eq!(d.skills, ["tributi"]);
    assert_eq!(d.request_id.as_deref(), Some("TCK-1"));
    assert_eq!(d.language, "it");
    assert!(!d.needs_human_review && d.review_reason.is_none());
    assert!(!d.truncated);
    assert!(d.sla_due_at > chrono::DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z").unwrap());
    assert!(d.models.topic.starts_with("topic-fixture@"));
    assert!(d.models.urgency.starts_with("urgency-fixture@"));
    // The first reason quotes the words that weighed most; the policy's reasons follow.
    assert!(
        d.reasons[0].starts_with("Topic `tributi` (")
            && d.reasons[0].contains("weighed most were «"),
        "{:?}",
        d.reasons
    );
    assert!(d.reasons[1].starts_with("Urgency `"), "{:?}", d.reasons);
    assert!(
        d.reasons
            .iter()
            .any(|r| r.contains("Rule `tributi` matched"))
    );
    assert!(d.reasons.iter().any(|r| r.starts_with("SLA ")));
    assert!(d.timing_us > 0);
}

#[tokio::test]
async fn critical_urgency_goes_to_the_emergency_queue() {
    let app = spawn_app().await;
    let d = app
        .route(
            "phone",
            "pronto, c'è una fuga di gas nel palazzo in via Roma, si sente un forte odore",
        )
        .await;
    assert_eq!(d.urgency.level.as_str(), "critical");
    assert_eq!(d.urgency.signals[0].name, "gas_leak");
    assert_eq!(d.urgency.signals[0].description, "Smell or leak of gas");
    assert_eq!(d.queue, "pronto_intervento");
    assert_eq!(d.priority, 1);
    assert!(
        d.reasons
            .iter()
            .any(|r| r.contains("`gas_leak` (Smell or leak of gas)")),
        "{:?}",
        d.reasons
    );
    assert!(
        d.reasons
            .iter()
            .any(|r| r.contains("escalated to queue `pronto_intervento`"))
    );
}

#[tokio::test]
async fn an_unsure_topic_goes_to_triage_for_review() {
    let app = spawn_app().await;
    let d = app.route("chat", "asdf qwerty zxcv").await;
    assert!(d.topic.confidence < 0.6, "{d:?}");
    assert_eq!(d.queue, "triage");
    assert!(d.needs_human_review);
    let why = d.review_reason.expect("a review reason");
    assert!(why.contains("below the review threshold"), "{why}");
    assert!(d.rule.is_none());
}

#[tokio::test]
async fn attributes_language_and_truncation_are_honoured() {
    let app = spawn_app().await;
    let d = app
        .route_json(&json!({
            "channel": "web",
            "text": "Vorrei prenotare il ritiro ingombranti di un vecchio divano",
            "attributes": {"servizio": "ritiro_ingombranti"},
            "language": "EN"
        }))
        .await;
    assert_eq!(d.rule.as_deref(), Some("ritiro-ingombranti"));
    assert!(d.skills.contains(&"ingombranti".to_string()));
    assert_eq!(d.language, "en");
    assert!(
        d.reasons
            .iter()
            .any(|r| r.contains("as given by the caller"))
    );

    // 2,000 characters are classified (server.max_text_chars of the fixture); the rest is cut.
    let long = "Avviso TARI da pagare. ".repeat(200);
    let d = app.route("email", &long).await;
    assert!(d.truncated);
    assert!(
        d.reasons.iter().any(|r| r.contains("only the first 2000")),
        "{:?}",
        d.reasons
    );
}

#[tokio::test]
async fn a_batch_keeps_its_order() {
    let app = spawn_app().await;
    let texts = [
        ("1", "Devo rinnovare la carta d'identità scaduta"),
        ("2", "Ho ricevuto l'avviso TARI da pagare"),
        ("3", "Il lampione della strada è spento"),
        ("4", "Prenotare il ritiro ingombranti del divano"),
        ("5", "C'è una fuga di gas in cantina"),
    ];
    let requests: Vec<_> = texts
        .iter()
        .map(|(id, t)| json!({"id": id, "channel": "app", "text": t}))
        .collect();
    let r = app
        .post("/v1/route/batch", &json!({"requests": requests}))
        .await;
    assert_eq!(r.status(), 200);
    let b: BatchResponse = r.json().await.unwrap();
    let ids: Vec<_> = b
        .decisions
        .iter()
        .map(|d| d.request_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);
    let queues: Vec<_> = b.decisions.iter().map(|d| d.queue.as_str()).collect();
    assert_eq!(
        queues,
        [
            "servizi_demografici",
            "tributi",
            "tecnico_manutenzioni",
            "ambiente",
            "pronto_intervento"
        ]
    );
    let unique: std::collections::HashSet<_> = b.decisions.iter().map(|d| d.decision_id).collect();
    assert_eq!(
        unique.len(),
        b.decisions.len(),
        "every decision has its own id"
    );
}

#[tokio::test]
async fn every_decision_is_recorded_and_citizen_ids_never_are() {
    let app = spawn_app_with(store_raw).await;
    let citizen = "RSSMRA80A01H501U";
    let d = app
        .route_json(&json!({
            "channel": "email",
            "text": "Scrivo per l'avviso TARI, rispondete a mario.rossi@example.it",
            "citizen_id": citizen
        }))
        .await;
    let stored = app
        .state
        .store
        .get_decision(d.decision_id)
        .await
        .unwrap()
        .expect("the decision is in the store");
    let r = &stored.record;
    assert_eq!(r.queue, d.queue);
    assert_eq!(r.topic, d.topic.label);
    assert_eq!(r.text_sha256.len(), 64);
    assert!(
        r.text
            .as_deref()
            .unwrap()
            .contains("mario.rossi@example.it"),
        "raw mode keeps the text"
    );
    assert!(!r.decision_json.contains(citizen));
    assert!(!format!("{stored:?}").contains(citizen));
    let back: instrada::route::Decision = serde_json::from_str(&r.decision_json).unwrap();
    assert_eq!(back, d);
}

#[tokio::test]
async fn stored_text_follows_the_store_text_setting() {
    let text = "Avviso TARI: chiamatemi al 333 1234567 o scrivete a anna@example.it";
    let app = spawn_app().await;
    let d = app.route("email", text).await;
    let none = app.stored(d.decision_id).await;
    assert_eq!(none.record.text, None, "default: only the hash");
    // The caller is told which of its words weighed most; the audit trail, which keeps no text,
    // does not keep them either.
    assert!(d.reasons[0].contains('«'), "{:?}", d.reasons);
    let kept: instrada::route::Decision = serde_json::from_str(&none.record.decision_json).unwrap();
    assert!(kept.reasons[0].starts_with(&format!("Topic `{}`", d.topic.label)));
    assert!(
        !none.record.decision_json.contains('«'),
        "{}",
        none.record.decision_json
    );
    assert_eq!(kept.reasons[1..], d.reasons[1..]);

    let app = spawn_app_with(|s| s.store.text = instrada::config::StoredText::Redacted).await;
    let d = app.route("email", text).await;
    let red = app.stored(d.decision_id).await;
    let stored = red.record.text.unwrap();
    assert!(
        stored.contains("[EMAIL]") && stored.contains("[PHONE]"),
        "{stored}"
    );
    assert!(!stored.contains("anna@example.it"));
    assert_eq!(
        red.record.text_sha256, none.record.text_sha256,
        "the hash is of the text as sent"
    );
}
