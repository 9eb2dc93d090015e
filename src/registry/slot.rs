//! [`Slot`]: the model of one kind in use, and the one before it.

use arc_swap::ArcSwap;
use std::sync::{Arc, Mutex, PoisonError};

/// The current value of a kind, swapped without a lock on the read path, and the previous one,
/// kept in memory so that a rollback needs no disk read.
#[derive(Debug)]
pub struct Slot<T> {
    /// What serves now. An `ArcSwap` so that readers (every request) take no lock: each loads the
    /// current `Arc` once and finishes on it, even if a swap happens meanwhile.
    current: ArcSwap<T>,
    /// What served before the last swap or rollback. A mutex, taken only by swaps and rollbacks,
    /// which it also serialises, so that two reloads cannot interleave and lose a version.
    previous: Mutex<Option<Arc<T>>>,
}

impl<T> Slot<T> {
    /// A slot serving `value`, with nothing to roll back to.
    pub fn new(value: T) -> Self {
        Self {
            current: ArcSwap::from_pointee(value),
            previous: Mutex::new(None),
        }
    }

    /// What serves now.
    pub fn current(&self) -> Arc<T> {
        self.current.load_full()
    }

    /// What a rollback would bring back, if anything.
    pub fn previous(&self) -> Option<Arc<T>> {
        self.lock().clone()
    }

    /// Serves `value` from now on and keeps the one it replaces as the previous; returns that.
    pub fn swap(&self, value: T) -> Arc<T> {
        let mut previous = self.lock();
        let old = self.current.swap(Arc::new(value));
        *previous = Some(old.clone());
        old
    }

    /// Serves the previous value again, keeping the one it replaces as the new previous (so a
    /// second rollback undoes the first); returns what serves now, or `None` with nothing to
    /// roll back to.
    pub fn rollback(&self) -> Option<Arc<T>> {
        let mut previous = self.lock();
        let back = previous.take()?;
        let replaced = self.current.swap(back.clone());
        *previous = Some(replaced);
        Some(back)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<T>>> {
        // The guarded value is a plain `Option<Arc>`, never left half-written: a panic elsewhere
        // while holding the lock does not make it unusable.
        self.previous.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::Slot;

    #[test]
    fn swap_keeps_the_previous_and_rollback_alternates() {
        let slot = Slot::new("v1");
        assert!(slot.rollback().is_none(), "nothing to roll back to yet");
        assert_eq!(*slot.current(), "v1");
        assert_eq!(*slot.swap("v2"), "v1");
        assert_eq!(*slot.current(), "v2");
        assert_eq!(slot.previous().as_deref(), Some(&"v1"));
        assert_eq!(slot.rollback().as_deref(), Some(&"v1"));
        assert_eq!(*slot.current(), "v1");
        assert_eq!(slot.previous().as_deref(), Some(&"v2"));
        assert_eq!(
            slot.rollback().as_deref(),
            Some(&"v2"),
            "a second rollback undoes the first"
        );
        assert_eq!(*slot.swap("v3"), "v2");
        assert_eq!(slot.previous().as_deref(), Some(&"v2"));
    }

    #[test]
    fn a_reader_keeps_the_value_it_loaded_across_a_swap() {
        let slot = Slot::new(String::from("old"));
        let held = slot.current();
        slot.swap(String::from("new"));
        assert_eq!(*held, "old");
        assert_eq!(*slot.current(), "new");
    }
}
