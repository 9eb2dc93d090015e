//! The HTTP half of access control: the `Authorization: Bearer <key>` header checked against the
//! live keys ([`crate::access::KeyRing`]) and the scope the endpoint's operation needs (each
//! operation says which, e.g. [`crate::ops::route::SCOPE`]), the key's rate
//! ([`crate::access::Rates`]), and the caller's identity handed to the handler
//! ([`Authenticated`]), which passes it to the operation as its [`Actor`].
//!
//! With `server.auth = "off"` (loopback only) every caller is `anonymous`. 401 `unauthorized`
//! without a valid key (with `WWW-Authenticate: Bearer`), 403 `forbidden` with a key that lacks
//! the scope, 429 `rate_limited` past the key's rate.

use super::error::ApiError;
use super::state::AppState;
use crate::access::Scope;
use crate::config::AuthMode;
use crate::ops::{Actor, OpError};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Lets the request through if its key may do what `scope` covers, with its [`Actor`] attached.
pub async fn require(
    State((state, scope)): State<(AppState, Scope)>,
    mut req: Request,
    next: Next,
) -> Response {
    let actor = match state.settings.server.auth {
        AuthMode::Off => Actor::anonymous(),
        AuthMode::Required => match check(&state, scope, req.headers()) {
            Ok(actor) => actor,
            Err(e) => return e.into_response(),
        },
    };
    req.extensions_mut().insert(actor);
    next.run(req).await
}

fn check(state: &AppState, scope: Scope, headers: &HeaderMap) -> Result<Actor, ApiError> {
    let Some(presented) = bearer(headers) else {
        return Err(ApiError::Unauthorized {
            reason: "send an API key as `Authorization: Bearer <key>`",
        });
    };
    let Some(caller) = state.keys.verify(presented) else {
        return Err(ApiError::Unauthorized {
            reason: "the API key is not valid (unknown or revoked)",
        });
    };
    if !caller.may(scope) {
        return Err(ApiError::Forbidden { scope });
    }
    if let Err(wait) = state.rates.check(&caller.name, caller.rate_per_sec) {
        state
            .metrics
            .record(|| metrics::counter!(super::metrics::RATE_LIMITED).increment(1));
        return Err(ApiError::RateLimited {
            retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
        });
    }
    Ok(Actor::key(&caller.name))
}

/// The key of `Authorization: Bearer <key>`, if the header is that.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| key.trim())
        .filter(|k| !k.is_empty())
}

/// Who is asking, as [`require`] found: the handler's argument to pass to the operation.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        // A handler that reads the caller sits behind `require`: no actor is a bug, not an
        // anonymous caller.
        parts
            .extensions
            .get::<Actor>()
            .cloned()
            .map(Self)
            .ok_or_else(|| {
                ApiError::Op(OpError::internal(
                    "a handler that needs its caller is served without the access check",
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bearer_header_carries_a_key() {
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::AUTHORIZATION, v.parse().unwrap());
            bearer(&h).map(str::to_string)
        };
        assert_eq!(with("Bearer instrada_ab").as_deref(), Some("instrada_ab"));
        assert_eq!(with("bearer  instrada_ab ").as_deref(), Some("instrada_ab"));
        assert_eq!(with("Basic dXNlcjpwYXNz"), None);
        assert_eq!(with("Bearer "), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }
}
