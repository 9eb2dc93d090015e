//! Jobs: the writes that are not on the request path (the forecast cache; outreach flags and
//! reviews) and the reads that must see them. Each is a closure over the connection that the
//! writer thread runs inside its batch's transaction, so the store keeps one write connection
//! and one queue; the closure's result is sent to the caller only after the batch commits.
//!
//! A job runs in a savepoint of its own: when one of its statements fails on its own (a
//! constraint), the job's other statements are undone and only this job fails; any other error
//! aborts the batch, which the writer retries once (running the job again) before failing it.

use tokio::sync::oneshot;

use super::StoreError;
use super::error::contain;
use super::sql::{Conn, DbError};

/// A job on the write queue, type-erased.
pub(super) trait Job: Send {
    /// Runs inside the batch's transaction (again, if the batch is retried). `Err` aborts the
    /// batch; a failure local to the job is kept for [`Job::deliver`].
    fn run(&mut self, conn: &Conn) -> Result<(), DbError>;
    /// After the commit: sends the result.
    fn deliver(self: Box<Self>);
    /// The batch was given up.
    fn fail(self: Box<Self>, err: StoreError);
}

/// A closure and where its result goes.
pub(super) struct Exec<T, F> {
    f: F,
    result: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Exec<T, F> {
    pub(super) fn new(f: F) -> (Self, oneshot::Receiver<Result<T, StoreError>>) {
        let (reply, answer) = oneshot::channel();
        let job = Self {
            f,
            result: None,
            reply,
        };
        (job, answer)
    }
}

impl<T, F> Job for Exec<T, F>
where
    T: Send,
    F: FnMut(&Conn) -> Result<T, DbError> + Send,
{
    fn run(&mut self, conn: &Conn) -> Result<(), DbError> {
        conn.savepoint("job")?;
        let outcome = contain(conn, (self.f)(conn))?;
        if outcome.is_ok() {
            conn.release("job")?;
        } else {
            conn.rollback_to("job")?;
        }
        self.result = Some(outcome);
        Ok(())
    }

    fn deliver(self: Box<Self>) {
        let result = self.result.unwrap_or(Err(StoreError::Unavailable));
        let _ = self.reply.send(result);
    }

    fn fail(self: Box<Self>, err: StoreError) {
        let _ = self.reply.send(Err(err));
    }
}
