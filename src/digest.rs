//! SHA-256 as lowercase hex: artefact checksums, training-file identities and the fingerprint of a
//! request's text in the audit trail all use this one function; and the keyed pseudonyms of
//! citizens' identifiers ([`Pseudonymiser`]). A leaf.

use sha2::{Digest, Sha256};

/// SHA-256 of `bytes`, as 64 lowercase hex digits.
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(bytes.as_ref()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_the_published_test_vector() {
        assert_eq!(
            super::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

/// Pseudonyms of citizens' identifiers: HMAC-SHA256 under a key kept apart from the database, so
/// that the store can count a citizen's contacts without holding who they are, and nobody with
/// only the database can compute the pseudonym of a known codice fiscale.
///
/// The identifier is trimmed and upper-cased first (a codice fiscale typed in lower case is the
/// same person).
#[derive(Clone)]
pub struct Pseudonymiser {
    key: [u8; 32],
}

/// Never prints the key.
impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pseudonymiser").finish_non_exhaustive()
    }
}

/// Why a key file (the pseudonyms', the references') could not be read or created.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file could not be read, created or written.
    #[error("key file {}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file does not hold 64 hex digits.
    #[error("key file {}: not 64 hex digits (32 bytes)", path.display())]
    Malformed {
        /// The file.
        path: std::path::PathBuf,
    },
    /// The operating system's random source failed.
    #[error("no randomness for a new key: {0}")]
    Random(String),
}

impl Pseudonymiser {
    /// A pseudonymiser under `key`.
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    /// Reads the key in `path` (64 hex digits), or creates it with 32 random bytes from the
    /// operating system, readable by its owner only, when the file does not exist. Losing the file
    /// means new pseudonyms for everyone: back it up apart from the database.
    pub fn from_key_file(path: &std::path::Path) -> Result<Self, KeyError> {
        read_or_create_key(path).map(Self::new)
    }

    /// The pseudonym of `id`: 64 hex digits.
    pub fn pseudonym(&self, id: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        mac.update(id.trim().to_uppercase().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// The 32-byte key in `path` (64 hex digits), or a new one of 32 random bytes from the operating
/// system written there, readable by its owner only, when the file does not exist (the
/// pseudonyms' key, the citizens' references' key).
pub fn read_or_create_key(path: &std::path::Path) -> Result<[u8; 32], KeyError> {
    let io = |source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes = hex::decode(text.trim()).map_err(|_| KeyError::Malformed {
                path: path.to_path_buf(),
            })?;
            bytes.try_into().map_err(|_| KeyError::Malformed {
                path: path.to_path_buf(),
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            getrandom::fill(&mut key).map_err(|e| KeyError::Random(e.to_string()))?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            write_private(path, &format!("{}\n", hex::encode(key))).map_err(io)?;
            Ok(key)
        }
        Err(e) => Err(io(e)),
    }
}

/// Writes `text` to a new file at `path` that only its owner can read (on Unix).
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}

#[cfg(test)]
mod pseudonym_tests {
    use super::Pseudonymiser;

    #[test]
    fn the_same_citizen_gets_the_same_pseudonym_under_one_key_only() {
        let a = Pseudonymiser::new([7; 32]);
        let b = Pseudonymiser::new([8; 32]);
        let cf = "RSSMRA80A01H501U";
        assert_eq!(a.pseudonym(cf), a.pseudonym(" rssmra80a01h501u "));
        assert_ne!(a.pseudonym(cf), b.pseudonym(cf));
        assert_ne!(a.pseudonym(cf), a.pseudonym("VRDLGI75B02F205X"));
        assert_eq!(a.pseudonym(cf).len(), 64);
        assert!(!a.pseudonym(cf).contains("RSSMRA"));
    }

    #[test]
    fn a_key_file_is_created_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/pseudonym.key");
        let first = Pseudonymiser::from_key_file(&path).unwrap();
        let again = Pseudonymiser::from_key_file(&path).unwrap();
        assert_eq!(first.pseudonym("X"), again.pseudonym("X"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "readable by its owner only: {mode:o}");
        }
        std::fs::write(&path, "not hex").unwrap();
        let e = Pseudonymiser::from_key_file(&path).unwrap_err();
        assert!(e.to_string().contains("not 64 hex digits"), "{e}");
    }
}
