//! Router tests without a socket (`build_router(state).oneshot(request)`).

use crate::helpers::*;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use axum::routing::get;
use instrada::api::{ErrorBody, build_router};
use tower::ServiceExt;
use tower_http::catch_panic::CatchPanicLayer;

async fn error_of(response: axum::response::Response) -> (StatusCode, ErrorBody) {
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

async fn boom() -> &'static str {
    panic!("secret detail: mario.rossi@example.it")
}

#[tokio::test]
async fn a_panicking_handler_is_a_500_that_leaks_nothing() {
    // The same layer and handler as build_router, around a route that panics.
    let app = axum::Router::new()
        .route("/boom", get(boom))
        .layer(CatchPanicLayer::custom(
            instrada::api::error::panic_response,
        ));
    let response = app
        .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (status, body) = error_of(response).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body.error.code, "internal");
    assert_eq!(body.error.message, "internal error");
}

#[tokio::test]
async fn the_router_serves_without_a_socket() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(settings(dir.path()));
    let router = build_router(state.clone());
    let request = Request::post("/v1/route")
        .header("content-type", "application/json")
        .body(Body::from(
            r#"{"channel":"counter","text":"certificato di residenza"}"#,
        ))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let request = Request::post("/v1/route")
        .body(Body::from(r#"{"channel":"counter","text":"x"}"#))
        .unwrap();
    let (status, body) = error_of(router.oneshot(request).await.unwrap()).await;
    assert_eq!(
        (status, body.error.code.as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    state.store.close().await.unwrap();
}
