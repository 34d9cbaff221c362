//! Port of tokio/tests/signal_usr1.rs (1 of 1 test).
#![cfg(unix)]

mod support {
    pub mod signal;
}
use support::signal::{send_signal, within};

use zokio::signal::unix::{SignalKind, signal};

#[zokio::test]
async fn signal_usr1() {
    let mut signal = signal(SignalKind::user_defined1()).expect("failed to create signal");

    send_signal(libc::SIGUSR1);

    assert_eq!(within("SIGUSR1", signal.recv()).await, Some(()));
}
