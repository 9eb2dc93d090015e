//! Backpressure: at most `server.concurrency_limit` requests to `/v1/*` at once. Past it the
//! answer is 503 `overloaded` with `Retry-After`, at once: a request never waits in an unbounded
//! queue (a caller retrying elsewhere does better than one whose request times out here).

use super::error::ApiError;
use super::metrics::OVERLOADED;
use super::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Takes a permit for the request or refuses it.
pub async fn limit_concurrency(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    match state.limiter.clone().try_acquire_owned() {
        Ok(permit) => {
            let response = next.run(req).await;
            drop(permit);
            response
        }
        Err(_) => {
            metrics::counter!(OVERLOADED).increment(1);
            ApiError::Overloaded {
                retry_after_secs: state.settings.server.retry_after_secs,
            }
            .into_response()
        }
    }
}
