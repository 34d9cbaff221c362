//! One signal's record: the flag its handler raises, and the broadcast that
//! tells every listener of that signal it arrived.
//!
//! The handler's half is one atomic store ([`SignalEvent::record`]), the only
//! thing here that is async-signal-safe and the only thing a handler calls.
//! Whoever drains the wake-up pipe afterwards turns a raised flag into a new
//! *version* of the broadcast ([`SignalEvent::broadcast_if_pending`]). Each
//! listener remembers the version it last saw; a different one means at
//! least one delivery since, so a burst of deliveries coalesces into one
//! completed `recv` per listener, and every listener sees it.
//!
//! The version and the listeners' wakers sit under one mutex: a listener
//! compares its version and leaves its waker in one critical section, and a
//! broadcast bumps the version and takes the wakers in another, so a
//! broadcast either shows as a new version or finds the waker. Wakers are
//! woken and dropped after the lock is released.

use std::fmt;
use std::task::{Poll, Waker};

use zokio_core::sync::atomic::{AtomicBool, Ordering};
use zokio_core::sync::{Mutex, MutexGuard};

/// The record of one signal number, shared by its handler, its listeners
/// and whoever dispatches.
pub(crate) struct SignalEvent {
    /// Raised by the handler; lowered by the dispatch that broadcasts it.
    pending: AtomicBool,
    listeners: Mutex<Listeners>,
}

struct Listeners {
    /// Broadcasts so far.
    version: u64,
    /// One slot per live listener: its waker while it waits.
    wakers: Vec<Option<Waker>>,
    free: Vec<usize>,
}

/// A listener's place in a [`SignalEvent`]: its waker slot and the version
/// it has seen. Returned to the event by [`SignalEvent::unsubscribe`].
#[derive(Debug)]
pub(crate) struct Subscription {
    slot: usize,
    seen: u64,
}

impl SignalEvent {
    pub(crate) fn new() -> SignalEvent {
        SignalEvent {
            pending: AtomicBool::new(false),
            listeners: Mutex::new(Listeners {
                version: 0,
                wakers: Vec::new(),
                free: Vec::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Listeners> {
        // Every critical section leaves the state consistent; a panic in a
        // waker's `clone` must not disable the signal for everyone after.
        self.listeners.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The signal handler's part: marks the signal delivered. Async-signal-
    /// safe: one atomic store, no lock, no allocation. The handler writes to
    /// the wake-up pipe after this, so whoever drains that byte sees the flag.
    pub(crate) fn record(&self) {
        self.pending.store(true, Ordering::SeqCst);
    }

    /// Broadcasts a delivery if the handler recorded one since the last
    /// broadcast; returns whether it did. Called after draining the pipe.
    ///
    /// The waker in slot `skip` (the caller's own, when it listens for this
    /// signal) is left in place rather than woken: the caller checks the
    /// version next, and waking the task it is polling would only poll it
    /// again for nothing.
    pub(crate) fn broadcast_if_pending(&self, skip: Option<&Subscription>) -> bool {
        // The plain load keeps the common case (another signal's byte) from
        // writing to this cache line.
        if !self.pending.load(Ordering::SeqCst) || !self.pending.swap(false, Ordering::SeqCst) {
            return false;
        }
        let skip = skip.map(|s| s.slot);
        let wakers: Vec<Waker> = {
            let mut listeners = self.lock();
            listeners.version = listeners.version.wrapping_add(1);
            listeners
                .wakers
                .iter_mut()
                .enumerate()
                .filter(|&(slot, _)| Some(slot) != skip)
                .filter_map(|(_, waker)| waker.take())
                .collect()
        };
        for waker in wakers {
            waker.wake();
        }
        true
    }

    /// A new listener, which will see broadcasts made from now on.
    pub(crate) fn subscribe(&self) -> Subscription {
        let mut listeners = self.lock();
        let slot = match listeners.free.pop() {
            Some(slot) => slot,
            None => {
                listeners.wakers.push(None);
                listeners.wakers.len() - 1
            }
        };
        Subscription {
            slot,
            seen: listeners.version,
        }
    }

    /// `Ready` if a broadcast happened since `subscription` last saw one
    /// (which it now has); otherwise `Pending`, with `waker` left to be woken
    /// by the next broadcast.
    pub(crate) fn poll_broadcast(
        &self,
        subscription: &mut Subscription,
        waker: &Waker,
    ) -> Poll<()> {
        let (polled, replaced) = {
            let mut listeners = self.lock();
            let version = listeners.version;
            let slot = &mut listeners.wakers[subscription.slot];
            if version != subscription.seen {
                subscription.seen = version;
                (Poll::Ready(()), slot.take())
            } else if slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
                (Poll::Pending, None)
            } else {
                (Poll::Pending, slot.replace(waker.clone()))
            }
        };
        drop(replaced);
        polled
    }

    /// Gives `subscription`'s slot back.
    pub(crate) fn unsubscribe(&self, subscription: &Subscription) {
        let waker = {
            let mut listeners = self.lock();
            let waker = listeners.wakers[subscription.slot].take();
            listeners.free.push(subscription.slot);
            waker
        };
        drop(waker);
    }
}

impl fmt::Debug for SignalEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignalEvent")
            .field("pending", &self.pending.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
    use std::task::Wake;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn a_burst_coalesces_and_every_listener_sees_it_once() {
        let event = SignalEvent::new();
        let mut a = event.subscribe();
        let mut b = event.subscribe();
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        assert!(event.poll_broadcast(&mut a, &waker).is_pending());
        assert!(event.poll_broadcast(&mut b, &waker).is_pending());
        event.record();
        event.record();
        assert!(event.broadcast_if_pending(None));
        assert!(
            !event.broadcast_if_pending(None),
            "the burst was one delivery"
        );
        assert_eq!(count.0.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert!(event.poll_broadcast(&mut a, &waker).is_ready());
        assert!(event.poll_broadcast(&mut b, &waker).is_ready());
        assert!(event.poll_broadcast(&mut a, &waker).is_pending());
        event.unsubscribe(&a);
        event.unsubscribe(&b);
    }

    #[test]
    fn the_broadcaster_does_not_wake_itself_but_sees_the_version() {
        let event = SignalEvent::new();
        let mut own = event.subscribe();
        let mut other = event.subscribe();
        let (own_count, other_count) = (
            Arc::new(Count(AtomicUsize::new(0))),
            Arc::new(Count(AtomicUsize::new(0))),
        );
        assert!(
            event
                .poll_broadcast(&mut own, &Waker::from(own_count.clone()))
                .is_pending()
        );
        assert!(
            event
                .poll_broadcast(&mut other, &Waker::from(other_count.clone()))
                .is_pending()
        );
        event.record();
        assert!(event.broadcast_if_pending(Some(&own)));
        assert_eq!(own_count.0.load(std::sync::atomic::Ordering::SeqCst), 0);
        assert_eq!(other_count.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(event.poll_broadcast(&mut own, Waker::noop()).is_ready());
        assert!(event.poll_broadcast(&mut other, Waker::noop()).is_ready());
        event.unsubscribe(&own);
        event.unsubscribe(&other);
    }

    #[test]
    fn a_listener_sees_only_broadcasts_after_it_subscribed_and_slots_are_reused() {
        let event = SignalEvent::new();
        event.record();
        assert!(event.broadcast_if_pending(None));
        let mut late = event.subscribe();
        assert!(event.poll_broadcast(&mut late, Waker::noop()).is_pending());
        event.unsubscribe(&late);
        let again = event.subscribe();
        assert_eq!(again.slot, late.slot);
        event.unsubscribe(&again);
    }
}
