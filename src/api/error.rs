//! The one error type of the HTTP boundary: every failure becomes an [`ApiError`], and every
//! error body has the same shape, `{"error": {"code": "...", "message": "..."}}`, with a stable
//! snake_case `code` that clients can branch on (the table is [`ApiError::code`]). An operation's
//! refusal ([`OpError`]) keeps its code, the same at every edge; this file only gives it a status
//! ([`status`]). The other variants are HTTP's own (no route, wrong method, not JSON, overload).
//!
//! 4xx are the caller's fault and are not logged above debug level (their messages may quote the
//! caller's input). 503s are runtime conditions and carry `Retry-After`. A 500 is a bug: its
//! cause is logged once, here, and its body says nothing about it.

use crate::ops::OpError;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::any::Any;
use utoipa::ToSchema;

/// Everything a request can fail with: an operation's refusal, or one of HTTP's own.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The operation refused or failed; [`status`] gives its HTTP status.
    #[error(transparent)]
    Op(#[from] OpError),
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
    /// The request took longer than `server.request_timeout_secs`.
    #[error("the request took longer than {secs} s and was cut: retry later")]
    TimedOut {
        /// The limit.
        secs: u64,
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// No API key, or one that is not live.
    #[error("unauthorized: {reason}")]
    Unauthorized {
        /// What is missing or wrong.
        reason: &'static str,
    },
    /// A live key without the endpoint's scope.
    #[error("this key may not do this: it needs the `{scope}` scope")]
    Forbidden {
        /// The scope needed.
        scope: crate::access::Scope,
    },
    /// The key made more requests than its rate allows.
    #[error("this key is over its rate: retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
}

/// The HTTP status of an operation's error: 4xx for the caller's fault, 503 for a condition that
/// passes, 500 for a bug. No `_` arm: a new [`OpError`] does not compile until it has a status.
pub fn status(e: &OpError) -> StatusCode {
    match e {
        OpError::MalformedJson { .. } => StatusCode::BAD_REQUEST,
        OpError::Invalid { .. }
        | OpError::EmptyText { .. }
        | OpError::UnknownChannel { .. }
        | OpError::BatchTooLarge { .. }
        | OpError::EmptyBatch => StatusCode::UNPROCESSABLE_ENTITY,
        OpError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        OpError::UnknownDecision { .. }
        | OpError::UnknownSeries { .. }
        | OpError::UnknownFlag { .. }
        | OpError::NoReference { .. }
        | OpError::UnknownKey { .. } => StatusCode::NOT_FOUND,
        OpError::OptedOut
        | OpError::KeyExists { .. }
        | OpError::ModelsRefused { .. }
        | OpError::NothingToRollBack => StatusCode::CONFLICT,
        OpError::StoreUnavailable { .. } | OpError::NotReady { .. } => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        OpError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
    }
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
            Self::Op(e) => (e.code(), status(e)),
            Self::NotFound { .. } => ("not_found", StatusCode::NOT_FOUND),
            Self::MethodNotAllowed { .. } => ("method_not_allowed", StatusCode::METHOD_NOT_ALLOWED),
            Self::UnsupportedMediaType => {
                ("unsupported_media_type", StatusCode::UNSUPPORTED_MEDIA_TYPE)
            }
            Self::Overloaded { .. } => ("overloaded", StatusCode::SERVICE_UNAVAILABLE),
            Self::TimedOut { .. } => ("timed_out", StatusCode::SERVICE_UNAVAILABLE),
            Self::Unauthorized { .. } => ("unauthorized", StatusCode::UNAUTHORIZED),
            Self::Forbidden { .. } => ("forbidden", StatusCode::FORBIDDEN),
            Self::RateLimited { .. } => ("rate_limited", StatusCode::TOO_MANY_REQUESTS),
        }
    }

    /// An invalid-request error.
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::Op(OpError::invalid(detail))
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
            Self::Overloaded { retry_after_secs }
            | Self::RateLimited { retry_after_secs }
            | Self::TimedOut {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            Self::Op(OpError::StoreUnavailable {
                retry_after_secs,
                cause,
            }) => {
                tracing::warn!(code, %cause, "decision store unavailable");
                Some(*retry_after_secs)
            }
            Self::Op(OpError::NotReady { .. }) => Some(1),
            Self::Op(OpError::Internal { cause }) => {
                tracing::error!(code, %cause, "internal error");
                None
            }
            _ => {
                tracing::debug!(code, status = status.as_u16(), "request refused");
                None
            }
        };
        let mut response = (status, axum::Json(self.body())).into_response();
        if matches!(self, Self::Unauthorized { .. }) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"instrada\""),
            );
        }
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
    ApiError::Op(OpError::internal(format!(
        "handler panicked: {}",
        crate::text::redact(message)
    )))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashSet};
    use uuid::Uuid;

    /// One error of each variant, as the handlers build them. The match in [`documented`] has no
    /// `_` arm, so a new variant does not compile until it has a row there; the README check below
    /// then fails until it has a sample here and a row in the README's table.
    fn samples() -> Vec<ApiError> {
        let op = |e: OpError| ApiError::Op(e);
        vec![
            op(OpError::MalformedJson { detail: "x".into() }),
            ApiError::invalid("x"),
            op(OpError::EmptyText {
                field: "text".into(),
            }),
            op(OpError::UnknownChannel {
                field: "channel".into(),
                channel: "fax".into(),
            }),
            op(OpError::TooLarge { limit: "1".into() }),
            op(OpError::BatchTooLarge { count: 2, max: 1 }),
            op(OpError::EmptyBatch),
            op(OpError::UnknownDecision {
                decision_id: Uuid::nil(),
            }),
            op(OpError::UnknownSeries {
                name: "x".into(),
                known: "total".into(),
            }),
            op(OpError::UnknownFlag {
                flag_id: Uuid::nil(),
            }),
            op(OpError::OptedOut),
            op(OpError::NoReference { why: "w".into() }),
            ApiError::NotFound { path: "/".into() },
            ApiError::MethodNotAllowed {
                method: "GET".into(),
                path: "/".into(),
            },
            ApiError::UnsupportedMediaType,
            ApiError::Overloaded {
                retry_after_secs: 1,
            },
            ApiError::TimedOut {
                secs: 30,
                retry_after_secs: 1,
            },
            ApiError::Unauthorized { reason: "r" },
            ApiError::Forbidden {
                scope: crate::access::Scope::Admin,
            },
            ApiError::RateLimited {
                retry_after_secs: 1,
            },
            op(OpError::UnknownKey { name: "k".into() }),
            op(OpError::ModelsRefused {
                problems: "p".into(),
            }),
            op(OpError::NothingToRollBack),
            op(OpError::KeyExists { name: "k".into() }),
            op(OpError::StoreUnavailable {
                retry_after_secs: 1,
                cause: "disk full at /var/lib/secret".into(),
            }),
            op(OpError::NotReady { reason: "r".into() }),
            op(OpError::Internal {
                cause: "db password is hunter2".into(),
            }),
        ]
    }

    /// The contract as published (README "Errors", the OpenAPI description): code, status, and
    /// whether the response carries `Retry-After`. Written out again here, not derived from
    /// [`ApiError::code`], so that a change to the table in the code is a change to this test too.
    fn documented(e: &ApiError) -> (&'static str, u16, bool) {
        match e {
            ApiError::Op(e) => match e {
                OpError::MalformedJson { .. } => ("malformed_json", 400, false),
                OpError::Invalid { .. } => ("invalid_request", 422, false),
                OpError::EmptyText { .. } => ("empty_text", 422, false),
                OpError::UnknownChannel { .. } => ("unknown_channel", 422, false),
                OpError::TooLarge { .. } => ("body_too_large", 413, false),
                OpError::BatchTooLarge { .. } => ("batch_too_large", 422, false),
                OpError::EmptyBatch => ("empty_batch", 422, false),
                OpError::UnknownDecision { .. } => ("unknown_decision", 404, false),
                OpError::UnknownSeries { .. } => ("unknown_series", 404, false),
                OpError::UnknownFlag { .. } => ("unknown_flag", 404, false),
                OpError::OptedOut => ("opted_out", 409, false),
                OpError::NoReference { .. } => ("no_reference", 404, false),
                OpError::UnknownKey { .. } => ("unknown_key", 404, false),
                OpError::KeyExists { .. } => ("key_exists", 409, false),
                OpError::ModelsRefused { .. } => ("models_refused", 409, false),
                OpError::NothingToRollBack => ("nothing_to_roll_back", 409, false),
                OpError::StoreUnavailable { .. } => ("store_unavailable", 503, true),
                OpError::NotReady { .. } => ("not_ready", 503, true),
                OpError::Internal { .. } => ("internal", 500, false),
            },
            ApiError::NotFound { .. } => ("not_found", 404, false),
            ApiError::MethodNotAllowed { .. } => ("method_not_allowed", 405, false),
            ApiError::UnsupportedMediaType => ("unsupported_media_type", 415, false),
            ApiError::Overloaded { .. } => ("overloaded", 503, true),
            ApiError::TimedOut { .. } => ("timed_out", 503, true),
            ApiError::Unauthorized { .. } => ("unauthorized", 401, false),
            ApiError::Forbidden { .. } => ("forbidden", 403, false),
            ApiError::RateLimited { .. } => ("rate_limited", 429, true),
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
