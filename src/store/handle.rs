//! [`Store`]: the cheap, cloneable handle the rest of the service holds.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;

use super::checkpoint;
use super::command::Command;
use super::job::Exec;
use super::location::Location;
use super::schema;
use super::sql::{Conn, DbError};
use super::writer::{Counters, Writer};
use super::{
    DecisionRecord, Durability, EventRecord, EventsStored, FeedbackRecord, StoreConfig,
    StoreCounts, StoreError, StoreStats, StoredDecision,
};

/// Handle to the decision store. Clones share one queue and one writer thread.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    /// The write queue to the writer thread, the only path to the write connection. Bounded:
    /// when it is full `record` waits and `try_record` answers `Busy` (backpressure, never drops).
    tx: mpsc::Sender<Command>,
    /// Set by `close` so that later calls fail at once with `Closed`, and so that a failed send
    /// can tell a closed store from a dead writer.
    closing: AtomicBool,
    /// Becomes `true` when the writer has committed its last batch; `close` waits on it.
    finished: watch::Receiver<bool>,
    /// The writer thread, taken and joined by the first `close`. A mutex because `close` takes
    /// `&self` (clones of the store live in the HTTP state) and must take it exactly once.
    thread: Mutex<Option<JoinHandle<()>>>,
    /// The WAL checkpointer ([`super::checkpoint`], SQLite only), joined by `close` after the
    /// writer.
    checkpointer: Mutex<Option<JoinHandle<()>>>,
    /// Shared with the writer, which updates them; read by `stats`.
    counters: Arc<Counters>,
    /// Whether `record` returns on enqueue or on commit.
    durability: Durability,
    at: Location,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("at", &self.inner.at)
            .field("durability", &self.inner.durability)
            .field("queue_depth", &self.queue_depth())
            .field("closing", &self.inner.closing.load(Ordering::Relaxed))
            .finish()
    }
}

impl Store {
    /// Opens (creating an SQLite file if needed) and migrates the database, then starts the
    /// writer thread.
    ///
    /// Synchronous: it opens a file or connects and may run migrations, so call it at start-up
    /// (or in `spawn_blocking`), not on a request path.
    pub fn open(config: &StoreConfig) -> Result<Store, StoreError> {
        config.check()?;
        let conn = schema::open_for_writing(&config.at)?;
        let (tx, rx) = mpsc::channel(config.queue_capacity);
        let (finished_tx, finished) = watch::channel(false);
        let counters = Arc::new(Counters::default());
        let writer = Writer::new(
            conn,
            rx,
            (config.max_batch, config.durability),
            Arc::clone(&counters),
            finished_tx,
            config.at.clone(),
        );
        let thread = writer.spawn()?;
        let checkpointer = match &config.at {
            Location::Sqlite(path) => Some(
                checkpoint::spawn(path, finished.clone())
                    .map_err(|source| StoreError::Spawn { source })?,
            ),
            Location::Postgres(_) => None,
        };
        Ok(Store {
            inner: Arc::new(Inner {
                tx,
                closing: AtomicBool::new(false),
                finished,
                thread: Mutex::new(Some(thread)),
                checkpointer: Mutex::new(checkpointer),
                counters,
                durability: config.durability,
                at: config.at.clone(),
            }),
        })
    }

    /// The database.
    pub fn location(&self) -> &Location {
        &self.inner.at
    }

    /// When [`Store::record`] returns (the setting it was opened with).
    pub fn durability(&self) -> Durability {
        self.inner.durability
    }

    /// Records a decision in the audit trail, waiting for room in the queue if it is full. With
    /// [`Durability::Commit`], `Ok` means it is committed, and a decision the database refuses
    /// is an error; with [`Durability::Async`], `Ok` means it is enqueued and the writer will
    /// commit it (see the module docs for the guarantee).
    pub async fn record(&self, rec: DecisionRecord) -> Result<(), StoreError> {
        match self.inner.durability {
            Durability::Commit => self.commit(vec![rec]).await,
            Durability::Async => self.enqueue(Command::Record(Box::new(rec))).await,
        }
    }

    /// Records several decisions as one command, all of them or none: one place in the queue,
    /// and with [`Durability::Commit`] one savepoint (a decision the database refuses refuses
    /// the batch). With [`Durability::Async`] the writer commits them like as many
    /// [`Store::record`]s.
    pub async fn record_all(&self, recs: Vec<DecisionRecord>) -> Result<(), StoreError> {
        match self.inner.durability {
            Durability::Commit => self.commit(recs).await,
            Durability::Async => self.enqueue(Command::Records(recs)).await,
        }
    }

    async fn enqueue(&self, cmd: Command) -> Result<(), StoreError> {
        self.check_open()?;
        self.inner.tx.send(cmd).await.map_err(|_| self.gone())
    }

    async fn commit(&self, records: Vec<DecisionRecord>) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.request(Command::Decisions { records, reply }, answer)
            .await
    }

    /// Enqueues a decision and never waits, whatever the durability: [`StoreError::Busy`] when
    /// the queue is full; `Ok` carries the guarantee of [`Durability::Async`] only.
    pub fn try_record(&self, rec: DecisionRecord) -> Result<(), StoreError> {
        self.check_open()?;
        self.inner
            .tx
            .try_send(Command::Record(Box::new(rec)))
            .map_err(|err| match err {
                TrySendError::Full(_) => StoreError::Busy,
                TrySendError::Closed(_) => self.gone(),
            })
    }

    /// Stores a correction; returns once it is committed. The decision may still be in the
    /// queue: it is written first. [`StoreError::UnknownDecision`] if it was never recorded.
    pub async fn feedback(&self, fb: FeedbackRecord) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.request(
            Command::Feedback {
                feedback: fb,
                reply,
            },
            answer,
        )
        .await
    }

    /// A decision with its feedback, seeing every write enqueued before the call.
    pub async fn get_decision(&self, id: Uuid) -> Result<Option<StoredDecision>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.request(
            Command::GetDecision {
                decision_id: id,
                reply,
            },
            answer,
        )
        .await
    }

    /// Stores contact events; returns once they are committed (an acknowledged event is never
    /// lost), with how many were new and how many already stored.
    pub async fn events(&self, events: Vec<EventRecord>) -> Result<EventsStored, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.request(Command::Events { events, reply }, answer)
            .await
    }

    /// [`Self::events`] for a caller outside any async runtime (`instrada import events`).
    /// Panics if called from within one, as tokio's blocking channel calls do.
    pub fn events_blocking(&self, events: Vec<EventRecord>) -> Result<EventsStored, StoreError> {
        self.check_open()?;
        let (reply, answer) = oneshot::channel();
        self.inner
            .tx
            .blocking_send(Command::Events { events, reply })
            .map_err(|_| self.gone())?;
        answer
            .blocking_recv()
            .map_err(|_| StoreError::Unavailable)?
    }

    /// Row counts, seeing every write enqueued before the call.
    pub async fn counts(&self) -> Result<StoreCounts, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.request(Command::Counts { reply }, answer).await
    }

    /// Commands waiting in the write queue (capacity minus free slots), for a gauge.
    pub fn queue_depth(&self) -> usize {
        self.inner
            .tx
            .max_capacity()
            .saturating_sub(self.inner.tx.capacity())
    }

    /// Queue depth and the writer's counters, for metrics and health checks.
    pub fn stats(&self) -> StoreStats {
        let c = &self.inner.counters;
        StoreStats {
            queue_depth: self.queue_depth(),
            queue_capacity: self.inner.tx.max_capacity(),
            committed_records: c.committed_records.load(Ordering::Relaxed),
            lost_records: c.lost_records.load(Ordering::Relaxed),
            failed_batches: c.failed_batches.load(Ordering::Relaxed),
            transactions: c.transactions.load(Ordering::Relaxed),
        }
    }

    /// Stops accepting commands, lets the writer commit everything already queued, and joins
    /// it. When this returns `Ok`, every `record` that returned `Ok` is committed (or, if the
    /// database failed, logged and counted in `lost_records`). Calls on any clone afterwards
    /// fail with [`StoreError::Closed`]. Safe to call more than once, from any clone.
    /// [`StoreError::Unavailable`] if the writer thread died instead of finishing.
    pub async fn close(&self) -> Result<(), StoreError> {
        self.inner.closing.store(true, Ordering::SeqCst);
        // Queued behind everything already enqueued; fails only if the writer already stopped.
        let _ = self.inner.tx.send(Command::Shutdown).await;
        let mut finished = self.inner.finished.clone();
        let finished_cleanly = finished.wait_for(|done| *done).await.is_ok();
        let thread = match self.inner.thread.lock() {
            Ok(mut guard) => guard.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        let checkpointer = match self.inner.checkpointer.lock() {
            Ok(mut guard) => guard.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        // The writer has sent `finished`, so it returns at once, and the checkpointer after one
        // last checkpoint; off the runtime all the same.
        let join = move || {
            let writer = thread.map(|t| t.join().is_ok()).unwrap_or(true);
            let checkpointer = checkpointer.map(|t| t.join().is_ok()).unwrap_or(true);
            writer && checkpointer
        };
        let joined = match tokio::runtime::Handle::try_current() {
            Ok(runtime) => matches!(runtime.spawn_blocking(join).await, Ok(true)),
            Err(_) => join(),
        };
        if finished_cleanly && joined {
            Ok(())
        } else {
            Err(StoreError::Unavailable)
        }
    }

    fn check_open(&self) -> Result<(), StoreError> {
        if self.inner.closing.load(Ordering::Relaxed) {
            Err(StoreError::Closed)
        } else if self.inner.counters.down.load(Ordering::SeqCst) {
            Err(StoreError::Unreachable)
        } else {
            Ok(())
        }
    }

    /// Whether the database can be reached, as far as the writer knows: `false` from a write
    /// that found it gone until the writer connects again (for `/readyz`).
    pub fn reachable(&self) -> bool {
        !self.inner.counters.down.load(Ordering::SeqCst)
    }

    /// The error for a send that failed because the queue is closed.
    fn gone(&self) -> StoreError {
        if self.inner.closing.load(Ordering::SeqCst) {
            StoreError::Closed
        } else {
            StoreError::Unavailable
        }
    }

    /// Runs `f` on the writer thread inside its next transaction and returns its result once
    /// committed (`job.rs`). For the store's own modules; not for the request path's records.
    pub(super) async fn exec<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&Conn) -> Result<T, DbError> + Send + 'static,
    {
        let (job, answer) = Exec::new(f);
        self.request(Command::Job(Box::new(job)), answer).await
    }

    /// [`Self::exec`] for a caller outside any async runtime (a blocking thread, the command
    /// line). Panics if called from within one, as tokio's blocking channel calls do.
    pub(super) fn exec_blocking<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&Conn) -> Result<T, DbError> + Send + 'static,
    {
        self.check_open()?;
        let (job, answer) = Exec::new(f);
        self.inner
            .tx
            .blocking_send(Command::Job(Box::new(job)))
            .map_err(|_| self.gone())?;
        answer
            .blocking_recv()
            .map_err(|_| StoreError::Unavailable)?
    }

    async fn request<T>(
        &self,
        cmd: Command,
        answer: oneshot::Receiver<Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        self.check_open()?;
        self.inner.tx.send(cmd).await.map_err(|_| self.gone())?;
        // The writer drops the reply sender only if it dies mid-batch.
        answer.await.map_err(|_| StoreError::Unavailable)?
    }

    /// Test hook: resolves to `true` once the writer has committed its last batch and stopped, so
    /// that a test can wait for the background drain after the last handle is dropped.
    #[cfg(test)]
    pub(super) fn writer_finished(&self) -> watch::Receiver<bool> {
        self.inner.finished.clone()
    }

    /// Test hook: how many times the writer waited for more commands after the first of a batch.
    #[cfg(test)]
    pub(super) fn lingered(&self) -> u64 {
        self.inner.counters.lingered.load(Ordering::Relaxed)
    }

    /// Test hook: whether `close` has begun.
    #[cfg(test)]
    pub(super) fn inner_is_closing(&self) -> bool {
        self.inner.closing.load(Ordering::SeqCst)
    }

    /// Test hook: stalls the writer until the returned sender is dropped. Returns once the
    /// writer has stopped, so the queue is empty and its depth is what the test enqueues.
    #[cfg(test)]
    pub(super) async fn pause_writer(&self) -> std::sync::mpsc::Sender<()> {
        let (paused, is_paused) = oneshot::channel();
        let (resume_tx, resume) = std::sync::mpsc::channel();
        let sent = self.inner.tx.send(Command::Pause { paused, resume }).await;
        assert!(sent.is_ok(), "writer gone");
        assert!(is_paused.await.is_ok(), "writer did not pause");
        resume_tx
    }
}
