//! What the two halves of an mpsc channel share: the queue, the receiver's
//! waker, the sender counts, and (bounded channels) the capacity.
//!
//! # Waking the receiver
//!
//! A sender that has queued a value wakes the receiver only if it sleeps:
//! see [`RxWaker`] for the handshake. While the receiver is busy, a send
//! writes nothing on the receiver's cache lines. The channel's ends (the
//! last sender gone, a closed channel's last permit back) publish
//! themselves in the same `SeqCst` order before they wake.

use std::future::{Future, poll_fn};
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::pin::pin;
use std::task::{Context, Poll, ready};

use crossbeam_utils::CachePadded;
use zokio_core::budget;
use zokio_core::sync::Arc;
use zokio_core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::error::TryRecvError;
use super::queue::{Pop, Queue};
use super::rx_waker::{RxWaker, Sleep};
use crate::sync::Notify;

/// How a channel bounds what is queued: nothing for the unbounded channel, a
/// semaphore of `buffer` permits for the bounded one (each queued value
/// holds one permit until it is received).
pub(super) trait Capacity: Send + Sync {
    /// The receiver took a value out: its permit is free again.
    fn release_one(&self);
    /// The receiver closed: no more permits are handed out. True if the
    /// capacity did the closing (the queue stays open for permits already
    /// handed out); false if the queue itself must close.
    fn close(&self) -> bool;
    /// True once closed and every permit is back: nothing more can be sent.
    /// Asked only after the receiver closed the channel, in `SeqCst` order
    /// with the permit returns that wake it (see `RxWaker`).
    fn is_closed_and_idle(&self) -> bool;
}

/// The unbounded channel's capacity: none.
#[derive(Debug, Default)]
pub(super) struct Unbounded;

impl Capacity for Unbounded {
    fn release_one(&self) {}

    fn close(&self) -> bool {
        false
    }

    fn is_closed_and_idle(&self) -> bool {
        false
    }
}

pub(super) struct Chan<T, S> {
    queue: Queue<T>,
    /// Read by every send, written when the receiver sleeps: apart from the
    /// queue's lines.
    rx_waker: CachePadded<RxWaker>,
    /// Senders alive; the last one to go closes the queue.
    tx_count: AtomicUsize,
    /// Weak senders alive (for `weak_count`).
    tx_weak_count: AtomicUsize,
    /// Set when the receiver closes the channel or is dropped.
    rx_closed: AtomicBool,
    notify_rx_closed: Notify,
    pub(super) capacity: S,
}

// As in Tokio, the channel's handles may cross `catch_unwind`: a panic can
// only come from a value's `Drop` or from a waker, and every change to the
// channel's state is one atomic step or is finished before either runs, so
// the channel stays consistent after a caught panic.
impl<T, S> RefUnwindSafe for Chan<T, S> {}
impl<T, S> UnwindSafe for Chan<T, S> {}

impl<T, S: Capacity> Chan<T, S> {
    pub(super) fn new(capacity: S) -> Chan<T, S> {
        Chan {
            queue: Queue::new(),
            rx_waker: CachePadded::new(RxWaker::new()),
            tx_count: AtomicUsize::new(1),
            tx_weak_count: AtomicUsize::new(0),
            rx_closed: AtomicBool::new(false),
            notify_rx_closed: Notify::new(),
            capacity,
        }
    }

    // ---- senders ----

    /// Queues `value` and wakes the receiver if it sleeps; hands the value
    /// back if the queue is closed.
    #[inline]
    pub(super) fn send(&self, value: T) -> Result<(), T> {
        self.queue.push(value)?;
        self.rx_waker.wake();
        Ok(())
    }

    /// Wakes the receiver whatever it waits for (the channel ended).
    pub(super) fn wake_rx(&self) {
        self.rx_waker.wake();
    }

    pub(super) fn add_sender(&self) {
        // Relaxed, as `Arc::clone`: the new sender comes from an existing one.
        self.tx_count.fetch_add(1, Ordering::Relaxed);
    }

    /// Makes a strong sender from a weak one, unless every strong one is gone.
    pub(super) fn upgrade_sender(&self) -> bool {
        let mut count = self.tx_count.load(Ordering::Relaxed);
        loop {
            if count == 0 {
                return false;
            }
            match self.tx_count.compare_exchange_weak(
                count,
                count + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(current) => count = current,
            }
        }
    }

    /// A sender is gone; the last one closes the queue and tells the receiver.
    pub(super) fn drop_sender(&self) {
        if self.tx_count.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        self.queue.close();
        self.rx_waker.wake();
    }

    pub(super) fn add_weak(&self) {
        self.tx_weak_count.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn drop_weak(&self) {
        self.tx_weak_count.fetch_sub(1, Ordering::Relaxed);
    }

    pub(super) fn strong_count(&self) -> usize {
        self.tx_count.load(Ordering::Acquire)
    }

    pub(super) fn weak_count(&self) -> usize {
        self.tx_weak_count.load(Ordering::Acquire)
    }

    /// True once the receiver closed the channel or was dropped.
    pub(super) fn is_rx_closed(&self) -> bool {
        self.rx_closed.load(Ordering::Acquire)
    }

    /// Completes when the receiver closes the channel or is dropped.
    pub(super) async fn closed(&self) {
        let mut notified = pin!(self.notify_rx_closed.notified());
        poll_fn(|cx| {
            // Registered first, looked at second: a close between the two is
            // seen by the look, one before it wakes the registration.
            if notified.as_mut().poll(cx).is_ready() || self.is_rx_closed() {
                return Poll::Ready(());
            }
            Poll::Pending
        })
        .await;
    }

    // ---- the receiver (each call made by the one receiver) ----

    /// Pops a value, or says why there is none (`Busy` and `Empty` both mean
    /// "nothing yet").
    ///
    /// # Safety
    ///
    /// Called by the channel's one receiver only, one call at a time.
    pub(super) unsafe fn try_pop(&self) -> Pop<T> {
        // SAFETY: forwarded.
        match unsafe { self.queue.pop() } {
            Pop::Value(value) => {
                self.capacity.release_one();
                Pop::Value(value)
            }
            // `rx_closed` is the receiver's own flag: only a closed channel
            // pays for the capacity's ordered look.
            Pop::Empty | Pop::Busy
                if self.rx_closed.load(Ordering::Relaxed) && self.capacity.is_closed_and_idle() =>
            {
                Pop::Closed
            }
            other => other,
        }
    }

    /// Waits for a value: `None` once the channel is closed and drained.
    ///
    /// # Safety
    ///
    /// As for `try_pop`.
    pub(super) unsafe fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let progress = ready!(budget::poll_proceed(cx));
        // SAFETY: forwarded (twice below).
        let popped = match unsafe { self.try_pop() } {
            Pop::Empty | Pop::Busy => {
                let sleep = self.rx_waker.sleep(cx.waker());
                // SAFETY: as above.
                match unsafe { self.try_pop() } {
                    Pop::Empty | Pop::Busy => {
                        if let Sleep::Waking = sleep {
                            // A wake is under way to the waker registered
                            // before, which may not be this one: poll again.
                            cx.waker().wake_by_ref();
                            zokio_core::sync::spin_loop();
                        }
                        return Poll::Pending;
                    }
                    found => {
                        // Not asleep after all: spare senders the wake.
                        self.rx_waker.withdraw();
                        found
                    }
                }
            }
            found => found,
        };
        progress.made_progress();
        Poll::Ready(match popped {
            Pop::Value(value) => Some(value),
            _ => None,
        })
    }

    /// Values queued (claimed by senders, not yet received).
    ///
    /// # Safety
    ///
    /// As for `try_pop`.
    pub(super) unsafe fn len(&self) -> usize {
        // SAFETY: forwarded.
        unsafe { self.queue.len() }
    }

    /// The receiver closes the channel: senders fail from now on (those of a
    /// bounded channel holding permits may still send), `Sender::closed`
    /// completes, and what is queued can still be received.
    pub(super) fn close_rx(&self) {
        if self.rx_closed.swap(true, Ordering::AcqRel) {
            return;
        }
        if !self.capacity.close() {
            self.queue.close();
        }
        self.notify_rx_closed.notify_waiters();
    }

    /// The receiver is gone: close everything and drop what is queued now
    /// (what senders finish writing later goes with the channel).
    ///
    /// # Safety
    ///
    /// As for `try_pop`, and the receiver makes no call after this one.
    pub(super) unsafe fn drop_rx(&self) {
        self.close_rx();
        self.queue.close();
        // The receiver's waker may keep its task's memory alive: it goes
        // now, not with the last sender.
        self.rx_waker.clear();
        // A value whose drop panics must not leave the ones after it to the
        // last sender: the guard drains the rest while the panic unwinds.
        let drain = Drain(self);
        // SAFETY: forwarded; the guard pops only after this loop stopped.
        while let Pop::Value(value) = unsafe { self.try_pop() } {
            drop(value);
        }
        drop(drain);
    }
}

/// Drops every value queued in a channel whose receiver is going.
struct Drain<'a, T, S: Capacity>(&'a Chan<T, S>);

impl<T, S: Capacity> Drop for Drain<'_, T, S> {
    fn drop(&mut self) {
        // SAFETY: made by `drop_rx`, the receiver's last call, and dropped
        // when that call's own pops have ended (returned or unwound).
        while let Pop::Value(value) = unsafe { self.0.try_pop() } {
            drop(value);
        }
    }
}

/// A strong sender's hold on the channel: counted, and the last one to go
/// closes the queue. Both channel kinds' senders wrap one.
pub(super) struct Tx<T, S: Capacity> {
    pub(super) chan: Arc<Chan<T, S>>,
}

impl<T, S: Capacity> Tx<T, S> {
    pub(super) fn new(chan: Arc<Chan<T, S>>) -> Tx<T, S> {
        Tx { chan }
    }

    pub(super) fn same_channel(&self, other: &Tx<T, S>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    pub(super) fn downgrade(&self) -> WeakTx<T, S> {
        self.chan.add_weak();
        WeakTx {
            chan: self.chan.clone(),
        }
    }
}

impl<T, S: Capacity> Clone for Tx<T, S> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Tx {
            chan: self.chan.clone(),
        }
    }
}

impl<T, S: Capacity> Drop for Tx<T, S> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

/// A weak sender's hold: it does not keep the channel open.
pub(super) struct WeakTx<T, S: Capacity> {
    pub(super) chan: Arc<Chan<T, S>>,
}

impl<T, S: Capacity> WeakTx<T, S> {
    pub(super) fn upgrade(&self) -> Option<Tx<T, S>> {
        self.chan.upgrade_sender().then(|| Tx {
            chan: self.chan.clone(),
        })
    }
}

impl<T, S: Capacity> Clone for WeakTx<T, S> {
    fn clone(&self) -> Self {
        self.chan.add_weak();
        WeakTx {
            chan: self.chan.clone(),
        }
    }
}

impl<T, S: Capacity> Drop for WeakTx<T, S> {
    fn drop(&mut self) {
        self.chan.drop_weak();
    }
}

/// The one receiver's hold on the channel; both channel kinds' receivers
/// wrap one. Its `&mut self` methods are what makes the receiver unique.
pub(super) struct Rx<T, S: Capacity> {
    pub(super) chan: Arc<Chan<T, S>>,
}

impl<T, S: Capacity> Rx<T, S> {
    pub(super) fn new(chan: Arc<Chan<T, S>>) -> Rx<T, S> {
        Rx { chan }
    }

    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        // SAFETY: `&mut self` on the channel's one receiver.
        unsafe { self.chan.poll_recv(cx) }
    }

    pub(super) fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let Some(first) = ready!(self.poll_recv(cx)) else {
            return Poll::Ready(0);
        };
        buffer.push(first);
        let mut added = 1;
        while added < limit {
            match self.try_recv() {
                Ok(value) => {
                    buffer.push(value);
                    added += 1;
                }
                Err(_) => break,
            }
        }
        Poll::Ready(added)
    }

    pub(super) fn try_recv(&mut self) -> Result<T, TryRecvError> {
        loop {
            // SAFETY: `&mut self` on the one receiver.
            match unsafe { self.chan.try_pop() } {
                Pop::Value(value) => return Ok(value),
                Pop::Closed => return Err(TryRecvError::Disconnected),
                Pop::Empty => return Err(TryRecvError::Empty),
                // A sender claimed the next place and is writing it: the
                // value is a few instructions away, so it is not missing.
                Pop::Busy => zokio_core::sync::thread::yield_now(),
            }
        }
    }

    pub(super) fn close(&mut self) {
        self.chan.close_rx();
    }

    pub(super) fn is_closed(&self) -> bool {
        self.chan.is_rx_closed() || self.chan.strong_count() == 0
    }

    pub(super) fn len(&self) -> usize {
        // SAFETY: reading the head needs the receiver, which `&self` on the
        // one receiver is: no pop runs meanwhile (pops take `&mut self`).
        unsafe { self.chan.len() }
    }
}

impl<T, S: Capacity> Drop for Rx<T, S> {
    fn drop(&mut self) {
        // SAFETY: the one receiver, making its last call.
        unsafe { self.chan.drop_rx() };
    }
}
