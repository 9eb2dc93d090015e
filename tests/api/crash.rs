//! `kill -9` of `instrada serve` in the middle of a stream of routes and event batches. With
//! `store.durability = "commit"` every decision and event that was answered with 200 is in the
//! database after a restart; with `"async"` the decisions still queued when the process died are
//! lost, and the test says how many (events are committed before their answer in both modes).

#![cfg(unix)]

use crate::process::{listening, serve, stdout_lines, until};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Decisions acknowledged before the kill that are wanted before it happens: enough that the
/// writer is busy committing when the process dies.
const DECISIONS_BEFORE_KILL: usize = 1_500;
/// Events per `POST /v1/events`.
const EVENTS_PER_BATCH: usize = 50;

#[derive(Debug, Default)]
pub(crate) struct Acknowledged {
    pub(crate) decisions: Vec<String>,
    pub(crate) events: Vec<String>,
}

/// What a crash left: acknowledged before it, and of those, missing after the restart.
#[derive(Debug)]
struct Crash {
    decisions: usize,
    events: usize,
    decisions_lost: usize,
    events_lost: usize,
}

/// `serve` with `durability`, on a port of its own, on the SQLite file in `dir` or on the
/// PostgreSQL database `url`; returns the child and its address.
fn start(
    dir: &Path,
    durability: &str,
    url: Option<&str>,
) -> (
    std::process::Child,
    String,
    std::sync::mpsc::Receiver<String>,
) {
    let mut args = vec!["--bind", "127.0.0.1:0"];
    if let Some(url) = url {
        args.extend(["--database-url", url]);
    }
    let mut child = serve(
        dir,
        &args,
        &[("INSTRADA__STORE__DURABILITY", durability.to_string())],
    )
    .spawn()
    .unwrap();
    let lines = stdout_lines(&mut child);
    let (base, _) = listening(&lines);
    (child, base, lines)
}

fn event(id: &str) -> Value {
    json!({
        "event_id": id,
        "occurred_at": "2026-11-23T09:15:00+01:00",
        "channel": "email",
        "queue": "tributi",
        "urgency": "normal",
        "handle_seconds": 120,
        "outcome": "resolved",
    })
}

/// Routes and posts event batches from several clients until the server goes away.
pub(crate) async fn stream(address: String, acked: Arc<Mutex<Acknowledged>>) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut clients = Vec::new();
    for c in 0..6 {
        let (client, address, acked) = (client.clone(), address.clone(), Arc::clone(&acked));
        clients.push(tokio::spawn(async move {
            let body = json!({"channel": "email", "text": "vorrei pagare la TARI in ritardo, come faccio?"});
            loop {
                let Ok(r) = client.post(format!("{address}/v1/route")).json(&body).send().await
                else {
                    return;
                };
                if r.status() != 200 {
                    continue;
                }
                let Ok(d) = r.json::<Value>().await else { return };
                let id = d["decision_id"].as_str().unwrap().to_string();
                acked.lock().unwrap().decisions.push(id);
                if c == 0 {
                    tokio::task::yield_now().await;
                }
            }
        }));
    }
    for c in 0..2 {
        let (client, address, acked) = (client.clone(), address.clone(), Arc::clone(&acked));
        clients.push(tokio::spawn(async move {
            for batch in 0.. {
                let ids: Vec<String> = (0..EVENTS_PER_BATCH)
                    .map(|i| format!("crash-{c}-{batch}-{i}"))
                    .collect();
                let body = Value::Array(ids.iter().map(|id| event(id)).collect());
                let Ok(r) = client
                    .post(format!("{address}/v1/events"))
                    .json(&body)
                    .send()
                    .await
                else {
                    return;
                };
                if r.status() != 200 {
                    continue;
                }
                let Ok(ack) = r.json::<Value>().await else {
                    return;
                };
                assert_eq!(ack["stored"], EVENTS_PER_BATCH, "{ack}");
                acked.lock().unwrap().events.extend(ids);
            }
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
}

/// Streams, kills the server with SIGKILL, restarts it on the same database, stops it, and
/// looks in the database for everything that was acknowledged.
async fn crash(durability: &str, url: Option<&str>) -> Crash {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, address, _lines) = start(dir.path(), durability, url);
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let streaming = tokio::spawn(stream(address, Arc::clone(&acked)));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let got = {
            let a = acked.lock().unwrap();
            (a.decisions.len(), a.events.len())
        };
        if got.0 >= DECISIONS_BEFORE_KILL && got.1 > 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "too slow to stream: {got:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    streaming.await.unwrap();

    // A restart opens the database (recovering its WAL) and serves again.
    let (mut child, _, lines) = start(dir.path(), durability, url);
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    until(&lines, "stopped").ok();
    child.wait().unwrap();

    let stored = |sql: &str| -> HashSet<String> {
        match url {
            Some(url) => stored_in_postgres(url, sql),
            None => {
                let conn = rusqlite::Connection::open(dir.path().join("instrada.db")).unwrap();
                let mut stmt = conn.prepare(sql).unwrap();
                stmt.query_map([], |r| r.get::<_, String>(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect()
            }
        }
    };
    let decisions = stored("SELECT decision_id FROM decisions");
    let events = stored("SELECT event_id FROM events");
    let a = acked.lock().unwrap();
    Crash {
        decisions: a.decisions.len(),
        events: a.events.len(),
        decisions_lost: a
            .decisions
            .iter()
            .filter(|d| !decisions.contains(*d))
            .count(),
        events_lost: a.events.iter().filter(|e| !events.contains(*e)).count(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_nothing_acknowledged_in_commit_mode() {
    let c = crash("commit", None).await;
    eprintln!("durability = \"commit\": {c:?}");
    assert!(
        c.decisions >= DECISIONS_BEFORE_KILL && c.events > 0,
        "{c:?}"
    );
    assert_eq!((c.decisions_lost, c.events_lost), (0, 0), "{c:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_in_async_mode_loses_only_queued_decisions_and_says_how_many() {
    let c = crash("async", None).await;
    eprintln!(
        "durability = \"async\": {} of {} acknowledged decisions lost, {} of {} events",
        c.decisions_lost, c.decisions, c.events_lost, c.events
    );
    assert!(
        c.decisions >= DECISIONS_BEFORE_KILL && c.events > 0,
        "{c:?}"
    );
    assert_eq!(
        c.events_lost, 0,
        "events are committed before their answer: {c:?}"
    );
}

/// The first column of `sql`'s rows, read from the PostgreSQL database `url` (off the runtime:
/// the client is blocking).
pub(crate) fn stored_in_postgres(url: &str, sql: &str) -> HashSet<String> {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client
            .query(sql.as_str(), &[])
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect()
    })
    .join()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres),
    ignore = "needs a PostgreSQL server: Debian's postgresql package or INSTRADA_TEST_POSTGRES_URL (see build.rs)"
)]
async fn sigkill_of_a_replica_on_postgresql_loses_nothing_acknowledged_in_commit_mode() {
    #[cfg(postgres)]
    {
        let url = match instrada::store::pg_server::database() {
            instrada::store::Location::Postgres(u) => u,
            other => panic!("{other:?}"),
        };
        let c = crash("commit", Some(&url)).await;
        eprintln!("PostgreSQL, durability = \"commit\": {c:?}");
        assert!(
            c.decisions >= DECISIONS_BEFORE_KILL && c.events > 0,
            "{c:?}"
        );
        assert_eq!((c.decisions_lost, c.events_lost), (0, 0), "{c:?}");
    }
}
