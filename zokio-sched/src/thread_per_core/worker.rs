//! One thread-per-core worker's thread: a current-thread scheduler over its
//! own driver stack, with a `LocalSet` entered for its whole life so that
//! `spawn_local` works in any of its tasks, running until told to stop.
//!
//! At the stop, the worker drops its `!Send` tasks and then shuts its
//! scheduler down, on its own thread: every future is dropped where it
//! lived, and a worker's timers and sockets are released by its own driver.

use std::future::Future;
use std::num::NonZeroU64;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use zokio_core::Driver;
use zokio_core::sync::atomic::{AtomicBool, Ordering};
use zokio_core::sync::{Condvar, Mutex};

use crate::current_thread::CurrentThread;
use crate::local_set::LocalSet;

/// Tells a worker to stop: a flag, and the waker of its main future under a
/// plain lock (this is not a hot path). The flag is set under that lock, so
/// a waiter that reads it clear under the lock is woken; the main future is
/// polled on every turn of the worker's `LocalSet`, and a turn that finds
/// the flag clear and its waker registered takes no lock.
#[derive(Default)]
pub(crate) struct Stop {
    waker: Mutex<Option<Waker>>,
    stopped: AtomicBool,
}

impl Stop {
    pub(crate) fn stop(&self) {
        let waker = {
            let mut waker = self.waker.lock().unwrap_or_else(|e| e.into_inner());
            self.stopped.store(true, Ordering::Release);
            waker.take()
        };
        // Outside the lock: a wake may run code of its own.
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn wait(&self) -> StopWait<'_> {
        StopWait {
            stop: self,
            registered: None,
        }
    }
}

/// Completes once [`Stop::stop`] is called.
struct StopWait<'a> {
    stop: &'a Stop,
    /// The waker this future last left under the lock. `stop` takes it out
    /// and wakes it, so while the flag is clear it is still there.
    registered: Option<Waker>,
}

impl Future for StopWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.stop.stopped.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        if self
            .registered
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            return Poll::Pending;
        }
        let old = {
            let mut waker = self.stop.waker.lock().unwrap_or_else(|e| e.into_inner());
            if self.stop.stopped.load(Ordering::Acquire) {
                return Poll::Ready(());
            }
            waker.replace(cx.waker().clone())
        };
        drop(old); // outside the lock
        self.registered = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// How many workers are still running, so that shutdown can wait for them
/// with a deadline (a std `JoinHandle` has no timed join).
#[derive(Default)]
pub(crate) struct Running {
    count: Mutex<usize>,
    exited: Condvar,
}

impl Running {
    pub(crate) fn add(&self) {
        *self.count.lock().unwrap_or_else(|e| e.into_inner()) += 1;
    }

    /// Counts a worker out (its thread ended, or never started).
    pub(crate) fn done(&self) {
        let mut count = self.count.lock().unwrap_or_else(|e| e.into_inner());
        *count -= 1;
        self.exited.notify_all();
    }

    /// Waits until every worker is done or `deadline` passes (`None`: no
    /// limit). True if they all are.
    pub(crate) fn wait(&self, deadline: Option<std::time::Instant>) -> bool {
        let mut count = self.count.lock().unwrap_or_else(|e| e.into_inner());
        while *count > 0 {
            match deadline {
                None => {
                    count = self.exited.wait(count).unwrap_or_else(|e| e.into_inner());
                }
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(std::time::Instant::now());
                    if left.is_zero() {
                        return false;
                    }
                    count = self
                        .exited
                        .wait_timeout(count, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        }
        true
    }
}

/// Counts the worker out however its thread ends.
struct Done<'a>(&'a Running);

impl Drop for Done<'_> {
    fn drop(&mut self) {
        self.0.done();
    }
}

/// The body of worker `index`'s thread.
pub(crate) fn run<D: Driver>(
    (index, runtime): (usize, NonZeroU64),
    scheduler: CurrentThread<D>,
    stop: &Stop,
    running: &Running,
) {
    let _done = Done(running);
    super::index::set(Some((index, runtime)));
    scheduler.park_driver_now();
    let local = LocalSet::new();
    {
        let _entered = local.enter();
        scheduler.block_on(local.run_until(stop.wait()));
    }
    {
        // The `!Send` tasks go first, inside the runtime, so that their
        // `Drop` finds its timers and sockets.
        let _context = scheduler.handle().enter();
        drop(local);
    }
    drop(scheduler);
    super::index::set(None);
}
