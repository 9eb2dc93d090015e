//! Tests of the [`Store`] handle and its writer thread, through the public API.

use std::time::{Duration, Instant};

use uuid::Uuid;

use super::test_support::{sample_feedback, sample_record};
use super::*;

fn config(dir: &tempfile::TempDir) -> StoreConfig {
    StoreConfig::new(dir.path().join("db/audit.sqlite3"))
}

/// Polls `check` until it holds or two seconds pass.
async fn eventually(mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    check()
}

#[test]
fn store_is_cheap_to_share() {
    fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
    assert_shareable::<Store>();
}

#[test]
fn zero_sizes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&dir);
    cfg.queue_capacity = 0;
    assert!(matches!(
        Store::open(&cfg),
        Err(StoreError::InvalidConfig {
            field: "queue_capacity",
            ..
        })
    ));
    let mut cfg = config(&dir);
    cfg.max_batch = 0;
    assert!(matches!(
        Store::open(&cfg),
        Err(StoreError::InvalidConfig {
            field: "max_batch",
            ..
        })
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_records_survive_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir);
    let store = Store::open(&cfg).unwrap();
    let tasks: Vec<_> = (0..8u64)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..625u64 {
                    store.record(sample_record(t * 1_000 + i)).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    store.close().await.unwrap();
    let stats = store.stats();
    assert_eq!(stats.committed_records, 5_000);
    assert_eq!(stats.lost_records, 0);
    assert!(matches!(
        store.record(sample_record(1)).await,
        Err(StoreError::Closed)
    ));
    assert!(matches!(
        store.try_record(sample_record(1)),
        Err(StoreError::Closed)
    ));
    store.close().await.unwrap(); // idempotent
    drop(store);

    let reopened = Store::open(&cfg).unwrap();
    assert_eq!(
        reopened.counts().await.unwrap(),
        StoreCounts {
            decisions: 5_000,
            feedback: 0
        }
    );
    reopened.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn feedback_right_after_record_finds_the_queued_decision() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&config(&dir)).unwrap();
    let rec = sample_record(7);
    let id = rec.decision_id;

    // Hold the writer so that neither command can be committed before both are queued.
    let resume = store.pause_writer().await;
    store.record(rec).await.unwrap();
    let fb = sample_feedback(id, Some("tributi"), None);
    let pending = tokio::spawn({
        let store = store.clone();
        async move { store.feedback(fb).await }
    });
    assert!(eventually(|| store.queue_depth() == 2).await);
    assert_eq!(store.stats().committed_records, 0);
    drop(resume);

    pending.await.unwrap().unwrap();
    let stored = store.get_decision(id).await.unwrap().unwrap();
    assert_eq!(stored.feedback.len(), 1);
    store.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn feedback_for_an_unknown_decision_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&config(&dir)).unwrap();
    store.record(sample_record(1)).await.unwrap();
    let stranger = Uuid::now_v7();
    let err = store
        .feedback(sample_feedback(stranger, Some("tributi"), None))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::UnknownDecision { decision_id } if decision_id == stranger),
        "{err:?}"
    );
    assert_eq!(store.counts().await.unwrap().feedback, 0);
    store.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn try_record_on_a_full_queue_is_busy_and_every_accepted_record_lands() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&dir);
    cfg.queue_capacity = 4;
    let store = Store::open(&cfg).unwrap();

    let resume = store.pause_writer().await;
    let mut accepted = Vec::new();
    for i in 0..4 {
        let rec = sample_record(i);
        accepted.push(rec.decision_id);
        store.try_record(rec).unwrap();
    }
    assert_eq!(store.queue_depth(), 4);
    assert!(matches!(
        store.try_record(sample_record(99)),
        Err(StoreError::Busy)
    ));
    drop(resume);
    store.close().await.unwrap();

    let reopened = Store::open(&cfg).unwrap();
    assert_eq!(reopened.counts().await.unwrap().decisions, 4);
    for id in accepted {
        assert!(reopened.get_decision(id).await.unwrap().is_some());
    }
    reopened.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn close_drains_a_full_queue_and_the_records_waiting_for_room() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&dir);
    cfg.queue_capacity = 2;
    cfg.max_batch = 2;
    let store = Store::open(&cfg).unwrap();
    let resume = store.pause_writer().await;
    // Ten records through a queue of two: `record` waits for room instead of dropping, and
    // once `close` has begun it answers `Closed`.
    let producer = tokio::spawn({
        let store = store.clone();
        async move {
            let (mut accepted, mut refused) = (0u64, 0u64);
            for i in 0..10 {
                match store.record(sample_record(i)).await {
                    Ok(()) => accepted += 1,
                    Err(StoreError::Closed) => refused += 1,
                    Err(err) => panic!("{err:?}"),
                }
            }
            (accepted, refused)
        }
    });
    assert!(eventually(|| store.queue_depth() == 2).await);
    assert!(!producer.is_finished());
    let closing = tokio::spawn({
        let store = store.clone();
        async move { store.close().await }
    });
    assert!(eventually(|| store.inner_is_closing()).await);
    drop(resume);
    let (accepted, refused) = producer.await.unwrap();
    closing.await.unwrap().unwrap();
    assert!(accepted >= 2, "the two queued records were accepted");
    assert_eq!(accepted + refused, 10);
    assert_eq!(store.stats().committed_records, accepted);

    let reopened = Store::open(&cfg).unwrap();
    assert_eq!(reopened.counts().await.unwrap().decisions, accepted);
    reopened.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn get_decision_returns_the_record_and_its_feedback_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&config(&dir)).unwrap();
    let rec = sample_record(3);
    let id = rec.decision_id;
    store.record(rec.clone()).await.unwrap();
    let first = sample_feedback(id, Some("tributi"), None);
    let mut second = sample_feedback(id, None, Some("high"));
    second.received_at = first.received_at + chrono::Duration::seconds(60);
    store.feedback(second.clone()).await.unwrap();
    store.feedback(first.clone()).await.unwrap();

    let stored = store.get_decision(id).await.unwrap().unwrap();
    assert_eq!(stored.record, rec);
    assert_eq!(stored.feedback, vec![first, second]);
    assert!(store.get_decision(Uuid::now_v7()).await.unwrap().is_none());
    assert_eq!(
        store.counts().await.unwrap(),
        StoreCounts {
            decisions: 1,
            feedback: 2
        }
    );
    store.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_decision_is_rejected_alone_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&config(&dir)).unwrap();
    let rec = sample_record(1);
    let resume = store.pause_writer().await;
    // Same batch: the duplicate must not take its neighbours down with it.
    store.record(rec.clone()).await.unwrap();
    store.record(rec.clone()).await.unwrap();
    store.record(sample_record(2)).await.unwrap();
    drop(resume);
    assert_eq!(store.counts().await.unwrap().decisions, 2);
    let stats = store.stats();
    assert_eq!((stats.committed_records, stats.lost_records), (2, 1));
    store.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn dropping_the_last_handle_still_commits_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir);
    let store = Store::open(&cfg).unwrap();
    for i in 0..200 {
        store.record(sample_record(i)).await.unwrap();
    }
    drop(store);
    let count = || {
        rusqlite::Connection::open(&cfg.path)
            .and_then(|c| c.query_row("SELECT count(*) FROM decisions", [], |r| r.get::<_, i64>(0)))
            .unwrap_or(-1)
    };
    assert!(eventually(|| count() == 200).await, "found {}", count());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_newer_schema_is_refused_by_open_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir);
    std::fs::create_dir_all(cfg.path.parent().unwrap()).unwrap();
    rusqlite::Connection::open(&cfg.path)
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    let err = Store::open(&cfg).unwrap_err();
    assert!(
        matches!(err, StoreError::Schema { found: 999, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("audit.sqlite3"), "{err}");
}

/// Numbers for the module docs and the report; run with
/// `cargo test --release --lib store::tests::throughput -- --ignored --nocapture`.
/// Paced: 10,000 records/s for 2 s (10 every millisecond), timing each `try_record`.
/// Flood: 200,000 records as fast as the writer takes them, for the commit rate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement, not a check"]
async fn throughput() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&config(&dir)).unwrap();
    let percentile = |v: &mut Vec<Duration>, p: f64| {
        v.sort();
        v[((v.len() as f64 - 1.0) * p) as usize]
    };

    let mut latencies = Vec::with_capacity(20_000);
    let mut max_depth = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    for ms in 0..2_000u64 {
        tick.tick().await;
        for i in 0..10 {
            let rec = sample_record(ms * 10 + i);
            let t = Instant::now();
            store.try_record(rec).unwrap();
            latencies.push(t.elapsed());
        }
        max_depth = max_depth.max(store.queue_depth());
    }
    println!(
        "paced 10k/s: try_record p50 {:?} p99 {:?} p99.9 {:?} max {:?}; max queue depth {max_depth}",
        percentile(&mut latencies, 0.5),
        percentile(&mut latencies, 0.99),
        percentile(&mut latencies, 0.999),
        percentile(&mut latencies, 1.0),
    );

    const N: u64 = 200_000;
    let records: Vec<_> = (0..N).map(|i| sample_record(1_000_000 + i)).collect();
    let start = Instant::now();
    for rec in records {
        store.record(rec).await.unwrap();
    }
    store.close().await.unwrap();
    let total = start.elapsed();
    println!(
        "flood: {N} records enqueued and committed in {total:?} = {:.0} records/s",
        N as f64 / total.as_secs_f64()
    );
}
