//! Port of tokio/tests/signal_drop_recv.rs (1 of 1 test): a delivery made
//! while no listener exists reaches a listener made before anyone dispatched it.
#![cfg(unix)]

mod support {
    pub mod signal;
}
use support::signal::{send_signal, within};

use zokio::signal::unix::{SignalKind, signal};

#[zokio::test]
async fn drop_then_get_a_signal() {
    let kind = SignalKind::user_defined1();
    let sig = signal(kind).expect("failed to create first signal");
    drop(sig);

    send_signal(libc::SIGUSR1);
    let mut sig = signal(kind).expect("failed to create second signal");

    assert_eq!(within("recv", sig.recv()).await, Some(()));
}
