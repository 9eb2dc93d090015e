//! [`ApiJson`]: the JSON body of a request, read with axum (so `DefaultBodyLimit` applies) and
//! decoded by [`crate::ops::decode`], whose messages speak the caller's terms; a body not declared
//! as JSON is 415, one over the limit 413.
//!
//! [`ApiQuery`]: the query parameters, a bad one answered `invalid_request` naming it.

use super::error::ApiError;
use super::state::AppState;
use crate::ops::OpError;
use crate::ops::decode::{self, Input};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

/// A JSON body of type `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T: Input> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| unreadable(&e, state))?;
        Ok(Self(decode::json(&bytes)?))
    }
}

/// Query parameters of type `T`; a missing, unknown or malformed one is `invalid_request` (422)
/// with axum's message, which names the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send> axum::extract::FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e| ApiError::invalid(e.body_text()))
    }
}

/// Whether the body is declared as JSON: `application/json` or `application/*+json`, any
/// parameters (`; charset=utf-8`) allowed.
pub(super) fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json") || subtype.to_ascii_lowercase().ends_with("+json"))
}

pub(super) fn unreadable(rejection: &BytesRejection, state: &AppState) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        let s = &state.settings.server;
        ApiError::Op(OpError::TooLarge {
            limit: format!(
                "{} bytes, {} for batches",
                s.max_body_bytes, s.max_batch_body_bytes
            ),
        })
    } else {
        // The client went away or sent bad chunking: the caller's side.
        ApiError::Op(OpError::MalformedJson {
            detail: "the body could not be read to its end".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types_are_recognised() {
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, v.parse().unwrap());
            is_json(&h)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with("application/problem+json"));
        assert!(!with("text/plain"));
        assert!(!with("application/jsonl"));
        assert!(!is_json(&HeaderMap::new()));
    }
}
