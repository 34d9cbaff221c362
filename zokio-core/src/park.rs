//! The driver of a runtime without I/O or timers: a thread parker.

use std::time::Duration;

use crate::driver::{Driver, Unpark};
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::{Arc, Condvar, Mutex};

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

/// Blocks a thread until it is unparked or a timeout passes.
///
/// An unpark that comes before the park is remembered (once: unparks do not
/// accumulate), so a wakeup is never lost between checking for work and
/// parking. `park` takes `&mut self`, so one thread parks at a time.
///
/// ```
/// use zokio_core::{Driver, ThreadParker, Unpark};
///
/// let mut parker = ThreadParker::new();
/// parker.unparker().unpark();
/// parker.park(None); // consumes the earlier unpark and returns at once
/// ```
#[derive(Debug)]
pub struct ThreadParker {
    inner: Arc<Inner>,
}

/// Wakes a [`ThreadParker`] from any thread.
#[derive(Debug, Clone)]
pub struct ThreadUnparker {
    inner: Arc<Inner>,
}

/// On lines of its own: each worker has one, allocated beside the others
/// when the runtime starts, and a park or unpark writes `state`.
#[derive(Debug)]
#[repr(align(128))]
struct Inner {
    /// EMPTY, PARKED or NOTIFIED. Changed to or from PARKED only under `lock`,
    /// so an unparker that sees PARKED can take the lock to be sure the parker
    /// is inside `Condvar::wait` before it notifies.
    state: AtomicUsize,
    lock: Mutex<()>,
    condvar: Condvar,
}

impl ThreadParker {
    /// A parker with no pending unpark.
    pub fn new() -> ThreadParker {
        ThreadParker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                lock: Mutex::new(()),
                condvar: Condvar::new(),
            }),
        }
    }
}

impl Default for ThreadParker {
    fn default() -> Self {
        ThreadParker::new()
    }
}

impl Driver for ThreadParker {
    type Unparker = ThreadUnparker;

    fn park(&mut self, timeout: Option<Duration>) {
        self.inner.park(timeout)
    }

    fn unparker(&self) -> ThreadUnparker {
        ThreadUnparker {
            inner: self.inner.clone(),
        }
    }
}

impl Unpark for ThreadUnparker {
    fn unpark(&self) {
        self.inner.unpark()
    }
}

impl Inner {
    fn park(&self, timeout: Option<Duration>) {
        // Fast path: an unpark already arrived.
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            return;
        }
        if timeout == Some(Duration::ZERO) {
            return;
        }
        let mut guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        match self
            .state
            .compare_exchange(EMPTY, PARKED, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => {}
            Err(_) => {
                // NOTIFIED arrived since the fast path; `&mut self` rules out a
                // second parker, so the state cannot be PARKED.
                // `Acquire` pairs with the `Release` swap in `unpark`.
                self.state.swap(EMPTY, Ordering::Acquire);
                return;
            }
        }
        match timeout {
            None => loop {
                guard = self.condvar.wait(guard).unwrap_or_else(|e| e.into_inner());
                if self
                    .state
                    .compare_exchange(NOTIFIED, EMPTY, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    return;
                }
                // A spurious wakeup: still PARKED, wait again.
            },
            Some(timeout) => {
                let (_guard, _) = self
                    .condvar
                    .wait_timeout(guard, timeout)
                    .unwrap_or_else(|e| e.into_inner());
                // Timed out, notified or spurious: leave PARKED either way, and
                // consume a notification if one came.
                self.state.swap(EMPTY, Ordering::Acquire);
            }
        }
    }

    fn unpark(&self) {
        match self.state.swap(NOTIFIED, Ordering::Release) {
            EMPTY | NOTIFIED => {}
            _ => {
                // PARKED: the parker holds or held `lock` while it moved to
                // PARKED; taking it here means it is now waiting on the condvar
                // and cannot miss this notify.
                drop(self.lock.lock().unwrap_or_else(|e| e.into_inner()));
                self.condvar.notify_one();
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn each_parker_has_its_own_cache_lines() {
        let parkers: Vec<_> = (0..4).map(|_| ThreadParker::new()).collect();
        for parker in &parkers {
            let at = Arc::as_ptr(&parker.inner) as usize;
            assert_eq!(at % 128, 0, "a parker's state at {at:#x}");
        }
    }

    #[test]
    fn park_with_timeout_returns() {
        let mut parker = ThreadParker::new();
        let start = Instant::now();
        parker.park(Some(Duration::from_millis(20)));
        assert!(start.elapsed() >= Duration::from_millis(1));
    }

    #[test]
    fn unparks_do_not_accumulate() {
        let mut parker = ThreadParker::new();
        let unparker = parker.unparker();
        unparker.unpark();
        unparker.unpark();
        parker.park(None);
        // The second unpark was absorbed by the first: this park must time out.
        assert_eq!(parker.inner.state.load(Ordering::SeqCst), EMPTY);
        parker.park(Some(Duration::from_millis(5)));
        assert_eq!(parker.inner.state.load(Ordering::SeqCst), EMPTY);
    }

    #[test]
    fn unpark_from_another_thread_wakes_park() {
        let mut parker = ThreadParker::new();
        let unparker = parker.unparker();
        for _ in 0..100 {
            let u = unparker.clone();
            let t = std::thread::spawn(move || u.unpark());
            parker.park(None);
            t.join().unwrap();
        }
    }
}
