//! zokio-io's signals with no Zokio runtime: under
//! `futures_lite::future::block_on`, smol's executor and tokio's runtime,
//! listeners register with the background reactor and receive deliveries.
//! (The counterpart of tokio/tests/signal_no_rt.rs, where Tokio panics.)
//! Each test uses its own signal: the tests of this file share a process.
#![cfg(unix)]

use std::future::Future;
use std::time::Duration;

use zokio_io::signal::unix::{SignalKind, signal};

fn send_signal(signum: libc::c_int) {
    // SAFETY: getpid(2) and kill(2) take no pointers and have no preconditions.
    assert_eq!(unsafe { libc::kill(libc::getpid(), signum) }, 0);
}

/// `future`'s output, or a panic naming `what` after 5 s (smol's timer runs
/// on its own thread, so this works under every executor here).
async fn within<F: Future>(what: &str, future: F) -> F::Output {
    let timeout = async {
        smol::Timer::after(Duration::from_secs(5)).await;
        None
    };
    match futures_lite::future::or(async { Some(future.await) }, timeout).await {
        Some(output) => output,
        None => panic!("{what}: nothing within 5 s"),
    }
}

#[test]
fn under_futures_lite_block_on_with_no_runtime() {
    assert!(zokio_io::Handle::try_current().is_err(), "no runtime here");
    futures_lite::future::block_on(async {
        let mut sig = signal(SignalKind::user_defined1()).unwrap();
        // Sent before the first poll, and still received.
        send_signal(libc::SIGUSR1);
        assert_eq!(within("SIGUSR1", sig.recv()).await, Some(()));
        // And sent while the listener waits.
        let sender = std::thread::spawn(|| {
            std::thread::sleep(Duration::from_millis(50));
            send_signal(libc::SIGUSR1);
        });
        assert_eq!(within("SIGUSR1 again", sig.recv()).await, Some(()));
        sender.join().unwrap();
    });
}

#[test]
fn ctrl_c_under_futures_lite_block_on() {
    futures_lite::future::block_on(async {
        let interrupted = zokio_io::signal::ctrl_c();
        // `zip` polls `ctrl_c` first, so its handler is in place.
        let send = async { send_signal(libc::SIGINT) };
        let (interrupted, ()) =
            within("ctrl_c", futures_lite::future::zip(interrupted, send)).await;
        interrupted.unwrap();
    });
}

#[test]
fn under_smol() {
    smol::block_on(async {
        let mut sig = signal(SignalKind::user_defined2()).unwrap();
        let waiting = smol::spawn(async move { within("SIGUSR2", sig.recv()).await });
        smol::Timer::after(Duration::from_millis(20)).await;
        send_signal(libc::SIGUSR2);
        assert_eq!(waiting.await, Some(()));
    });
}

#[test]
fn under_tokio() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut sig = signal(SignalKind::hangup()).unwrap();
        let waiting = tokio::spawn(async move { within("SIGHUP", sig.recv()).await });
        tokio::task::yield_now().await;
        send_signal(libc::SIGHUP);
        assert_eq!(waiting.await.unwrap(), Some(()));
    });
}

#[test]
fn one_delivery_reaches_listeners_on_different_executors() {
    let kind = SignalKind::window_change();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let smol_side = {
        let ready_tx = ready_tx.clone();
        std::thread::spawn(move || {
            smol::block_on(async {
                let mut sig = signal(kind).unwrap();
                ready_tx.send(()).unwrap();
                within("smol listener", sig.recv()).await
            })
        })
    };
    let plain_side = std::thread::spawn(move || {
        futures_lite::future::block_on(async {
            let mut sig = signal(kind).unwrap();
            ready_tx.send(()).unwrap();
            within("block_on listener", sig.recv()).await
        })
    });
    for _ in 0..2 {
        ready_rx.recv_timeout(Duration::from_secs(5)).unwrap();
    }
    send_signal(libc::SIGWINCH);
    assert_eq!(smol_side.join().unwrap(), Some(()));
    assert_eq!(plain_side.join().unwrap(), Some(()));
}
