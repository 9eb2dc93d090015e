//! The HTTP service: one file per resource, one [`build_router`] used by `instrada serve` and by
//! the tests, one [`AppState`], one [`ApiError`].
//!
//! | endpoint | file |
//! |---|---|
//! | `POST /v1/route`, `POST /v1/route/batch` | [`route`] (DTOs, validation), [`decide`] (the work) |
//! | `POST /v1/feedback` | [`feedback`] |
//! | `GET /v1/models` | [`models`] |
//! | `GET /healthz`, `GET /readyz` | [`health`] |
//! | `GET /metrics` | [`metrics`] |
//! | `GET /openapi.json`, `/docs` | [`openapi`] |
//!
//! Layers, outermost first: metrics (every request is counted and timed, refusals included),
//! panic catcher (a panic is a 500 `internal`, never a dropped connection), then, on `/v1/*`
//! only, the concurrency limit ([`limit`]) and the body size limit. Start-up and shutdown are in
//! [`server`]; validation of a configuration in [`startup`].

pub mod decide;
pub mod error;
pub mod extract;
pub mod feedback;
pub mod health;
pub mod limit;
pub mod metrics;
pub mod models;
pub mod openapi;
pub mod reload;
pub mod route;
pub mod server;
pub mod startup;
pub mod state;

pub use error::{ApiError, ErrorBody};
pub use server::{ServeError, check_config, run, serve};
pub use state::{AppState, Engine};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;

/// The service's routes and middleware over `state`.
pub fn build_router(state: AppState) -> Router {
    let server = &state.settings.server;
    let single = Router::new()
        .route("/v1/route", post(route::route_one))
        .route("/v1/feedback", post(feedback::feedback))
        .layer(DefaultBodyLimit::max(server.max_body_bytes));
    let batch = Router::new()
        .route("/v1/route/batch", post(route::route_batch))
        .layer(DefaultBodyLimit::max(server.max_batch_body_bytes));
    let v1 = single
        .merge(batch)
        .route("/v1/models", get(models::list))
        .route_layer(from_fn_with_state(state.clone(), limit::limit_concurrency));
    Router::new()
        .merge(v1)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .merge(openapi::swagger_ui())
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(state)
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(from_fn(metrics::track))
}
