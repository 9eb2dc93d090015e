//! The writer thread: the only owner of the write connection.
//!
//! Commands arrive over the bounded queue in the order callers enqueued them. The thread blocks
//! for one command, takes whatever else is already queued (up to `max_batch` in all) and applies
//! the whole batch in one `BEGIN IMMEDIATE … COMMIT`, so at 10,000 decisions/s SQLite sees a few
//! hundred transactions per second, not 10,000. Replies (decisions in `commit` mode, feedback,
//! events, jobs, reads) are sent only after the commit, so an acknowledged write is on disk and a
//! read never shows a write that could still roll back. Because the batch is applied in queue
//! order inside one transaction, a feedback sees every decision enqueued before it, committed or
//! not.
//!
//! # When a batch is cut
//!
//! With `durability = "commit"` every decision's caller waits for its transaction, so the writer
//! never waits for more: it commits what is queued at once. That is group commit by itself — while
//! one transaction commits, the commands that arrive queue up and the next transaction takes them
//! all — so batches grow with the load (one command when idle, dozens at saturation) and an idle
//! service answers without any added wait. With `durability = "async"` nobody waits for decisions,
//! and committing each one alone would rewrite whole pages per record (about 14 KB and one
//! transaction per decision at 9,000 decisions/s), so after the first command the writer lingers
//! [`LINGER`] once to gather more; feedback, events and reads wait for it then.
//!
//! A statement that fails on its own (constraint, oversized value, conversion) leaves the
//! transaction open and rejects only its command; any other error aborts the transaction, and
//! the batch is retried once after [`RETRY_DELAY`] before its records are logged, counted and
//! given up. The module docs of `store` say why the writer then carries on.
//!
//! # When PostgreSQL cannot be reached
//!
//! A batch that fails twice because the connection is gone and cannot be made again (the server
//! stopped, restarts, or the network is cut) is not given up: the store is *down*. The records
//! in it (decisions already answered, `async`) are held in memory; whoever waits (`commit`
//! decisions, events, feedback, jobs, reads) is answered [`StoreError::Unreachable`] at once,
//! and so is every new command while the store is down ([`super::Store`] checks the flag first),
//! so nothing more is acknowledged. The writer tries to connect again every
//! [`RECONNECT_EVERY`]; once it can, it writes the held records first and the store is up. Only
//! a shutdown while the database is still unreachable gives the held records up (logged, each
//! with its `decision_json`, and counted, as for a failed batch).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::command::{Command, Outcome, apply_isolating_if_needed};
use super::error::chain;
use super::location::Location;
use super::schema;
use super::sql::{Conn, DbError};
use super::{DecisionRecord, Durability, StoreError};

/// Pause before retrying a failed batch: long enough for a transient lock or I/O hiccup to
/// clear, short enough that the queue (8,192 deep by default) does not fill meanwhile.
const RETRY_DELAY: Duration = Duration::from_millis(50);

/// While PostgreSQL cannot be reached, how often the writer tries to connect again.
const RECONNECT_EVERY: Duration = Duration::from_millis(250);

/// With `durability = "async"`, after the first command of a batch, how long the writer waits
/// for more before committing. Without it, a fast writer commits almost every record on its own,
/// and each commit rewrites whole pages (table and index leaves, WAL frame headers): at 9,000
/// decisions/s that was about 14 KB written and a transaction per record. Two milliseconds gather
/// ~20 records at that rate and cost nothing on the request path (`record` only enqueues);
/// feedback and reads wait for them once. Never used in `commit` mode (module docs).
const LINGER: Duration = Duration::from_millis(2);

/// Counters the writer updates and [`super::Store::stats`] reads.
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) committed_records: AtomicU64,
    pub(super) lost_records: AtomicU64,
    pub(super) failed_batches: AtomicU64,
    pub(super) transactions: AtomicU64,
    /// The database cannot be reached: new commands are refused at once (module docs).
    pub(super) down: AtomicBool,
    /// Test hook: how many times the writer lingered for more commands.
    #[cfg(test)]
    pub(super) lingered: AtomicU64,
}

/// The state owned by the writer thread.
pub(super) struct Writer {
    conn: Conn,
    /// Receiving end of the write queue; closed on [`Command::Shutdown`] so later sends fail fast
    /// while what is already queued drains.
    rx: mpsc::Receiver<Command>,
    max_batch: usize,
    /// How long to wait for more commands after the first of a batch (module docs).
    linger: Option<Duration>,
    counters: Arc<Counters>,
    /// Set to `true` after the last commit; [`super::Store::close`] waits on it. Dropped without
    /// `true` only if the thread dies.
    finished: watch::Sender<bool>,
    at: Location,
    /// Acknowledged records of batches that failed because the database could not be reached,
    /// written first once it can (module docs).
    held: Vec<Command>,
}

impl Writer {
    pub(super) fn new(
        conn: Conn,
        rx: mpsc::Receiver<Command>,
        (max_batch, durability): (usize, Durability),
        counters: Arc<Counters>,
        finished: watch::Sender<bool>,
        at: Location,
    ) -> Self {
        Self {
            conn,
            rx,
            max_batch: max_batch.max(1),
            linger: match durability {
                Durability::Commit => None,
                Durability::Async => Some(LINGER),
            },
            counters,
            finished,
            at,
            held: Vec::new(),
        }
    }

    /// Starts the thread named `instrada-store`.
    pub(super) fn spawn(self) -> Result<JoinHandle<()>, StoreError> {
        std::thread::Builder::new()
            .name("instrada-store".into())
            .spawn(move || self.run())
            .map_err(|source| StoreError::Spawn { source })
    }

    /// Runs until the queue is closed (shutdown) or every sender is gone, and empty.
    fn run(mut self) {
        let mut batch = Vec::with_capacity(self.max_batch.min(4096));
        loop {
            if self.counters.down.load(Ordering::SeqCst) {
                self.wait_for_database(&mut batch);
                if !batch.is_empty() {
                    self.write(&mut batch);
                    continue;
                }
            }
            if !self.next_batch(&mut batch) {
                break;
            }
            self.write(&mut batch);
        }
        let Writer {
            conn, finished, at, ..
        } = self;
        // The checkpointer checkpoints once more after `finished`, and removes the log.
        if let Conn::Sqlite(conn) = conn
            && let Err((_, err)) = conn.close()
        {
            tracing::warn!(database = %at, error = %chain(&err), "closing the decision store");
        }
        tracing::debug!(database = %at, "decision store writer stopped");
        finished.send_replace(true);
    }

    /// Blocks for one command, then takes what is already queued, up to `max_batch` in all; if
    /// that leaves room and the writer lingers (`async`), waits once and takes what arrived
    /// meanwhile. Returns false once the queue is closed and empty.
    fn next_batch(&mut self, batch: &mut Vec<Command>) -> bool {
        while batch.is_empty() {
            let Some(first) = self.rx.blocking_recv() else {
                return false;
            };
            self.accept(first, batch);
        }
        self.drain(batch);
        if let Some(linger) = self.linger
            && batch.len() < self.max_batch
            && !self.rx.is_closed()
        {
            #[cfg(test)]
            self.counters.lingered.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(linger);
            self.drain(batch);
        }
        true
    }

    /// Takes what is queued now, up to `max_batch` in the batch.
    fn drain(&mut self, batch: &mut Vec<Command>) {
        while batch.len() < self.max_batch {
            match self.rx.try_recv() {
                Ok(cmd) => self.accept(cmd, batch),
                Err(_) => break,
            }
        }
    }

    fn accept(&mut self, cmd: Command, batch: &mut Vec<Command>) {
        match cmd {
            // Everything queued before (and any send that slips in before this) still drains.
            Command::Shutdown => self.rx.close(),
            #[cfg(test)]
            Command::Pause { paused, resume } => {
                let _ = paused.send(());
                let _ = resume.recv();
            }
            Command::Records(recs) => {
                batch.extend(recs.into_iter().map(|r| Command::Record(Box::new(r))));
            }
            other => batch.push(other),
        }
    }

    /// Commits the batch (retrying once) and answers everyone waiting on it; empties `batch`.
    fn write(&mut self, batch: &mut Vec<Command>) {
        let outcomes = match apply_isolating_if_needed(&self.conn, batch) {
            Ok(outcomes) => outcomes,
            Err(first) => {
                self.counters.failed_batches.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    database = %self.at,
                    commands = batch.len(),
                    error = %chain(&first),
                    "decision store transaction failed; retrying once"
                );
                std::thread::sleep(RETRY_DELAY);
                self.reconnect_if_lost(&first);
                match apply_isolating_if_needed(&self.conn, batch) {
                    Ok(outcomes) => outcomes,
                    Err(second) if self.unreachable(&second) => {
                        self.hold(batch, &second);
                        return;
                    }
                    Err(second) => {
                        self.give_up(batch, &chain(&second));
                        return;
                    }
                }
            }
        };
        // Counters first, so that whoever a reply wakes sees them up to date.
        let committed = outcomes
            .iter()
            .map(|o| match o {
                Outcome::Record(Ok(())) => 1,
                Outcome::Decisions(Ok(n)) => *n,
                _ => 0,
            })
            .sum::<u64>();
        let rejected = outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Record(Err(_))))
            .count() as u64;
        self.counters
            .committed_records
            .fetch_add(committed, Ordering::Relaxed);
        self.counters
            .lost_records
            .fetch_add(rejected, Ordering::Relaxed);
        self.counters.transactions.fetch_add(1, Ordering::Relaxed);
        for (cmd, outcome) in batch.drain(..).zip(outcomes) {
            match (cmd, outcome) {
                (Command::Record(rec), Outcome::Record(Err(err))) => {
                    tracing::error!(
                        decision_id = %rec.decision_id,
                        created_at = %rec.created_at,
                        decision_json = %rec.decision_json,
                        error = %chain(&err),
                        "decision record rejected by the database: NOT in the audit trail"
                    );
                }
                (Command::Decisions { reply, .. }, Outcome::Decisions(result)) => {
                    // Refused, not lost: the caller is told and answers no decision.
                    let _ = reply.send(result.map(drop));
                }
                (Command::Feedback { reply, .. }, Outcome::Feedback(result)) => {
                    let _ = reply.send(result);
                }
                (Command::GetDecision { reply, .. }, Outcome::Decision(result)) => {
                    let _ = reply.send(*result);
                }
                (Command::Counts { reply }, Outcome::Counts(result)) => {
                    let _ = reply.send(result);
                }
                (Command::Events { reply, .. }, Outcome::Events(result)) => {
                    let _ = reply.send(result);
                }
                (Command::Job(job), _) => job.deliver(),
                _ => {}
            }
        }
    }

    /// On PostgreSQL, after a failure that took the connection with it (the server restarted),
    /// connects again; while the server is down this fails and the batch fails with it, and the
    /// next batch tries again.
    fn reconnect_if_lost(&mut self, err: &DbError) {
        if let Conn::Postgres(pg) = &self.conn
            && (pg.is_closed() || err.connection_lost())
        {
            match schema::open_for_writing(&self.at) {
                Ok(conn) => {
                    tracing::info!(database = %self.at, "decision store reconnected");
                    self.conn = conn;
                }
                Err(e) => {
                    tracing::warn!(database = %self.at, error = %chain(&e), "decision store still unreachable");
                }
            }
        }
    }

    /// The batch failed twice: log every record nobody waits for and count it, fail the waiters.
    fn give_up(&self, batch: &mut Vec<Command>, cause: &str) {
        let lost = batch
            .iter()
            .filter(|c| matches!(c, Command::Record(_)))
            .count() as u64;
        self.counters
            .lost_records
            .fetch_add(lost, Ordering::Relaxed);
        tracing::error!(
            database = %self.at,
            lost_records = lost,
            error = %cause,
            "decision store transaction failed twice; its records are lost"
        );
        for cmd in batch.drain(..) {
            fail(cmd, || StoreError::WriteFailed {
                cause: cause.to_string(),
            });
        }
    }

    /// Whether `err`, after the retry, says the database cannot be reached (PostgreSQL: the
    /// connection is gone and could not be made again), rather than that it refused the batch.
    fn unreachable(&self, err: &DbError) -> bool {
        matches!(&self.conn, Conn::Postgres(pg) if pg.is_closed() || err.connection_lost())
    }

    /// The database cannot be reached: keeps the batch's acknowledged records for when it can,
    /// answers everyone waiting, and marks the store down (module docs).
    fn hold(&mut self, batch: &mut Vec<Command>, err: &DbError) {
        self.counters.down.store(true, Ordering::SeqCst);
        for cmd in batch.drain(..) {
            self.hold_or_refuse(cmd);
        }
        tracing::error!(
            database = %self.at,
            held_records = self.held.len(),
            error = %chain(err),
            "the database cannot be reached: requests that write are refused (503) until it can; \
             the acknowledged records are held and written first"
        );
    }

    /// While down: an acknowledged record is held; any other command is answered at once.
    fn hold_or_refuse(&mut self, cmd: Command) {
        match cmd {
            Command::Record(_) => self.held.push(cmd),
            Command::Records(recs) => self
                .held
                .extend(recs.into_iter().map(|r| Command::Record(Box::new(r)))),
            Command::Shutdown => self.rx.close(),
            other => fail(other, || StoreError::Unreachable),
        }
    }

    /// While down: answers what arrives, tries to connect every [`RECONNECT_EVERY`], and once
    /// connected puts the held records in `batch` and marks the store up. Returns with `batch`
    /// empty when the queue was closed (shutdown) before the database came back: the held
    /// records are then given up.
    fn wait_for_database(&mut self, batch: &mut Vec<Command>) {
        loop {
            while let Ok(cmd) = self.rx.try_recv() {
                self.hold_or_refuse(cmd);
            }
            match schema::open_for_writing(&self.at) {
                Ok(conn) => {
                    self.conn = conn;
                    tracing::info!(
                        database = %self.at,
                        held_records = self.held.len(),
                        "the database can be reached again: writing the held records first"
                    );
                    batch.append(&mut self.held);
                    self.counters.down.store(false, Ordering::SeqCst);
                    return;
                }
                Err(e) if self.rx.is_closed() => {
                    let mut held = std::mem::take(&mut self.held);
                    self.give_up(&mut held, &chain(&e));
                    // Stays down: later commands are refused until the thread ends.
                    return;
                }
                Err(_) => std::thread::sleep(RECONNECT_EVERY),
            }
        }
    }
}

/// Answers `cmd`'s waiter, if any, with `err()`; a record nobody waits for is logged as lost
/// (the log is then the last copy of the audit record).
fn fail(cmd: Command, err: impl Fn() -> StoreError) {
    let lost = |rec: &DecisionRecord| {
        tracing::error!(
            decision_id = %rec.decision_id,
            created_at = %rec.created_at,
            decision_json = %rec.decision_json,
            "decision record lost: NOT in the audit trail"
        );
    };
    match cmd {
        Command::Record(rec) => lost(&rec),
        Command::Records(recs) => recs.iter().for_each(lost),
        Command::Decisions { reply, .. } => {
            let _ = reply.send(Err(err()));
        }
        Command::Feedback { reply, .. } => {
            let _ = reply.send(Err(err()));
        }
        Command::GetDecision { reply, .. } => {
            let _ = reply.send(Err(err()));
        }
        Command::Counts { reply } => {
            let _ = reply.send(Err(err()));
        }
        Command::Events { reply, .. } => {
            let _ = reply.send(Err(err()));
        }
        Command::Job(job) => job.fail(err()),
        Command::Shutdown => {}
        #[cfg(test)]
        Command::Pause { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema::{open_for_reading, open_for_writing};
    use super::super::test_support::{sample_feedback, sample_record};
    use super::*;
    use tokio::sync::oneshot;

    #[tokio::test(flavor = "multi_thread")]
    async fn a_batch_that_fails_twice_is_counted_and_its_waiters_answered() {
        // Records nobody waits for are counted lost; everyone waiting is told.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite3");
        drop(open_for_writing(&path).unwrap());
        // A read-only connection: every transaction fails with SQLITE_READONLY, as on a
        // file-system gone read-only under a running server.
        let conn = open_for_reading(&path).unwrap();
        let (tx, rx) = mpsc::channel(16);
        let (finished_tx, mut finished) = watch::channel(false);
        let counters = Arc::new(Counters::default());
        let sizes = (512, Durability::Async);
        let at = Location::from(path);
        let thread = Writer::new(conn, rx, sizes, Arc::clone(&counters), finished_tx, at)
            .spawn()
            .unwrap();

        // Queue everything behind a pause so that it forms one batch.
        let (paused, is_paused) = oneshot::channel();
        let (resume_tx, resume) = std::sync::mpsc::channel();
        tx.send(Command::Pause { paused, resume }).await.unwrap();
        is_paused.await.unwrap();
        let rec = sample_record(1);
        let id = rec.decision_id;
        tx.send(Command::Record(Box::new(rec))).await.unwrap();
        tx.send(Command::Record(Box::new(sample_record(2))))
            .await
            .unwrap();
        let (reply, answer) = oneshot::channel();
        tx.send(Command::Feedback {
            feedback: sample_feedback(id, None, None),
            reply,
        })
        .await
        .unwrap();
        // A decision whose caller waits (`commit` mode): told, not lost.
        let (reply, committed) = oneshot::channel();
        tx.send(Command::Decisions {
            records: vec![sample_record(3)],
            reply,
        })
        .await
        .unwrap();
        drop(resume_tx);

        let err = answer.await.unwrap().unwrap_err();
        assert!(matches!(err, StoreError::WriteFailed { .. }), "{err:?}");
        let err = committed.await.unwrap().unwrap_err();
        assert!(matches!(err, StoreError::WriteFailed { .. }), "{err:?}");
        assert_eq!(counters.lost_records.load(Ordering::Relaxed), 2);
        assert_eq!(counters.failed_batches.load(Ordering::Relaxed), 1);
        assert_eq!(counters.committed_records.load(Ordering::Relaxed), 0);

        // The writer carries on and still exits cleanly when the senders go.
        drop(tx);
        finished.wait_for(|done| *done).await.unwrap();
        thread.join().unwrap();
    }
}
