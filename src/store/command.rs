//! What the writer thread is asked ([`Command`]) and how a batch of commands is applied in one
//! transaction ([`apply_isolating_if_needed`]): each command's statements, and on PostgreSQL the
//! savepoints that keep one failing command from aborting the others. The thread, its queue and
//! its retries are `writer.rs`'s.

use tokio::sync::oneshot;
use uuid::Uuid;

use super::error::contain;
use super::events::{self, EventRecord, EventsStored};
use super::job::Job;
use super::sql::{Conn, DbError, Dialect};
use super::{DecisionRecord, FeedbackRecord, StoreCounts, StoreError, StoredDecision, rows};

/// A request to the writer thread.
pub(super) enum Command {
    /// A decision nobody waits for (`async`). Boxed so that the queue's slots stay small whatever
    /// the record's size.
    Record(Box<DecisionRecord>),
    /// Several decisions enqueued at once (a batch answered all or nothing, `async`); each becomes
    /// a `Record` of the batch that takes it.
    Records(Vec<DecisionRecord>),
    /// Decisions whose caller waits for their commit (`commit`): stored all or none, answered
    /// once the transaction is committed.
    Decisions {
        records: Vec<DecisionRecord>,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    Feedback {
        feedback: FeedbackRecord,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    GetDecision {
        decision_id: Uuid,
        reply: oneshot::Sender<Result<Option<StoredDecision>, StoreError>>,
    },
    Counts {
        reply: oneshot::Sender<Result<StoreCounts, StoreError>>,
    },
    /// Contact events; answered once committed.
    Events {
        events: Vec<EventRecord>,
        reply: oneshot::Sender<Result<EventsStored, StoreError>>,
    },
    /// A job off the request path (`job.rs`); answered once committed.
    Job(Box<dyn Job>),
    /// Stop taking commands, drain what is queued, commit, exit.
    Shutdown,
    /// Test hook: the writer stalls (as if on a slow disk) until `resume` is dropped.
    #[cfg(test)]
    Pause {
        paused: oneshot::Sender<()>,
        resume: std::sync::mpsc::Receiver<()>,
    },
}

/// What applying one command produced, delivered once the batch has committed.
pub(super) enum Outcome {
    Record(Result<(), StoreError>),
    /// How many decisions a `Decisions` command stored.
    Decisions(Result<u64, StoreError>),
    Feedback(Result<(), StoreError>),
    /// Boxed: a whole decision is far larger than the other outcomes.
    Decision(Box<Result<Option<StoredDecision>, StoreError>>),
    Counts(Result<StoreCounts, StoreError>),
    Events(Result<EventsStored, StoreError>),
    Nothing,
}

/// Applies every command in one transaction. `Err` means the transaction is gone (rolled back)
/// and nothing in the batch happened.
fn apply_batch(conn: &Conn, batch: &mut [Command]) -> Result<Vec<Outcome>, DbError> {
    conn.begin()?;
    let applied = (|| {
        let mut outcomes = Vec::with_capacity(batch.len());
        for cmd in batch.iter_mut() {
            outcomes.push(apply_alone(conn, cmd)?);
        }
        conn.commit()?;
        Ok(outcomes)
    })();
    if applied.is_err() {
        conn.rollback();
    }
    applied
}

/// [`apply_batch`]; on PostgreSQL, when a statement failing on its own aborted the batch (run
/// without savepoints, `Conn::isolating`), once more with each command isolated, so that only
/// the failing command fails, as on SQLite.
pub(super) fn apply_isolating_if_needed(
    conn: &Conn,
    batch: &mut [Command],
) -> Result<Vec<Outcome>, DbError> {
    match apply_batch(conn, batch) {
        Err(err) if err.statement_level() && conn.set_isolating(true) => {
            let again = apply_batch(conn, batch);
            conn.set_isolating(false);
            again
        }
        other => other,
    }
}

/// [`apply`], and on PostgreSQL in a savepoint of its own when the command has none: there a
/// failed statement aborts the whole transaction unless rolled back to a savepoint, where SQLite
/// leaves it usable.
fn apply_alone(conn: &Conn, cmd: &mut Command) -> Result<Outcome, DbError> {
    let own_savepoint = matches!(
        cmd,
        Command::Record(_)
            | Command::Feedback { .. }
            | Command::GetDecision { .. }
            | Command::Counts { .. }
    );
    if conn.dialect() != Dialect::Postgres || !own_savepoint || !conn.isolating() {
        return apply(conn, cmd);
    }
    conn.batch("SAVEPOINT command")?;
    let outcome = apply(conn, cmd)?;
    let failed = match &outcome {
        Outcome::Record(r) | Outcome::Feedback(r) => r.is_err(),
        Outcome::Decision(r) => r.is_err(),
        Outcome::Counts(r) => r.is_err(),
        _ => false,
    };
    conn.batch(if failed {
        "ROLLBACK TO command; RELEASE command"
    } else {
        "RELEASE command"
    })?;
    Ok(outcome)
}

fn apply(conn: &Conn, cmd: &mut Command) -> Result<Outcome, DbError> {
    Ok(match cmd {
        Command::Job(job) => {
            job.run(conn)?;
            Outcome::Nothing
        }
        Command::Record(rec) => Outcome::Record(contain(conn, rows::insert_decision(conn, rec))?),
        Command::Decisions { records, .. } => {
            Outcome::Decisions(contain(conn, rows::insert_decisions(conn, records))?)
        }
        Command::Feedback { feedback, .. } => {
            let result = match contain(conn, rows::decision_exists(conn, feedback.decision_id))? {
                Ok(true) => contain(conn, rows::insert_feedback(conn, feedback))?,
                Ok(false) => Err(StoreError::UnknownDecision {
                    decision_id: feedback.decision_id,
                }),
                Err(err) => Err(err),
            };
            Outcome::Feedback(result)
        }
        Command::GetDecision { decision_id, .. } => Outcome::Decision(Box::new(contain(
            conn,
            rows::load_decision(conn, *decision_id),
        )?)),
        Command::Counts { .. } => Outcome::Counts(contain(conn, rows::counts(conn))?),
        Command::Events { events, .. } => {
            Outcome::Events(contain(conn, events::insert_events(conn, events))?)
        }
        // Expanded into records when the writer takes them (`accept`): never in a batch.
        Command::Records(_) | Command::Shutdown => Outcome::Nothing,
        #[cfg(test)]
        Command::Pause { .. } => Outcome::Nothing,
    })
}
