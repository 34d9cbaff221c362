//! Waiting from synchronous code: the `blocking_*` methods of the locks,
//! the semaphore and the channels.

use std::future::Future;

/// Runs `future` to completion on this thread, parking it while it waits.
///
/// # Panics
///
/// On a runtime worker thread (inside a task or `Runtime::block_on`), where
/// parking would stall every task of that worker and could deadlock on a
/// lock whose holder needs this very thread to run. The message starts as
/// Tokio's does, so code that matches on it keeps working.
#[track_caller]
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    if zokio_core::context::is_in_runtime() {
        panic!(
            "Cannot block the current thread from within a runtime. This happens because a \
             function attempted to block the current thread while the thread is being used to \
             drive asynchronous tasks. Use `.await` instead, or call it from \
             `zokio::task::spawn_blocking`."
        );
    }
    zokio_core::block_on(future)
}
