//! Decision-store speed: what `try_record` costs the request path, and how many records a second
//! the writer thread commits.
//!
//! `cargo bench --bench store`. Replaces the `#[ignore]`d `throughput` test, which only printed
//! times. Each measurement opens a fresh database in a temporary directory.

mod common;

use chrono::Utc;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use instrada::store::{DecisionRecord, Store, StoreConfig};
use std::hint::black_box;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Records per measured round: well under the default queue (8,192), so `try_record` never
/// finds it full.
const ROUND: u64 = 4_096;

/// A plausible decision of about the size the service records.
fn record(i: u64) -> DecisionRecord {
    DecisionRecord {
        decision_id: Uuid::now_v7(),
        created_at: Utc::now(),
        request_id: Some(format!("req-{i}")),
        channel: "email".into(),
        language: "it".into(),
        text_sha256: format!("{i:064x}"),
        text: None,
        topic: "tributi".into(),
        topic_confidence: 0.875,
        urgency: "normal".into(),
        urgency_confidence: 0.5,
        urgency_signals: vec!["scadenza".into()],
        queue: "tributi".into(),
        priority: 3,
        needs_human_review: i.is_multiple_of(2),
        review_reason: i.is_multiple_of(2).then(|| "low confidence".to_string()),
        topic_model: "topic-linear@2026.11".into(),
        urgency_model: "urgency-linear@2026.11".into(),
        timing_us: 180,
        decision_json: format!("{{\"decision_id\":\"{i}\",\"queue\":\"tributi\"}}"),
    }
}

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&StoreConfig::new(dir.path().join("bench.sqlite3"))).expect("store opens")
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir);

    // The request path: only `try_record` is timed; between rounds the writer catches up
    // (`counts` answers after the commit of everything queued before it).
    let mut g = c.benchmark_group("store");
    g.throughput(Throughput::Elements(1));
    g.bench_function("try_record", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            let mut done = 0;
            while done < iters {
                let n = (iters - done).min(ROUND);
                let records: Vec<_> = (done..done + n).map(record).collect();
                let start = Instant::now();
                for rec in records {
                    black_box(store.try_record(rec)).expect("queue has room");
                }
                spent += start.elapsed();
                runtime.block_on(store.counts()).expect("counts");
                done += n;
            }
            spent
        })
    });
    g.finish();
    runtime.block_on(store.close()).expect("close");

    // The writer: ROUND records enqueued as fast as `record` takes them, then `close`, which
    // returns once all are committed.
    let mut g = c.benchmark_group("store_commit");
    g.sample_size(10);
    g.throughput(Throughput::Elements(ROUND));
    g.bench_function("record_and_close_4096", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().expect("temp dir");
                let store = open(&dir);
                let records: Vec<_> = (0..ROUND).map(record).collect();
                let start = Instant::now();
                runtime.block_on(async {
                    for rec in records {
                        store.record(rec).await.expect("recorded");
                    }
                    store.close().await.expect("closed");
                });
                spent += start.elapsed();
            }
            spent
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bench
}
criterion_main!(benches);
