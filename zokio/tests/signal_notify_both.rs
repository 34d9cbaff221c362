//! Port of tokio/tests/signal_notify_both.rs (1 of 1 test), plus the same on
//! a multi-thread runtime with both listeners waiting in their own tasks
//! before the delivery.
#![cfg(unix)]

mod support {
    pub mod signal;
}
use support::signal::{send_signal, within};

use zokio::signal::unix::{SignalKind, signal};

#[zokio::test]
async fn notify_both() {
    let kind = SignalKind::user_defined2();

    let mut signal1 = signal(kind).expect("failed to create signal1");
    let mut signal2 = signal(kind).expect("failed to create signal2");

    send_signal(libc::SIGUSR2);

    assert_eq!(within("signal1", signal1.recv()).await, Some(()));
    assert_eq!(within("signal2", signal2.recv()).await, Some(()));
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_waiting_listeners_on_two_workers_both_wake() {
    let kind = SignalKind::user_defined1();
    let (ready_tx, mut ready_rx) = zokio::sync::mpsc::channel(2);
    let mut waiters = zokio::task::JoinSet::new();
    for _ in 0..2 {
        let mut sig = signal(kind).expect("listener");
        let ready_tx = ready_tx.clone();
        waiters.spawn(async move {
            // Polled once (and so waiting) before the test sends the signal.
            let mut recv = std::pin::pin!(sig.recv());
            assert!(
                futures_lite::future::poll_once(recv.as_mut())
                    .await
                    .is_none()
            );
            ready_tx.send(()).await.unwrap();
            within("listener", recv).await
        });
    }
    for _ in 0..2 {
        ready_rx.recv().await.unwrap();
    }
    send_signal(libc::SIGUSR1);
    while let Some(woke) = waiters.join_next().await {
        assert_eq!(woke.unwrap(), Some(()));
    }
}
