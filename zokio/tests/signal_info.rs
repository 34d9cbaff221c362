//! Port of tokio/tests/signal_info.rs (1 of 1 test): SIGINFO, which only the
//! BSDs, macOS and illumos have (so this file is empty on Linux).
#![cfg(any(
    target_os = "dragonfly",
    target_os = "freebsd",
    target_os = "macos",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "illumos"
))]

mod support {
    pub mod signal;
}
use support::signal::{send_signal, within};

use zokio::signal;
use zokio::signal::unix::SignalKind;

#[zokio::test]
async fn siginfo() {
    let mut sig = signal::unix::signal(SignalKind::info()).expect("installed signal handler");

    zokio::spawn(async {
        send_signal(libc::SIGINFO);
    });

    assert_eq!(within("SIGINFO", sig.recv()).await, Some(()));
}
