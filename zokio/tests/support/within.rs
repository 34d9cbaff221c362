//! Bounds on a test's waits: a lost wake or a deadlock fails the test with a
//! message instead of hanging CI.

// Each test file that includes this uses only part of it.
#![allow(dead_code)]

use std::future::Future;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// `future`'s output; a panic if it takes longer than `limit`.
pub async fn within<T>(limit: Duration, future: impl Future<Output = T>) -> T {
    match zokio::time::timeout(limit, future).await {
        Ok(output) => output,
        Err(_) => panic!("the test did not finish within {limit:?}"),
    }
}

/// `f`'s result, run on a thread of its own (so that a runtime it builds or
/// blocks is not this thread's); a panic if it takes longer than `limit`, or
/// `f`'s own panic.
pub fn on_thread_within<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done_tx, done_rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let _ = done_tx.send(f());
    });
    match done_rx.recv_timeout(limit) {
        Ok(output) => {
            thread.join().unwrap();
            output
        }
        Err(RecvTimeoutError::Timeout) => panic!("the test did not finish within {limit:?}"),
        // `f` panicked: the join hands its panic on.
        Err(RecvTimeoutError::Disconnected) => match thread.join() {
            Ok(()) => unreachable!("the thread sends before it ends"),
            Err(panic) => std::panic::resume_unwind(panic),
        },
    }
}
