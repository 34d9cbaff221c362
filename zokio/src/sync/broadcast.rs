//! A multi-producer, multi-consumer channel in which every receiver gets
//! every value.
//!
//! [`channel`] makes a bounded channel: it holds the last `capacity` values
//! (rounded up to a power of two) sent by any [`Sender`], and each
//! [`Receiver`] reads them in order, each value handed to each receiver as
//! its own clone. A value leaves the channel once every receiver that
//! existed when it was sent has read it.
//!
//! Sending never waits. When a receiver falls so far behind that the values
//! it has not read are overwritten, its next receive fails with
//! [`Lagged(n)`](error::RecvError::Lagged), `n` being how many it missed, and
//! the receiver moves on to the oldest value the channel still holds.
//!
//! Once every sender is gone, receivers still get the values left, then
//! [`Closed`](error::RecvError::Closed).
//!
//! A new receiver (from [`Sender::subscribe`] or [`Receiver::resubscribe`])
//! sees only values sent after it was made.
//!
//! This is `tokio::sync::broadcast` with the same names and behaviour; see
//! [`channel`] for the one difference.
//!
//! ```
//! use zokio::sync::broadcast;
//!
//! #[zokio::main]
//! async fn main() {
//!     let (tx, mut rx1) = broadcast::channel(16);
//!     let mut rx2 = tx.subscribe();
//!     let a = zokio::spawn(async move { (rx1.recv().await.unwrap(), rx1.recv().await.unwrap()) });
//!     let b = zokio::spawn(async move { (rx2.recv().await.unwrap(), rx2.recv().await.unwrap()) });
//!     tx.send(10).unwrap();
//!     tx.send(20).unwrap();
//!     assert_eq!(a.await.unwrap(), (10, 20));
//!     assert_eq!(b.await.unwrap(), (10, 20));
//! }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use zokio_core::budget;
use zokio_core::sync::atomic::{AtomicUsize, Ordering};
use zokio_core::sync::{Arc, Mutex, MutexGuard};

use super::waiters::{EpochHint, Ticket, Waiters, WakeBatch};

/// Error types of the broadcast channel.
pub mod error {
    use std::fmt;

    /// [`Sender::send`](super::Sender::send) failed because no receiver
    /// exists; the value is handed back.
    #[derive(Debug)]
    pub struct SendError<T>(pub T);

    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl<T: fmt::Debug> std::error::Error for SendError<T> {}

    /// Why [`Receiver::recv`](super::Receiver::recv) returned no value.
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub enum RecvError {
        /// Every sender is gone and this receiver has read every value left.
        Closed,
        /// The receiver fell behind: this many values were overwritten before
        /// it read them. The next receive returns the oldest value held.
        Lagged(u64),
    }

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                RecvError::Closed => f.write_str("channel closed"),
                RecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }

    impl std::error::Error for RecvError {}

    /// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no
    /// value.
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub enum TryRecvError {
        /// No value is waiting for this receiver now.
        Empty,
        /// Every sender is gone and this receiver has read every value left.
        Closed,
        /// The receiver fell behind: this many values were overwritten before
        /// it read them. The next receive returns the oldest value held.
        Lagged(u64),
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
                TryRecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, SendError, TryRecvError};

/// As in Tokio: a receiver count that can never overflow.
const MAX_RECEIVERS: usize = usize::MAX >> 2;

struct Shared<T> {
    /// The ring of values; slot `pos & mask` holds position `pos`.
    slots: Box<[Mutex<Slot<T>>]>,
    mask: usize,
    tail: Mutex<Tail>,
    num_tx: AtomicUsize,
    num_weak_tx: AtomicUsize,
    rx_hint: EpochHint,
    closed_hint: EpochHint,
}

/// What a send changes, behind one lock: a receiver that finds nothing to
/// read registers under it too, so it cannot miss the send that follows.
struct Tail {
    /// The position the next value gets.
    pos: u64,
    rx_cnt: usize,
    /// Every sender is gone.
    senders_gone: bool,
    /// Receivers waiting for a value.
    rx_waiters: Waiters,
    /// Senders waiting in `closed` for the last receiver to go.
    closed_waiters: Waiters,
}

struct Slot<T> {
    /// The position of the value held (or an impossible one, before the
    /// first lap).
    pos: u64,
    /// Receivers that have yet to read it.
    rem: usize,
    val: Option<T>,
}

/// What a receiver got from a slot.
enum Read<T> {
    /// A clone, made under the slot's lock (other receivers still need the
    /// value there).
    Cloned(T),
    /// The value itself, taken out by its last reader: cloned and dropped
    /// after the lock is released.
    Last(T),
    /// Counted off without reading (a receiver going away).
    Skipped,
}

/// A panic in user code cannot leave the channel half-changed (user code
/// never runs under its locks), so a poisoned lock is still consistent.
fn lock<S>(mutex: &Mutex<S>) -> MutexGuard<'_, S> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The receiver's value: its clone, or a clone of the original the last
/// reader took out, made (and the original dropped) outside every lock.
fn into_value<T: Clone>(read: Read<T>) -> Result<T, TryRecvError> {
    match read {
        Read::Cloned(value) => Ok(value),
        // Cloned as every other reader's is: a receiver always gets a clone.
        Read::Last(original) => Ok(original.clone()),
        Read::Skipped => Err(TryRecvError::Closed),
    }
}

/// Creates a broadcast channel holding up to `capacity` values (rounded up
/// to a power of two); returns a sender and a first receiver.
///
/// As in Tokio, a value is cloned for each receiver while its slot is
/// locked (never the lock that senders and waiting receivers share), so a
/// `Clone` impl must not use the same channel; values are dropped outside
/// every lock.
///
/// # Panics
///
/// If `capacity` is 0 or above `usize::MAX / 2`.
///
/// ```
/// use zokio::sync::broadcast::{self, error::TryRecvError};
///
/// let (tx, mut rx) = broadcast::channel(2);
/// for v in 1..=3 {
///     tx.send(v).unwrap();
/// }
/// // 1 was overwritten before rx read it.
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
/// assert_eq!(rx.try_recv(), Ok(2));
/// assert_eq!(rx.try_recv(), Ok(3));
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// ```
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let tx = Sender::with_receivers(capacity, 1);
    let rx = Receiver {
        shared: tx.shared.clone(),
        next: 0,
    };
    (tx, rx)
}

/// The sending half of a broadcast channel; cloneable, the channel closes
/// when the last clone is dropped.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// A sender that does not keep the channel open; [`upgrade`](Self::upgrade)
/// it to send.
pub struct WeakSender<T> {
    shared: Arc<Shared<T>>,
}

/// The receiving half of a broadcast channel.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The position of the next value to read.
    next: u64,
}

impl<T> Sender<T> {
    /// A sender of a new channel with no receiver yet (make them with
    /// [`subscribe`](Self::subscribe)); `capacity` as in [`channel`].
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 or above `usize::MAX / 2`.
    ///
    /// ```
    /// let tx = zokio::sync::broadcast::Sender::new(4);
    /// assert!(tx.send(1).is_err(), "no receiver");
    /// let mut rx = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// ```
    #[track_caller]
    pub fn new(capacity: usize) -> Sender<T> {
        Sender::with_receivers(capacity, 0)
    }

    #[track_caller]
    fn with_receivers(capacity: usize, rx_cnt: usize) -> Sender<T> {
        assert!(capacity > 0, "broadcast channel capacity cannot be zero");
        assert!(
            capacity <= usize::MAX >> 1,
            "broadcast channel capacity exceeded `usize::MAX / 2`"
        );
        let capacity = capacity.next_power_of_two();
        let slots = (0..capacity)
            .map(|i| {
                Mutex::new(Slot {
                    // One lap early: no receiver's position matches it.
                    pos: (i as u64).wrapping_sub(capacity as u64),
                    rem: 0,
                    val: None,
                })
            })
            .collect();
        Sender {
            shared: Arc::new(Shared {
                slots,
                mask: capacity - 1,
                tail: Mutex::new(Tail {
                    pos: 0,
                    rx_cnt,
                    senders_gone: false,
                    rx_waiters: Waiters::default(),
                    closed_waiters: Waiters::default(),
                }),
                num_tx: AtomicUsize::new(1),
                num_weak_tx: AtomicUsize::new(0),
                rx_hint: EpochHint::default(),
                closed_hint: EpochHint::default(),
            }),
        }
    }

    /// Sends `value` to every receiver; returns how many receivers will get
    /// it. Never waits: if the channel is full, the oldest value is
    /// overwritten and receivers that had not read it will lag.
    ///
    /// # Errors
    ///
    /// [`SendError`] with `value` if no receiver exists.
    ///
    /// ```
    /// let (tx, rx) = zokio::sync::broadcast::channel(4);
    /// let _rx2 = rx.resubscribe();
    /// assert_eq!(tx.send("hi").unwrap(), 2);
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let (rem, overwritten, batch) = {
            let mut tail = lock(&self.shared.tail);
            if tail.rx_cnt == 0 {
                drop(tail);
                return Err(SendError(value));
            }
            let pos = tail.pos;
            tail.pos = pos.wrapping_add(1);
            let rem = tail.rx_cnt;
            let overwritten = {
                let mut slot = lock(&self.shared.slots[pos as usize & self.shared.mask]);
                slot.pos = pos;
                slot.rem = rem;
                slot.val.replace(value)
            };
            let batch = if tail.rx_waiters.is_empty() {
                None
            } else {
                Some(tail.rx_waiters.take_all(&self.shared.rx_hint))
            };
            (rem, overwritten, batch)
        };
        drop(overwritten);
        if let Some(batch) = batch {
            batch.wake_all();
        }
        Ok(rem)
    }

    /// A new receiver, which gets the values sent from now on.
    ///
    /// ```
    /// let (tx, _rx) = zokio::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut late = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(late.try_recv(), Ok(2));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        new_receiver(self.shared.clone())
    }

    /// A [`WeakSender`] of this channel, which does not keep it open.
    ///
    /// ```
    /// let (tx, _rx) = zokio::sync::broadcast::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    #[must_use = "Downgrade creates a WeakSender without destroying the original non-weak sender."]
    pub fn downgrade(&self) -> WeakSender<T> {
        self.shared.num_weak_tx.fetch_add(1, Ordering::Relaxed);
        WeakSender {
            shared: self.shared.clone(),
        }
    }

    /// How many values the channel holds that some receiver has yet to read
    /// (at most the capacity).
    ///
    /// ```
    /// let (tx, mut rx) = zokio::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(tx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let tail = lock(&self.shared.tail);
        // Values still owed to a receiver are the newest ones: a receiver
        // reads in order, and one that goes away reads what it owed. So the
        // held positions with readers left form a suffix; find where it
        // starts.
        let held = tail.pos.min(self.shared.slots.len() as u64);
        let first = tail.pos - held;
        let (mut low, mut high) = (0, held);
        while low < high {
            let mid = low + (high - low) / 2;
            let pos = first + mid;
            if lock(&self.shared.slots[pos as usize & self.shared.mask]).rem == 0 {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        (held - low) as usize
    }

    /// True if every value sent has been read by every receiver.
    ///
    /// ```
    /// let (tx, mut rx) = zokio::sync::broadcast::channel(4);
    /// assert!(tx.is_empty());
    /// tx.send(1).unwrap();
    /// assert!(!tx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        let tail = lock(&self.shared.tail);
        // By the suffix argument in `len`, the newest value is owed to
        // someone if any is.
        let newest = tail.pos.wrapping_sub(1) as usize & self.shared.mask;
        tail.pos == 0 || lock(&self.shared.slots[newest]).rem == 0
    }

    /// How many receivers exist.
    ///
    /// ```
    /// let (tx, rx) = zokio::sync::broadcast::channel::<()>(1);
    /// let _rx2 = rx.resubscribe();
    /// assert_eq!(tx.receiver_count(), 2);
    /// ```
    pub fn receiver_count(&self) -> usize {
        lock(&self.shared.tail).rx_cnt
    }

    /// True if both senders belong to the same channel.
    ///
    /// ```
    /// let (tx, _rx) = zokio::sync::broadcast::channel::<()>(1);
    /// let (other, _rx2) = zokio::sync::broadcast::channel::<()>(1);
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Waits until no receiver is left (at once if none is now; a later
    /// [`subscribe`](Self::subscribe) opens the channel again).
    ///
    /// Spends the task's cooperative budget. Cancel-safe.
    ///
    /// ```
    /// use zokio::sync::broadcast;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, rx) = broadcast::channel::<u8>(1);
    ///     zokio::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert_eq!(tx.receiver_count(), 0);
    /// }
    /// ```
    pub fn closed(&self) -> impl Future<Output = ()> + '_ {
        Closed {
            shared: &self.shared,
            ticket: None,
        }
    }

    /// How many senders exist.
    ///
    /// ```
    /// let (tx, _rx) = zokio::sync::broadcast::channel::<()>(1);
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.strong_count(), 2);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.shared.num_tx.load(Ordering::Acquire)
    }

    /// How many weak senders exist.
    ///
    /// ```
    /// let (tx, _rx) = zokio::sync::broadcast::channel::<()>(1);
    /// let _weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.shared.num_weak_tx.load(Ordering::Acquire)
    }
}

fn new_receiver<T>(shared: Arc<Shared<T>>) -> Receiver<T> {
    let next = {
        let mut tail = lock(&shared.tail);
        assert!(tail.rx_cnt != MAX_RECEIVERS, "max receivers");
        tail.rx_cnt += 1;
        tail.pos
    };
    Receiver { shared, next }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.num_tx.fetch_add(1, Ordering::Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.num_tx.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        let batch = {
            let mut tail = lock(&self.shared.tail);
            tail.senders_gone = true;
            tail.rx_waiters.take_all(&self.shared.rx_hint)
        };
        batch.wake_all();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("broadcast::Sender")
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`], if any sender still exists (once the last is gone the
    /// channel is closed for good).
    #[must_use]
    pub fn upgrade(&self) -> Option<Sender<T>> {
        let mut count = self.shared.num_tx.load(Ordering::Acquire);
        loop {
            if count == 0 {
                return None;
            }
            match self.shared.num_tx.compare_exchange_weak(
                count,
                count + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    return Some(Sender {
                        shared: self.shared.clone(),
                    });
                }
                Err(now) => count = now,
            }
        }
    }

    /// How many senders exist.
    pub fn strong_count(&self) -> usize {
        self.shared.num_tx.load(Ordering::Acquire)
    }

    /// How many weak senders exist.
    pub fn weak_count(&self) -> usize {
        self.shared.num_weak_tx.load(Ordering::Acquire)
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.shared.num_weak_tx.fetch_add(1, Ordering::Relaxed);
        WeakSender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.shared.num_weak_tx.fetch_sub(1, Ordering::AcqRel);
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("broadcast::WeakSender")
    }
}

impl<T> Receiver<T> {
    /// How many values were sent that this receiver has not read, counting
    /// any it will learn it missed.
    ///
    /// ```
    /// let (tx, rx) = zokio::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        lock(&self.shared.tail).pos.wrapping_sub(self.next) as usize
    }

    /// True if no value is waiting for this receiver.
    ///
    /// ```
    /// let (tx, rx) = zokio::sync::broadcast::channel(4);
    /// assert!(rx.is_empty());
    /// tx.send(1).unwrap();
    /// assert!(!rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if both receivers belong to the same channel.
    ///
    /// ```
    /// let (tx, rx) = zokio::sync::broadcast::channel::<()>(1);
    /// assert!(rx.same_channel(&tx.subscribe()));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// How many senders exist.
    pub fn sender_strong_count(&self) -> usize {
        self.shared.num_tx.load(Ordering::Acquire)
    }

    /// How many weak senders exist.
    pub fn sender_weak_count(&self) -> usize {
        self.shared.num_weak_tx.load(Ordering::Acquire)
    }

    /// True if every sender is gone (values may still be left to read).
    ///
    /// ```
    /// let (tx, rx) = zokio::sync::broadcast::channel::<()>(1);
    /// assert!(!rx.is_closed());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.num_tx.load(Ordering::Acquire) == 0
    }

    /// Reads this receiver's next value (cloning it with `clone`, or only
    /// counting the receiver off it without), or says why there is none;
    /// with `park`, registers the waker when there is none yet.
    fn take<F: FnOnce(&T) -> T>(
        &mut self,
        park: Option<(&mut Option<Ticket>, &Waker)>,
        clone: Option<F>,
    ) -> Result<Read<T>, TryRecvError> {
        let shared = &*self.shared;
        let index = self.next as usize & shared.mask;
        let mut displaced = None;
        let result = loop {
            {
                // The common case: the value is there, and only its slot is
                // locked.
                let mut slot = lock(&shared.slots[index]);
                if slot.pos == self.next {
                    break Ok(consume(&mut self.next, &mut slot, clone));
                }
            }
            let mut tail = lock(&shared.tail);
            let behind = tail.pos.wrapping_sub(self.next);
            let capacity = shared.slots.len() as u64;
            if behind == 0 {
                if tail.senders_gone {
                    break Err(TryRecvError::Closed);
                }
                if let Some((ticket, waker)) = park {
                    displaced = tail.rx_waiters.register(ticket, waker);
                }
                break Err(TryRecvError::Empty);
            }
            if behind > capacity {
                let oldest = tail.pos.wrapping_sub(capacity);
                let missed = oldest.wrapping_sub(self.next);
                self.next = oldest;
                break Err(TryRecvError::Lagged(missed));
            }
            // Sent and not yet overwritten: the slot changed since we looked.
            // Read it again without the tail lock, so that no clone runs
            // under the lock every sender needs; if it was overwritten
            // meanwhile, the next turn reports the lag.
        };
        drop(displaced);
        result
    }
}

/// Reads the slot holding position `*next` and counts the receiver off it;
/// the last reader takes the value out.
fn consume<T, F: FnOnce(&T) -> T>(next: &mut u64, slot: &mut Slot<T>, clone: Option<F>) -> Read<T> {
    *next = next.wrapping_add(1);
    slot.rem -= 1;
    if slot.rem == 0 {
        // Every receiver alive at a send is counted in `rem` and reads the
        // value only once, so it is still there for the last one.
        return slot.val.take().map_or(Read::Skipped, Read::Last);
    }
    match (clone, &slot.val) {
        (Some(clone), Some(value)) => Read::Cloned(clone(value)),
        _ => Read::Skipped,
    }
}

impl<T: Clone> Receiver<T> {
    /// A new receiver of the same channel, which gets the values sent from
    /// now on (not those this one has yet to read).
    ///
    /// ```
    /// let (tx, mut rx) = zokio::sync::broadcast::channel(2);
    /// tx.send(1).unwrap();
    /// let mut rx2 = rx.resubscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx2.try_recv(), Ok(2));
    /// ```
    pub fn resubscribe(&self) -> Self {
        new_receiver(self.shared.clone())
    }

    /// Waits for the next value.
    ///
    /// Spends the task's cooperative budget.
    ///
    /// # Errors
    ///
    /// [`RecvError::Lagged`] if values this receiver had not read were
    /// overwritten (the next call returns the oldest value held);
    /// [`RecvError::Closed`] once every sender is gone and no value is left.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a value is taken only when the future completes, so
    /// dropping it (in a `select!` branch that lost) loses nothing.
    ///
    /// ```
    /// use zokio::sync::broadcast;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = broadcast::channel(4);
    ///     zokio::spawn(async move { tx.send("ping").unwrap() });
    ///     assert_eq!(rx.recv().await, Ok("ping"));
    ///     assert_eq!(rx.recv().await, Err(broadcast::error::RecvError::Closed));
    /// }
    /// ```
    pub fn recv(&mut self) -> impl Future<Output = Result<T, RecvError>> + '_ {
        Recv {
            receiver: self,
            ticket: None,
        }
    }

    /// The next value if one is waiting, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if no value is waiting now, and otherwise as
    /// [`recv`](Self::recv).
    ///
    /// ```
    /// use zokio::sync::broadcast::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = broadcast::channel(4);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.take(None, Some(T::clone)).and_then(into_value)
    }

    /// Blocks the thread until the next value, for code outside any async
    /// context.
    ///
    /// # Panics
    ///
    /// If called on a runtime worker thread (it would stall the worker).
    ///
    /// ```
    /// let (tx, mut rx) = zokio::sync::broadcast::channel(4);
    /// let t = std::thread::spawn(move || rx.blocking_recv());
    /// tx.send(7).unwrap();
    /// assert_eq!(t.join().unwrap(), Ok(7));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError> {
        crate::sync::blocking::block_on(self.recv())
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let (until, batch) = {
            let mut tail = lock(&self.shared.tail);
            tail.rx_cnt -= 1;
            let batch = if tail.rx_cnt == 0 {
                tail.closed_waiters.take_all(&self.shared.closed_hint)
            } else {
                WakeBatch::new()
            };
            (tail.pos, batch)
        };
        batch.wake_all();
        // Values sent while this receiver existed count it as a reader: read
        // them off, so that they are dropped once the others have read them.
        while self.next < until {
            match self.take(None, None::<fn(&T) -> T>) {
                Ok(read) => drop(read),
                Err(TryRecvError::Lagged(_)) => {}
                Err(TryRecvError::Closed | TryRecvError::Empty) => break,
            }
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("broadcast::Receiver")
    }
}

/// The future of [`Receiver::recv`].
struct Recv<'a, T> {
    receiver: &'a mut Receiver<T>,
    ticket: Option<Ticket>,
}

impl<T> Recv<'_, T> {
    fn cancel(&mut self) {
        let Some(ticket) = self.ticket.take() else {
            return;
        };
        let shared = &*self.receiver.shared;
        if shared.rx_hint.is_consumed(ticket) {
            return;
        }
        let waker = lock(&shared.tail).rx_waiters.cancel(ticket);
        drop(waker);
    }
}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let progress = std::task::ready!(budget::poll_proceed(cx));
        let taken = this
            .receiver
            .take(Some((&mut this.ticket, cx.waker())), Some(T::clone));
        if let Err(TryRecvError::Empty) = taken {
            return Poll::Pending;
        }
        this.cancel();
        progress.made_progress();
        Poll::Ready(taken.and_then(into_value).map_err(|e| match e {
            TryRecvError::Lagged(n) => RecvError::Lagged(n),
            _ => RecvError::Closed,
        }))
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// The future of [`Sender::closed`].
struct Closed<'a, T> {
    shared: &'a Shared<T>,
    ticket: Option<Ticket>,
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let progress = std::task::ready!(budget::poll_proceed(cx));
        let displaced = {
            let mut tail = lock(&this.shared.tail);
            if tail.rx_cnt == 0 {
                let mine = this
                    .ticket
                    .take()
                    .and_then(|t| tail.closed_waiters.cancel(t));
                drop(tail);
                drop(mine);
                progress.made_progress();
                return Poll::Ready(());
            }
            tail.closed_waiters.register(&mut this.ticket, cx.waker())
        };
        drop(displaced);
        Poll::Pending
    }
}

impl<T> Drop for Closed<'_, T> {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket.take() else {
            return;
        };
        if self.shared.closed_hint.is_consumed(ticket) {
            return;
        }
        let waker = lock(&self.shared.tail).closed_waiters.cancel(ticket);
        drop(waker);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn receiver_count_follows_subscribe_resubscribe_and_drop() {
        let sender = Sender::<i32>::new(16);
        assert_eq!(sender.receiver_count(), 0);
        let rx_1 = sender.subscribe();
        let rx_2 = rx_1.resubscribe();
        let rx_3 = sender.subscribe();
        assert_eq!(sender.receiver_count(), 3);
        drop(rx_3);
        drop(rx_1);
        assert_eq!(sender.receiver_count(), 1);
        drop(rx_2);
        assert_eq!(sender.receiver_count(), 0);
    }

    #[test]
    fn a_cancelled_recv_leaves_no_registration() {
        let (tx, mut rx) = channel::<u8>(4);
        {
            let mut recv = std::pin::pin!(rx.recv());
            let mut cx = Context::from_waker(Waker::noop());
            assert!(recv.as_mut().poll(&mut cx).is_pending());
            assert!(!lock(&tx.shared.tail).rx_waiters.is_empty());
        }
        assert!(lock(&tx.shared.tail).rx_waiters.is_empty());
    }

    #[test]
    fn the_last_reader_clones_and_drops_outside_the_locks() {
        use std::sync::Mutex as StdMutex;

        // Cloning or dropping this value sends on the channel it travels
        // in: that deadlocks if either runs under one of its locks. (Readers
        // before the last clone under the slot's lock, as in Tokio; the only
        // receiver here is the last.)
        #[derive(Debug)]
        struct Echo(Arc<StdMutex<Option<Sender<Echo>>>>);
        impl Echo {
            fn poke(&self) {
                if let Some(tx) = self.0.lock().unwrap().clone() {
                    let _ = tx.send(Echo(Arc::new(StdMutex::new(None))));
                }
            }
        }
        impl Clone for Echo {
            fn clone(&self) -> Self {
                self.poke();
                Echo(Arc::new(StdMutex::new(None)))
            }
        }
        impl Drop for Echo {
            fn drop(&mut self) {
                self.poke();
            }
        }

        let (tx, mut rx) = channel::<Echo>(1);
        let hook = Arc::new(StdMutex::new(Some(tx.clone())));
        tx.send(Echo(hook.clone())).unwrap();
        // The clone sends (overwriting the only slot); the taken value is
        // dropped by the receiver after its locks are released, and sends.
        drop(rx.try_recv().unwrap());
        assert_eq!(rx.len(), 2, "both sends from user code went through");
        hook.lock().unwrap().take();
    }
}
