//! Sending signals to the test process itself, as Tokio's `tests/support/signal.rs` does.

// Each test file that includes this uses only part of it.
#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

/// Sends `signal` to this process (any thread that does not block it runs
/// the handler).
pub fn send_signal(signal: libc::c_int) {
    // SAFETY: getpid(2) and kill(2) take no pointers and have no preconditions.
    let rc = unsafe { libc::kill(libc::getpid(), signal) };
    assert_eq!(
        rc,
        0,
        "kill(self, {signal}) failed: {}",
        std::io::Error::last_os_error()
    );
}

/// Bounds a wait in a signal test: a lost delivery fails the test instead of
/// hanging it.
pub async fn within<F: Future>(what: &str, future: F) -> F::Output {
    match zokio::time::timeout(Duration::from_secs(5), future).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: nothing within 5 s"),
    }
}
