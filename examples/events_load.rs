//! Throughput of `POST /v1/events`: batches of 500 events from 4 concurrent senders against a
//! running instrada, for `SECONDS` (default 15). Every answered event is committed (the answer
//! comes after the commit), so events/s here is committed events per second.
//!
//! ```sh
//! INSTRADA__STORE__PATH=/tmp/ev.db INSTRADA__STORE__PSEUDONYM_KEY=/tmp/ev.key \
//!   target/release/instrada serve --bind 127.0.0.1:18090 &
//! URL=http://127.0.0.1:18090 cargo run --release --example events_load
//! ```

use serde_json::{Value, json};
use std::time::{Duration, Instant};

const BATCH: usize = 500;
const SENDERS: usize = 4;

fn batch(sender: usize, n: usize) -> Value {
    let channels = ["phone", "email", "pec", "web", "chat", "app"];
    Value::Array(
        (0..BATCH)
            .map(|i| {
                let k = n * BATCH + i;
                json!({
                    "event_id": format!("load-{sender}-{k}"),
                    "occurred_at": "2026-11-23T09:15:00Z",
                    "channel": channels[k % channels.len()],
                    "queue": "tributi",
                    "citizen_id": format!("CF{:08}", k % 50_000),
                    "handle_seconds": 60 + k % 600,
                    "outcome": "resolved"
                })
            })
            .collect(),
    )
}

#[tokio::main]
async fn main() {
    let url = std::env::var("URL").unwrap_or_else(|_| "http://127.0.0.1:18090".into());
    let seconds: u64 = std::env::var("SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let client = reqwest::Client::new();
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..SENDERS)
        .map(|sender| {
            let (client, url) = (client.clone(), format!("{url}/v1/events"));
            tokio::spawn(async move {
                let (mut stored, mut n) = (0u64, 0usize);
                while Instant::now() < until {
                    let body = batch(sender, n);
                    let r = client.post(&url).json(&body).send().await.expect("sent");
                    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
                    let ack: Value = r.json().await.expect("an acknowledgement");
                    stored += ack["stored"].as_u64().unwrap_or(0);
                    n += 1;
                }
                stored
            })
        })
        .collect();
    let mut stored = 0;
    for t in tasks {
        stored += t.await.expect("sender");
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{stored} events committed in {elapsed:.1} s: {:.0} events/s ({SENDERS} senders, batches of {BATCH})",
        stored as f64 / elapsed
    );
}
