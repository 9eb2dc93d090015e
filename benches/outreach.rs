//! Outreach speed: features and score of one citizen read from the store (the budget is 1 ms),
//! and a scoring run over 100,000 citizens (budget 30 s), on a synthetic history imported into a
//! temporary store; the model is a logistic regression trained on 3,000 synthetic citizens.
//!
//! `cargo bench --bench outreach` (`OUTREACH_BENCH_CITIZENS=N` for another store size). The run
//! is timed once, not sampled by criterion: it takes seconds and writes 100,000 scores.

mod common;

use chrono::{Duration, NaiveDate, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use instrada::outreach::flags::{self, RunSpec};
use instrada::outreach::manifest::LabelInfo;
use instrada::outreach::{
    FeatureSpec, History, ModelChoice, NativeModel, OutreachLabel, OutreachParams, score_history,
    synthetic,
};
use instrada::store::{EventRecord, HistoryReader, Store, StoreConfig};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

fn end() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 31).unwrap_or_default()
}

fn model() -> NativeModel {
    let h = synthetic::histories(&synthetic::generate(3_000, 9, end()));
    let as_of = end().and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - Duration::days(30);
    let spec = FeatureSpec::default();
    let t = synthetic::table(&h, as_of, OutreachLabel::RepeatContact30d, &spec);
    let info = LabelInfo {
        name: "repeat_contact_30d".into(),
        positive: None,
        as_of: Some(as_of),
    };
    OutreachParams::new("outreach-bench")
        .model(ModelChoice::Logistic)
        .check()
        .and_then(|p| p.fit(&t, Some(&spec), info))
        .expect("the bench model trains")
}

/// A store with `citizens` synthetic histories.
fn store(dir: &std::path::Path, citizens: usize) -> Store {
    let store = Store::open(&StoreConfig::new(dir.join("outreach.sqlite3"))).expect("store");
    let events = synthetic::generate(citizens, 42, end());
    let started = Instant::now();
    let n = events.len();
    let records: Vec<EventRecord> = events
        .into_iter()
        .enumerate()
        .map(|(i, e)| EventRecord {
            event_id: format!("e{i}"),
            occurred_at: e.at.and_utc(),
            channel: e.channel.into(),
            queue: Some(e.queue.into()),
            topic: Some(e.topic.into()),
            urgency: Some(e.urgency.into()),
            citizen: Some(e.citizen),
            reference: None,
            handle_seconds: None,
            outcome: Some(e.outcome.into()),
            attributes: e
                .deadline
                .map(|d| BTreeMap::from([("deadline".to_string(), d.to_string())]))
                .unwrap_or_default(),
            source: "import".into(),
            received_at: Utc::now(),
        })
        .collect();
    for chunk in records.chunks(20_000) {
        store
            .events_blocking(chunk.to_vec())
            .expect("events stored");
    }
    eprintln!(
        "outreach bench: {citizens} citizens, {n} events imported in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    store
}

fn bench(c: &mut Criterion) {
    let citizens: usize = std::env::var("OUTREACH_BENCH_CITIZENS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let model = model();
    eprintln!(
        "outreach bench: model trained in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let store = store(dir.path(), citizens);
    let as_of = end().and_hms_opt(12, 0, 0).unwrap_or_default().and_utc();
    let reader = HistoryReader::open(store.location()).expect("reader");
    c.bench_function("outreach/one_citizen_from_store", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = (i + 7_919) % citizens;
            let events = reader
                .citizen(&format!("CIT{i:06}"), as_of)
                .expect("history");
            black_box(score_history(&model, &History::new(events), as_of).expect("score"))
        })
    });
    let spec = RunSpec {
        as_of,
        fairness_attributes: Vec::new(),
    };
    let s = flags::run(&store, &model, &spec).expect("the run");
    eprintln!(
        "outreach bench: run over {} citizens ({} flagged) in {:.2} s",
        s.scored, s.flagged, s.seconds
    );
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bench
}
criterion_main!(benches);
