//! Driving one future to completion on the current thread.

use std::cell::RefCell;
use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use crate::budget;
use crate::context;
use crate::driver::{Driver, unpark_waker};
use crate::park::ThreadParker;

// Each thread's parker and the waker that unparks it, made once, so a future
// that is ready at once costs a poll and nothing else. (Loom's threads share
// one OS thread: they need loom's thread-locals.)
#[cfg(not(loom))]
thread_local! {
    static CACHE: RefCell<(ThreadParker, Waker)> = RefCell::new(parker_and_waker());
}
#[cfg(loom)]
loom::thread_local! {
    static CACHE: RefCell<(ThreadParker, Waker)> = RefCell::new(parker_and_waker());
}

fn parker_and_waker() -> (ThreadParker, Waker) {
    let parker = ThreadParker::new();
    let waker = unpark_waker(parker.unparker());
    (parker, waker)
}

/// Runs `future` to completion on the current thread, parking the thread
/// while it waits; the future may be woken from any thread.
///
/// This uses no runtime: spawn, I/O and timers need one (or the standalone
/// drivers of `zokio-io` and `zokio-time`).
///
/// # Panics
///
/// On a runtime worker thread, where blocking would stall every task queued
/// behind the caller. Use `.await` there, or move the blocking work to the
/// blocking pool.
///
/// ```
/// use std::sync::mpsc;
/// use std::task::Poll;
///
/// assert_eq!(zokio_core::block_on(async { 40 + 2 }), 42);
///
/// // Woken from another thread:
/// let (tx, rx) = mpsc::channel::<std::task::Waker>();
/// let mut woken = false;
/// let n = zokio_core::block_on(std::future::poll_fn(|cx| {
///     if woken { return Poll::Ready(7) }
///     woken = true;
///     tx.send(cx.waker().clone()).unwrap();
///     std::thread::spawn({ let rx = &rx; let w = rx.recv().unwrap(); move || w.wake() });
///     Poll::Pending
/// }));
/// assert_eq!(n, 7);
/// ```
#[track_caller]
pub fn block_on<F: Future>(future: F) -> F::Output {
    if context::is_in_runtime() {
        panic!(
            "zokio: `block_on` was called on a runtime worker thread. Blocking here would \
             stall every task on this worker; `.await` the future instead, or run the \
             blocking code with `spawn_blocking`."
        );
    }
    let mut future = pin!(future);
    let cached = CACHE.try_with(|cache| {
        // Re-entrant calls (a `block_on` inside a future being blocked on)
        // find the cache borrowed and make their own parker.
        cache
            .try_borrow_mut()
            .ok()
            .map(|mut cache| drive(future.as_mut(), &mut cache))
    });
    match cached {
        Ok(Some(output)) => output,
        _ => drive(future, &mut parker_and_waker()),
    }
}

/// [`block_on`] for a scheduler's `block_on` that marked this thread with
/// [`context::enter_runtime`] (so that a nested `block_on` and blocking
/// calls inside the future panic, as on a worker); it skips the check that
/// mark would fail.
///
/// ```
/// let _runtime = zokio_core::context::enter_runtime().unwrap();
/// assert_eq!(zokio_core::block_on_entered(async { 3 }), 3);
/// ```
#[track_caller]
pub fn block_on_entered<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let cached = CACHE.try_with(|cache| {
        cache
            .try_borrow_mut()
            .ok()
            .map(|mut cache| drive(future.as_mut(), &mut cache))
    });
    match cached {
        Ok(Some(output)) => output,
        _ => drive(future, &mut parker_and_waker()),
    }
}

#[inline]
fn drive<F: Future>(
    mut future: Pin<&mut F>,
    (parker, waker): &mut (ThreadParker, Waker),
) -> F::Output {
    let mut cx = Context::from_waker(waker);
    loop {
        if let Poll::Ready(output) = budget::with_task_budget(|| future.as_mut().poll(&mut cx)) {
            return output;
        }
        parker.park(None);
    }
}
