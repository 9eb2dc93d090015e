//! Which citizens' sealed references the store already holds, so that a batch of events sends
//! each only once: a reference never changes once kept (the first one sent stays), and checking
//! it again for every event cost PostgreSQL a third of its events throughput (62,000–70,000
//! events/s without references, 45,000–49,000 with one sent per event).
//!
//! A citizen is remembered only after the events that carried their reference were committed;
//! the memory is forgotten whole after a prune here (which may delete references), every
//! [`FORGET_AFTER`] (a prune by another replica), and when it holds [`CAPACITY`] citizens. Being
//! forgotten only costs a reference sent again, which the store ignores.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::store::EventRecord;

/// Most citizens remembered (16 bytes each).
pub const CAPACITY: usize = 1_000_000;

/// How long the memory is trusted.
pub const FORGET_AFTER: Duration = Duration::from_secs(600);

/// Citizens whose references a batch sends, to remember once it is committed.
#[derive(Debug, Default)]
pub struct Pending(Vec<u128>);

/// Citizens (by the first 128 bits of their pseudonym) whose reference is stored.
#[derive(Debug)]
pub struct KnownReferences {
    inner: Mutex<Known>,
}

#[derive(Debug)]
struct Known {
    citizens: HashSet<u128>,
    since: Instant,
}

impl Default for KnownReferences {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Known {
                citizens: HashSet::new(),
                since: Instant::now(),
            }),
        }
    }
}

/// The key of a pseudonym (64 hex digits): its first 32 digits; `None` for anything else.
fn key(pseudonym: &str) -> Option<u128> {
    u128::from_str_radix(pseudonym.get(..32)?, 16).ok()
}

impl KnownReferences {
    /// Drops the reference of every event whose citizen's reference is stored, or sent by an
    /// earlier event of the same batch; returns the citizens whose reference is still sent, to
    /// [`KnownReferences::remember`] once committed.
    pub fn strip_known(&self, events: &mut [EventRecord]) -> Pending {
        let Ok(mut known) = self.inner.lock() else {
            return Pending(Vec::new());
        };
        if known.since.elapsed() > FORGET_AFTER {
            known.citizens.clear();
            known.since = Instant::now();
        }
        let mut sent = HashSet::new();
        for e in events.iter_mut().filter(|e| e.reference.is_some()) {
            match e.citizen.as_deref().and_then(key) {
                Some(k) if known.citizens.contains(&k) || !sent.insert(k) => e.reference = None,
                _ => {}
            }
        }
        Pending(sent.into_iter().collect())
    }

    /// Remembers the citizens whose references were sent, once committed.
    pub fn remember(&self, sent: Pending) {
        let Ok(mut known) = self.inner.lock() else {
            return;
        };
        for k in sent.0 {
            if known.citizens.len() >= CAPACITY {
                known.citizens.clear();
            }
            known.citizens.insert(k);
        }
    }

    /// Forgets every citizen (a prune may have deleted their references).
    pub fn forget_all(&self) {
        if let Ok(mut known) = self.inner.lock() {
            known.citizens.clear();
            known.since = Instant::now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn event(citizen: &str) -> EventRecord {
        EventRecord {
            event_id: "e".into(),
            occurred_at: Utc::now(),
            channel: "web".into(),
            queue: None,
            topic: None,
            urgency: None,
            citizen: Some(citizen.into()),
            reference: Some(vec![1, 2, 3]),
            handle_seconds: None,
            outcome: None,
            attributes: Default::default(),
            source: "api".into(),
            received_at: Utc::now(),
        }
    }

    #[test]
    fn a_reference_is_sent_once_until_forgotten() {
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        let known = KnownReferences::default();
        let mut batch = vec![event(&a), event(&a), event(&b)];
        let pending = known.strip_known(&mut batch);
        let sent = |batch: &[EventRecord]| {
            batch
                .iter()
                .map(|e| e.reference.is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(sent(&batch), [true, false, true], "once per batch");
        // Not committed: nothing remembered, sent again.
        let mut again = vec![event(&a)];
        known.strip_known(&mut again);
        assert_eq!(sent(&again), [true]);
        known.remember(pending);
        let mut later = vec![event(&a), event(&b), event(&"c".repeat(64))];
        known.strip_known(&mut later);
        assert_eq!(sent(&later), [false, false, true]);
        known.forget_all();
        let mut after_prune = vec![event(&a)];
        known.strip_known(&mut after_prune);
        assert_eq!(sent(&after_prune), [true]);
    }
}
