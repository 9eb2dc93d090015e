//! Tests of `store.durability`: when `record` returns in each mode, group commit, and a refused
//! decision in `commit` mode. No wall clock: the writer is held with its pause hook and futures
//! are polled once to put their command on the queue (as in `tests.rs`).

use std::future::Future;
use std::pin::Pin;

use super::schema::open_for_reading;
use super::sql::args;
use super::test_support::{on_both, poll_once, sample_record};
use super::*;

fn open(at: &Location, durability: Durability) -> Store {
    let mut cfg = StoreConfig::new(at);
    cfg.durability = durability;
    Store::open(&cfg).unwrap()
}

/// Decisions in the database, read by a connection of its own: what a crash would leave.
fn on_disk(store: &Store) -> i64 {
    let conn = open_for_reading(store.location()).unwrap();
    conn.query_row("SELECT count(*) FROM decisions", args![], |r| r.get(0))
        .unwrap()
}

on_both! {
async fn in_commit_mode_record_returns_only_once_the_decision_is_committed(at) {
    let store = open(&at, Durability::Commit);
    assert_eq!(store.durability(), Durability::Commit);
    let resume = store.pause_writer().await;
    let mut pending = Box::pin(tokio::task::unconstrained(store.record(sample_record(1))));
    assert!(poll_once(pending.as_mut()), "waits for the commit");
    assert_eq!(store.queue_depth(), 1);
    drop(resume);
    pending.await.unwrap();
    // No close, no other command: the commit happened before `record` returned.
    assert_eq!(on_disk(&store), 1);
    assert_eq!(store.stats().committed_records, 1);
    store.close().await.unwrap();
}
}

on_both! {
async fn in_async_mode_record_returns_once_enqueued(at) {
    let store = open(&at, Durability::Async);
    let resume = store.pause_writer().await;
    let mut done = Box::pin(tokio::task::unconstrained(store.record(sample_record(1))));
    assert!(!poll_once(done.as_mut()), "answered with the writer held");
    assert_eq!(on_disk(&store), 0, "acknowledged, not yet committed");
    drop(resume);
    store.close().await.unwrap();
    assert_eq!(on_disk(&store), 1);
}
}

on_both! {
async fn group_commit_puts_whatever_is_queued_into_one_transaction(at) {
    let store = open(&at, Durability::Commit);
    let resume = store.pause_writer().await;
    // Twenty callers and a batch of five arrive while a transaction (here: the pause) holds the
    // writer, as they do under load while one commits.
    type Waiting<'a> = Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'a>>;
    let mut waiting: Vec<Waiting<'_>> = Vec::new();
    for i in 0..20 {
        let store = store.clone();
        let mut f: Pin<Box<dyn Future<Output = _> + Send>> =
            Box::pin(tokio::task::unconstrained(async move {
                store.record(sample_record(i)).await
            }));
        assert!(poll_once(f.as_mut()));
        waiting.push(f);
    }
    let batch = (20..25).map(sample_record).collect();
    let mut f: Pin<Box<dyn Future<Output = _> + Send>> =
        Box::pin(tokio::task::unconstrained(store.record_all(batch)));
    assert!(poll_once(f.as_mut()));
    waiting.push(f);
    assert_eq!(store.queue_depth(), 21);
    assert_eq!(store.stats().transactions, 0);
    drop(resume);
    for f in waiting {
        f.await.unwrap();
    }
    let stats = store.stats();
    assert_eq!(stats.committed_records, 25);
    assert_eq!(
        stats.transactions, 1,
        "one transaction for everything queued"
    );
    store.close().await.unwrap();
}
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_writer_waits_for_nothing_in_commit_mode_and_lingers_in_async_mode() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("a.sqlite3").into(), Durability::Commit);
    for i in 0..5 {
        store.record(sample_record(i)).await.unwrap();
    }
    let stats = store.stats();
    assert_eq!(stats.transactions, 5, "each alone: nothing else was queued");
    assert_eq!(store.lingered(), 0, "and none waited for company");
    store.close().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("a.sqlite3").into(), Durability::Async);
    store.record(sample_record(1)).await.unwrap();
    store.counts().await.unwrap();
    assert!(store.lingered() > 0, "async mode gathers records");
    store.close().await.unwrap();
}

on_both! {
async fn in_commit_mode_a_refused_decision_is_an_error_and_refuses_its_batch(at) {
    let store = open(&at, Durability::Commit);
    let rec = sample_record(1);
    store.record(rec.clone()).await.unwrap();
    let err = store.record(rec.clone()).await.unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    let (a, b) = (sample_record(2), sample_record(3));
    let (a_id, b_id) = (a.decision_id, b.decision_id);
    let err = store.record_all(vec![a, rec, b]).await.unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    assert!(
        store.get_decision(a_id).await.unwrap().is_none(),
        "all or none"
    );
    assert!(
        store.get_decision(b_id).await.unwrap().is_none(),
        "all or none"
    );
    let stats = store.stats();
    assert_eq!(stats.committed_records, 1);
    assert_eq!(stats.lost_records, 0, "refused and said so: not lost");
    store.close().await.unwrap();
}
}
