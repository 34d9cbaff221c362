//! A task whose `poll` panics has its future dropped during the unwind, as
//! in Tokio: the future's `Drop` sees `std::thread::panicking()`. Tokio has
//! no test of this (its harness does it by construction); these are
//! Zokio's, on both flavors and in a `LocalSet`.
#![cfg(not(loom))]

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

const UNSET: u8 = 0;
const PANICKING: u8 = 1;
const NOT_PANICKING: u8 = 2;

/// Records, when dropped, whether the thread was unwinding.
struct Witness(Arc<AtomicU8>);

impl Drop for Witness {
    fn drop(&mut self) {
        let seen = if std::thread::panicking() {
            PANICKING
        } else {
            NOT_PANICKING
        };
        self.0.store(seen, Ordering::SeqCst);
    }
}

async fn panics_holding(witness: Witness) {
    let _witness = witness;
    zokio::task::yield_now().await;
    panic!("poll panics");
}

#[test]
fn the_future_of_a_panicking_poll_is_dropped_during_the_unwind() {
    for current in [true, false] {
        let rt = if current {
            zokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
        } else {
            zokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap()
        };
        let seen = Arc::new(AtomicU8::new(UNSET));
        let err = rt
            .block_on(rt.spawn(panics_holding(Witness(seen.clone()))))
            .unwrap_err();
        assert!(err.is_panic());
        assert_eq!(seen.load(Ordering::SeqCst), PANICKING, "current: {current}");
    }
}

#[test]
fn in_a_local_set_too() {
    let rt = zokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let local = zokio::task::LocalSet::new();
    let seen = Arc::new(AtomicU8::new(UNSET));
    let task = local.spawn_local(panics_holding(Witness(seen.clone())));
    assert!(local.block_on(&rt, task).unwrap_err().is_panic());
    assert_eq!(seen.load(Ordering::SeqCst), PANICKING);
}

#[test]
fn a_future_that_completes_or_is_aborted_is_dropped_outside_any_unwind() {
    let rt = zokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let seen = Arc::new(AtomicU8::new(UNSET));
    let witness = Witness(seen.clone());
    rt.block_on(rt.spawn(async move { drop(witness) })).unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), NOT_PANICKING);

    let seen = Arc::new(AtomicU8::new(UNSET));
    let witness = Witness(seen.clone());
    let task = rt.spawn(async move {
        let _w = witness;
        std::future::pending::<()>().await
    });
    task.abort();
    assert!(rt.block_on(task).unwrap_err().is_cancelled());
    assert_eq!(seen.load(Ordering::SeqCst), NOT_PANICKING);
}

#[test]
fn a_panic_in_the_drop_of_a_future_whose_poll_panicked_does_not_abort() {
    // A future whose `poll` panics and whose own `Drop` (run by the harness
    // during that unwind) panics as well. (A local of an `async` block that
    // panics in its `Drop` while the block unwinds aborts in any runtime:
    // that drop is Rust's, not the harness's.)
    struct Bad;
    impl Drop for Bad {
        fn drop(&mut self) {
            panic!("drop panics too");
        }
    }
    impl std::future::Future for Bad {
        type Output = ();
        fn poll(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            panic!("poll panics first");
        }
    }
    let rt = zokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let err = rt.block_on(rt.spawn(Bad)).unwrap_err();
    let payload = err.into_panic();
    let message = payload.downcast_ref::<&str>().copied().unwrap_or("");
    assert_eq!(message, "poll panics first", "the first panic is reported");
    assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
}
