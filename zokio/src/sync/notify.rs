//! `Notify`: wake one waiting task, or leave a permit for the next one.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use zokio_core::sync::{Mutex, MutexGuard};

/// Notifies a single task, or all waiting tasks, that something happened.
///
/// [`notify_one`](Notify::notify_one) wakes the longest-waiting task; if no
/// task waits, it stores one permit that the next [`notified`](Notify::notified)
/// consumes at once (permits do not accumulate). [`notify_waiters`](Notify::notify_waiters)
/// wakes every task waiting now and stores nothing.
///
/// A `Notified` future that was picked by `notify_one` and is then dropped
/// before it completed passes its notification on to the next waiter (or back
/// to the permit), so a notification is never lost to a cancelled waiter.
///
/// Not a hot path: the state sits behind one short lock.
///
/// ```
/// use std::sync::Arc;
/// use zokio::sync::Notify;
///
/// let notify = Arc::new(Notify::new());
/// notify.notify_one(); // no waiter yet: stored as a permit
/// zokio::block_on(notify.notified()); // consumes it at once
/// ```
#[derive(Default)]
pub struct Notify {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    permit: bool,
    next_id: u64,
    /// Registered waiters, oldest first.
    waiters: VecDeque<Waiter>,
}

struct Waiter {
    id: u64,
    waker: Waker,
    notified: bool,
}

impl Notify {
    /// A `Notify` with no permit and no waiters.
    pub fn new() -> Notify {
        Notify::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic cannot leave `State` half-updated: every change is one
        // assignment, so a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a notification.
    ///
    /// The future registers as a waiter when first polled (or consumes the
    /// permit), so a `notify_waiters` that happens between creating and polling
    /// it is missed, as in tokio.
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            id: None,
            done: false,
        }
    }

    /// Wakes the oldest waiting task, or stores a permit if none waits.
    pub fn notify_one(&self) {
        let waker = {
            let mut state = self.lock();
            state.notify_first()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Wakes every task waiting now; stores no permit.
    pub fn notify_waiters(&self) {
        let wakers: Vec<Waker> = {
            let mut state = self.lock();
            state
                .waiters
                .iter_mut()
                .filter(|w| !w.notified)
                .map(|w| {
                    w.notified = true;
                    w.waker.clone()
                })
                .collect()
        };
        wakers.into_iter().for_each(Waker::wake);
    }
}

impl State {
    /// Marks the oldest un-notified waiter, or stores the permit.
    fn notify_first(&mut self) -> Option<Waker> {
        match self.waiters.iter_mut().find(|w| !w.notified) {
            Some(waiter) => {
                waiter.notified = true;
                Some(waiter.waker.clone())
            }
            None => {
                self.permit = true;
                None
            }
        }
    }

    fn position(&self, id: u64) -> Option<usize> {
        self.waiters.iter().position(|w| w.id == id)
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Notify")
            .field("permit", &state.permit)
            .field("waiters", &state.waiters.len())
            .finish()
    }
}

/// The future returned by [`Notify::notified`].
#[must_use = "futures do nothing unless polled"]
pub struct Notified<'a> {
    notify: &'a Notify,
    /// Set once registered as a waiter.
    id: Option<u64>,
    done: bool,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.done {
            return Poll::Ready(());
        }
        let mut state = self.notify.lock();
        match self.id {
            None => {
                if std::mem::take(&mut state.permit) {
                    drop(state);
                    self.done = true;
                    return Poll::Ready(());
                }
                let id = state.next_id;
                state.next_id += 1;
                state.waiters.push_back(Waiter {
                    id,
                    waker: cx.waker().clone(),
                    notified: false,
                });
                drop(state);
                self.id = Some(id);
                Poll::Pending
            }
            Some(id) => {
                let Some(at) = state.position(id) else {
                    return Poll::Pending;
                };
                if state.waiters[at].notified {
                    state.waiters.remove(at);
                    drop(state);
                    self.done = true;
                    self.id = None;
                    return Poll::Ready(());
                }
                if !state.waiters[at].waker.will_wake(cx.waker()) {
                    state.waiters[at].waker = cx.waker().clone();
                }
                Poll::Pending
            }
        }
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let Some(id) = self.id else { return };
        let waker = {
            let mut state = self.notify.lock();
            let Some(at) = state.position(id) else { return };
            let waiter = state.waiters.remove(at);
            // A notification we were given but did not consume goes on.
            match waiter {
                Some(w) if w.notified => state.notify_first(),
                _ => None,
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("registered", &self.id.is_some())
            .field("done", &self.done)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct CountWakes(AtomicUsize);
    impl Wake for CountWakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting() -> (Arc<CountWakes>, Waker) {
        let c = Arc::new(CountWakes(AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    fn poll(notified: &mut Notified<'_>, waker: &Waker) -> Poll<()> {
        Pin::new(notified).poll(&mut Context::from_waker(waker))
    }

    #[test]
    fn permits_do_not_accumulate() {
        let notify = Notify::new();
        notify.notify_one();
        notify.notify_one();
        let (_, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        assert!(Pin::new(&mut notify.notified()).poll(&mut cx).is_ready());
        assert!(Pin::new(&mut notify.notified()).poll(&mut cx).is_pending());
    }

    #[test]
    fn notify_one_wakes_the_oldest_waiter_only() {
        let notify = Notify::new();
        let (c1, w1) = counting();
        let (c2, w2) = counting();
        let mut a = notify.notified();
        let mut b = notify.notified();
        assert!(poll(&mut a, &w1).is_pending());
        assert!(poll(&mut b, &w2).is_pending());
        notify.notify_one();
        assert_eq!(c1.0.load(Ordering::SeqCst), 1);
        assert_eq!(c2.0.load(Ordering::SeqCst), 0);
        assert!(poll(&mut a, &w1).is_ready());
        assert!(poll(&mut b, &w2).is_pending());
    }

    #[test]
    fn a_dropped_notified_waiter_passes_its_notification_on() {
        let notify = Notify::new();
        let (_, w1) = counting();
        let (c2, w2) = counting();
        let mut a = notify.notified();
        let mut b = notify.notified();
        assert!(poll(&mut a, &w1).is_pending());
        assert!(poll(&mut b, &w2).is_pending());
        notify.notify_one();
        drop(a);
        assert_eq!(
            c2.0.load(Ordering::SeqCst),
            1,
            "b inherits a's notification"
        );
        assert!(poll(&mut b, &w2).is_ready());
        // And with no one left to inherit it, it becomes the permit.
        let mut c = notify.notified();
        assert!(poll(&mut c, &w2).is_pending());
        notify.notify_one();
        drop(c);
        assert!(poll(&mut notify.notified(), &w2).is_ready());
    }

    #[test]
    fn notify_waiters_wakes_all_current_waiters_and_stores_nothing() {
        let notify = Notify::new();
        let (c1, w1) = counting();
        let (c2, w2) = counting();
        let mut a = notify.notified();
        let mut b = notify.notified();
        assert!(poll(&mut a, &w1).is_pending());
        assert!(poll(&mut b, &w2).is_pending());
        notify.notify_waiters();
        assert_eq!(c1.0.load(Ordering::SeqCst) + c2.0.load(Ordering::SeqCst), 2);
        assert!(poll(&mut a, &w1).is_ready());
        assert!(poll(&mut b, &w2).is_ready());
        assert!(poll(&mut notify.notified(), &w1).is_pending());
    }
}
