//! Bytes a decision costs on disk: routes `N` requests (default 20,000, the 45 lines of
//! `benches/requests.jsonl` in turn, each with its own id) with the shipped models and policy,
//! records them in a fresh store as `instrada serve` would, `VACUUM`s it and divides the pages of
//! the decisions' table and indexes by their rows (`dbstat`, [`instrada::store::disk_usage`]).
//! Then prunes them all, with the `decisions` retention, and says how long the prune held the
//! writer per chunk.
//!
//! ```sh
//! cargo run --release --features onnx --example decision_bytes            # store.text = "none"
//! TEXT=redacted N=20000 cargo run --release --features onnx --example decision_bytes
//! ```

use chrono::Utc;
use instrada::config::Settings;
use instrada::ops::route::RouteRequest;
use instrada::store::{Store, disk_usage};
use std::path::Path;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let text = std::env::var("TEXT").unwrap_or_else(|_| "none".into());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("a temporary directory");
    // `DB=path` keeps the file for a look with `sqlite3` (it must not exist yet).
    let db = std::env::var_os("DB").map_or_else(|| dir.path().join("bytes.db"), Into::into);
    let overrides = vec![
        ("store.path".to_string(), db.display().to_string()),
        ("store.text".to_string(), text.clone()),
    ];
    let (settings, source) =
        Settings::load(Some(&root.join("instrada.toml")), &overrides).expect("instrada.toml");
    let router = instrada::registry::load_router(&settings, &source).expect("the shipped models");
    let lines: Vec<RouteRequest> = std::fs::read_to_string(root.join("benches/requests.jsonl"))
        .expect("benches/requests.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a request"))
        .collect();
    let store = Store::open(&settings.store.store_config()).expect("a fresh store");
    let mut batch = Vec::with_capacity(500);
    for i in 0..n {
        let mut request = lines[i % lines.len()].clone();
        request.id = Some(format!("REQ-{i:06}"));
        let request = request.parse("").expect("a valid request");
        let (_, record) = router.route(&request, Utc::now()).answer();
        batch.push(record);
        if batch.len() == 500 || i + 1 == n {
            store
                .record_all(std::mem::take(&mut batch))
                .await
                .expect("recorded");
        }
    }
    store.close().await.expect("closed");
    let conn = rusqlite::Connection::open(&db).expect("the file");
    conn.execute_batch("VACUUM").expect("vacuum");
    drop(conn);
    let usage = disk_usage(&db).expect("usage");
    let d = usage.table("decisions").expect("decisions");
    let per = |b: u64| b as f64 / d.rows.max(1) as f64;
    println!(
        "store.text = {text}: {} decisions, {:.0} bytes per decision ({:.0} table + {:.0} \
         indexes), file {:.1} MB",
        d.rows,
        per(d.bytes()),
        per(d.table_bytes),
        per(d.index_bytes),
        usage.file_bytes as f64 / 1e6
    );

    if std::env::var_os("DB").is_some() {
        return;
    }
    // Pruning them all: how long each chunk holds the writer.
    let store = Store::open(&settings.store.store_config()).expect("reopened");
    let started = Instant::now();
    let before = store.stats().transactions;
    let pruned = store
        .prune(
            instrada::store::Kind::Decisions,
            Utc::now() + chrono::Duration::days(1),
            &instrada::store::PruneOptions::default(),
        )
        .await
        .expect("pruned");
    let elapsed = started.elapsed();
    let transactions = store.stats().transactions - before;
    store.close().await.expect("closed");
    println!(
        "pruned {} decisions in {:.0} ms: {} chunks of at most {} rows, {transactions} \
         transactions, longest chunk {:.1} ms",
        pruned.rows,
        elapsed.as_secs_f64() * 1e3,
        pruned.chunks,
        instrada::store::PruneOptions::default().chunk_rows,
        pruned.longest_chunk.as_secs_f64() * 1e3,
    );
}
