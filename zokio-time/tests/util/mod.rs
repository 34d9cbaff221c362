//! Helpers shared by the behaviour tests.
#![allow(dead_code)]

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use zokio_core::{Driver, ThreadParker, budget, unpark_waker};
use zokio_time::TimeDriver;

/// Drives `future` on this thread, parking `driver` (which fires timers)
/// while it waits: what a one-thread runtime does.
pub fn block_on_driver<F: Future>(driver: &mut TimeDriver<ThreadParker>, future: F) -> F::Output {
    let _guard = driver.handle().enter();
    let waker = unpark_waker(driver.unparker());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = budget::with_task_budget(|| future.as_mut().poll(&mut cx)) {
            return out;
        }
        driver.park(None);
    }
}

/// A waker that counts its wakes.
#[derive(Default)]
pub struct CountingWaker(pub AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl CountingWaker {
    pub fn new() -> (Arc<CountingWaker>, Waker) {
        let c = Arc::new(CountingWaker::default());
        (c.clone(), Waker::from(c))
    }

    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// A waker that records its index in a shared log when woken.
pub struct LoggingWaker {
    pub index: usize,
    pub log: Arc<Mutex<Vec<usize>>>,
}

impl Wake for LoggingWaker {
    fn wake(self: Arc<Self>) {
        self.log.lock().unwrap().push(self.index);
    }
}

/// Polls `future` once with `waker`.
pub fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}
