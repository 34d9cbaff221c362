//! Counterpart of tokio/tests/signal_no_rt.rs (1 test), inverted on purpose:
//! Tokio's `signal` panics outside a runtime; Zokio's registers with the
//! background reactor and works under any executor.
#![cfg(unix)]

mod support {
    pub mod signal;
}
use support::signal::{send_signal, within};

use zokio::signal::unix::{SignalKind, signal};

#[test]
fn no_runtime_creates_a_working_listener() {
    let mut sig = signal(SignalKind::hangup()).expect("a listener outside any runtime");
    send_signal(libc::SIGHUP);
    // zokio's timers fall back to their background driver here too.
    let received = zokio::block_on(within("SIGHUP", sig.recv()));
    assert_eq!(received, Some(()));
}
