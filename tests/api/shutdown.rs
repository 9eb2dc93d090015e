//! A graceful shutdown commits every decision that was returned.

use crate::helpers::*;
use instrada::store::{Store, StoreConfig};
use serde_json::json;

#[tokio::test]
async fn decisions_survive_a_graceful_shutdown() {
    let mut app = spawn_app().await;
    let n = 60;
    let mut handles = Vec::new();
    for i in 0..n {
        let client = app.client.clone();
        let url = format!("{}/v1/route", app.address);
        handles.push(tokio::spawn(async move {
            client
                .post(url)
                .json(
                    &json!({"channel": "web", "text": format!("Avviso TARI numero {i} da pagare")}),
                )
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), 200);
    }
    app.shutdown().await.unwrap();

    let store = Store::open(&StoreConfig::new(&app.db_path)).unwrap();
    assert_eq!(store.counts().await.unwrap().decisions, n);
    store.close().await.unwrap();
}

#[tokio::test]
async fn a_request_in_flight_when_shutdown_starts_is_finished_and_committed() {
    // A plain blocking socket: tokio's io-util is not needed for three small writes and a read.
    use std::io::{Read, Write};
    let mut app = spawn_app().await;
    let body = json!({"channel": "app", "text": "Il lampione della strada è spento"}).to_string();
    let (head, tail) = body.split_at(10);
    // Send the headers and part of the body: the request is in flight.
    let mut tcp = std::net::TcpStream::connect(app.address.trim_start_matches("http://")).unwrap();
    let request = format!(
        "POST /v1/route HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{head}",
        body.len()
    );
    tcp.write_all(request.as_bytes()).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;

    let state = app.state.clone();
    let stopping = tokio::spawn(async move {
        app.shutdown().await.unwrap();
        app
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(state.is_shutting_down());
    assert!(
        !stopping.is_finished(),
        "shutdown waits for the request in flight"
    );

    tcp.write_all(tail.as_bytes()).unwrap();
    let response = tokio::task::spawn_blocking(move || {
        let mut response = Vec::new();
        tcp.read_to_end(&mut response).map(|_| response)
    })
    .await
    .unwrap()
    .unwrap();
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let app = stopping.await.unwrap();

    let store = Store::open(&StoreConfig::new(&app.db_path)).unwrap();
    assert_eq!(store.counts().await.unwrap().decisions, 1);
    store.close().await.unwrap();
}
