//! The unbounded channel: sending never waits.

use std::fmt;
use std::task::{Context, Poll};

use zokio_core::sync::Arc;

use super::chan::{Chan, Rx, Tx, Unbounded, WeakTx};
use super::error::{SendError, TryRecvError};

/// Sends values to the [`UnboundedReceiver`]; cloneable. Sending never waits
/// and succeeds as long as the receiver is there.
pub struct UnboundedSender<T> {
    tx: Tx<T, Unbounded>,
}

/// A sender that does not keep the channel open; see
/// [`UnboundedSender::downgrade`].
pub struct WeakUnboundedSender<T> {
    tx: WeakTx<T, Unbounded>,
}

/// Receives the values sent by the [`UnboundedSender`]s, in the order each
/// sender sent them.
pub struct UnboundedReceiver<T> {
    rx: Rx<T, Unbounded>,
}

/// A channel with no bound on what it holds: `send` is synchronous and never
/// waits, so a slow receiver lets memory grow (see [`channel`](super::channel)
/// for backpressure).
///
/// ```
/// # zokio::block_on(async {
/// let (tx, mut rx) = zokio::sync::mpsc::unbounded_channel();
/// for i in 0..3 {
///     tx.send(i).unwrap();
/// }
/// drop(tx);
/// assert_eq!(rx.recv().await, Some(0));
/// assert_eq!(rx.recv().await, Some(1));
/// assert_eq!(rx.recv().await, Some(2));
/// assert_eq!(rx.recv().await, None, "every sender is gone and the queue is empty");
/// # });
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let chan = Arc::new(Chan::new(Unbounded));
    (
        UnboundedSender {
            tx: Tx::new(chan.clone()),
        },
        UnboundedReceiver { rx: Rx::new(chan) },
    )
}

impl<T> UnboundedSender<T> {
    /// Queues `value` for the receiver, or gives it back in the error if the
    /// receiver closed the channel or is gone. A success does not mean the
    /// value will be received: the receiver may go before it gets to it.
    ///
    /// ```
    /// let (tx, mut rx) = zokio::sync::mpsc::unbounded_channel();
    /// tx.send("hello").unwrap();
    /// assert_eq!(rx.try_recv(), Ok("hello"));
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.tx.chan.send(value).map_err(SendError)
    }

    /// Completes when the receiver closes the channel or is gone.
    ///
    /// ```
    /// # zokio::block_on(async {
    /// let (tx, rx) = zokio::sync::mpsc::unbounded_channel::<()>();
    /// drop(rx);
    /// tx.closed().await;
    /// assert!(tx.is_closed());
    /// # });
    /// ```
    pub async fn closed(&self) {
        self.tx.chan.closed().await;
    }

    /// True once the receiver closed the channel or is gone.
    pub fn is_closed(&self) -> bool {
        self.tx.chan.is_rx_closed()
    }

    /// True if both senders send to the same channel.
    pub fn same_channel(&self, other: &UnboundedSender<T>) -> bool {
        self.tx.same_channel(&other.tx)
    }

    /// A weak sender: it does not keep the channel open, and
    /// [`upgrade`](WeakUnboundedSender::upgrade)s while a strong one lives.
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender {
            tx: self.tx.downgrade(),
        }
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

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        UnboundedSender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("strong_count", &self.strong_count())
            .finish_non_exhaustive()
    }
}

impl<T> WeakUnboundedSender<T> {
    /// A strong sender, if one is still alive (so the channel is open to
    /// senders).
    ///
    /// ```
    /// let (tx, _rx) = zokio::sync::mpsc::unbounded_channel::<u8>();
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.tx.upgrade().map(|tx| UnboundedSender { tx })
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

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> Self {
        WeakUnboundedSender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakUnboundedSender")
            .finish_non_exhaustive()
    }
}

impl<T> UnboundedReceiver<T> {
    /// The next value; `None` once every sender is gone (or the channel was
    /// closed) and everything sent was received. Cancel-safe: a `recv` that
    /// is dropped before it completes takes no value.
    ///
    /// ```
    /// # zokio::block_on(async {
    /// let (tx, mut rx) = zokio::sync::mpsc::unbounded_channel();
    /// std::thread::spawn(move || tx.send(5).unwrap());
    /// assert_eq!(rx.recv().await, Some(5));
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Receives up to `limit` values into `buffer`, waiting for at least one;
    /// returns how many were added, 0 only once the channel is closed and
    /// drained (or `limit` is 0).
    ///
    /// ```
    /// # zokio::block_on(async {
    /// let (tx, mut rx) = zokio::sync::mpsc::unbounded_channel();
    /// for i in 0..5 {
    ///     tx.send(i).unwrap();
    /// }
    /// let mut got = Vec::new();
    /// assert_eq!(rx.recv_many(&mut got, 3).await, 3);
    /// assert_eq!(got, [0, 1, 2]);
    /// # });
    /// ```
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        std::future::poll_fn(|cx| self.poll_recv_many(cx, buffer, limit)).await
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
    ///
    /// ```
    /// let (tx, mut rx) = zokio::sync::mpsc::unbounded_channel();
    /// std::thread::spawn(move || tx.send(9).unwrap());
    /// assert_eq!(rx.blocking_recv(), Some(9));
    /// ```
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

    /// Closes the channel to senders (they get their value back from now
    /// on); what is queued can still be received.
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

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiver")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}
