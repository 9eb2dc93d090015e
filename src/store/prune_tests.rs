//! Tests of the pruner (`prune.rs`): exactly what is older than each cutoff goes, with what
//! refers to it; opt-outs stay; a large prune is many short transactions that other writes pass.

use super::rows::{insert_decision, insert_feedback, timestamp};
use super::schema::{open_for_reading, open_for_writing};
use super::sql::{Conn, args};
use super::test_support::{at, on_both, sample_feedback, sample_record};
use super::*;
use chrono::{DateTime, Utc};

const DAY: i64 = 86_400;

fn day(n: i64) -> DateTime<Utc> {
    at(n * DAY)
}

fn count(at: &Location, sql: &str) -> i64 {
    let conn = open_for_reading(at).unwrap();
    conn.query_row(sql, args![], |r| r.get(0)).unwrap()
}

/// Ten of each kind, one per day from day 0 to day 9; feedback on every decision; a review of
/// the flags of days 0 and 7; an opt-out on day 0.
fn ten_days(conn: &Conn) {
    for d in 0..10 {
        let mut rec = sample_record(d as u64);
        rec.created_at = day(d);
        insert_decision(conn, &rec).unwrap();
        let mut fb = sample_feedback(rec.decision_id, Some("tributi"), None);
        fb.received_at = day(d);
        insert_feedback(conn, &fb).unwrap();
        let t = timestamp(&day(d));
        conn.execute(
            "INSERT INTO events (event_id, occurred_at, channel, source, received_at)
             VALUES (?1, ?2, 'phone', 'api', ?2)",
            args![format!("e{d}"), t],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO outreach_flags (flag_id, citizen, source, scored_at, as_of, score,
                 flagged, reasons, model_version, inputs_sha256, groups, status)
             VALUES (?1, 'c', 'run', ?2, ?2, 0.5, 1, '[]', 'm', 'h', '{}', 'open')",
            args![format!("f{d}"), t],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO access_log (at, actor, action, citizens) VALUES (?1, 'k', 'a', 1)",
            args![t],
        )
        .unwrap();
    }
    for (flag, d) in [("f0", 0), ("f7", 7)] {
        conn.execute(
            "INSERT INTO outreach_reviews (flag_id, reviewer, reviewed_at, status)
             VALUES (?1, 'r', ?2, 'dismissed')",
            args![flag, timestamp(&day(d))],
        )
        .unwrap();
    }
    conn.execute(
        "INSERT INTO outreach_optouts (citizen, at) VALUES ('c', ?1)",
        args![timestamp(&day(0))],
    )
    .unwrap();
}

fn store_with_ten_days(at: &Location) -> Store {
    ten_days(&open_for_writing(at).unwrap());
    Store::open(&StoreConfig::new(at)).unwrap()
}

fn upper(words: &str) -> Option<String> {
    Some(words.to_uppercase())
}

on_both! {
async fn each_kind_loses_exactly_its_rows_older_than_the_cutoff(at) {
    let store = store_with_ten_days(&at);
    let path = store.location().clone();
    let n = |sql: &str| count(&path, sql);
    let opts = PruneOptions {
        chunk_rows: 3,
        forget_words: Some(upper),
    };
    // Strictly older: the row of day 4 itself is kept.
    let cut = day(4);
    assert_eq!(prunable(&path, Kind::Texts, cut).unwrap(), 4);
    let texts = store.prune(Kind::Texts, cut, &opts).await.unwrap();
    assert_eq!((texts.rows, texts.chunks), (4, 2));
    assert_eq!(
        n("SELECT count(*) FROM decisions"),
        10,
        "the decisions stay"
    );
    assert_eq!(n("SELECT count(*) FROM decisions WHERE text IS NULL"), 4);
    assert_eq!(
        n("SELECT count(*) FROM decisions WHERE text IS NULL AND created_at < '2025-03-05'"),
        4
    );
    assert_eq!(
        n(
            "SELECT count(*) FROM decisions WHERE decision_json = upper(decision_json)
           AND decision_json != lower(decision_json)"
        ),
        4,
        "the words quoted from the text are forgotten with it"
    );

    let fb = store.prune(Kind::Feedback, day(2), &opts).await.unwrap();
    assert_eq!(fb.rows, 2);
    assert_eq!(n("SELECT count(*) FROM feedback"), 8);
    let d = store.prune(Kind::Decisions, day(5), &opts).await.unwrap();
    assert_eq!(d.rows, 5);
    assert_eq!(n("SELECT count(*) FROM decisions"), 5);
    assert_eq!(
        n("SELECT count(*) FROM feedback"),
        5,
        "feedback goes with its decision"
    );
    assert_eq!(
        n("SELECT count(*) FROM feedback f WHERE NOT EXISTS
           (SELECT 1 FROM decisions d WHERE d.decision_id = f.decision_id)"),
        0
    );

    assert_eq!(
        store.prune(Kind::Events, day(6), &opts).await.unwrap().rows,
        6
    );
    assert_eq!(
        n("SELECT count(*) FROM events WHERE occurred_at < '2025-03-07'"),
        0
    );
    assert_eq!(n("SELECT count(*) FROM events"), 4);

    // A reviewed flag stays while its review does: f0 (review of day 0) and f7 are kept.
    let flags = store.prune(Kind::Outreach, day(9), &opts).await.unwrap();
    assert_eq!(flags.rows, 7, "f1..f6 and f8");
    assert_eq!(
        n("SELECT count(*) FROM outreach_flags WHERE flag_id IN ('f0', 'f7', 'f9')"),
        3
    );
    assert_eq!(n("SELECT count(*) FROM outreach_flags"), 3);
    let reviews = store.prune(Kind::Reviews, day(5), &opts).await.unwrap();
    assert_eq!(reviews.rows, 1);
    assert_eq!(
        store
            .prune(Kind::Outreach, day(9), &opts)
            .await
            .unwrap()
            .rows,
        1
    );
    assert_eq!(
        n("SELECT count(*) FROM outreach_flags WHERE flag_id IN ('f7', 'f9')"),
        2,
        "f0 went once its review had"
    );
    assert_eq!(n("SELECT count(*) FROM outreach_flags"), 2);
    assert_eq!(
        store
            .prune(Kind::AccessLog, day(3), &opts)
            .await
            .unwrap()
            .rows,
        3
    );
    assert_eq!(n("SELECT count(*) FROM access_log"), 7);
    store.close().await.unwrap();
}
}

on_both! {
async fn opt_outs_and_recent_rows_survive_pruning_everything_else(at) {
    let store = store_with_ten_days(&at);
    let path = store.location().clone();
    let opts = PruneOptions::default();
    for kind in Kind::ALL {
        store.prune(kind, day(100), &opts).await.unwrap();
    }
    let n = |sql: &str| count(&path, sql);
    assert_eq!(n("SELECT count(*) FROM outreach_optouts"), 1, "in force");
    for table in [
        "decisions",
        "feedback",
        "events",
        "outreach_flags",
        "outreach_reviews",
        "access_log",
    ] {
        assert_eq!(n(&format!("SELECT count(*) FROM {table}")), 0, "{table}");
    }
    store.close().await.unwrap();
}
}

on_both! {
async fn a_large_prune_is_many_short_transactions_that_a_decision_passes(at) {
    let path = at.clone();
    {
        let conn = open_for_writing(&path).unwrap();
        conn.begin().unwrap();
        for i in 0..5_000 {
            insert_decision(&conn, &sample_record(i)).unwrap();
        }
        conn.commit().unwrap();
    }
    let store = Store::open(&StoreConfig::new(&path)).unwrap();
    let opts = PruneOptions {
        chunk_rows: 500,
        forget_words: None,
    };
    let before = store.stats().transactions;

    // The writer held, the prune's first chunk queued, then a decision behind it.
    let resume = store.pause_writer().await;
    let prune = tokio::spawn({
        let store = store.clone();
        async move { store.prune(Kind::Decisions, day(1), &opts).await }
    });
    while store.queue_depth() < 1 {
        tokio::task::yield_now().await;
    }
    let mut recent = sample_record(9_999);
    recent.created_at = day(2);
    let recorded = tokio::spawn({
        let store = store.clone();
        async move { store.record(recent).await }
    });
    while store.queue_depth() < 2 {
        tokio::task::yield_now().await;
    }
    // What is left of the old decisions when the writer reaches the one recorded.
    let seen = tokio::spawn({
        let store = store.clone();
        async move {
            store
                .exec(|conn| {
                    conn.query_row(
                        "SELECT count(*) FROM decisions WHERE created_at < ?1",
                        args![timestamp(&day(1))],
                        |r| r.get::<i64>(0),
                    )
                })
                .await
        }
    });
    while store.queue_depth() < 3 {
        tokio::task::yield_now().await;
    }
    drop(resume);
    recorded.await.unwrap().unwrap();
    assert_eq!(
        seen.await.unwrap().unwrap(),
        4_500,
        "the decision was committed after one chunk of ten, not after the prune"
    );
    let pruned = prune.await.unwrap().unwrap();
    assert_eq!(pruned.rows, 5_000);
    assert_eq!(
        pruned.chunks, 11,
        "ten full chunks and one that finds nothing"
    );
    assert!(store.stats().transactions - before >= 11);
    assert_eq!(store.counts().await.unwrap().decisions, 1);
    store.close().await.unwrap();
}
}
