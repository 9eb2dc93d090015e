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
    /// A forecast series that `[forecast]` does not define.
    #[error("no series `{name}` (the series are {known})")]
    UnknownSeries {
        /// The name asked for.
        name: String,
        /// The series there are, comma-separated.
        known: String,
    },
    /// A review of an outreach flag the store does not have.
    #[error("no outreach flag {flag_id}")]
    UnknownFlag {
        /// The id sent.
        flag_id: Uuid,
    },
    /// A citizen who opted out of outreach: never scored.
    #[error("this citizen opted out of outreach and is never scored")]
    OptedOut,
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
            Self::UnknownSeries { .. } => ("unknown_series", StatusCode::NOT_FOUND),
            Self::UnknownFlag { .. } => ("unknown_flag", StatusCode::NOT_FOUND),
            Self::OptedOut => ("opted_out", StatusCode::CONFLICT),
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
    use std::collections::{BTreeMap, HashSet};

    /// One error of each variant, as the handlers build them. The match in [`documented`] has no
    /// `_` arm, so a new variant does not compile until it has a row there; the README check below
    /// then fails until it has a sample here and a row in the README's table.
    fn samples() -> Vec<ApiError> {
        vec![
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
            ApiError::UnknownSeries {
                name: "x".into(),
                known: "total".into(),
            },
            ApiError::UnknownFlag {
                flag_id: Uuid::nil(),
            },
            ApiError::OptedOut,
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
                cause: "disk full at /var/lib/secret".into(),
            },
            ApiError::NotReady { reason: "r".into() },
            ApiError::Internal {
                cause: "db password is hunter2".into(),
            },
        ]
    }

    /// The contract as published (README "Errors", the OpenAPI description): code, status, and
    /// whether the response carries `Retry-After`. Written out again here, not derived from
    /// [`ApiError::code`], so that a change to the table in the code is a change to this test too.
    fn documented(e: &ApiError) -> (&'static str, u16, bool) {
        match e {
            ApiError::MalformedJson { .. } => ("malformed_json", 400, false),
            ApiError::InvalidRequest { .. } => ("invalid_request", 422, false),
            ApiError::EmptyText { .. } => ("empty_text", 422, false),
            ApiError::UnknownChannel { .. } => ("unknown_channel", 422, false),
            ApiError::BodyTooLarge { .. } => ("body_too_large", 413, false),
            ApiError::BatchTooLarge { .. } => ("batch_too_large", 422, false),
            ApiError::EmptyBatch => ("empty_batch", 422, false),
            ApiError::UnknownDecision { .. } => ("unknown_decision", 404, false),
            ApiError::UnknownSeries { .. } => ("unknown_series", 404, false),
            ApiError::UnknownFlag { .. } => ("unknown_flag", 404, false),
            ApiError::OptedOut => ("opted_out", 409, false),
            ApiError::NotFound { .. } => ("not_found", 404, false),
            ApiError::MethodNotAllowed { .. } => ("method_not_allowed", 405, false),
            ApiError::UnsupportedMediaType => ("unsupported_media_type", 415, false),
            ApiError::Overloaded { .. } => ("overloaded", 503, true),
            ApiError::StoreUnavailable { .. } => ("store_unavailable", 503, true),
            ApiError::NotReady { .. } => ("not_ready", 503, true),
            ApiError::Internal { .. } => ("internal", 500, false),
        }
    }

    /// `code → (status, Retry-After)` from the README's error table.
    fn readme_table() -> BTreeMap<String, (u16, bool)> {
        let readme = include_str!("../../README.md");
        let section = readme
            .split_once("**Errors**")
            .map(|(_, rest)| rest)
            .expect("README has an **Errors** section");
        let row = regex::Regex::new(r"^\| `([a-z_]+)` \| (\d{3})([^|]*)\|").unwrap();
        section
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .filter_map(|l| row.captures(l))
            .map(|c| {
                let retry = c[3].contains("Retry-After");
                (c[1].to_string(), (c[2].parse().unwrap(), retry))
            })
            .collect()
    }

    /// `code → status` from the committed OpenAPI document's description.
    fn openapi_codes() -> BTreeMap<String, u16> {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../api/openapi.json")).unwrap();
        let description = doc["info"]["description"].as_str().unwrap();
        let pair = regex::Regex::new(r"`([a-z_]+)` (\d{3})").unwrap();
        pair.captures_iter(description)
            .map(|c| (c[1].to_string(), c[2].parse().unwrap()))
            .collect()
    }

    #[test]
    fn codes_are_snake_case_unique_and_as_documented() {
        let snake = regex::Regex::new(r"^[a-z]+(_[a-z]+)*$").unwrap();
        let mut seen = HashSet::new();
        for e in samples() {
            let (code, status) = e.code();
            assert!(snake.is_match(code), "`{code}` is not snake_case");
            assert!(seen.insert(code), "`{code}` is used by two variants");
            let (doc_code, doc_status, _) = documented(&e);
            assert_eq!(
                (code, status.as_u16()),
                (doc_code, doc_status),
                "{e:?} differs from the documented table"
            );
            assert_eq!(e.body().error.code, code);
        }
    }

    #[test]
    fn every_variant_is_in_the_readme_table_and_the_openapi_description() {
        let from_code: BTreeMap<String, (u16, bool)> = samples()
            .iter()
            .map(|e| {
                let (code, status, retry) = documented(e);
                (code.to_string(), (status, retry))
            })
            .collect();
        assert_eq!(readme_table(), from_code, "README's error table");
        let statuses: BTreeMap<String, u16> = from_code
            .iter()
            .map(|(c, (s, _))| (c.clone(), *s))
            .collect();
        assert_eq!(
            openapi_codes(),
            statuses,
            "api/openapi.json info.description"
        );
    }

    #[test]
    fn retry_after_exactly_where_documented_and_5xx_bodies_leak_nothing() {
        for e in samples() {
            let (code, status, retry) = documented(&e);
            let message = e.to_string();
            let response = e.into_response();
            assert_eq!(response.status().as_u16(), status, "{code}");
            assert_eq!(
                response.headers().contains_key(header::RETRY_AFTER),
                retry,
                "{code}: Retry-After"
            );
            if status >= 500 {
                assert!(
                    !message.contains("hunter2") && !message.contains("secret"),
                    "{code}: {message}"
                );
            }
        }
        let r = ApiError::Overloaded {
            retry_after_secs: 3,
        }
        .into_response();
        assert_eq!(r.headers()[header::RETRY_AFTER], "3");
        let r = panic_response(Box::new("boom"));
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
