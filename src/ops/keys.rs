//! API keys: create one (its text shown once), list them, revoke one. What a key may do and how
//! it is checked is [`crate::access`]'s; these are the operations `instrada keys` runs.

use super::actor::Actor;
use super::error::{OpError, quote};
use super::service::Service;
use crate::access::{self, Scope};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a key needs for these operations (and the access log's).
pub const SCOPE: Scope = Scope::Admin;

/// Longest key name.
const MAX_NAME_CHARS: usize = 64;

/// A key as listed (never its text: only its hash is stored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// Its name.
    pub name: String,
    /// What it may do.
    pub scopes: Vec<String>,
    /// Requests per second it may make; none: the server's default.
    pub rate_per_sec: Option<f64>,
    /// When it was created, and by whom.
    pub created_at: DateTime<Utc>,
    /// Who created it.
    pub created_by: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A key just created: the only time its text is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedKey {
    /// Its name.
    pub name: String,
    /// What it may do.
    pub scopes: Vec<String>,
    /// The key: send it as `Authorization: Bearer <key>`. Not stored: keep it now.
    pub key: String,
}

fn check_name(name: &str) -> Result<(), OpError> {
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(OpError::invalid(format!(
            "key name `{}`: 1 to {MAX_NAME_CHARS} letters, digits, `-`, `_` or `.`",
            quote(name, 80)
        )))
    }
}

/// Creates a key named `name` with `scopes` (at least one) and, optionally, its own rate.
pub async fn create(
    svc: &Service,
    name: &str,
    scopes: &[String],
    rate_per_sec: Option<f64>,
    actor: &Actor,
) -> Result<CreatedKey, OpError> {
    check_name(name)?;
    let mut parsed: Vec<Scope> = scopes
        .iter()
        .map(|s| {
            s.parse::<Scope>()
                .map_err(|e| OpError::invalid(e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    parsed.sort();
    parsed.dedup();
    if parsed.is_empty() {
        return Err(OpError::invalid(
            "a key needs at least one scope (route, events, planner, caseworker, admin)",
        ));
    }
    if let Some(r) = rate_per_sec
        && !(r.is_finite() && r > 0.0)
    {
        return Err(OpError::invalid(format!(
            "a key's rate must be above 0 requests per second, not {r}"
        )));
    }
    let (key, record) = access::new_key(name, &parsed, rate_per_sec, actor.as_str())
        .map_err(|e| OpError::internal(format!("no randomness for a new key: {e}")))?;
    let scopes = record.scopes.clone();
    let created = svc
        .store
        .create_key(record)
        .await
        .map_err(|e| svc.unavailable(e))?;
    if !created {
        return Err(OpError::KeyExists {
            name: name.to_string(),
        });
    }
    tracing::info!(name, scopes = %scopes.join(","), by = %actor, "API key created");
    Ok(CreatedKey {
        name: name.to_string(),
        scopes,
        key,
    })
}

/// Every key, live and revoked.
pub async fn list(svc: &Service) -> Result<Vec<KeyInfo>, OpError> {
    let keys = svc.read(|at| crate::store::access::list_keys(at)).await?;
    Ok(keys
        .into_iter()
        .map(|k| KeyInfo {
            name: k.name,
            scopes: k.scopes,
            rate_per_sec: k.rate_per_sec,
            created_at: k.created_at,
            created_by: k.created_by,
            revoked_at: k.revoked_at,
        })
        .collect())
}

/// Revokes the live key `name`: it is refused from then on (a running service reads the keys
/// again within [`crate::access::KeyRing::REFRESH`]).
pub async fn revoke(svc: &Service, name: &str, actor: &Actor) -> Result<(), OpError> {
    let revoked = svc
        .store
        .revoke_key(name.to_string(), Utc::now())
        .await
        .map_err(|e| svc.unavailable(e))?;
    if !revoked {
        return Err(OpError::UnknownKey {
            name: quote(name, 80),
        });
    }
    tracing::info!(name, by = %actor, "API key revoked");
    Ok(())
}
