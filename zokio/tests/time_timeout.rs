//! A port of tokio's tests/time_timeout.rs to `zokio::time::timeout`: every
//! test, with `std::future::pending` for the futures crate's. Where tokio's
//! `timeout_is_not_exhausted_by_future` loops on `tokio::io::empty()` reads
//! (always ready, spending the task's budget), this one loops on receives from
//! a channel that always holds a message: `zokio::io::empty` is futures-lite's,
//! which spends no budget, so a loop on it never returns. Tests added below
//! the ported ones are Zokio's.
#![cfg(not(loom))]
#![warn(rust_2018_idioms)]

use std::future::pending;
use std::time::Duration;
use tokio_test::*;
use zokio::sync::oneshot;
use zokio::time::{self, Instant, timeout, timeout_at};

#[zokio::test]
async fn simultaneous_deadline_future_completion() {
    // Create a future that is immediately ready
    let mut fut = task::spawn(timeout_at(Instant::now(), async {}));

    // Ready!
    assert_ready_ok!(fut.poll());
}

#[cfg_attr(target_os = "wasi", ignore = "FIXME: `fut.poll()` panics on Wasi")]
#[zokio::test]
async fn completed_future_past_deadline() {
    // Wrap it with a deadline
    let mut fut = task::spawn(timeout_at(Instant::now() - ms(1000), async {}));

    // Ready!
    assert_ready_ok!(fut.poll());
}

#[zokio::test]
async fn future_and_deadline_in_future() {
    time::pause();

    // Not yet complete
    let (tx, rx) = oneshot::channel();

    // Wrap it with a deadline
    let mut fut = task::spawn(timeout_at(Instant::now() + ms(100), rx));

    assert_pending!(fut.poll());

    // Turn the timer, it runs for the elapsed time
    time::advance(ms(90)).await;

    assert_pending!(fut.poll());

    // Complete the future
    tx.send(()).unwrap();
    assert!(fut.is_woken());

    assert_ready_ok!(fut.poll()).unwrap();
}

#[zokio::test]
async fn future_and_timeout_in_future() {
    time::pause();

    // Not yet complete
    let (tx, rx) = oneshot::channel();

    // Wrap it with a deadline
    let mut fut = task::spawn(timeout(ms(100), rx));

    // Ready!
    assert_pending!(fut.poll());

    // Turn the timer, it runs for the elapsed time
    time::advance(ms(90)).await;

    assert_pending!(fut.poll());

    // Complete the future
    tx.send(()).unwrap();

    assert_ready_ok!(fut.poll()).unwrap();
}

#[zokio::test]
async fn very_large_timeout() {
    time::pause();

    // Not yet complete
    let (tx, rx) = oneshot::channel();

    // copy-paste unstable `Duration::MAX`
    let duration_max = Duration::from_secs(u64::MAX) + Duration::from_nanos(999_999_999);

    // Wrap it with a deadline
    let mut fut = task::spawn(timeout(duration_max, rx));

    // Ready!
    assert_pending!(fut.poll());

    // Turn the timer, it runs for the elapsed time
    time::advance(Duration::from_secs(86400 * 365 * 10)).await;

    assert_pending!(fut.poll());

    // Complete the future
    tx.send(()).unwrap();

    assert_ready_ok!(fut.poll()).unwrap();
}

#[zokio::test]
async fn deadline_now_elapses() {
    time::pause();

    // Wrap it with a deadline
    let mut fut = task::spawn(timeout_at(Instant::now(), pending::<()>()));

    // Factor in jitter
    // TODO: don't require this
    time::advance(ms(1)).await;

    assert_ready_err!(fut.poll());
}

#[zokio::test]
async fn deadline_future_elapses() {
    time::pause();

    // Wrap it with a deadline
    let mut fut = task::spawn(timeout_at(Instant::now() + ms(300), pending::<()>()));

    assert_pending!(fut.poll());

    time::advance(ms(301)).await;

    assert!(fut.is_woken());
    assert_ready_err!(fut.poll());
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[zokio::test]
async fn timeout_is_not_exhausted_by_future() {
    let fut = timeout(ms(1), async {
        let (tx, mut rx) = zokio::sync::mpsc::unbounded_channel();
        loop {
            tx.send(()).unwrap();
            let _ = rx.recv().await;
        }
    });

    assert!(fut.await.is_err());
}

// Zokio's own tests from here on.

/// `timeout_at` with a deadline already past, around a future that is never
/// ready, elapses in its first poll (no driver turn needed).
#[zokio::test]
async fn past_deadline_elapses_in_the_first_poll() {
    let mut fut = task::spawn(timeout_at(Instant::now() - ms(1000), pending::<()>()));
    assert_ready_err!(fut.poll());
}

/// Zokio counts a `timeout`'s limit from its first poll (Tokio from the call).
#[zokio::test(start_paused = true)]
async fn timeout_counts_from_its_first_poll() {
    let mut fut = task::spawn(timeout(ms(10), pending::<()>()));
    time::advance(ms(20)).await;
    assert_pending!(fut.poll());
    time::advance(ms(10)).await;
    assert_ready_err!(fut.poll());
}
