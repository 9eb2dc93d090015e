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
    // A plain blocking socket: tokio's io-util is not needed for two small writes and two reads.
    use std::io::{Read, Write};
    let mut app = spawn_app().await;
    let body = json!({"channel": "app", "text": "Il lampione della strada è spento"}).to_string();
    // Headers only, asking for `100 Continue`: the server sends it when the handler starts reading
    // the body, so once it arrives the request is inside the handler, waiting. No sleeping until
    // it probably is.
    let mut tcp = std::net::TcpStream::connect(app.address.trim_start_matches("http://")).unwrap();
    let request = format!(
        "POST /v1/route HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\nexpect: 100-continue\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    tcp.write_all(request.as_bytes()).unwrap();
    let mut reader = tcp.try_clone().unwrap();
    let interim = tokio::task::spawn_blocking(move || {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            reader.read_exact(&mut byte).map(|()| head.push(byte[0]))?;
        }
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&head).into_owned())
    })
    .await
    .unwrap()
    .unwrap();
    assert!(interim.starts_with("HTTP/1.1 100 Continue"), "{interim}");

    let state = app.state.clone();
    let stopping = tokio::spawn(async move {
        app.shutdown().await.unwrap();
        app
    });
    // Single-threaded runtime: yielding lets the server task see the stop and begin shutting down
    // (bounded, so that a server that never does fails here instead of hanging).
    for _ in 0..100_000 {
        if state.is_shutting_down() {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(state.is_shutting_down(), "shutdown began");
    // Give the server every chance to finish (it would, at once, if it did not wait for the request).
    for _ in 0..1_000 {
        tokio::task::yield_now().await;
    }
    assert!(
        !stopping.is_finished(),
        "shutdown waits for the request in flight"
    );

    tcp.write_all(body.as_bytes()).unwrap();
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
