//! The middleware that refuses new `/v1` requests at once, 503 `overloaded` with Retry-After,
//! in the share the queueing-delay control sets ([`super::lag`]), before anything else is done
//! for them.

use super::error::ApiError;
use super::metrics as m;
use super::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Refuses the request at once while the service is overloaded.
pub async fn shed(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if state.lag.shed() {
        state
            .metrics
            .record(|| ::metrics::counter!(m::OVERLOADED).increment(1));
        return ApiError::Overloaded {
            retry_after_secs: state.settings.server.retry_after_secs,
        }
        .into_response();
    }
    next.run(req).await
}
