//! Two `instrada serve` on one PostgreSQL database (README, "Several instances"): a decision
//! routed by one is found by feedback sent to the other, an event sent to both is stored once,
//! a citizen's pseudonym is the same through either, and the database URL's password is in no
//! log. Ignored with the reason where there is no PostgreSQL server (`build.rs`,
//! `cfg(postgres)`).

#![cfg(unix)]

use crate::process::{listening, serve, stdout_lines};
use serde_json::{Value, json};
use std::path::Path;

/// A running replica, killed when dropped (also when an assertion fails first).
struct Replica(std::process::Child);

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A replica: `serve` on the database `url`, in `dir`, with the citizens' pseudonym key `key`
/// (the same file for every replica); returns it and its address.
fn replica(dir: &Path, url: &str, key: &Path) -> (Replica, String) {
    let mut child = Replica(
        serve(
            dir,
            &["--bind", "127.0.0.1:0", "--database-url", url],
            &[
                ("INSTRADA__STORE__PSEUDONYM_KEY", key.display().to_string()),
                (
                    "INSTRADA__SERVER__PID_FILE",
                    dir.join("instrada.pid").display().to_string(),
                ),
            ],
        )
        .spawn()
        .unwrap(),
    );
    let (base, seen) = listening(&stdout_lines(&mut child.0));
    assert!(!seen.contains("s3cret"), "the password was logged:\n{seen}");
    (child, base)
}

/// POSTs `body` to `url`; the answer's status and JSON.
#[cfg(postgres)]
async fn post(http: &reqwest::Client, url: String, body: Value) -> (u16, Value) {
    let r = http.post(url).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(postgres),
    ignore = "needs a PostgreSQL server: Debian's postgresql package or INSTRADA_TEST_POSTGRES_URL (see build.rs)"
)]
async fn two_replicas_on_one_database_share_decisions_and_events() {
    #[cfg(postgres)]
    {
        let url = match instrada::store::pg_server::database() {
            instrada::store::Location::Postgres(u) => u,
            other => panic!("{other:?}"),
        };
        // A password in the URL (the test server trusts any): it must never reach a log.
        let url = url.replacen("postgres@", "postgres:s3cret@", 1);
        let root = tempfile::tempdir().unwrap();
        let key = root.path().join("pseudonym.key");
        let (a_dir, b_dir) = (root.path().join("a"), root.path().join("b"));
        std::fs::create_dir_all(&a_dir).unwrap();
        std::fs::create_dir_all(&b_dir).unwrap();
        let (_a, a_url) = replica(&a_dir, &url, &key);
        let (_b, b_url) = replica(&b_dir, &url, &key);
        let http = reqwest::Client::new();

        // Routed by A, corrected through B.
        let text = json!({"channel": "email", "text": "devo pagare la TARI entro domani"});
        let (_, routed) = post(&http, format!("{a_url}/v1/route"), text).await;
        let id = routed["decision_id"].as_str().unwrap().to_string();
        let correction = json!({"decision_id": id, "topic": "tributi"});
        let (status, fb) = post(&http, format!("{b_url}/v1/feedback"), correction).await;
        assert_eq!(status, 201, "{fb}");

        // One event sent to both replicas is stored once.
        let event = json!([{"event_id": "once", "occurred_at": "2026-11-23T09:15:00Z",
                            "channel": "phone", "citizen_id": "RSSMRA80A01H501U"}]);
        let mut stored = 0;
        let mut duplicates = 0;
        for base in [&a_url, &b_url] {
            let (_, ack) = post(&http, format!("{base}/v1/events"), event.clone()).await;
            stored += ack["stored"].as_u64().unwrap();
            duplicates += ack["duplicates"].as_u64().unwrap();
        }
        assert_eq!((stored, duplicates), (1, 1));

        // The pseudonym is the same whichever replica received the citizen's events.
        let again = json!([{"event_id": "twice", "occurred_at": "2026-11-24T09:15:00Z",
                             "channel": "phone", "citizen_id": "RSSMRA80A01H501U"}]);
        let (_, ack) = post(&http, format!("{b_url}/v1/events"), again).await;
        assert_eq!(ack["stored"], 1);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_instrada"))
            .args(["store", "stats", "--json", "--database-url", &url])
            .current_dir(root.path())
            .output()
            .unwrap();
        let stats: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        let rows = |t: &str| {
            stats["tables"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["table"] == t)
                .unwrap()["rows"]
                .as_u64()
                .unwrap()
        };
        assert_eq!(rows("events"), 2);
        assert_eq!(rows("decisions"), 1);
        assert_eq!(rows("feedback"), 1);
        assert_eq!(stats["method"], "pg_relation_size");
    }
}
