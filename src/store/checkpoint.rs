//! The WAL checkpointer: a thread of its own that copies the write-ahead log into the database
//! file, so that the writer never does it.
//!
//! With `synchronous = NORMAL` a WAL commit writes the log and does not wait for the disk; the
//! disk is waited for (fsync) when the log is checkpointed into the main file. SQLite does that
//! itself after a commit that takes the log past 1,000 pages — on the writer's thread, inside
//! that commit — so every few thousand decisions one commit stalled behind an fsync, and with
//! `store.durability = "commit"` every request waiting for that commit stalled too (the
//! admitted requests' median rose from 0.15 ms to 100 ms under overload). Here the writer's
//! connection has automatic checkpoints off, and this thread runs a PASSIVE checkpoint every
//! [`EVERY`] on its own connection: it copies what no reader still needs without blocking the
//! writer, and the fsync happens here. A crash loses nothing the log holds: the log is replayed
//! when the file is next opened.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::watch;

use super::error::chain;

/// How often the log is checkpointed. At 9,000 decisions/s of about 1.3 KB each the log grows by
/// about 3 MB between two checkpoints.
pub(super) const EVERY: Duration = Duration::from_millis(250);

/// Turns the automatic checkpoint off on the writer's connection (this thread does it).
pub(super) fn hand_over(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "wal_autocheckpoint", 0)
}

/// Starts the thread; it ends once `finished` says the writer has committed its last batch,
/// after a last checkpoint (and, its connection being the last one, SQLite removes the log).
pub(super) fn spawn(
    path: &Path,
    mut finished: watch::Receiver<bool>,
) -> std::io::Result<JoinHandle<()>> {
    let path: PathBuf = path.to_path_buf();
    std::thread::Builder::new()
        .name("instrada-checkpoint".into())
        .spawn(move || {
            let conn = match Connection::open(&path) {
                Ok(c) => c,
                Err(e) => {
                    // The writer checkpoints nothing now: say so loudly; the log still holds
                    // every commit, and is checkpointed when the file is next opened.
                    tracing::error!(path = %path.display(), error = %chain(&e), "WAL checkpointer not started");
                    return;
                }
            };
            let _ = conn.busy_timeout(Duration::from_secs(5));
            loop {
                let done = *finished.borrow_and_update();
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!(path = %path.display(), error = %chain(&e), "WAL checkpoint");
                }
                if done {
                    break;
                }
                std::thread::sleep(EVERY);
            }
            if let Err((_, e)) = conn.close() {
                tracing::warn!(path = %path.display(), error = %chain(&e), "closing the checkpointer's connection");
            }
        })
}
