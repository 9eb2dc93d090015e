//! Citizens' references, sealed: the identifier an administration sent with an event (a codice
//! fiscale, its CRM's id) kept so that a case worker can know whom to call, but never readable
//! from the database alone. AES-256-GCM (the `aes-gcm` crate) under a key kept in a file apart
//! from the database, like the pseudonyms' key; each sealed reference is bound to its citizen's
//! pseudonym (the associated data), so a sealed value copied onto another citizen's row does not
//! open. A leaf: the key file is read with [`crate::digest::read_or_create_key`].

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

use crate::digest::{KeyError, read_or_create_key};

/// Bytes of a nonce (96 bits, random per sealing: at most a few million references per key,
/// far under the 2³² bound of random nonces).
const NONCE: usize = 12;

/// The longest reference kept, in bytes; a longer one is not an identifier.
pub const MAX_REFERENCE_BYTES: usize = 256;

/// Seals and opens citizens' references under one key.
#[derive(Clone)]
pub struct ReferenceSeal {
    cipher: Aes256Gcm,
}

/// Never prints the key.
impl std::fmt::Debug for ReferenceSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReferenceSeal").finish_non_exhaustive()
    }
}

/// Why a sealed reference did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// Sealed under another key, for another citizen, or altered.
    #[error("the sealed reference does not open with this key for this citizen")]
    Rejected,
}

impl ReferenceSeal {
    /// A seal under `key`.
    pub fn new(key: [u8; 32]) -> Self {
        Self {
            cipher: Aes256Gcm::new(&key.into()),
        }
    }

    /// Reads the key in `path` (64 hex digits), or creates it, readable by its owner only. Losing
    /// the file makes every stored reference unreadable (the pseudonyms still work): back it up
    /// apart from the database and from the pseudonyms' key.
    pub fn from_key_file(path: &std::path::Path) -> Result<Self, KeyError> {
        read_or_create_key(path).map(Self::new)
    }

    /// `reference` (trimmed, at most [`MAX_REFERENCE_BYTES`]) sealed for the citizen whose
    /// pseudonym is `citizen`: a random nonce followed by the ciphertext and its tag. `None` for
    /// an empty or overlong reference, or when the system has no randomness (the event is stored
    /// all the same, without a reference).
    pub fn seal(&self, citizen: &str, reference: &str) -> Option<Vec<u8>> {
        let reference = reference.trim();
        if reference.is_empty() || reference.len() > MAX_REFERENCE_BYTES {
            return None;
        }
        let mut nonce = [0u8; NONCE];
        getrandom::fill(&mut nonce).ok()?;
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: reference.as_bytes(),
                    aad: citizen.as_bytes(),
                },
            )
            .ok()?;
        let mut out = Vec::with_capacity(NONCE + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Some(out)
    }

    /// The reference sealed in `sealed` for `citizen`.
    pub fn open(&self, citizen: &str, sealed: &[u8]) -> Result<String, OpenError> {
        if sealed.len() < NONCE {
            return Err(OpenError::Rejected);
        }
        let (nonce, body) = sealed.split_at(NONCE);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: citizen.as_bytes(),
                },
            )
            .map_err(|_| OpenError::Rejected)?;
        String::from_utf8(plain).map_err(|_| OpenError::Rejected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_opens_for_its_citizen_under_its_key_only() {
        let seal = ReferenceSeal::new([3; 32]);
        let sealed = seal.seal("p1", " RSSMRA80A01H501U ").unwrap();
        assert_eq!(seal.open("p1", &sealed).unwrap(), "RSSMRA80A01H501U");
        assert!(
            !sealed.windows(6).any(|w| w == b"RSSMRA"),
            "the reference is not readable in the sealed bytes"
        );
        assert_eq!(seal.open("p2", &sealed), Err(OpenError::Rejected));
        let other = ReferenceSeal::new([4; 32]);
        assert_eq!(other.open("p1", &sealed), Err(OpenError::Rejected));
        let mut altered = sealed.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert_eq!(seal.open("p1", &altered), Err(OpenError::Rejected));
        assert_eq!(seal.open("p1", &sealed[..5]), Err(OpenError::Rejected));
        // A fresh nonce each time: the same reference seals differently.
        assert_ne!(seal.seal("p1", "RSSMRA80A01H501U").unwrap(), sealed);
    }

    #[test]
    fn empty_and_overlong_references_are_not_sealed() {
        let seal = ReferenceSeal::new([3; 32]);
        assert_eq!(seal.seal("p", "  "), None);
        assert_eq!(seal.seal("p", &"x".repeat(MAX_REFERENCE_BYTES + 1)), None);
        assert!(seal.seal("p", &"x".repeat(MAX_REFERENCE_BYTES)).is_some());
    }

    #[test]
    fn the_key_file_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/reference.key");
        let a = ReferenceSeal::from_key_file(&path).unwrap();
        let sealed = a.seal("p", "C-1").unwrap();
        let b = ReferenceSeal::from_key_file(&path).unwrap();
        assert_eq!(b.open("p", &sealed).unwrap(), "C-1");
    }
}
