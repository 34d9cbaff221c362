//! A driver that parks inside another event loop learns that the scheduler
//! queued a task on the parked thread itself.
//!
//! Wakes that happen during a park (readiness a driver dispatches, or code
//! the driver runs, such as another runtime's tasks) queue their task on the
//! parked worker without unparking anyone: the worker runs them when `park`
//! returns. A driver that processes one batch and returns needs nothing
//! more; one that keeps waiting inside another loop (the Tokio bridge's
//! driver, which runs Tokio's tasks until Zokio's reactor has events) must
//! return as soon as such a task exists, so it parks a waker here, and the
//! scheduler wakes it after queueing a task during a park.
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use std::task::{Wake, Waker};
//!
//! struct Flag(AtomicBool);
//! impl Wake for Flag {
//!     fn wake(self: Arc<Self>) {
//!         self.0.store(true, Ordering::SeqCst);
//!     }
//! }
//!
//! let flag = Arc::new(Flag(AtomicBool::new(false)));
//! zokio_core::local_wake::register(Waker::from(flag.clone()));
//! zokio_core::local_wake::notify(); // what a scheduler does on a local wake
//! assert!(flag.0.load(Ordering::SeqCst));
//! assert!(!zokio_core::local_wake::is_registered()); // taken by the first notify
//! ```

use std::cell::Cell;
use std::task::Waker;

#[cfg(not(loom))]
thread_local! {
    static PARKED: Cell<Option<Waker>> = const { Cell::new(None) };
}
#[cfg(loom)]
loom::thread_local! {
    static PARKED: Cell<Option<Waker>> = Cell::new(None);
}

/// Wakes `waker` at the next [`notify`] on this thread (once), replacing a
/// waker registered before.
pub fn register(waker: Waker) {
    PARKED.with(|parked| parked.set(Some(waker)));
}

/// Forgets the waker registered on this thread, if any.
pub fn clear() {
    PARKED.with(|parked| drop(parked.take()));
}

/// True while a waker registered on this thread waits for its [`notify`].
pub fn is_registered() -> bool {
    PARKED.with(|parked| {
        let waker = parked.take();
        let registered = waker.is_some();
        parked.set(waker);
        registered
    })
}

/// Called by a scheduler that queued a task on this thread during a park:
/// wakes the waker a driver registered, if any.
#[inline]
pub fn notify() {
    if let Some(waker) = PARKED.with(|parked| parked.take()) {
        waker.wake();
    }
}
