//! [`Service`]: what the operations work with besides the models — the settings, the store (a
//! handle to its writer thread) and the pseudonymiser. `instrada serve` builds one at start-up
//! and shares it; a command that needs the store opens its own. [`Service::open`] opens the store
//! and reads the pseudonym and reference keys; [`Service::new`] assembles opened parts and does no I/O.

use super::OpError;
use super::references::KnownReferences;
use crate::config::Settings;
use crate::digest::{KeyError, Pseudonymiser};
use crate::seal::ReferenceSeal;
use crate::store::Location;
use crate::store::{Store, StoreError};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The settings, the store and the pseudonymiser; cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct Service {
    inner: Arc<Parts>,
}

/// The parts behind a [`Service`].
pub struct Parts {
    /// The settings it was opened with.
    pub settings: Settings,
    /// The audit trail, the contact events, the outreach records and the forecast cache.
    pub store: Store,
    /// Turns citizens' identifiers into the keyed pseudonyms the store keeps.
    pub pseudonyms: Pseudonymiser,
    /// Seals the reference sent with an event, and opens it for a case worker; `None` when
    /// references are not kept (`store.keep_references = false`).
    pub references: Option<ReferenceSeal>,
    /// The citizens whose sealed reference the store holds, so that events send each once.
    pub known_references: KnownReferences,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for Service {
    type Target = Parts;
    fn deref(&self) -> &Parts {
        &self.inner
    }
}

/// Why a [`Service`] could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The pseudonym key or the reference key could not be read or created.
    #[error(transparent)]
    PseudonymKey(#[from] KeyError),
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Service {
    /// A service over opened parts (no I/O), keeping no citizens' references.
    pub fn new(settings: Settings, store: Store, pseudonyms: Pseudonymiser) -> Self {
        Self::with_references(settings, store, pseudonyms, None)
    }

    /// A service over opened parts (no I/O) that seals citizens' references with `references`.
    pub fn with_references(
        settings: Settings,
        store: Store,
        pseudonyms: Pseudonymiser,
        references: Option<ReferenceSeal>,
    ) -> Self {
        Self {
            inner: Arc::new(Parts {
                settings,
                store,
                pseudonyms,
                references,
                known_references: KnownReferences::default(),
            }),
        }
    }

    /// Reads (or creates) the pseudonym key, and the reference key when references are kept, and
    /// opens the store `settings` name.
    pub fn open(settings: Settings) -> Result<Self, OpenError> {
        let pseudonyms = Pseudonymiser::from_key_file(&settings.store.pseudonym_key)?;
        let references = if settings.store.keep_references {
            Some(ReferenceSeal::from_key_file(
                &settings.store.reference_key_path(),
            )?)
        } else {
            None
        };
        let store = Store::open(&settings.store.store_config())?;
        Ok(Self::with_references(
            settings, store, pseudonyms, references,
        ))
    }

    /// The store could not take a write or answer a read: `store_unavailable`, retry later.
    pub fn unavailable(&self, cause: impl ToString) -> OpError {
        OpError::StoreUnavailable {
            retry_after_secs: self.settings.server.retry_after_secs,
            cause: cause.to_string(),
        }
    }

    /// Waits at most `wait` for a store call (a commit, a place in the queue); one that does not
    /// answer in time is [`OpError::StoreUnavailable`] (`what` says what did not happen, for the
    /// log). The store's own answer is left to the caller, which may have a use for it (an
    /// unknown decision is the caller's fault, not the store's).
    pub async fn within<T>(
        &self,
        wait: Duration,
        what: &str,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<Result<T, StoreError>, OpError> {
        tokio::time::timeout(wait, call)
            .await
            .map_err(|_| self.unavailable(format!("{what} within {} ms", wait.as_millis())))
    }

    /// Runs a read of the store on a blocking thread (its own connection: the writer goes on).
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Location) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, OpError> {
        let at = self.store.location().clone();
        tokio::task::spawn_blocking(move || f(&at))
            .await
            .map_err(|e| OpError::internal(format!("the store read failed: {e}")))?
            .map_err(|e| self.unavailable(e))
    }
}
