//! The HTTP service: one file per resource, one [`build_router`] used by `instrada serve` and by
//! the tests, one [`AppState`], one [`ApiError`].
//!
//! | endpoint | file |
//! |---|---|
//! | `POST /v1/route`, `POST /v1/route/batch` | [`route`] (DTOs, validation; the work is [`crate::route::Router`]) |
//! | `POST /v1/feedback` | [`feedback`] |
//! | `POST /v1/staffing` | [`staffing`] (DTOs; the work is [`crate::forecast::staffing`]) |
//! | `POST /v1/events` | [`events`] (contact events, idempotent, pseudonymised) |
//! | `GET /v1/models` | [`models`] |
//! | `GET /v1/store/stats`, `POST /v1/store/prune` | [`store`] (admin) |
//! | `/v1/outreach…` (list, score, run, review, optout, report) | [`outreach`] (advice only) |
//! | `GET /healthz`, `GET /readyz` | [`health`] |
//! | `GET /metrics` | [`metrics`] |
//! | `GET /openapi.json`, `/docs` | [`openapi`] |
//!
//! Layers, outermost first: metrics (every request is counted and timed, refusals included),
//! panic catcher (a panic is a 500 `internal`, never a dropped connection), then, on `/v1/*`
//! only, the concurrency limit (tower's, shedding load past it) and the body size limit. Start-up
//! and shutdown are in [`server`]; loading and validating models is the [`crate::registry`]'s.
//!
//! This module translates HTTP into one call of [`crate::ops`] or [`crate::jobs`] and back: it
//! holds the schema mirrors of their inputs and answers (OpenAPI's business, checked field for
//! field in `mirrors.rs`), the extractors, the status of each error and the handlers, and no rule
//! a user could observe: those are the operations', the same for every edge. It must not import
//! `cli`; nothing in the library imports it (`main.rs` calls [`serve`]).

pub mod audit;
pub mod auth;
pub mod contract;
pub mod error;
pub mod events;
pub mod extract;
pub mod feedback;
pub mod forecast;
pub mod health;
pub mod lag;
pub mod metrics;
#[cfg(test)]
mod mirrors;
pub mod models;
pub mod openapi;
pub mod outreach;
pub mod reload;
pub mod route;
pub mod schema;
pub mod server;
pub mod shed;
pub mod staffing;
pub mod state;
pub mod store;

pub use error::{ApiError, ErrorBody};
pub use server::{ServeError, run, serve};
pub use state::AppState;

use crate::access::Scope;
use crate::ops;
use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::catch_panic::CatchPanicLayer;

/// The service's routes and middleware over `state`.
pub fn build_router(state: AppState) -> Router {
    let server = &state.settings.server;
    // Each group of endpoints needs the scope of the operations it serves; every group has a body
    // limit (`max_body_bytes`, `max_batch_body_bytes` for batches and histories).
    let guard = |scope: Scope| from_fn_with_state((state.clone(), scope), auth::require);
    let limit = |bytes: usize| DefaultBodyLimit::max(bytes);
    let routing = Router::new()
        .route("/v1/route", post(route::route_one))
        .route("/v1/feedback", post(feedback::feedback))
        .layer(limit(server.max_body_bytes))
        .merge(
            Router::new()
                .route("/v1/route/batch", post(route::route_batch))
                .layer(limit(server.max_batch_body_bytes)),
        )
        .route_layer(guard(ops::route::SCOPE));
    let events = Router::new()
        .route("/v1/events", post(events::events))
        .layer(limit(server.max_batch_body_bytes))
        .route_layer(guard(ops::events::SCOPE));
    let planning = Router::new()
        .route("/v1/staffing", post(staffing::staffing))
        .route("/v1/series", get(forecast::series))
        .route("/v1/forecast", get(forecast::forecast))
        .layer(limit(server.max_body_bytes))
        .route_layer(guard(ops::forecast::SCOPE));
    let outreach = outreach::routes(server).route_layer(guard(ops::outreach::SCOPE));
    let admin = Router::new()
        .route("/v1/models", get(models::list))
        .route("/v1/models/reload", post(models::reload))
        .route("/v1/models/rollback", post(models::rollback))
        .route("/v1/audit/access", get(audit::access))
        .layer(limit(server.max_body_bytes))
        .route_layer(guard(ops::models::SCOPE))
        .merge(
            Router::new()
                .route("/v1/store/stats", get(store::stats))
                .route_layer(guard(ops::store::SCOPE)),
        );
    // Every request has a deadline, but the jobs: a refit or a scoring run takes long by design
    // (its work goes on when the caller leaves), and its caller waits for it.
    let (secs, retry_after_secs) = (server.request_timeout_secs, server.retry_after_secs);
    let deadline = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(
            move |_: tower::BoxError| async move {
                ApiError::TimedOut {
                    secs,
                    retry_after_secs,
                }
            },
        ))
        .timeout(std::time::Duration::from_secs(secs));
    let timed = routing
        .merge(events)
        .merge(planning)
        .merge(outreach)
        .merge(admin)
        .route_layer(deadline);
    let jobs = Router::new()
        .route("/v1/forecast/refit", post(forecast::refit))
        .route_layer(guard(crate::jobs::refit::SCOPE))
        .merge(
            Router::new()
                .route("/v1/outreach/run", post(outreach::run))
                .route_layer(guard(crate::jobs::run::SCOPE)),
        )
        .merge(
            Router::new()
                .route("/v1/store/prune", post(store::prune))
                .route_layer(guard(crate::jobs::prune::SCOPE)),
        )
        .layer(limit(server.max_body_bytes));
    // Backpressure: at most `server.concurrency_limit` `/v1/*` requests at once; past it, load
    // shedding refuses at once with 503 `overloaded` and Retry-After instead of queueing (a caller
    // retrying elsewhere does better than one whose request times out here). It comes before the
    // key check: refusing costs less than checking.
    let overloaded = {
        let state = state.clone();
        move |_: tower::BoxError| {
            let state = state.clone();
            async move { overloaded(&state) }
        }
    };
    let backpressure = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(overloaded))
        .load_shed()
        .layer(GlobalConcurrencyLimitLayer::with_semaphore(
            state.limiter.clone(),
        ));
    let v1 = timed
        .merge(jobs)
        .route_layer(backpressure)
        // Outermost: while requests wait too long to be served, refuse new ones before anything
        // else is done for them.
        .route_layer(from_fn_with_state(state.clone(), shed::shed));
    let metrics_route = Router::new().route("/metrics", get(metrics::render));
    let metrics_route = if server.metrics_open {
        metrics_route
    } else {
        metrics_route.route_layer(guard(Scope::Admin))
    };
    let docs: Router<AppState> =
        Router::from(openapi::swagger_ui()).route("/openapi.json", get(openapi::served));
    let docs = if server.docs_open {
        docs
    } else {
        docs.route_layer(guard(Scope::Admin))
    };
    Router::new()
        .merge(v1)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(metrics_route)
        .merge(docs)
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(state.clone())
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(from_fn_with_state(state, metrics::track))
}

/// The answer to a request refused at the concurrency limit.
fn overloaded(state: &AppState) -> Response {
    state
        .metrics
        .record(|| ::metrics::counter!(metrics::OVERLOADED).increment(1));
    ApiError::Overloaded {
        retry_after_secs: state.settings.server.retry_after_secs,
    }
    .into_response()
}
