//! Zokio's own signal tests (no Tokio file has them): every `SignalKind`
//! Tokio has round-trips; bad numbers are errors; a delivery before the
//! first poll counts; a burst coalesces.
#![cfg(unix)]

mod support {
    pub mod signal;
}
use support::signal::{send_signal, within};

use std::io::ErrorKind;
use std::time::Duration;

use zokio::signal::unix::{SignalKind, signal};

/// Raises `signum` on this thread: the handler runs before `raise` returns.
fn raise(signum: libc::c_int) {
    // SAFETY: raise(3) takes no pointers and has no preconditions.
    assert_eq!(unsafe { libc::raise(signum) }, 0, "raise({signum})");
}

#[zokio::test]
async fn every_kind_round_trips() {
    let mut kinds = vec![
        ("alarm", SignalKind::alarm(), libc::SIGALRM),
        ("child", SignalKind::child(), libc::SIGCHLD),
        ("hangup", SignalKind::hangup(), libc::SIGHUP),
        ("interrupt", SignalKind::interrupt(), libc::SIGINT),
        ("io", SignalKind::io(), libc::SIGIO),
        ("pipe", SignalKind::pipe(), libc::SIGPIPE),
        ("quit", SignalKind::quit(), libc::SIGQUIT),
        ("terminate", SignalKind::terminate(), libc::SIGTERM),
        ("user_defined1", SignalKind::user_defined1(), libc::SIGUSR1),
        ("user_defined2", SignalKind::user_defined2(), libc::SIGUSR2),
        ("window_change", SignalKind::window_change(), libc::SIGWINCH),
    ];
    #[cfg(any(
        target_os = "dragonfly",
        target_os = "freebsd",
        target_os = "macos",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "illumos"
    ))]
    kinds.push(("info", SignalKind::info(), libc::SIGINFO));
    #[cfg(any(target_os = "linux", target_os = "android"))]
    kinds.push((
        "from_raw(SIGRTMIN)",
        SignalKind::from_raw(libc::SIGRTMIN()),
        libc::SIGRTMIN(),
    ));
    for (name, kind, signum) in kinds {
        assert_eq!(kind.as_raw_value(), signum, "{name}");
        assert_eq!(SignalKind::from(signum), kind, "{name}");
        assert_eq!(libc::c_int::from(kind), signum, "{name}");
        // Made before the raise: for most kinds the default action would
        // end the test process.
        let mut listener = signal(kind).unwrap_or_else(|e| panic!("{name}: {e}"));
        raise(signum);
        assert_eq!(within(name, listener.recv()).await, Some(()), "{name}");
        // And once more, sent to the process rather than this thread.
        send_signal(signum);
        assert_eq!(within(name, listener.recv()).await, Some(()), "{name}");
    }
}

#[zokio::test]
async fn numbers_that_are_not_signals_or_cannot_be_handled_are_errors() {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let too_large = libc::SIGRTMAX() + 1;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let too_large = 34;
    let refused = [
        ("SIGKILL", libc::SIGKILL),
        ("SIGSTOP", libc::SIGSTOP),
        ("SIGILL", libc::SIGILL),
        ("SIGFPE", libc::SIGFPE),
        ("SIGSEGV", libc::SIGSEGV),
        ("SIGBUS", libc::SIGBUS),
        ("0", 0),
        ("-1", -1),
        ("i32::MIN", i32::MIN),
        ("SIGRTMAX + 1", too_large),
        ("i32::MAX", i32::MAX),
    ];
    for (name, signum) in refused {
        let err = signal(SignalKind::from_raw(signum)).expect_err(name);
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{name}: {err}");
        assert!(
            err.to_string().contains(&signum.to_string()),
            "{name}: {err}"
        );
    }
    // glibc keeps 32 and 33 for its threads and refuses handlers for them.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    for signum in [32, 33] {
        let err = signal(SignalKind::from_raw(signum)).expect_err("glibc's own signal");
        assert!(err.to_string().contains(&signum.to_string()), "{err}");
        // Refused again, not installed by the failed attempt.
        assert!(signal(SignalKind::from_raw(signum)).is_err());
    }
}

#[zokio::test]
async fn a_delivery_before_the_first_poll_is_received() {
    let mut listener = signal(SignalKind::from_raw(libc::SIGRTMIN() + 1)).unwrap();
    raise(libc::SIGRTMIN() + 1);
    zokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(within("first poll", listener.recv()).await, Some(()));
}

#[zokio::test]
async fn a_burst_completes_one_recv() {
    let signum = libc::SIGRTMIN() + 2;
    let mut listener = signal(SignalKind::from_raw(signum)).unwrap();
    for _ in 0..5 {
        raise(signum);
    }
    assert_eq!(within("burst", listener.recv()).await, Some(()));
    let again = zokio::time::timeout(Duration::from_millis(100), listener.recv()).await;
    assert!(
        again.is_err(),
        "five raises before one recv are one delivery"
    );
    raise(signum);
    assert_eq!(within("after the burst", listener.recv()).await, Some(()));
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_from_another_thread_wakes_a_waiting_listener() {
    let signum = libc::SIGRTMIN() + 3;
    let mut listener = signal(SignalKind::from_raw(signum)).unwrap();
    let raiser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        send_signal(signum);
    });
    assert_eq!(within("woken", listener.recv()).await, Some(()));
    raiser.join().unwrap();
}

#[test]
fn a_listener_is_debug_and_names_its_kind() {
    let rt = zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let listener = rt.block_on(async { signal(SignalKind::from_raw(libc::SIGRTMIN() + 4)) });
    let text = format!("{:?}", listener.unwrap());
    assert!(text.contains("Signal") && text.contains("kind"), "{text}");
}
