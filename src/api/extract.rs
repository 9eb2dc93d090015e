//! [`ApiJson`]: axum's `Json` extractor with its rejections turned into [`ApiError`]s, so that a
//! body that is not JSON, not declared as JSON, too large or of the wrong shape gets the same
//! error body as every other failure.

use super::error::ApiError;
use super::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

/// A JSON body of type `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(map_rejection(rejection, state)),
        }
    }
}

fn map_rejection(rejection: JsonRejection, state: &AppState) -> ApiError {
    match ApiError::from(rejection) {
        ApiError::BodyTooLarge { .. } => {
            let s = &state.settings.server;
            ApiError::BodyTooLarge {
                limit: format!(
                    "{} bytes, {} for batches",
                    s.max_body_bytes, s.max_batch_body_bytes
                ),
            }
        }
        other => other,
    }
}
