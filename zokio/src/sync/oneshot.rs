//! A channel for one value, with Tokio's API: the [`Sender`] sends once,
//! the [`Receiver`] is a future of that value.
//!
//! # The protocol
//!
//! One allocation holds a state word, the value's cell and a waker slot for
//! each side. The sender writes the value, then sets `VALUE_SENT | COMPLETE`
//! in one step; the receiver touches the cell only after it has seen
//! `VALUE_SENT`.
//!
//! The receiver's waker slot is owned through the state word too: the
//! receiver writes it while `RX_WAKER` is clear, then sets `RX_WAKER`; from
//! then on the slot is the sender's, which takes the waker out when it
//! completes and finds the bit set. A receiver polled again by another task
//! clears the bit to take its slot back (unless the sender completed
//! meanwhile). So a wait costs one waker clone and one step on each side,
//! and a wake consumes the stored waker. The receiver closes by setting `CLOSED`; whichever of the
//! two bits came first decides who owns the value: a value sent before the
//! close is the receiver's (it can still take it), a value sent after is
//! handed back to the sender (`send` returns it), and the receiver never
//! reads it. A sender dropped without sending sets `COMPLETE` alone, so the
//! receiver learns that no value will come.
//!
//! ```
//! # zokio::block_on(async {
//! let (tx, rx) = zokio::sync::oneshot::channel();
//! std::thread::spawn(move || tx.send("ready").unwrap());
//! assert_eq!(rx.await, Ok("ready"));
//! # });
//! ```

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker, ready};

use zokio_core::AtomicWaker;
use zokio_core::budget;
use zokio_core::sync::UnsafeCell;
use zokio_core::sync::atomic::{AtomicUsize, Ordering};

/// The sender wrote the value.
const VALUE_SENT: usize = 0b001;
/// The sender is done: it sent, or it was dropped.
const COMPLETE: usize = 0b010;
/// The receiver closed the channel or was dropped.
const CLOSED: usize = 0b100;
/// The receiver's waker is in its slot, which the sender now owns.
const RX_WAKER: usize = 0b1000;
/// The receiver waits no longer: a value came, the sender is gone, or the
/// channel was closed.
const DONE: usize = VALUE_SENT | COMPLETE | CLOSED;

struct Inner<T> {
    state: AtomicUsize,
    value: UnsafeCell<Option<T>>,
    /// Owned by the receiver while `RX_WAKER` is clear, by the sender while
    /// it is set.
    rx_waker: UnsafeCell<Option<Waker>>,
    tx_waker: AtomicWaker,
}

// The value moves from the sender's thread to the receiver's
// (`T: Send`); the cell is written by the sender before `VALUE_SENT` and
// read by the receiver after it, or taken back by the sender when the
// receiver closed first and so never reads it (see the module docs). The
// receiver's waker slot is used by one side at a time, as `RX_WAKER` says.
// SAFETY: by that hand-off, `T: Send` suffices.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as for `Send`: the state word orders every access to the cell.
unsafe impl<T: Send> Sync for Inner<T> {}

/// Sends the one value to the [`Receiver`].
pub struct Sender<T> {
    /// `None` once the value was sent.
    inner: Option<Arc<Inner<T>>>,
}

/// A future of the one value the [`Sender`] sends.
///
/// It completes with `Err(RecvError)` if the sender is dropped without
/// sending, or if the receiver closed the channel before a value came.
/// Awaiting it is cancel-safe: the value stays in the channel until the
/// future completes.
pub struct Receiver<T> {
    /// `None` once the receiver completed (took the value or an error).
    inner: Option<Arc<Inner<T>>>,
    /// Set when this receiver closed the channel before any value came: a
    /// value sent afterwards belongs to the sender, so it is never read.
    closed_first: bool,
}

/// Creates a channel for one value.
///
/// ```
/// let (tx, mut rx) = zokio::sync::oneshot::channel();
/// assert_eq!(rx.try_recv(), Err(zokio::sync::oneshot::error::TryRecvError::Empty));
/// tx.send(3).unwrap();
/// assert_eq!(rx.try_recv(), Ok(3));
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: AtomicUsize::new(0),
        value: UnsafeCell::new(None),
        rx_waker: UnsafeCell::new(None),
        tx_waker: AtomicWaker::new(),
    });
    (
        Sender {
            inner: Some(inner.clone()),
        },
        Receiver {
            inner: Some(inner),
            closed_first: false,
        },
    )
}

/// The errors of oneshot channels.
pub mod error {
    use super::*;

    /// The sender was dropped without sending, or the receiver closed the
    /// channel before a value came.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl Error for RecvError {}

    /// Why [`try_recv`](super::Receiver::try_recv) found no value.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum TryRecvError {
        /// No value yet; it may still come.
        Empty,
        /// No value will come: the sender is gone without sending, the
        /// channel was closed, or the value was taken already.
        Closed,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(match self {
                TryRecvError::Empty => "channel empty",
                TryRecvError::Closed => "channel closed",
            })
        }
    }

    impl Error for TryRecvError {}
}

use error::{RecvError, TryRecvError};

impl<T> Inner<T> {
    /// Takes the value. Only the receiver calls this, after it has seen
    /// `VALUE_SENT` set before any close of its own.
    fn take_value(&self) -> Option<T> {
        self.value.with_mut(|cell| {
            // SAFETY: the sender wrote the cell before publishing
            // `VALUE_SENT` (seen with Acquire) and never touches it again
            // once the receiver owns the value; one receiver, one take.
            unsafe { (*cell).take() }
        })
    }

    /// The sender completed, and `state` is what the state word held just
    /// before: wake the receiver if it registered.
    fn wake_rx(&self, state: usize) {
        if state & RX_WAKER == 0 {
            return;
        }
        // SAFETY: `RX_WAKER` was set when the sender completed: the slot is
        // the sender's, and the receiver, seeing `COMPLETE`, never takes it
        // back.
        let waker = self.rx_waker.with_mut(|slot| unsafe { (*slot).take() });
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Sender<T> {
    /// Sends `value`, or hands it back if the receiver closed the channel or
    /// is gone.
    ///
    /// ```
    /// let (tx, rx) = zokio::sync::oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(5), Err(5));
    /// ```
    pub fn send(mut self, value: T) -> Result<(), T> {
        let inner = self.inner.take().expect("a sender sends once");
        if inner.state.load(Ordering::Acquire) & CLOSED != 0 {
            return Err(value);
        }
        inner.value.with_mut(|cell| {
            // SAFETY: the receiver reads the cell only after `VALUE_SENT`,
            // which is not set yet; we are the only sender.
            unsafe { *cell = Some(value) };
        });
        let state = inner
            .state
            .fetch_or(VALUE_SENT | COMPLETE, Ordering::AcqRel);
        if state & CLOSED != 0 {
            // The receiver closed before the value arrived: it will not read
            // the cell, so the value is ours again.
            let value = inner.value.with_mut(|cell| {
                // SAFETY: as above: the receiver saw the close first and
                // leaves the cell alone.
                unsafe { (*cell).take() }
            });
            return Err(value.expect("written above"));
        }
        inner.wake_rx(state);
        Ok(())
    }

    /// Completes when the receiver closes the channel or is dropped: there
    /// is nobody to send to any more.
    ///
    /// ```
    /// # zokio::block_on(async {
    /// let (mut tx, rx) = zokio::sync::oneshot::channel::<()>();
    /// std::thread::spawn(move || drop(rx));
    /// tx.closed().await;
    /// assert!(tx.is_closed());
    /// # });
    /// ```
    pub async fn closed(&mut self) {
        std::future::poll_fn(|cx| self.poll_closed(cx)).await;
    }

    /// True once the receiver closed the channel or is gone.
    pub fn is_closed(&self) -> bool {
        self.inner
            .as_ref()
            .is_none_or(|inner| inner.state.load(Ordering::Acquire) & CLOSED != 0)
    }

    /// Polls for the receiver going away; see [`closed`](Self::closed).
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let progress = ready!(budget::poll_proceed(cx));
        let Some(inner) = self.inner.as_ref() else {
            progress.made_progress();
            return Poll::Ready(());
        };
        if inner.state.load(Ordering::Acquire) & CLOSED == 0 {
            inner.tx_waker.register(cx.waker());
            if inner.state.load(Ordering::Acquire) & CLOSED == 0 {
                return Poll::Pending;
            }
        }
        progress.made_progress();
        Poll::Ready(())
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            let state = inner.state.fetch_or(COMPLETE, Ordering::AcqRel);
            inner.wake_rx(state);
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl<T> Receiver<T> {
    /// Closes the channel: a value not sent yet can no longer be (`send`
    /// hands it back), while one sent before can still be taken.
    ///
    /// ```
    /// let (tx, mut rx) = zokio::sync::oneshot::channel::<u8>();
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(1));
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn close(&mut self) {
        let Some(inner) = self.inner.as_ref() else {
            return;
        };
        let state = inner.state.fetch_or(CLOSED, Ordering::AcqRel);
        if state & CLOSED == 0 {
            self.closed_first = state & VALUE_SENT == 0;
            inner.tx_waker.wake();
        }
    }

    /// True once the receiver completed: it took the value or returned an
    /// error, and will yield nothing more.
    pub fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }

    /// True if no value is ready to take now.
    pub fn is_empty(&self) -> bool {
        let Some(inner) = self.inner.as_ref() else {
            return true;
        };
        inner.state.load(Ordering::Acquire) & VALUE_SENT == 0 || self.closed_first
    }

    /// Takes the value if it was sent.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let Some(inner) = self.inner.as_ref() else {
            return Err(TryRecvError::Closed);
        };
        let state = inner.state.load(Ordering::Acquire);
        if state & VALUE_SENT != 0 && !self.closed_first {
            let value = inner.take_value();
            self.inner = None;
            return value.ok_or(TryRecvError::Closed);
        }
        if state & (COMPLETE | CLOSED) != 0 {
            self.inner = None;
            return Err(TryRecvError::Closed);
        }
        Err(TryRecvError::Empty)
    }

    /// Waits for the value from synchronous code.
    ///
    /// # Panics
    ///
    /// On a runtime worker thread, where blocking would stall its tasks.
    ///
    /// ```
    /// let (tx, rx) = zokio::sync::oneshot::channel();
    /// std::thread::spawn(move || tx.send(2).unwrap());
    /// assert_eq!(rx.blocking_recv(), Ok(2));
    /// ```
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        crate::sync::blocking::block_on(self)
    }

    /// Puts `waker` in the receiver's slot and hands the slot to the
    /// sender; returns the state word as it was then (if the sender
    /// completed meanwhile, the caller does not wait).
    fn register(inner: &Inner<T>, mut state: usize, waker: &Waker) -> usize {
        if state & RX_WAKER != 0 {
            // Registered by an earlier poll, maybe of another task: take the
            // slot back, unless the sender completed and owns it for good.
            state = inner.state.fetch_and(!RX_WAKER, Ordering::AcqRel);
            if state & DONE != 0 {
                return state;
            }
        }
        // SAFETY: `RX_WAKER` is clear: the slot is the receiver's.
        inner.rx_waker.with_mut(|slot| unsafe {
            match &*slot {
                Some(current) if current.will_wake(waker) => {}
                _ => *slot = Some(waker.clone()),
            }
        });
        inner.state.fetch_or(RX_WAKER, Ordering::AcqRel)
    }

    fn poll_value(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let inner = self
            .inner
            .as_ref()
            .expect("a oneshot Receiver polled after it completed");
        let mut state = inner.state.load(Ordering::Acquire);
        if state & DONE == 0 {
            state = Self::register(inner, state, cx.waker());
            if state & DONE == 0 {
                return Poll::Pending;
            }
        }
        let value = match state & VALUE_SENT != 0 && !self.closed_first {
            true => inner.take_value(),
            false => None,
        };
        self.inner = None;
        Poll::Ready(value.ok_or(RecvError(())))
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let progress = ready!(budget::poll_proceed(cx));
        let this = self.get_mut();
        let output = ready!(this.poll_value(cx));
        progress.made_progress();
        Poll::Ready(output)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // A value sent before this stays in the cell and goes with the
        // channel.
        self.close();
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("terminated", &self.is_terminated())
            .finish_non_exhaustive()
    }
}
