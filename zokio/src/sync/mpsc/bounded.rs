//! The bounded channel: at most `buffer` values queued; senders wait, in
//! order, for room.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use zokio_core::sync::Arc;

use super::chan::{Capacity, Chan, Rx, Tx, WeakTx};
use super::error::{SendError, SendTimeoutError, TryRecvError, TrySendError};
use crossbeam_utils::CachePadded;

use crate::sync::batch_semaphore::{Acquire, BatchSemaphore, TryAcquireError};
use zokio_core::sync::atomic::{Ordering, fence};

/// The bounded channel's capacity: a fair semaphore of `bound` permits. A
/// sender holds one per value from `reserve` until the receiver takes the
/// value out.
pub(super) struct Bounded {
    /// Taken by senders, given back by the receiver: a line of its own.
    semaphore: CachePadded<BatchSemaphore>,
    bound: usize,
}

impl Capacity for Bounded {
    #[inline]
    fn release_one(&self) {
        self.semaphore.release(1);
    }

    fn close(&self) -> bool {
        self.semaphore.close();
        true
    }

    fn is_closed_and_idle(&self) -> bool {
        // Pairs with the fence in `release_unused`: the receiver announced
        // its sleep (SeqCst) before this look, the releaser returned its
        // permit before that fence, so one of them sees the other.
        fence(Ordering::SeqCst);
        // Every permit back means no value is queued or being written, and
        // the closed semaphore hands out no more.
        self.semaphore.is_closed() && self.semaphore.available_permits() == self.bound
    }
}

type BoundedTx<T> = Tx<T, Bounded>;

/// Sends values to the [`Receiver`], waiting for room when `buffer` values
/// are queued; cloneable.
pub struct Sender<T> {
    tx: BoundedTx<T>,
}

/// A sender that does not keep the channel open; see
/// [`Sender::downgrade`].
pub struct WeakSender<T> {
    tx: WeakTx<T, Bounded>,
}

/// Receives the values sent by the [`Sender`]s, in the order each sender
/// sent them.
pub struct Receiver<T> {
    rx: Rx<T, Bounded>,
}

/// Room for one value, reserved by [`Sender::reserve`]: its
/// [`send`](Permit::send) cannot fail for lack of room or wait. Dropped
/// unused, it frees the room.
pub struct Permit<'a, T> {
    tx: &'a BoundedTx<T>,
}

/// Room for several values, reserved by [`Sender::reserve_many`]: yields
/// one [`Permit`] per value; the ones not taken are freed on drop.
pub struct PermitIterator<'a, T> {
    tx: &'a BoundedTx<T>,
    left: usize,
}

/// Room for one value that owns its sender, from
/// [`Sender::reserve_owned`]; can be moved into a task.
pub struct OwnedPermit<T> {
    sender: Option<Sender<T>>,
}

/// A channel holding at most `buffer` values: `send` waits while it is full
/// (senders are served in the order they started waiting), which is how a
/// fast producer is held back to the pace of its consumer.
///
/// # Panics
///
/// If `buffer` is 0, or exceeds the semaphore's maximum
/// (`usize::MAX >> 3`).
///
/// ```
/// # zokio::block_on(async {
/// let (tx, mut rx) = zokio::sync::mpsc::channel(1);
/// tx.send(1).await.unwrap();
/// assert!(tx.try_send(2).is_err(), "full");
/// assert_eq!(rx.recv().await, Some(1));
/// tx.try_send(2).unwrap();
/// drop(tx);
/// assert_eq!(rx.recv().await, Some(2));
/// assert_eq!(rx.recv().await, None);
/// # });
/// ```
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    let chan = Arc::new(Chan::new(Bounded {
        semaphore: CachePadded::new(BatchSemaphore::new(buffer)),
        bound: buffer,
    }));
    (
        Sender {
            tx: Tx::new(chan.clone()),
        },
        Receiver { rx: Rx::new(chan) },
    )
}

impl<T> Sender<T> {
    fn chan(&self) -> &Chan<T, Bounded> {
        &self.tx.chan
    }

    /// Waits for room, then queues `value`; gives the value back if the
    /// receiver closed the channel or is gone.
    ///
    /// Cancel-safe in that a `send` dropped before it completes sent
    /// nothing; the value goes with the future, and its place among the
    /// waiting senders is lost (see [`reserve`](Self::reserve)).
    ///
    /// ```
    /// # zokio::block_on(async {
    /// let (tx, mut rx) = zokio::sync::mpsc::channel(4);
    /// tx.send("hi").await.unwrap();
    /// assert_eq!(rx.recv().await, Some("hi"));
    /// drop(rx);
    /// assert_eq!(tx.send("bye").await.unwrap_err().0, "bye");
    /// # });
    /// ```
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        // With room free and nobody queued for it, the permit is one
        // exchange taken in place: no reserve future is built, polled and
        // dropped (a fifth of a request's instructions in `mixed_service`).
        if std::future::poll_fn(|cx| self.poll_take_free_room(cx)).await {
            return Permit { tx: &self.tx }
                .send_or_return(value)
                .map_err(SendError);
        }
        match self.reserve().await {
            Ok(permit) => permit.send_or_return(value).map_err(SendError),
            Err(SendError(())) => Err(SendError(value)),
        }
    }

    /// Queues `value` if there is room now, never waiting.
    ///
    /// ```
    /// use zokio::sync::mpsc::error::TrySendError;
    ///
    /// let (tx, rx) = zokio::sync::mpsc::channel(1);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// drop(rx);
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.try_reserve() {
            Ok(permit) => permit.send_or_return(value).map_err(TrySendError::Closed),
            Err(TrySendError::Full(())) => Err(TrySendError::Full(value)),
            Err(TrySendError::Closed(())) => Err(TrySendError::Closed(value)),
        }
    }

    /// As [`send`](Self::send), but gives up after `timeout`. The timer is
    /// the current runtime's, or Zokio's background timer thread outside a
    /// runtime (where Tokio's panics); it panics in a runtime built without
    /// timers.
    ///
    /// ```
    /// # zokio::run(async {
    /// use std::time::Duration;
    /// use zokio::sync::mpsc::error::SendTimeoutError;
    ///
    /// let (tx, _rx) = zokio::sync::mpsc::channel(1);
    /// tx.send(1).await.unwrap();
    /// let full = tx.send_timeout(2, Duration::from_millis(5)).await;
    /// assert_eq!(full, Err(SendTimeoutError::Timeout(2)));
    /// # });
    /// ```
    pub async fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        match crate::time::timeout(timeout, self.reserve()).await {
            Ok(Ok(permit)) => permit
                .send_or_return(value)
                .map_err(SendTimeoutError::Closed),
            Ok(Err(SendError(()))) => Err(SendTimeoutError::Closed(value)),
            Err(_elapsed) => Err(SendTimeoutError::Timeout(value)),
        }
    }

    /// As [`send`](Self::send), from synchronous code.
    ///
    /// # Panics
    ///
    /// On a runtime worker thread, where blocking would stall its tasks.
    ///
    /// ```
    /// let (tx, mut rx) = zokio::sync::mpsc::channel(1);
    /// std::thread::spawn(move || tx.blocking_send(3).unwrap());
    /// assert_eq!(rx.blocking_recv(), Some(3));
    /// ```
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        crate::sync::blocking::block_on(self.send(value))
    }

    /// Waits for room for one value and reserves it: the [`Permit`] then
    /// sends without waiting. The value stays with the caller until there is
    /// room, which makes `reserve` the cancel-safe way to send from
    /// `select!`; a dropped `reserve` also keeps no place in the queue.
    ///
    /// ```
    /// # zokio::block_on(async {
    /// let (tx, mut rx) = zokio::sync::mpsc::channel(1);
    /// let permit = tx.reserve().await.unwrap();
    /// assert!(tx.try_send(1).is_err(), "the room is reserved");
    /// permit.send(2);
    /// assert_eq!(rx.recv().await, Some(2));
    /// # });
    /// ```
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        self.acquire(1).await?;
        Ok(Permit { tx: &self.tx })
    }

    /// Waits for room for `n` values and reserves it all at once; fails if
    /// the channel is closed or `n` exceeds its [`max_capacity`](Self::max_capacity).
    ///
    /// ```
    /// # zokio::block_on(async {
    /// let (tx, mut rx) = zokio::sync::mpsc::channel(4);
    /// for (i, permit) in tx.reserve_many(3).await.unwrap().enumerate() {
    ///     permit.send(i);
    /// }
    /// assert_eq!(rx.len(), 3);
    /// assert!(tx.reserve_many(5).await.is_err(), "more than the channel holds");
    /// # });
    /// ```
    pub async fn reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, SendError<()>> {
        if n > self.max_capacity() {
            return Err(SendError(()));
        }
        self.acquire(n).await?;
        Ok(PermitIterator {
            tx: &self.tx,
            left: n,
        })
    }

    /// As [`reserve`](Self::reserve), but the permit owns the sender (so it
    /// can move into a task); [`OwnedPermit::send`] gives the sender back.
    ///
    /// ```
    /// # zokio::block_on(async {
    /// let (tx, mut rx) = zokio::sync::mpsc::channel(1);
    /// let permit = tx.reserve_owned().await.unwrap();
    /// let tx = permit.send(5);
    /// assert_eq!(rx.recv().await, Some(5));
    /// # drop(tx);
    /// # });
    /// ```
    pub async fn reserve_owned(self) -> Result<OwnedPermit<T>, SendError<()>> {
        self.acquire(1).await?;
        Ok(OwnedPermit { sender: Some(self) })
    }

    /// Reserves room for one value if there is some now.
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        self.try_acquire(1)?;
        Ok(Permit { tx: &self.tx })
    }

    /// Reserves room for `n` values if there is that much now; `Full` if `n`
    /// exceeds the channel's [`max_capacity`](Self::max_capacity).
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        if n > self.max_capacity() {
            return Err(TrySendError::Full(()));
        }
        self.try_acquire(n)?;
        Ok(PermitIterator {
            tx: &self.tx,
            left: n,
        })
    }

    /// As [`try_reserve`](Self::try_reserve), with an owned permit; the
    /// sender comes back in the error.
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Self>> {
        match self.try_acquire(1) {
            Ok(()) => Ok(OwnedPermit { sender: Some(self) }),
            Err(TrySendError::Full(())) => Err(TrySendError::Full(self)),
            Err(TrySendError::Closed(())) => Err(TrySendError::Closed(self)),
        }
    }

    fn acquire(&self, n: usize) -> Reserve<'_, T> {
        Reserve {
            chan: self.chan(),
            n,
            acquire: Some(self.chan().capacity.semaphore.acquire(n)),
            waited: false,
        }
    }

    /// Spends a unit of the task's budget (yielding if it is spent, as a
    /// wait for room does) and takes one permit if that needs no wait: true
    /// if it did. Otherwise the budget is left as it was, for the wait.
    #[inline]
    fn poll_take_free_room(&self, cx: &mut Context<'_>) -> Poll<bool> {
        let Poll::Ready(progress) = zokio_core::budget::poll_proceed(cx) else {
            return Poll::Pending;
        };
        let taken = self.chan().capacity.semaphore.try_acquire(1).is_ok();
        if taken {
            progress.made_progress();
        }
        Poll::Ready(taken)
    }

    fn try_acquire(&self, n: usize) -> Result<(), TrySendError<()>> {
        self.chan()
            .capacity
            .semaphore
            .try_acquire(n)
            .map_err(|e| match e {
                TryAcquireError::Closed => TrySendError::Closed(()),
                TryAcquireError::NoPermits => TrySendError::Full(()),
            })
    }

    /// Completes when the receiver closes the channel or is gone.
    ///
    /// ```
    /// # zokio::block_on(async {
    /// let (tx, mut rx) = zokio::sync::mpsc::channel::<()>(1);
    /// rx.close();
    /// tx.closed().await;
    /// assert!(tx.is_closed());
    /// # });
    /// ```
    pub async fn closed(&self) {
        self.chan().closed().await;
    }

    /// True once the receiver closed the channel or is gone.
    pub fn is_closed(&self) -> bool {
        self.chan().is_rx_closed()
    }

    /// Room left now: [`max_capacity`](Self::max_capacity) minus the values
    /// queued and the room reserved.
    ///
    /// ```
    /// let (tx, _rx) = zokio::sync::mpsc::channel(3);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.capacity(), 2);
    /// assert_eq!(tx.max_capacity(), 3);
    /// ```
    pub fn capacity(&self) -> usize {
        self.chan().capacity.semaphore.available_permits()
    }

    /// The `buffer` the channel was made with.
    pub fn max_capacity(&self) -> usize {
        self.chan().capacity.bound
    }

    /// True if both senders send to the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        self.tx.same_channel(&other.tx)
    }

    /// A weak sender: it does not keep the channel open, and
    /// [`upgrade`](WeakSender::upgrade)s while a strong one lives.
    ///
    /// ```
    /// let (tx, _rx) = zokio::sync::mpsc::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            tx: self.tx.downgrade(),
        }
    }

    /// Strong senders of this channel.
    pub fn strong_count(&self) -> usize {
        self.chan().strong_count()
    }

    /// Weak senders of this channel.
    pub fn weak_count(&self) -> usize {
        self.chan().weak_count()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("capacity", &self.capacity())
            .field("max_capacity", &self.max_capacity())
            .finish_non_exhaustive()
    }
}

impl<T> WeakSender<T> {
    /// A strong sender, if one is still alive.
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.tx.upgrade().map(|tx| Sender { tx })
    }

    /// Strong senders of this channel.
    pub fn strong_count(&self) -> usize {
        self.tx.chan.strong_count()
    }

    /// Weak senders of this channel.
    pub fn weak_count(&self) -> usize {
        self.tx.chan.weak_count()
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        WeakSender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

/// Gives back the room of a permit that was not used, and tells a closed
/// channel's receiver when that was the last room out (it can end now).
fn release_unused<T>(chan: &Chan<T, Bounded>, n: usize) {
    chan.capacity.semaphore.release(n);
    wake_rx_if_ended(chan);
}

/// Wakes the receiver of a closed channel once no room is out: its `recv`
/// waits for that to return `None`.
fn wake_rx_if_ended<T>(chan: &Chan<T, Bounded>) {
    // `is_closed_and_idle` fences: the room given back before this call is
    // ordered before the receiver's look after its sleep (see `RxWaker`).
    if chan.is_rx_closed() && chan.capacity.is_closed_and_idle() {
        chan.wake_rx();
    }
}

/// The wait of `reserve` and its kin for `n` permits.
///
/// A wait that fails or is dropped gives back the permits it was handed so
/// far (the semaphore's `Acquire` does that), which may be the last room out
/// of a closed channel: then the receiver, waiting for that to end, is woken
/// here. And as in Tokio, a wait that queued and is handed its permits after
/// the receiver closed the channel fails: it gives them back and sends
/// nothing, though a permit reserved before the close could still send.
struct Reserve<'a, T> {
    chan: &'a Chan<T, Bounded>,
    n: usize,
    /// `None` once completed.
    acquire: Option<Acquire<'a>>,
    /// Returned `Pending` once: the uncontended path was not taken.
    waited: bool,
}

impl<T> Future for Reserve<'_, T> {
    type Output = Result<(), SendError<()>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let acquire = this
            .acquire
            .as_mut()
            .expect("a reserve future polled after it completed");
        let Poll::Ready(acquired) = Pin::new(acquire).poll(cx) else {
            this.waited = true;
            return Poll::Pending;
        };
        this.acquire = None;
        let semaphore = &this.chan.capacity.semaphore;
        match acquired {
            Ok(()) if this.waited && semaphore.is_closed() => {
                release_unused(this.chan, this.n);
                Poll::Ready(Err(SendError(())))
            }
            Ok(()) => Poll::Ready(Ok(())),
            Err(_closed) => {
                wake_rx_if_ended(this.chan);
                Poll::Ready(Err(SendError(())))
            }
        }
    }
}

impl<T> Drop for Reserve<'_, T> {
    fn drop(&mut self) {
        if let Some(acquire) = self.acquire.take() {
            // Its permits go back first; then the receiver may see the end.
            drop(acquire);
            if self.waited {
                wake_rx_if_ended(self.chan);
            }
        }
    }
}

/// Queues `value` on a permit's room; the value comes back if the receiver
/// is gone (its room then goes back too).
fn send_reserved<T>(tx: &BoundedTx<T>, value: T) -> Result<(), T> {
    tx.chan
        .send(value)
        .inspect_err(|_| release_unused(&tx.chan, 1))
}

impl<T> Permit<'_, T> {
    /// Queues `value` in the reserved room, without waiting. If the receiver
    /// is gone meanwhile, the value is dropped.
    pub fn send(self, value: T) {
        drop(self.send_or_return(value));
    }

    fn send_or_return(self, value: T) -> Result<(), T> {
        let tx = self.tx;
        // The room now belongs to the value (the receiver frees it).
        std::mem::forget(self);
        send_reserved(tx, value)
    }

    /// True if both permits are for the same channel.
    pub fn same_channel(&self, other: &Permit<'_, T>) -> bool {
        self.tx.same_channel(other.tx)
    }

    /// True if the permit is for `sender`'s channel.
    pub fn same_channel_as_sender(&self, sender: &Sender<T>) -> bool {
        self.tx.same_channel(&sender.tx)
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        release_unused(&self.tx.chan, 1);
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Permit<'a, T>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        Some(Permit { tx: self.tx })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}

impl<T> std::iter::FusedIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        if self.left > 0 {
            release_unused(&self.tx.chan, self.left);
        }
    }
}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermitIterator")
            .field("left", &self.left)
            .finish_non_exhaustive()
    }
}

impl<T> OwnedPermit<T> {
    /// Queues `value` in the reserved room and gives the sender back. If
    /// the receiver is gone meanwhile, the value is dropped.
    pub fn send(mut self, value: T) -> Sender<T> {
        let sender = self
            .sender
            .take()
            .expect("an OwnedPermit holds its sender until used");
        drop(send_reserved(&sender.tx, value));
        sender
    }

    /// Gives the room back unused, and the sender with it.
    pub fn release(mut self) -> Sender<T> {
        let sender = self
            .sender
            .take()
            .expect("an OwnedPermit holds its sender until used");
        release_unused(&sender.tx.chan, 1);
        sender
    }

    /// True if both permits are for the same channel.
    pub fn same_channel(&self, other: &OwnedPermit<T>) -> bool {
        match (&self.sender, &other.sender) {
            (Some(a), Some(b)) => a.same_channel(b),
            _ => false,
        }
    }

    /// True if the permit is for `sender`'s channel.
    pub fn same_channel_as_sender(&self, sender: &Sender<T>) -> bool {
        self.sender.as_ref().is_some_and(|s| s.same_channel(sender))
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(sender) = &self.sender {
            release_unused(&sender.tx.chan, 1);
        }
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}

impl<T> Receiver<T> {
    /// The next value; `None` once every sender is gone (or the channel was
    /// closed) and everything sent was received. Cancel-safe: a `recv` that
    /// is dropped before it completes takes no value.
    ///
    /// ```
    /// # zokio::block_on(async {
    /// let (tx, mut rx) = zokio::sync::mpsc::channel(1);
    /// std::thread::spawn(move || tx.blocking_send(5).unwrap());
    /// assert_eq!(rx.recv().await, Some(5));
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.rx.poll_recv(cx)).await
    }

    /// Receives up to `limit` values into `buffer`, waiting for at least one;
    /// returns how many were added, 0 only once the channel is closed and
    /// drained (or `limit` is 0). Cancel-safe as `recv`.
    ///
    /// ```
    /// # zokio::block_on(async {
    /// let (tx, mut rx) = zokio::sync::mpsc::channel(8);
    /// for i in 0..5 {
    ///     tx.send(i).await.unwrap();
    /// }
    /// let mut got = Vec::new();
    /// assert_eq!(rx.recv_many(&mut got, 3).await, 3);
    /// assert_eq!(got, [0, 1, 2]);
    /// # });
    /// ```
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        std::future::poll_fn(|cx| self.rx.poll_recv_many(cx, buffer, limit)).await
    }

    /// The next value if one is queued now.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.rx.try_recv()
    }

    /// Waits for the next value from synchronous code.
    ///
    /// # Panics
    ///
    /// On a runtime worker thread, where blocking would stall its tasks.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::sync::blocking::block_on(self.recv())
    }

    /// As [`recv_many`](Self::recv_many), from synchronous code.
    ///
    /// # Panics
    ///
    /// On a runtime worker thread.
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        crate::sync::blocking::block_on(self.recv_many(buffer, limit))
    }

    /// Closes the channel to senders: new sends fail, permits already
    /// reserved can still send, and what is queued can still be received.
    ///
    /// ```
    /// # zokio::block_on(async {
    /// let (tx, mut rx) = zokio::sync::mpsc::channel(2);
    /// tx.send(1).await.unwrap();
    /// rx.close();
    /// assert!(tx.send(2).await.is_err());
    /// assert_eq!(rx.recv().await, Some(1));
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    pub fn close(&mut self) {
        self.rx.close();
    }

    /// True once every sender is gone or the channel was closed; values may
    /// still be queued.
    pub fn is_closed(&self) -> bool {
        self.rx.is_closed()
    }

    /// True if nothing is queued now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Values queued now.
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// Room left now; see [`Sender::capacity`].
    pub fn capacity(&self) -> usize {
        self.rx.chan.capacity.semaphore.available_permits()
    }

    /// The `buffer` the channel was made with.
    pub fn max_capacity(&self) -> usize {
        self.rx.chan.capacity.bound
    }

    /// Polls for the next value; see [`recv`](Self::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }

    /// Polls for up to `limit` values; see [`recv_many`](Self::recv_many).
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        self.rx.poll_recv_many(cx, buffer, limit)
    }

    /// Strong senders of this channel.
    pub fn sender_strong_count(&self) -> usize {
        self.rx.chan.strong_count()
    }

    /// Weak senders of this channel.
    pub fn sender_weak_count(&self) -> usize {
        self.rx.chan.weak_count()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("len", &self.len())
            .field("max_capacity", &self.max_capacity())
            .finish_non_exhaustive()
    }
}
