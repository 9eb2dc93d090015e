//! Tests of the [`Store`] handle and its writer thread, through the public API.
//!
//! No test waits on the wall clock: the writer is held with its pause hook, a future is polled
//! exactly once to put its command on the queue (`poll_once`), and the drain after the last
//! handle is awaited on the writer's own "finished" signal.

use uuid::Uuid;

use super::test_support::{on_both, poll_once, sample_feedback, sample_record};
use super::*;

/// `durability = "async"`: these tests hold the writer while `record` returns, to see what the
/// queue does; `durability_tests.rs` covers `commit`, where `record` waits for the writer.
fn config(at: &Location) -> StoreConfig {
    let mut cfg = StoreConfig::new(at);
    cfg.durability = Durability::Async;
    cfg
}

#[test]
fn store_is_cheap_to_share() {
    fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
    assert_shareable::<Store>();
}

#[test]
fn zero_sizes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let at = Location::Sqlite(dir.path().join("db/audit.sqlite3"));
    let mut cfg = config(&at);
    cfg.queue_capacity = 0;
    assert!(matches!(
        Store::open(&cfg),
        Err(StoreError::InvalidConfig {
            field: "queue_capacity",
            ..
        })
    ));
    let mut cfg = config(&at);
    cfg.max_batch = 0;
    assert!(matches!(
        Store::open(&cfg),
        Err(StoreError::InvalidConfig {
            field: "max_batch",
            ..
        })
    ));
}

on_both! {
async fn concurrent_records_survive_close_and_reopen(at) {
    let cfg = config(&at);
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
            feedback: 0,
            events: 0
        }
    );
    reopened.close().await.unwrap();
}
}

on_both! {
async fn feedback_right_after_record_finds_the_queued_decision(at) {
    let store = Store::open(&config(&at)).unwrap();
    let rec = sample_record(7);
    let id = rec.decision_id;

    // Hold the writer so that neither command can be committed before both are queued.
    let resume = store.pause_writer().await;
    store.record(rec).await.unwrap();
    let fb = sample_feedback(id, Some("tributi"), None);
    let mut pending = Box::pin(tokio::task::unconstrained(store.feedback(fb)));
    assert!(poll_once(pending.as_mut()), "feedback waits for its commit");
    assert_eq!(store.queue_depth(), 2, "the record and the feedback");
    assert_eq!(store.stats().committed_records, 0);
    drop(resume);

    pending.await.unwrap();
    let stored = store.get_decision(id).await.unwrap().unwrap();
    assert_eq!(stored.feedback.len(), 1);
    store.close().await.unwrap();
}
}

on_both! {
async fn feedback_for_an_unknown_decision_is_refused(at) {
    let store = Store::open(&config(&at)).unwrap();
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
}

#[tokio::test(flavor = "multi_thread")]
async fn try_record_on_a_full_queue_is_busy_and_every_accepted_record_lands() {
    let dir = tempfile::tempdir().unwrap();
    let at = Location::Sqlite(dir.path().join("db/audit.sqlite3"));
    let mut cfg = config(&at);
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
    let at = Location::Sqlite(dir.path().join("db/audit.sqlite3"));
    let mut cfg = config(&at);
    cfg.queue_capacity = 2;
    cfg.max_batch = 2;
    let store = Store::open(&cfg).unwrap();
    let resume = store.pause_writer().await;
    // Ten records through a queue of two: `record` waits for room instead of dropping, and
    // once `close` has begun it answers `Closed`.
    let mut producer = Box::pin(tokio::task::unconstrained({
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
    }));
    // One poll: records 0 and 1 fill the queue, record 2 waits for room.
    assert!(poll_once(producer.as_mut()), "the producer waits for room");
    assert_eq!(store.queue_depth(), 2);
    // One poll of `close`: it marks the store closing, then waits for room for its shutdown.
    let mut closing = Box::pin(tokio::task::unconstrained(store.close()));
    assert!(poll_once(closing.as_mut()), "close waits for the queue");
    assert!(store.inner_is_closing());
    drop(resume);
    let ((accepted, refused), closed) = tokio::join!(producer, closing);
    closed.unwrap();
    // Record 2 was already waiting when `close` began, so it is accepted; 3 to 9 are refused.
    assert_eq!((accepted, refused), (3, 7));
    assert_eq!(store.stats().committed_records, accepted);

    let reopened = Store::open(&cfg).unwrap();
    assert_eq!(reopened.counts().await.unwrap().decisions, accepted);
    reopened.close().await.unwrap();
}

on_both! {
async fn get_decision_returns_the_record_and_its_feedback_in_order(at) {
    let store = Store::open(&config(&at)).unwrap();
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
            feedback: 2,
            events: 0
        }
    );
    store.close().await.unwrap();
}
}

on_both! {
async fn a_duplicate_decision_is_rejected_alone_and_counted(at) {
    let store = Store::open(&config(&at)).unwrap();
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
}

#[tokio::test(flavor = "multi_thread")]
async fn dropping_the_last_handle_still_commits_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let at = Location::Sqlite(dir.path().join("db/audit.sqlite3"));
    let cfg = config(&at);
    let store = Store::open(&cfg).unwrap();
    let mut finished = store.writer_finished();
    // Held, so that all 200 are still queued when the handle goes.
    let resume = store.pause_writer().await;
    for i in 0..200 {
        store.record(sample_record(i)).await.unwrap();
    }
    assert_eq!(store.queue_depth(), 200);
    drop(store);
    drop(resume);
    // The writer drains the queue and stops on its own; its last act is to say so.
    finished.wait_for(|done| *done).await.unwrap();
    let count = rusqlite::Connection::open(cfg.at.sqlite_path().unwrap())
        .and_then(|c| c.query_row("SELECT count(*) FROM decisions", [], |r| r.get::<_, i64>(0)))
        .unwrap();
    assert_eq!(count, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_newer_schema_is_refused_by_open_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let at = Location::Sqlite(dir.path().join("db/audit.sqlite3"));
    let cfg = config(&at);
    let path = cfg.at.sqlite_path().unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    rusqlite::Connection::open(path)
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

on_both! {
async fn a_batch_is_enqueued_whole_in_one_place_or_not_at_all(at) {
    let mut cfg = config(&at);
    cfg.queue_capacity = 2;
    let store = Store::open(&cfg).unwrap();
    let resume = store.pause_writer().await;
    store.try_record(sample_record(0)).unwrap();
    // One place left: five decisions one by one would take one and wait for four more places;
    // as a batch they take that one place, all of them, at once.
    let batch: Vec<_> = (1..=5).map(sample_record).collect();
    let ids: Vec<Uuid> = batch.iter().map(|r| r.decision_id).collect();
    let mut enqueue = Box::pin(tokio::task::unconstrained(store.record_all(batch)));
    assert!(!poll_once(enqueue.as_mut()), "taken in one poll");
    assert_eq!(store.queue_depth(), 2);
    // The queue is full now: the next batch waits, whole, for one place.
    let later: Vec<_> = (6..=8).map(sample_record).collect();
    let later_ids: Vec<Uuid> = later.iter().map(|r| r.decision_id).collect();
    let mut waiting = Box::pin(tokio::task::unconstrained(store.record_all(later)));
    assert!(poll_once(waiting.as_mut()), "no room: it waits");
    drop(resume);
    waiting.await.unwrap();
    store.close().await.unwrap();
    // And a closed store takes no batch at all.
    let refused = vec![sample_record(9), sample_record(10)];
    let refused_ids: Vec<Uuid> = refused.iter().map(|r| r.decision_id).collect();
    assert!(matches!(
        store.record_all(refused).await,
        Err(StoreError::Closed)
    ));

    let reopened = Store::open(&cfg).unwrap();
    assert_eq!(held(&reopened, &ids).await, ids.len());
    assert_eq!(held(&reopened, &later_ids).await, later_ids.len());
    assert_eq!(held(&reopened, &refused_ids).await, 0);
    assert_eq!(reopened.counts().await.unwrap().decisions, 1 + 5 + 3);
    reopened.close().await.unwrap();
}
}

/// How many of `ids` the store holds.
async fn held(store: &Store, ids: &[Uuid]) -> usize {
    let mut n = 0;
    for id in ids {
        if store.get_decision(*id).await.unwrap().is_some() {
            n += 1;
        }
    }
    n
}

on_both! {
async fn of_two_replicas_on_one_database_one_claims_each_scheduled_run(at) {
    // Two `instrada serve` on one database: two stores, each with its writer and connection.
    let a = Store::open(&StoreConfig::new(&at)).unwrap();
    let b = Store::open(&StoreConfig::new(&at)).unwrap();
    let day = |d: i64| chrono::DateTime::<chrono::Utc>::UNIX_EPOCH + chrono::Duration::days(20_000 + d);
    let mut won = (0, 0);
    for d in 0..5 {
        let (x, y) = tokio::join!(a.claim_run("prune", day(d)), b.claim_run("prune", day(d)));
        let (x, y) = (x.unwrap(), y.unwrap());
        assert!(x ^ y, "exactly one replica runs the prune due on day {d}: {x} {y}");
        won.0 += usize::from(x);
        won.1 += usize::from(y);
        // Another job due at the same time is claimed on its own.
        assert!(a.claim_run("refit", day(d)).await.unwrap());
        assert!(!b.claim_run("refit", day(d)).await.unwrap());
    }
    assert_eq!(won.0 + won.1, 5);
    let runs = b.job_runs("prune").await.unwrap();
    assert_eq!(runs.len(), 5, "{runs:?}");
    a.close().await.unwrap();
    b.close().await.unwrap();
}
}

on_both! {
async fn a_model_change_recorded_by_one_replica_is_the_latest_for_every_replica(at) {
    let a = Store::open(&StoreConfig::new(&at)).unwrap();
    let b = Store::open(&StoreConfig::new(&at)).unwrap();
    assert_eq!(b.latest_model_change().await.unwrap(), None);
    let first = a.record_model_change("reload", ("topic-2", "urgency-1"), "ops").await.unwrap();
    let second = a.record_model_change("rollback", ("topic-1", "urgency-1"), "ops").await.unwrap();
    assert!(second.id > first.id, "{first:?} {second:?}");
    let seen = b.latest_model_change().await.unwrap().unwrap();
    assert_eq!(seen, second);
    assert_eq!((seen.action.as_str(), seen.topic.as_str()), ("rollback", "topic-1"));
    assert_eq!(b.model_changes(10).await.unwrap(), vec![second, first]);
    a.close().await.unwrap();
    b.close().await.unwrap();
}
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(postgres),
    ignore = "needs a PostgreSQL server: Debian's postgresql package or INSTRADA_TEST_POSTGRES_URL (see build.rs)"
)]
async fn reads_borrow_from_a_pool_instead_of_connecting_each_time() {
    #[cfg(postgres)]
    reads_borrow_from_the_pool().await;
}

/// Reads 200 times on PostgreSQL and counts the connections the server sees.
#[cfg(postgres)]
async fn reads_borrow_from_the_pool() {
    let at = crate::store::pg_server::database();
    let store = Store::open(&StoreConfig::new(&at)).unwrap();
    let url = match &at {
        Location::Postgres(u) => u.clone(),
        other => panic!("{other:?}"),
    };
    let reads: Vec<_> = (0..200)
        .map(|_| {
            let at = at.clone();
            tokio::task::spawn_blocking(move || crate::store::access::list_keys(at))
        })
        .collect();
    for r in reads {
        r.await.unwrap().unwrap();
    }
    // The server's own count of this database's connections: the writer's and the pool's.
    let name = url.rsplit('/').next().unwrap().to_string();
    let open: i64 = super::sql::off_runtime(|| {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'instrada'",
            &[&name],
        )
        .unwrap()
        .get(0)
    });
    assert!(
        (2..=i64::from(super::pool::POOL_SIZE) + 1).contains(&open),
        "200 reads held {open} connections"
    );
    store.close().await.unwrap();
}
