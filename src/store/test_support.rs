//! Builders for the store's unit tests.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Waker};

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use super::{DecisionRecord, FeedbackRecord};

/// A fixed instant plus `seconds`, so expected CSV rows can be written out literally.
pub(super) fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_740_816_000 + seconds, 123_456_789)
        .single()
        .unwrap_or_default()
}

/// A plausible decision; `i` varies the id, the time and the text.
pub(super) fn sample_record(i: u64) -> DecisionRecord {
    DecisionRecord {
        decision_id: Uuid::now_v7(),
        created_at: at(i as i64),
        request_id: Some(format!("req-{i}")),
        channel: "email".into(),
        language: "it".into(),
        text_sha256: format!("{i:064x}"),
        text: Some(format!(
            "Buongiorno, richiesta numero {i}, \"urgente\", grazie"
        )),
        topic: "anagrafe".into(),
        topic_confidence: 0.875,
        urgency: "normal".into(),
        urgency_confidence: 0.5,
        urgency_signals: vec!["scadenza".into(), "oggi".into()],
        queue: "front-office".into(),
        priority: 3,
        needs_human_review: i.is_multiple_of(2),
        review_reason: i.is_multiple_of(2).then(|| "low confidence".to_string()),
        topic_model: "topic-linear@2025.03".into(),
        urgency_model: "urgency-lexicon@1".into(),
        timing_us: 180 + i,
        decision_json: format!("{{\"i\":{i}}}"),
    }
}

/// A record whose JSON says what its columns say, as the router writes them.
pub(super) fn consistent(i: u64) -> DecisionRecord {
    let mut rec = sample_record(i);
    rec.decision_json = serde_json::json!({
        "decision_id": rec.decision_id.hyphenated().to_string(),
        "request_id": rec.request_id,
        "topic": {"label": rec.topic, "confidence": 0.875,
            "alternatives": [{"label": "tributi", "probability": 0.000015375204}]},
        "urgency": {"level": rec.urgency, "confidence": 0.5, "signals": []},
        "language": rec.language,
        "queue": rec.queue,
        "priority": rec.priority,
        "skills": ["anagrafe"],
        "sla_due_at": "2025-03-03T08:00:00Z",
        "needs_human_review": rec.needs_human_review,
        "review_reason": rec.review_reason,
        "reasons": ["Topic `anagrafe` (0.88)", "Priority 3"],
        "models": {"topic": rec.topic_model, "urgency": rec.urgency_model},
        "timing_us": rec.timing_us,
        "truncated": false,
    })
    .to_string();
    if rec.review_reason.is_none() {
        rec.decision_json = rec.decision_json.replace(",\"review_reason\":null", "");
    }
    rec
}

pub(super) fn sample_feedback(
    decision_id: Uuid,
    topic: Option<&str>,
    urgency: Option<&str>,
) -> FeedbackRecord {
    FeedbackRecord {
        decision_id,
        topic: topic.map(str::to_string),
        urgency: urgency.map(str::to_string),
        queue: None,
        note: Some("checked by the front office".into()),
        received_at: at(3_600),
        recorded_by: Some("test".into()),
    }
}

/// A store in a fresh temporary directory (kept alive by the returned guard).
pub(super) fn open_temp() -> (tempfile::TempDir, super::Store) {
    let dir = tempfile::tempdir().unwrap();
    let store =
        super::Store::open(&super::StoreConfig::new(dir.path().join("audit.sqlite3"))).unwrap();
    (dir, store)
}

/// Polls `fut` once and says whether it is still pending. Polled without tokio's cooperative
/// budget, a send into a queue with room completes in that one poll, so afterwards the command is
/// queued (or the future is parked waiting for room): no sleeping until it probably happened.
pub(super) fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>) -> bool {
    let mut cx = Context::from_waker(Waker::noop());
    fut.poll(&mut cx).is_pending()
}

/// One test body run on both databases: `on_both! { async fn name(at) { … } }` makes a module
/// `name` with a test `sqlite` (a file in a temporary directory) and a test `postgres` (a fresh
/// database on the test server, `pg_server.rs`), each calling the body with its [`Location`].
/// Where `build.rs` found no PostgreSQL server, `postgres` is reported ignored with the reason,
/// never passed.
///
/// [`Location`]: super::Location
macro_rules! on_both {
    ($(async fn $name:ident($at:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($at: $crate::store::Location) $body

            #[tokio::test(flavor = "multi_thread")]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                body($crate::store::Location::Sqlite(dir.path().join("db/audit.sqlite3"))).await;
            }

            #[tokio::test(flavor = "multi_thread")]
            #[cfg_attr(
                not(postgres),
                ignore = "needs a PostgreSQL server: Debian's postgresql package or \
                          INSTRADA_TEST_POSTGRES_URL (see build.rs)"
            )]
            async fn postgres() {
                #[cfg(postgres)]
                body($crate::store::pg_server::database()).await;
            }
        }
    )*};
}
pub(super) use on_both;
