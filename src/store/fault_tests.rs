//! PostgreSQL stopped and started under a store that is writing (a cluster of the test's own):
//! while it is down every write is refused at once with [`StoreError::Unreachable`] (503
//! `store_unavailable` at the edges), nothing acknowledged is lost — the `async` records already
//! answered are held and written once it is back — and the store recovers by itself.

use std::time::Duration;

use super::pg_server::Cluster;
use super::test_support::sample_record;
use super::*;

/// Waits up to 20 s for `store.reachable()` to be `want`, recording decisions meanwhile (the
/// writer learns that the database is gone from a write that fails); returns those acknowledged.
async fn until_reachable(store: &Store, want: bool, acked: &mut Vec<uuid::Uuid>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while store.reachable() != want {
        assert!(
            tokio::time::Instant::now() < deadline,
            "reachable never became {want}"
        );
        if !want {
            let rec = sample_record(acked.len() as u64);
            let id = rec.decision_id;
            if store.record(rec).await.is_ok() {
                acked.push(id);
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn down_and_back(durability: Durability) {
    let cluster = Cluster::new();
    let mut cfg = StoreConfig::new(cluster.database());
    cfg.durability = durability;
    let store = Store::open(&cfg).unwrap();
    let mut acked = Vec::new();
    for i in 0..50 {
        let rec = sample_record(i);
        acked.push(rec.decision_id);
        store.record(rec).await.unwrap();
    }
    store.counts().await.unwrap();

    tokio::task::block_in_place(|| cluster.stop());
    until_reachable(&store, false, &mut acked).await;
    let refused = store.record(sample_record(9_999)).await;
    assert!(
        matches!(refused, Err(StoreError::Unreachable)),
        "{refused:?}"
    );
    assert!(matches!(store.counts().await, Err(StoreError::Unreachable)));
    let event = store.events(vec![]).await;
    assert!(matches!(event, Err(StoreError::Unreachable)), "{event:?}");

    tokio::task::block_in_place(|| cluster.restart());
    until_reachable(&store, true, &mut acked).await;
    let after = sample_record(10_000);
    acked.push(after.decision_id);
    store.record(after).await.unwrap();
    let mut missing = 0;
    for id in &acked {
        if store.get_decision(*id).await.unwrap().is_none() {
            missing += 1;
        }
    }
    assert_eq!(missing, 0, "of {} acknowledged decisions", acked.len());
    assert_eq!(store.stats().lost_records, 0);
    store.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn commit_mode_refuses_while_postgresql_is_down_and_recovers_by_itself() {
    down_and_back(Durability::Commit).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn async_mode_keeps_what_it_acknowledged_while_postgresql_is_down() {
    down_and_back(Durability::Async).await;
}
