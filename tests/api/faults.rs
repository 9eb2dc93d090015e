//! PostgreSQL stopped under load and started again (a cluster of the test's own): while it is
//! down `POST /v1/route` answers 503 `store_unavailable` with Retry-After, never 200 for a
//! decision it could not record and never a 500; every decision answered 200 is in the database
//! afterwards; and the service routes again by itself once the database is back, without a
//! restart. (`sigkill_of_a_replica_on_postgresql…` in `crash.rs` is the other fault.)

#![cfg(unix)]

#[cfg(postgres)]
use crate::process::{listening, serve, stdout_lines};
#[cfg(postgres)]
use std::sync::atomic::{AtomicBool, Ordering};
#[cfg(postgres)]
use std::sync::{Arc, Mutex};
#[cfg(postgres)]
use std::time::Duration;

/// What the clients saw.
#[cfg(postgres)]
#[derive(Debug, Default)]
struct Seen {
    /// Decisions answered 200.
    acked: Vec<String>,
    /// 503 `store_unavailable` answers, and how many of them carried Retry-After.
    unavailable: usize,
    with_retry_after: usize,
    /// The first such answer's message (for the report).
    first_unavailable: Option<String>,
    /// Anything else: status and body.
    other: Vec<(u16, String)>,
}

/// Routes from `clients` tasks until `stop`.
#[cfg(postgres)]
fn load(
    base: &str,
    seen: &Arc<Mutex<Seen>>,
    stop: &Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    (0..4)
        .map(|_| {
            let (http, base, seen, stop) = (http.clone(), base.to_string(), seen.clone(), stop.clone());
            tokio::spawn(async move {
                let body = serde_json::json!({"channel": "email", "text": "devo pagare la TARI entro domani"});
                while !stop.load(Ordering::Relaxed) {
                    let sent = http.post(format!("{base}/v1/route")).json(&body).send().await;
                    let Ok(r) = sent else {
                        seen.lock().unwrap().other.push((0, format!("{sent:?}")));
                        continue;
                    };
                    let status = r.status().as_u16();
                    let retry_after = r.headers().contains_key("retry-after");
                    let answer: serde_json::Value = r.json().await.unwrap_or_default();
                    {
                        let mut seen = seen.lock().unwrap();
                        match (status, answer["error"]["code"].as_str()) {
                            (200, _) => seen.acked.push(answer["decision_id"].as_str().unwrap().to_string()),
                            (503, Some("store_unavailable")) => {
                                seen.unavailable += 1;
                                seen.with_retry_after += usize::from(retry_after);
                                if seen.first_unavailable.is_none() {
                                    seen.first_unavailable = Some(answer.to_string());
                                }
                            }
                            _ => seen.other.push((status, answer.to_string())),
                        }
                    }
                    if status != 200 {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            })
        })
        .collect()
}

/// Waits up to 30 s for `check` to hold of what the clients saw.
#[cfg(postgres)]
async fn until(seen: &Mutex<Seen>, what: &str, check: impl Fn(&Seen) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        {
            let seen = seen.lock().unwrap();
            if check(&seen) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "never {what}: {seen:?}"
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres),
    ignore = "needs PostgreSQL's server binaries (Debian's postgresql package; see build.rs)"
)]
async fn postgresql_restarted_under_load_answers_503_loses_nothing_and_recovers() {
    #[cfg(postgres)]
    restarted_under_load("commit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres),
    ignore = "needs PostgreSQL's server binaries (Debian's postgresql package; see build.rs)"
)]
async fn in_async_mode_what_was_answered_before_postgresql_stopped_is_written_when_it_returns() {
    #[cfg(postgres)]
    restarted_under_load("async").await;
}

/// Stops and starts the cluster under a routing load on `serve` with `durability`, and checks
/// what the clients saw and what the database holds.
#[cfg(postgres)]
async fn restarted_under_load(durability: &str) {
    {
        let cluster = instrada::store::pg_server::Cluster::new();
        let url = match cluster.database() {
            instrada::store::Location::Postgres(u) => u,
            other => panic!("{other:?}"),
        };
        let dir = tempfile::tempdir().unwrap();
        let mut child = crate::replicas::Replica(
            serve(
                dir.path(),
                &["--bind", "127.0.0.1:0", "--database-url", &url],
                &[("INSTRADA__STORE__DURABILITY", durability.to_string())],
            )
            .spawn()
            .unwrap(),
        );
        let (base, _) = listening(&stdout_lines(&mut child.0));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let clients = load(&base, &seen, &stop);
        until(&seen, "routed", |s| s.acked.len() >= 200).await;

        tokio::task::block_in_place(|| cluster.stop());
        until(&seen, "refused while down", |s| s.unavailable >= 50).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before = seen.lock().unwrap().acked.len();
        tokio::task::block_in_place(|| cluster.restart());
        until(&seen, "routed again after the restart", |s| {
            s.acked.len() >= before + 200
        })
        .await;
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            c.await.unwrap();
        }

        let seen = seen.lock().unwrap();
        eprintln!(
            "PostgreSQL stopped and started under load ({durability}): {} decisions acknowledged, \
             {} answers 503 store_unavailable (the first: {:?}), {} other",
            seen.acked.len(),
            seen.unavailable,
            seen.first_unavailable,
            seen.other.len()
        );
        assert!(
            seen.other.is_empty(),
            "only 200 and 503 store_unavailable: {:?}",
            seen.other
        );
        assert_eq!(
            seen.with_retry_after, seen.unavailable,
            "every 503 says when to retry"
        );
        // In async mode the last answered decisions may still be queued: a graceful stop commits
        // them (as it would after any load).
        let pid = child.0.id().to_string();
        let term = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status();
        assert!(term.unwrap().success());
        let _ = child.0.wait();
        let stored = crate::crash::stored_in_postgres(&url, "SELECT decision_id FROM decisions");
        let lost = seen.acked.iter().filter(|d| !stored.contains(*d)).count();
        assert_eq!(lost, 0, "of {} acknowledged decisions", seen.acked.len());
    }
}
