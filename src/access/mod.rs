//! Who may do what: API keys and their scopes.
//!
//! A key is 256 random bits from the operating system, shown once when it is created
//! (`instrada_` and 64 hex digits) and stored only as its SHA-256 ([`crate::store::KeyRecord`]). A
//! request presents it as `Authorization: Bearer <key>`; [`KeyRing::verify`] hashes it and
//! compares the hash with every live key's in constant time (`subtle`), so neither a match nor a
//! near-match shows in the time it takes. Each key has a name — the identity that reviews,
//! opt-outs, feedback, refits and the access log record — and [`Scope`]s.
//!
//! The ring is the set of live keys in memory, read from the store at start-up and again when a
//! key is created or revoked through the service, every few seconds, and at the first unknown
//! key after that (keys created or revoked with `instrada keys` while the service runs are seen
//! within [`KeyRing::REFRESH`]). Imports `store` and `digest`; never an edge.

mod rate;
mod ring;
mod scope;

pub use rate::Rates;
pub use ring::{Caller, KeyRing};
pub use scope::{Scope, UnknownScope};

use crate::store::KeyRecord;
use chrono::Utc;

/// What a key looks like: this prefix, then 64 hex digits (secret scanners can find it).
pub const KEY_PREFIX: &str = "instrada_";

/// A new key: its text (to show once) and the record to store (its hash only).
pub fn new_key(
    name: &str,
    scopes: &[Scope],
    rate_per_sec: Option<f64>,
    created_by: &str,
) -> Result<(String, KeyRecord), getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    let key = format!("{KEY_PREFIX}{}", hex::encode(bytes));
    let record = KeyRecord {
        name: name.to_string(),
        key_sha256: crate::digest::sha256_hex(&key),
        scopes: scopes.iter().map(|s| s.as_str().to_string()).collect(),
        rate_per_sec,
        created_at: Utc::now(),
        created_by: created_by.to_string(),
        revoked_at: None,
    };
    Ok((key, record))
}
