//! Shedding by queueing delay: while the runtime's workers are too busy to serve requests
//! promptly, new `/v1` requests get 503 `overloaded` at once; when they are free again, every
//! request is served. `benches/overload.sh` measures it at 2,000 connections.

use crate::helpers::*;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_refused_at_once_while_the_workers_are_swamped_and_served_after() {
    let app = spawn_app_with(|s| s.server.shed_lag_ms = 5).await;
    let body = json!({"channel": "email", "text": "Avviso TARI da pagare"});
    assert_eq!(app.post("/v1/route", &body).await.status(), 200);

    // Swamp both workers: tasks that each hold a worker for 30 ms, back to back, for a second —
    // the probe that should wake every millisecond wakes tens of milliseconds late.
    let swamp_until = Instant::now() + Duration::from_secs(1);
    let hogs: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(async move {
                while Instant::now() < swamp_until {
                    std::thread::sleep(Duration::from_millis(30));
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    let mut refused = 0;
    let mut served = 0;
    while Instant::now() < swamp_until {
        let r = app.post("/v1/route", &body).await;
        match r.status().as_u16() {
            503 => {
                assert_eq!(r.headers()["retry-after"], "1");
                let m = assert_error(r, 503, "overloaded").await;
                assert!(m.contains("capacity"), "{m}");
                refused += 1;
            }
            200 => served += 1,
            other => panic!("unexpected {other}"),
        }
    }
    for h in hogs {
        h.await.unwrap();
    }
    assert!(refused > 0, "some refused while swamped ({served} served)");

    // Free again: the share refused falls to nothing and every request is served.
    let calm_by = Instant::now() + Duration::from_secs(10);
    loop {
        let statuses: Vec<u16> = statuses(&app, &body, 20).await;
        refused += statuses.iter().filter(|s| **s == 503).count();
        if statuses.iter().all(|s| *s == 200) {
            break;
        }
        assert!(
            Instant::now() < calm_by,
            "still refusing when idle: {statuses:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(&format!("instrada_overloaded_total {refused}")),
        "{metrics}"
    );
}

/// The statuses of `n` requests sent one after the other.
async fn statuses(app: &TestApp, body: &serde_json::Value, n: usize) -> Vec<u16> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(app.post("/v1/route", body).await.status().as_u16());
    }
    out
}
