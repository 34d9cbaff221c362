//! Port of tokio/tests/signal_realtime.rs (1 of 1 test): every realtime
//! signal from SIGRTMIN (capped at 28 of them, as Tokio does for QEMU) can be
//! listened for and is received.
#![cfg(any(target_os = "linux", target_os = "illumos"))]

mod support {
    pub mod signal;
}
use support::signal::send_signal;

use std::collections::HashMap;
use std::time::Duration;

use libc::c_int;
use zokio::signal::unix::{SignalKind, signal};

#[zokio::test]
async fn signal_realtime() {
    let signals = (libc::SIGRTMIN()..=sigrt_max())
        .map(|signum| {
            let sig = signal(SignalKind::from_raw(signum)).unwrap_or_else(|e| {
                panic!(
                    "failed to create signal for {}: {e}",
                    sigrtnum_to_string(signum)
                )
            });
            (signum, sig)
        })
        .collect::<Vec<_>>();

    for signum in libc::SIGRTMIN()..=sigrt_max() {
        send_signal(signum);
    }

    let mut waiting = zokio::task::JoinSet::new();
    for (signum, mut sig) in signals {
        waiting.spawn(async move { (signum, sig.recv().await) });
    }
    let mut done = HashMap::new();
    let collect = async {
        while let Some(joined) = waiting.join_next().await {
            let (signum, res) = joined.unwrap();
            done.insert(signum, res);
        }
    };
    // Whatever arrived within the bound is checked below.
    let _ = zokio::time::timeout(Duration::from_secs(5), collect).await;

    let mut none = Vec::new();
    let mut missing = Vec::new();
    for signum in libc::SIGRTMIN()..=sigrt_max() {
        match done.get(&signum) {
            Some(Some(())) => {}
            Some(None) => none.push(sigrtnum_to_string(signum)),
            None => missing.push(sigrtnum_to_string(signum)),
        }
    }
    assert!(
        none.is_empty() && missing.is_empty(),
        "ended with None: {none:?}; not received: {missing:?}"
    );
}

fn sigrt_max() -> c_int {
    // QEMU supports only 28 realtime signals, whatever SIGRTMAX says.
    libc::SIGRTMAX().min(libc::SIGRTMIN() + 27)
}

fn sigrtnum_to_string(signum: i32) -> String {
    format!("SIGRTMIN+{} (signal {})", signum - libc::SIGRTMIN(), signum)
}
