//! ONNX Runtime for every model kind (feature `onnx`): finding and loading the shared library
//! ([`runtime`]) and a pool of sessions of one graph ([`Pool`]), so that the text classifiers
//! (`classify::onnx`) and the outreach models (`outreach::onnx`) share one way to run a graph.
//!
//! A leaf: imports nothing of the crate. Errors are ONNX Runtime's messages; the callers name
//! the file.

pub mod runtime;

use ort::session::Session;
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// Sessions of one graph, for callers on many threads.
///
/// `Session::run` takes `&mut self`: one session behind one mutex would make every request of the
/// service wait for every other. Instead each thread prefers its own slot (threads are numbered
/// on first use, so that with as many sessions as worker threads every worker keeps to one
/// session, uncontended) and takes another free one with `try_lock` when its own is busy; it
/// waits only when every session is running. Each session runs single-threaded
/// (`intra_threads = 1`): the parallelism is across requests, and N sessions never oversubscribe
/// N cores. A session holds its own copy of the graph's weights (a TF-IDF model is under a
/// megabyte).
#[derive(Debug)]
pub struct Pool {
    /// One lock per session, never held across anything but one `run`.
    sessions: Box<[Mutex<Session>]>,
}

/// Numbers threads on first use, for [`Pool`]'s preferred slots.
static NEXT_THREAD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static THREAD_NUMBER: Cell<Option<usize>> = const { Cell::new(None) };
}

fn thread_number() -> usize {
    THREAD_NUMBER.with(|n| {
        n.get().unwrap_or_else(|| {
            let v = NEXT_THREAD.fetch_add(1, Ordering::Relaxed);
            n.set(Some(v));
            v
        })
    })
}

impl Pool {
    /// A pool of `pool_size` sessions of the graph `bytes`, or what ONNX Runtime said of it.
    pub fn new(environment: &ort::environment::Environment, bytes: &[u8]) -> Result<Self, String> {
        let sessions = (0..pool_size())
            .map(|_| session(environment, bytes).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            sessions: sessions.into_boxed_slice(),
        })
    }

    /// Runs `f` on a free session.
    pub fn with<R>(&self, f: impl FnOnce(&mut Session) -> R) -> R {
        let n = self.sessions.len();
        let start = thread_number() % n;
        for i in 0..n {
            if let Ok(mut s) = self.sessions[(start + i) % n].try_lock() {
                return f(&mut s);
            }
        }
        // Every session is busy (more callers than sessions): wait for this thread's own.
        let mut s = self.sessions[start]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        f(&mut s)
    }
}

/// The number of sessions per model: one per core, as many as the service's worker threads.
fn pool_size() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(16))
}

/// One single-threaded session of the graph in `bytes`.
fn session(environment: &ort::environment::Environment, bytes: &[u8]) -> Result<Session, String> {
    Session::builder(environment)
        .map_err(|e| e.to_string())?
        .with_intra_threads(1)
        .map_err(|e| e.to_string())?
        .with_inter_threads(1)
        .map_err(|e| e.to_string())?
        .commit_from_memory(bytes)
        .map_err(|e| e.to_string())
}
