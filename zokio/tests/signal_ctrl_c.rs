//! Port of tokio/tests/signal_ctrl_c.rs (1 of 1 test): `ctrl_c` completes on
//! SIGINT sent after it was first polled.
#![cfg(unix)]

mod support {
    pub mod signal;
}
use support::signal::{send_signal, within};

use zokio::signal;

#[zokio::test]
async fn ctrl_c() {
    let ctrl_c = signal::ctrl_c();

    // A current-thread runtime runs this only once the test awaits
    // `ctrl_c`, whose first poll installs the handler.
    zokio::spawn(async {
        send_signal(libc::SIGINT);
    });

    within("ctrl_c", ctrl_c).await.expect("ctrl_c");
}
