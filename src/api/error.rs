//! The one error type of the HTTP boundary: every failure becomes an [`ApiError`], and every
//! error body has the same shape, `{"error": {"code": "...", "message": "..."}}`, with a stable
//! snake_case `code` that clients can branch on (the table is [`ApiError::code`]).
//!
//! 4xx are the caller's fault and are not logged above debug level (their messages may quote the
//! caller's input). 503s are runtime conditions and carry `Retry-After`. A 500 is a bug: its
//! cause is logged once, here, and its body says nothing about it.

use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::any::Any;
use utoipa::ToSchema;
use uuid::Uuid;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON.
    #[error("the body is not valid JSON: {detail}")]
    MalformedJson {
        /// The parser's message.
        detail: String,
    },
    /// The JSON does not have the expected shape or a value is out of range.
    #[error("{detail}")]
    InvalidRequest {
        /// What is wrong, naming the field.
        detail: String,
    },
    /// The request text is empty or blank.
    #[error("{field} is empty: there is nothing to classify")]
    EmptyText {
        /// The field, e.g. `text` or `requests[3].text`.
        field: String,
    },
    /// The channel is not one the service knows.
    #[error(
        "{field}: unknown channel `{channel}` (expected one of phone, email, pec, web, chat, app, social, counter)"
    )]
    UnknownChannel {
        /// The field.
        field: String,
        /// The channel as sent.
        channel: String,
    },
    /// The body is larger than the configured limit.
    #[error("the request body is larger than the limit of this endpoint ({limit})")]
    BodyTooLarge {
        /// The limit, as text.
        limit: String,
    },
    /// More requests in a batch than `server.max_batch`.
    #[error("the batch has {count} requests, more than the maximum of {max}")]
    BatchTooLarge {
        /// Requests sent.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A batch with no requests.
    #[error("the batch has no requests")]
    EmptyBatch,
    /// Feedback names a decision the store does not have.
    #[error("no decision {decision_id}")]
    UnknownDecision {
        /// The id sent.
        decision_id: Uuid,
    },
    /// No such path.
    #[error("no endpoint at {path}")]
    NotFound {
        /// The path asked for.
        path: String,
    },
    /// The path exists but not with this method.
    #[error("{method} is not allowed on {path}")]
    MethodNotAllowed {
        /// The method used.
        method: String,
        /// The path.
        path: String,
    },
    /// The body is not declared as JSON.
    #[error("the body must be JSON, sent with `Content-Type: application/json`")]
    UnsupportedMediaType,
    /// Past the concurrency limit.
    #[error("the service is at capacity: retry in {retry_after_secs} s")]
    Overloaded {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// The decision store cannot take the write (full queue past the wait, closed, failed).
    #[error("the decision store is unavailable: retry in {retry_after_secs} s")]
    StoreUnavailable {
        /// Seconds to wait.
        retry_after_secs: u64,
        /// The cause, logged and never sent.
        cause: String,
    },
    /// The service is not ready (starting or shutting down).
    #[error("the service is not ready: {reason}")]
    NotReady {
        /// Why.
        reason: String,
    },
    /// A bug. The cause is logged once and never sent.
    #[error("internal error")]
    Internal {
        /// The cause, logged and never sent.
        cause: String,
    },
}

/// Every error response: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"error": {"code": "empty_text", "message": "text is empty: there is nothing to classify"}}))]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The code and message of an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code, e.g. `empty_text`; branch on this, not on the message.
    pub code: String,
    /// For people: what went wrong and, where it helps, how to fix it.
    pub message: String,
}

impl ApiError {
    /// The stable code and HTTP status of each error.
    pub fn code(&self) -> (&'static str, StatusCode) {
        match self {
            Self::MalformedJson { .. } => ("malformed_json", StatusCode::BAD_REQUEST),
            Self::InvalidRequest { .. } => ("invalid_request", StatusCode::UNPROCESSABLE_ENTITY),
            Self::EmptyText { .. } => ("empty_text", StatusCode::UNPROCESSABLE_ENTITY),
            Self::UnknownChannel { .. } => ("unknown_channel", StatusCode::UNPROCESSABLE_ENTITY),
            Self::BodyTooLarge { .. } => ("body_too_large", StatusCode::PAYLOAD_TOO_LARGE),
            Self::BatchTooLarge { .. } => ("batch_too_large", StatusCode::UNPROCESSABLE_ENTITY),
            Self::EmptyBatch => ("empty_batch", StatusCode::UNPROCESSABLE_ENTITY),
            Self::UnknownDecision { .. } => ("unknown_decision", StatusCode::NOT_FOUND),
            Self::NotFound { .. } => ("not_found", StatusCode::NOT_FOUND),
            Self::MethodNotAllowed { .. } => ("method_not_allowed", StatusCode::METHOD_NOT_ALLOWED),
            Self::UnsupportedMediaType => {
                ("unsupported_media_type", StatusCode::UNSUPPORTED_MEDIA_TYPE)
            }
            Self::Overloaded { .. } => ("overloaded", StatusCode::SERVICE_UNAVAILABLE),
            Self::StoreUnavailable { .. } => ("store_unavailable", StatusCode::SERVICE_UNAVAILABLE),
            Self::NotReady { .. } => ("not_ready", StatusCode::SERVICE_UNAVAILABLE),
            Self::Internal { .. } => ("internal", StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    /// An invalid-request error.
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::InvalidRequest {
            detail: detail.into(),
        }
    }

    /// The body sent for this error.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code().0.to_string(),
                message: self.to_string(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, status) = self.code();
        let retry_after = match &self {
            Self::Overloaded { retry_after_secs } => Some(*retry_after_secs),
            Self::StoreUnavailable {
                retry_after_secs,
                cause,
            } => {
                tracing::warn!(code, %cause, "decision store unavailable");
                Some(*retry_after_secs)
            }
            Self::NotReady { .. } => Some(1),
            Self::Internal { cause } => {
                tracing::error!(code, %cause, "internal error");
                None
            }
            _ => {
                tracing::debug!(code, status = status.as_u16(), "request refused");
                None
            }
        };
        let mut response = (status, axum::Json(self.body())).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// The fallback for paths no route serves: 404 `not_found`.
pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound {
        path: uri.path().to_string(),
    }
}

/// The fallback for a known path with another method: 405 `method_not_allowed`.
pub async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed {
        method: method.to_string(),
        path: uri.path().to_string(),
    }
}

/// What a handler that panicked answers: 500 `internal`, the panic message logged (redacted, as
/// it could quote a request), nothing of it sent.
pub fn panic_response(payload: Box<dyn Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    ApiError::Internal {
        cause: format!("handler panicked: {}", crate::text::redact(message)),
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_and_statuses_fit() {
        let all = [
            ApiError::MalformedJson { detail: "x".into() },
            ApiError::invalid("x"),
            ApiError::EmptyText {
                field: "text".into(),
            },
            ApiError::UnknownChannel {
                field: "channel".into(),
                channel: "fax".into(),
            },
            ApiError::BodyTooLarge { limit: "1".into() },
            ApiError::BatchTooLarge { count: 2, max: 1 },
            ApiError::EmptyBatch,
            ApiError::UnknownDecision {
                decision_id: Uuid::nil(),
            },
            ApiError::NotFound { path: "/".into() },
            ApiError::MethodNotAllowed {
                method: "GET".into(),
                path: "/".into(),
            },
            ApiError::UnsupportedMediaType,
            ApiError::Overloaded {
                retry_after_secs: 1,
            },
            ApiError::StoreUnavailable {
                retry_after_secs: 1,
                cause: "c".into(),
            },
            ApiError::NotReady { reason: "r".into() },
            ApiError::Internal {
                cause: "secret".into(),
            },
        ];
        for e in &all {
            let (code, status) = e.code();
            assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            assert!(status.is_client_error() || status.is_server_error());
        }
    }

    #[test]
    fn internal_errors_leak_nothing_and_503s_say_when_to_retry() {
        let e = ApiError::Internal {
            cause: "db password is hunter2".into(),
        };
        assert_eq!(e.body().error.message, "internal error");
        let r = ApiError::Overloaded {
            retry_after_secs: 3,
        }
        .into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[header::RETRY_AFTER], "3");
        let r = panic_response(Box::new("boom"));
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
