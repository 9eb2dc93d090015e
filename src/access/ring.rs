//! [`KeyRing`]: the live keys in memory, and the check of a presented key against them.

use super::Scope;
use crate::store::Location;
use crate::store::{StoreError, access::list_keys};
use arc_swap::ArcSwap;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// Who is asking: a live key's name and what it may do.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    /// The key's name: the identity recorded for what it does.
    pub name: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// Requests per second it may make; `None`: the server's default.
    pub rate_per_sec: Option<f64>,
}

impl Caller {
    /// Whether it may do what `scope` covers.
    pub fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// A live key: the SHA-256 of its text, and who it is.
#[derive(Debug)]
struct Live {
    hash: [u8; 32],
    caller: Arc<Caller>,
}

/// The live keys of a store, held in memory for the request path.
#[derive(Debug)]
pub struct KeyRing {
    /// The store's file, read again by [`KeyRing::refresh`].
    at: Location,
    /// Swapped whole by a refresh; every request reads it without a lock.
    live: ArcSwap<Vec<Live>>,
}

impl KeyRing {
    /// How often a running service reads the keys again: a key created or revoked from the
    /// command line takes effect within this time.
    pub const REFRESH: Duration = Duration::from_secs(5);

    /// The live keys of the store at `at` (blocking: a read of the database).
    pub fn load(at: impl Into<Location>) -> Result<Self, StoreError> {
        let ring = Self::empty(at);
        ring.refresh()?;
        Ok(ring)
    }

    /// A ring with no key yet over the store at `path` (no I/O): for a service with
    /// `server.auth = "off"`, or until the first [`KeyRing::refresh`].
    pub fn empty(at: impl Into<Location>) -> Self {
        Self {
            at: at.into(),
            live: ArcSwap::from_pointee(Vec::new()),
        }
    }

    /// Reads the keys again (blocking); returns how many are live.
    pub fn refresh(&self) -> Result<usize, StoreError> {
        let live: Vec<Live> = list_keys(&self.at)?
            .into_iter()
            .filter(|k| k.revoked_at.is_none())
            .filter_map(|k| {
                let mut hash = [0u8; 32];
                hex::decode_to_slice(&k.key_sha256, &mut hash).ok()?;
                let scopes = k.scopes.iter().filter_map(|s| s.parse().ok()).collect();
                Some(Live {
                    hash,
                    caller: Arc::new(Caller {
                        name: k.name,
                        scopes,
                        rate_per_sec: k.rate_per_sec,
                    }),
                })
            })
            .collect();
        let n = live.len();
        self.live.store(Arc::new(live));
        Ok(n)
    }

    /// How many keys are live.
    pub fn len(&self) -> usize {
        self.live.load().len()
    }

    /// Whether no key is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The caller whose key `presented` is, if it is a live one. The presented key's hash is
    /// compared with every live key's, each in constant time, and the loop never stops early.
    pub fn verify(&self, presented: &str) -> Option<Arc<Caller>> {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let live = self.live.load();
        let mut found = None;
        for key in live.iter() {
            if bool::from(key.hash.ct_eq(&digest)) {
                found = Some(Arc::clone(&key.caller));
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Store, StoreConfig};

    #[tokio::test]
    async fn only_a_live_key_is_recognised_and_a_revocation_counts_after_a_refresh() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&StoreConfig::new(dir.path().join("s.db"))).unwrap();
        let (crm, record) = super::super::new_key("crm", &[Scope::Route], None, "test").unwrap();
        assert!(crm.starts_with("instrada_") && crm.len() == 9 + 64, "{crm}");
        assert_ne!(record.key_sha256, crm, "only the hash is stored");
        store.create_key(record).await.unwrap();
        let (other, record) = super::super::new_key("cti", &[Scope::Events], None, "test").unwrap();
        store.create_key(record).await.unwrap();
        let ring = KeyRing::load(store.location()).unwrap();
        assert_eq!(ring.len(), 2);
        let caller = ring.verify(&crm).expect("a live key");
        assert_eq!(caller.name, "crm");
        assert!(caller.may(Scope::Route) && !caller.may(Scope::Admin));
        assert_eq!(ring.verify(&other).unwrap().name, "cti");
        assert!(ring.verify("instrada_0000").is_none());
        let mut near = crm.clone();
        near.pop();
        near.push('x');
        assert!(ring.verify(&near).is_none(), "one character off");
        store
            .revoke_key("crm".into(), chrono::Utc::now())
            .await
            .unwrap();
        assert!(ring.verify(&crm).is_some(), "until the ring is read again");
        assert_eq!(ring.refresh().unwrap(), 1);
        assert!(ring.verify(&crm).is_none(), "revoked");
        store.close().await.unwrap();
    }
}
