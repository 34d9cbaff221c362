//! loom models of `OnceCell`: one initializer at a time, and a claim given
//! back always reaches a waiter.

use std::future::Future;
use std::task::{Context, Waker};

use crate::sync::OnceCell;
use loom::future::block_on;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

#[test]
fn two_callers_run_one_initializer() {
    loom::model(|| {
        let cell = Arc::new(OnceCell::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let init = |cell: Arc<OnceCell<usize>>, calls: Arc<AtomicUsize>, v: usize| {
            *block_on(cell.get_or_init(|| async move {
                calls.fetch_add(1, Ordering::SeqCst);
                v
            }))
        };
        let t = {
            let (cell, calls) = (cell.clone(), calls.clone());
            thread::spawn(move || init(cell, calls, 1))
        };
        let here = init(cell.clone(), calls.clone(), 2);
        assert_eq!(t.join().unwrap(), here);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn a_dropped_initializer_hands_over_to_a_waiter() {
    loom::model(|| {
        let cell = Arc::new(OnceCell::new());
        let t = {
            let cell = cell.clone();
            thread::spawn(move || {
                // Claims the cell (unless it is set already), then is dropped
                // without ever finishing its initializer.
                let mut cancelled = Box::pin(cell.get_or_init(std::future::pending::<u32>));
                let _ = cancelled
                    .as_mut()
                    .poll(&mut Context::from_waker(Waker::noop()));
            })
        };
        // Deadlocks (and loom says so) if the hand-over can be lost.
        assert_eq!(*block_on(cell.get_or_init(|| async { 2 })), 2);
        t.join().unwrap();
    });
}

#[test]
fn set_racing_get_or_init_agrees_on_one_value() {
    loom::model(|| {
        let cell = Arc::new(OnceCell::new());
        let t = {
            let cell = cell.clone();
            thread::spawn(move || cell.set(1).is_ok())
        };
        let got = *block_on(cell.get_or_init(|| async { 2 }));
        let set = t.join().unwrap();
        assert_eq!(got, if set { 1 } else { 2 });
    });
}
