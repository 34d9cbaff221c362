//! Port of tokio/tests/signal_twice.rs (1 of 1 test): one listener receives
//! two deliveries in turn.
#![cfg(unix)]

mod support {
    pub mod signal;
}
use support::signal::{send_signal, within};

use zokio::signal::unix::{SignalKind, signal};

#[zokio::test]
async fn twice() {
    let kind = SignalKind::user_defined1();
    let mut sig = signal(kind).expect("failed to get signal");

    for _ in 0..2 {
        send_signal(libc::SIGUSR1);

        assert!(within("recv", sig.recv()).await.is_some());
    }
}
