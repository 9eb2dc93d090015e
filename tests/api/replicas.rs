//! Two `instrada serve` on one PostgreSQL database (README, "Several instances"): a decision
//! routed by one is found by feedback sent to the other, an event sent to both is stored once,
//! a citizen's pseudonym is the same through either, and the database URL's password is in no
//! log; a model reload and a rollback asked of one reach the other, and a key created or revoked
//! on the database works, or stops working, on both. Ignored with the reason where there is no PostgreSQL server (`build.rs`,
//! `cfg(postgres)`).

#![cfg(unix)]

use crate::process::{listening, serve, stdout_lines};
use serde_json::{Value, json};
use std::path::Path;

/// A running replica, killed when dropped (also when an assertion fails first).
pub(crate) struct Replica(pub(crate) std::process::Child);

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A replica: `serve` on the database `url`, in `dir`, with the citizens' pseudonym key `key`
/// (the same file for every replica) and the settings `env`; returns it and its address.
fn replica(dir: &Path, url: &str, key: &Path, env: &[(&str, String)]) -> (Replica, String) {
    let mut env = env.to_vec();
    env.push(("INSTRADA__STORE__PSEUDONYM_KEY", key.display().to_string()));
    env.push((
        "INSTRADA__SERVER__PID_FILE",
        dir.join("instrada.pid").display().to_string(),
    ));
    let mut child = Replica(
        serve(dir, &["--bind", "127.0.0.1:0", "--database-url", url], &env)
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
        let (_a, a_url) = replica(&a_dir, &url, &key, &[]);
        let (_b, b_url) = replica(&b_dir, &url, &key, &[]);
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

/// `instrada ARGS` on the database `url` (any machine that reaches it: here, neither replica's
/// process); its standard output, asserting success.
#[cfg(postgres)]
fn cli(dir: &Path, url: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_instrada"))
        .args(args)
        .arg("--config")
        .arg(crate::helpers::write_config(dir))
        .env("INSTRADA__STORE__URL", url)
        .current_dir(dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{args:?}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// POSTs `body` to `url` with `key`; the answer's status and JSON.
#[cfg(postgres)]
async fn post_as(http: &reqwest::Client, key: &str, url: String, body: Value) -> (u16, Value) {
    let r = http
        .post(url)
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Waits (up to 30 s) until `check` holds of the answer of routing through `base` with `key`.
#[cfg(postgres)]
async fn until_routed(
    http: &reqwest::Client,
    key: &str,
    base: &str,
    what: &str,
    check: impl Fn(u16, &Value) -> bool,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let body = json!({"channel": "email", "text": "devo pagare la TARI entro domani"});
        let (status, answer) = post_as(http, key, format!("{base}/v1/route"), body).await;
        if check(status, &answer) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{base}: never {what}: {status} {answer}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(postgres),
    ignore = "needs a PostgreSQL server: Debian's postgresql package or INSTRADA_TEST_POSTGRES_URL (see build.rs)"
)]
async fn a_reload_a_rollback_and_keys_reach_every_replica() {
    #[cfg(postgres)]
    {
        let url = match instrada::store::pg_server::database() {
            instrada::store::Location::Postgres(u) => u,
            other => panic!("{other:?}"),
        };
        let root = tempfile::tempdir().unwrap();
        // One models directory for both (a shared volume, or the same files deployed to each).
        let bundle = crate::helpers::bundle_copy();
        let key = root.path().join("pseudonym.key");
        let (a_dir, b_dir) = (root.path().join("a"), root.path().join("b"));
        std::fs::create_dir_all(&a_dir).unwrap();
        std::fs::create_dir_all(&b_dir).unwrap();
        let env = [
            ("INSTRADA__SERVER__AUTH", "required".to_string()),
            ("INSTRADA__MODELS__DIR", bundle.path().display().to_string()),
            ("INSTRADA__MODELS__FOLLOW_SECS", "1".to_string()),
        ];
        let (_a, a_url) = replica(&a_dir, &url, &key, &env);
        let (_b, b_url) = replica(&b_dir, &url, &key, &env);
        let http = reqwest::Client::new();

        // A key created on the database, by neither replica, works on both.
        let created = cli(
            root.path(),
            &url,
            &[
                "keys", "create", "--name", "ops", "--scope", "admin", "--scope", "route",
            ],
        );
        let ops = created.lines().last().unwrap().to_string();
        let topic = |a: &Value| {
            a["models"]["topic"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        let body = || json!({"channel": "email", "text": "devo pagare la TARI entro domani"});
        // Each replica reads the keys again within a few seconds (KeyRing::REFRESH).
        for base in [&a_url, &b_url] {
            until_routed(&http, &ops, base, "accepted the new key", |s, _| s == 200).await;
        }
        let (status, routed) = post_as(&http, &ops, format!("{a_url}/v1/route"), body()).await;
        assert_eq!(status, 200, "{routed}");
        let first = topic(&routed);
        let (status, routed) = post_as(&http, &ops, format!("{b_url}/v1/route"), body()).await;
        assert_eq!((status, topic(&routed)), (200, first.clone()), "{routed}");

        // Retrained models, reloaded through A: B follows; rolled back through A: B follows.
        crate::helpers::retrain_topic(bundle.path());
        let (status, now) =
            post_as(&http, &ops, format!("{a_url}/v1/models/reload"), json!({})).await;
        assert_eq!(status, 200, "{now}");
        let second = now["topic"].as_str().unwrap().to_string();
        assert_ne!(first, second);
        until_routed(&http, &ops, &b_url, "the reloaded models", |s, a| {
            s == 200 && topic(a) == second
        })
        .await;
        let (status, back) = post_as(
            &http,
            &ops,
            format!("{a_url}/v1/models/rollback"),
            json!({}),
        )
        .await;
        assert_eq!(
            (status, back["topic"].as_str()),
            (200, Some(first.as_str())),
            "{back}"
        );
        until_routed(&http, &ops, &b_url, "the rolled-back models", |s, a| {
            s == 200 && topic(a) == first
        })
        .await;

        // Revoked on the database: refused by both within the key refresh.
        cli(root.path(), &url, &["keys", "revoke", "ops"]);
        for base in [&a_url, &b_url] {
            until_routed(&http, &ops, base, "refused the revoked key", |s, _| {
                s == 401
            })
            .await;
        }
    }
}
