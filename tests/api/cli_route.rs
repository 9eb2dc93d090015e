//! `instrada route`: requests routed offline give, line for line, the decision `POST /v1/route`
//! returns for the same body; refused lines are reported by number and do not stop the others.

use crate::helpers::*;
use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// `instrada route --config CONFIG ARGS`, with `stdin` on its standard input.
fn route_cli(dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let config = write_config(dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_instrada"))
        .arg("route")
        .arg("--config")
        .arg(&config)
        .args(args)
        .env_remove("RUST_LOG")
        .env("INSTRADA__STORE__PATH", dir.join("instrada.db"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("instrada runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn requests() -> Vec<Value> {
    let at = "2026-11-23T09:15:00Z";
    vec![
        json!({"id": "A-1", "channel": "email", "text": "Ho ricevuto l'avviso TARI da pagare entro venerdì", "received_at": at}),
        json!({"channel": "phone", "text": "C'è puzza di gas nella scala del palazzo!", "received_at": at}),
        json!({"channel": "chat", "text": "asdf qwerty zxcv", "received_at": at, "attributes": {"servizio": "x"}}),
        json!({"channel": "web", "subject": "Certificato", "text": "Mi serve un certificato di residenza", "language": "it", "received_at": at}),
    ]
}

/// A decision without what differs from one routing to the next (its id, its timing).
fn comparable(mut d: Value) -> Value {
    let o = d.as_object_mut().unwrap();
    assert!(o.remove("decision_id").is_some());
    assert!(o.remove("timing_us").is_some());
    d
}

#[tokio::test]
async fn each_line_gets_the_decision_the_api_returns_for_the_same_body() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let input: String = requests().iter().map(|r| format!("{r}\n")).collect();
    let file = dir.path().join("day.jsonl");
    std::fs::write(&file, &input).unwrap();
    let out = route_cli(dir.path(), &[file.to_str().unwrap()], "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON decision"))
        .collect();
    assert_eq!(lines.len(), 4);
    for (request, offline) in requests().iter().zip(lines) {
        let online: Value = app.post("/v1/route", request).await.json().await.unwrap();
        assert_eq!(comparable(offline), comparable(online), "for {request}");
    }
    assert!(
        stderr.contains("4 requests routed with topic-fixture@"),
        "{stderr}"
    );
    // Rehearsals are not decisions anyone received: nothing goes to the audit trail.
    assert!(!dir.path().join("instrada.db").exists());
}

#[test]
fn refused_lines_are_reported_by_number_and_the_others_still_routed() {
    let dir = tempfile::tempdir().unwrap();
    let r = requests();
    let input = format!(
        "{}\n{{\"channel\": \"fax\", \"text\": \"Buongiorno\"}}\n\n{{not json\n{}\r\n{}\n",
        r[0],
        json!({"channel": "email", "text": "\u{200B}\u{200B}"}),
        json!({"id": "B-2", "channel": "web", "text": "Mi serve un certificato di residenza"})
    );
    let out = route_cli(dir.path(), &["-"], &input);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "refused lines make the command fail");
    let routed: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(routed.len(), 2, "{stderr}");
    assert_eq!(routed[0]["request_id"], "A-1");
    assert_eq!(routed[1]["request_id"], "B-2");
    assert!(
        stderr.contains("line 2: unknown_channel: channel: unknown channel `fax`"),
        "{stderr}"
    );
    assert!(stderr.contains("line 4: malformed_json:"), "{stderr}");
    assert!(stderr.contains("line 5: empty_text:"), "{stderr}");
    assert!(
        !stderr.contains("line 3"),
        "a blank line is skipped: {stderr}"
    );
    assert!(stderr.contains("2 requests routed"), "{stderr}");
    assert!(stderr.contains("3 of 5 lines refused"), "{stderr}");
}
