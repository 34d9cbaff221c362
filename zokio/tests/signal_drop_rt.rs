//! Port of tokio/tests/signal_drop_rt.rs (1 of 1 test): dropping one runtime
//! does not starve a listener on another. Plus Zokio's own rule: a listener
//! polled after its runtime is gone completes with `None` (Tokio's would
//! wait forever), and `ctrl_c` then fails rather than hang.
#![cfg(unix)]

mod support {
    pub mod signal;
}
use support::signal::send_signal;

use std::time::Duration;
use zokio::runtime::{Builder, CurrentThreadRuntime};
use zokio::signal::unix::{SignalKind, signal};

fn rt() -> CurrentThreadRuntime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

/// Runs `f` on a thread of its own and fails if it takes over 5 s.
fn bounded(what: &str, f: impl FnOnce() + Send + 'static) {
    let (done, finished) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        f();
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_secs(5)) {
        Ok(()) => thread.join().unwrap(),
        Err(_) if thread.is_finished() => thread.join().unwrap(),
        Err(_) => panic!("{what}: did not finish within 5 s"),
    }
}

#[test]
fn dropping_loops_does_not_cause_starvation() {
    bounded("two runtimes", || {
        let kind = SignalKind::user_defined1();

        let first_rt = rt();
        let mut first_signal =
            first_rt.block_on(async { signal(kind).expect("failed to register first signal") });

        let second_rt = rt();
        let mut second_signal =
            second_rt.block_on(async { signal(kind).expect("failed to register second signal") });

        send_signal(libc::SIGUSR1);

        first_rt
            .block_on(first_signal.recv())
            .expect("failed to await first signal");

        drop(first_rt);
        drop(first_signal);

        send_signal(libc::SIGUSR1);

        assert_eq!(second_rt.block_on(second_signal.recv()), Some(()));
    });
}

#[test]
fn a_listener_polled_after_its_runtime_is_dropped_gets_none() {
    bounded("listener outliving its runtime", || {
        let rt = rt();
        let mut sig = rt.block_on(async { signal(SignalKind::user_defined2()).unwrap() });
        drop(rt);
        // Polled under another executor: its reactor is gone, so it ends.
        assert_eq!(zokio::block_on(sig.recv()), None);
        assert_eq!(zokio::block_on(sig.recv()), None, "and stays ended");
    });
}

#[test]
fn a_delivery_made_before_the_runtime_was_dropped_is_still_received_first() {
    bounded("delivery then runtime drop", || {
        let rt = rt();
        let (mut sig, mut other) = rt.block_on(async {
            (
                signal(SignalKind::window_change()).unwrap(),
                signal(SignalKind::window_change()).unwrap(),
            )
        });
        send_signal(libc::SIGWINCH);
        // One listener drains and broadcasts; the other sees the version.
        assert_eq!(rt.block_on(other.recv()), Some(()));
        drop(rt);
        assert_eq!(zokio::block_on(sig.recv()), Some(()));
        assert_eq!(zokio::block_on(sig.recv()), None);
    });
}

#[test]
fn ctrl_c_fails_when_its_runtime_shuts_down_first() {
    bounded("ctrl_c across a runtime drop", || {
        let rt = rt();
        let mut pending = Box::pin(zokio::signal::ctrl_c());
        // The first poll registers the listener with this runtime's reactor.
        rt.block_on(async {
            let polled = futures_lite::future::poll_once(pending.as_mut()).await;
            assert!(polled.is_none(), "no SIGINT was sent");
        });
        drop(rt);
        let err = zokio::block_on(pending).unwrap_err();
        assert!(err.to_string().contains("shut down"), "{err}");
    });
}
