//! A multi-producer, multi-consumer channel that keeps only the *latest*
//! value: receivers watch it change.
//!
//! [`channel`] makes a [`Sender`] and a [`Receiver`] around an initial value.
//! Each receiver remembers which value it has *seen*:
//!
//! - [`Receiver::changed`] waits until a value it has not seen is in the
//!   channel (at once if one is there already) and marks it seen. It fails
//!   with [`RecvError`] only once every sender is gone
//!   **and** the current value is seen; the last value is never lost.
//! - [`Receiver::borrow_and_update`] reads the value and marks it seen;
//!   [`Receiver::borrow`] reads it without marking. In a loop around
//!   `changed`, use `borrow_and_update`, or a value sent between the two calls
//!   is read twice.
//! - [`Receiver::has_changed`] asks without waiting; it fails as soon as every
//!   sender is gone, even if the value is unseen.
//! - The initial value, and the value current when a receiver is made by
//!   [`Sender::subscribe`] or cloned, count as seen (a clone copies what its
//!   original saw).
//!
//! A value is read under a read lock: keep a [`Ref`] short, since a sender
//! waits for it (and a `Ref` held across an `.await` can deadlock a sender on
//! the same thread).
//!
//! This is `tokio::sync::watch` with the same names and behaviour.
//!
//! ```
//! use zokio::sync::watch;
//!
//! #[zokio::main]
//! async fn main() {
//!     let (tx, mut rx) = watch::channel("hello");
//!     let printer = zokio::spawn(async move {
//!         let mut seen = Vec::new();
//!         loop {
//!             // Handle the current value first, then wait for the next one.
//!             seen.push(*rx.borrow_and_update());
//!             if rx.changed().await.is_err() {
//!                 break seen;
//!             }
//!         }
//!     });
//!     tx.send("world").unwrap();
//!     drop(tx); // closes the channel; the receiver still sees "world"
//!     let seen = printer.await.unwrap();
//!     assert_eq!(seen.last(), Some(&"world"));
//! }
//! ```

use crossbeam_utils::CachePadded;
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::ops;
use std::pin::Pin;
use std::task::{Context, Poll};

use zokio_core::budget;
use zokio_core::sync::atomic::{AtomicUsize, Ordering};
use zokio_core::sync::{Arc, Mutex, MutexGuard};

use super::coop::Cooperative;
use super::waiters::{EpochHint, Ticket, Waiters};

#[cfg(loom)]
use loom::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
#[cfg(not(loom))]
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Error types of the watch channel.
pub mod error {
    use std::error::Error;
    use std::fmt;

    /// [`Sender::send`](super::Sender::send) failed because no receiver is
    /// left; the value is handed back.
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    impl<T> fmt::Debug for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("SendError").finish_non_exhaustive()
        }
    }

    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl<T> Error for SendError<T> {}

    /// [`Receiver::changed`](super::Receiver::changed) or
    /// [`Receiver::has_changed`](super::Receiver::has_changed) failed because
    /// every sender is gone.
    #[derive(Debug, Clone)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl Error for RecvError {}
}

use error::{RecvError, SendError};

/// How many lists receivers park in. A receiver parks in its thread's list,
/// so receivers on different threads never wait for each other's lock, and a
/// send drains only the lists someone parked in since the last send (with
/// two worker threads, two lists, not all of them). Each list has its bit in
/// the state word, so fewer on 32-bit targets leave the version more room.
#[cfg(all(not(loom), target_pointer_width = "64"))]
const SHARDS: usize = 8;
#[cfg(all(not(loom), not(target_pointer_width = "64")))]
const SHARDS: usize = 4;
/// Under loom, fewer lists than model threads, so that threads share one too.
#[cfg(loom)]
const SHARDS: usize = 2;

/// Every sender is gone.
const CLOSED: usize = 0b1;
/// Bit `1 + i` is list `i`'s: someone may be parked in it, so a change must
/// drain it.
const WAITING: usize = ((1 << SHARDS) - 1) << 1;
/// The version lives above the flag bits.
const STEP: usize = 1 << (SHARDS + 1);
const FLAGS: usize = STEP - 1;

const fn waiting_bit(shard: usize) -> usize {
    1 << (1 + shard)
}

// `CachePadded` keeps what it holds on a cache line of its own (128 bytes
// on x86, which fetches lines in pairs): the lists of different threads, the
// state word every receiver loads, and the value's lock every read writes to
// would otherwise share lines that each thread's writes take from the
// others. It makes a channel 1.4 KiB instead of 0.75, and
// `watch_send_8_receivers` about 10% faster.
type Padded<T> = CachePadded<T>;

/// One parking list for receivers waiting in `changed`.
#[derive(Default)]
struct Shard {
    waiters: Mutex<Waiters>,
    hint: EpochHint,
}

/// The state both halves share.
struct Shared<T> {
    /// The version of `value` (bumped while the write lock is held, so a
    /// reader under the read lock sees the version of what it reads), plus
    /// `CLOSED` and a `WAITING` bit per list. Keeping those bits in the same
    /// word as the version lets a receiver's "register, then re-check" and a
    /// send's "bump, then look for waiters" meet on one location (see
    /// `Changed::park`), so no change slips past a parking receiver.
    state: Padded<AtomicUsize>,
    value: Padded<RwLock<T>>,
    rx_count: AtomicUsize,
    tx_count: AtomicUsize,
    /// Senders waiting in `closed`.
    tx_waiters: Mutex<Waiters>,
    tx_hint: EpochHint,
    /// Receivers waiting in `changed`, by thread.
    shards: [Padded<Shard>; SHARDS],
}

/// A panic in user code cannot leave a `Waiters` half-changed (user code
/// never runs under its lock), so a poisoned lock is still consistent.
fn lock(waiters: &Mutex<Waiters>) -> MutexGuard<'_, Waiters> {
    waiters.lock().unwrap_or_else(|e| e.into_inner())
}

/// The list this thread's receivers park in: threads take the lists in turn,
/// the first time one of them parks.
fn home_shard() -> usize {
    fn home(cell: &Cell<Option<usize>>, next: &AtomicUsize) -> usize {
        cell.get().unwrap_or_else(|| {
            // Only spreads threads over the lists: nothing is published.
            let shard = next.fetch_add(1, Ordering::Relaxed) % SHARDS;
            cell.set(Some(shard));
            shard
        })
    }
    #[cfg(not(loom))]
    {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        thread_local! {
            static HOME: Cell<Option<usize>> = const { Cell::new(None) };
        }
        // A thread whose locals are gone (a future polled by a
        // thread-local's destructor) parks in the first list.
        HOME.try_with(|cell| home(cell, &NEXT)).unwrap_or(0)
    }
    #[cfg(loom)]
    {
        // Per model execution and per model thread, as loom needs.
        loom::lazy_static! {
            static ref NEXT: AtomicUsize = AtomicUsize::new(0);
        }
        loom::thread_local! {
            static HOME: Cell<Option<usize>> = Cell::new(None);
        }
        HOME.with(|cell| home(cell, &NEXT))
    }
}

/// Where a `changed` future is parked.
#[derive(Debug, Clone, Copy)]
struct Parked {
    shard: usize,
    ticket: Ticket,
}

impl<T> Shared<T> {
    fn read(&self) -> RwLockReadGuard<'_, T> {
        // Only `send_if_modified`'s closure can poison the lock, and a value
        // it left half-modified is what Tokio's watch shows too.
        self.value.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.value.write().unwrap_or_else(|e| e.into_inner())
    }

    fn version(&self) -> usize {
        self.state.load(Ordering::Acquire) & !FLAGS
    }

    /// Changes the state by `f` (a bump or a close) and clears every
    /// `WAITING` bit in the same step; returns the state before, whose bits
    /// name the lists to drain with [`wake_parked`](Self::wake_parked).
    ///
    /// Clearing the bits before draining is sound: whoever parks in a list
    /// after the step either sees the change or sets the bit again (for the
    /// next change); whoever parked before it is drained by this change.
    fn change(&self, f: impl Fn(usize) -> usize) -> usize {
        let mut prev = self.state.load(Ordering::Relaxed);
        loop {
            let next = f(prev) & !WAITING;
            match self
                .state
                .compare_exchange_weak(prev, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return prev,
                Err(actual) => prev = actual,
            }
        }
    }

    /// Wakes every receiver parked in a list whose bit `prev` has.
    fn wake_parked(&self, prev: usize) {
        for (i, shard) in self.shards.iter().enumerate() {
            if prev & waiting_bit(i) != 0 {
                let batch = lock(&shard.waiters).take_all(&shard.hint);
                batch.wake_all();
            }
        }
    }

    fn wake_senders(&self) {
        let batch = lock(&self.tx_waiters).take_all(&self.tx_hint);
        batch.wake_all();
    }

    /// Withdraws a registration made in `waiters`, unless a wake consumed it.
    fn cancel(waiters: &Mutex<Waiters>, hint: &EpochHint, ticket: Option<Ticket>) {
        let Some(ticket) = ticket else { return };
        if hint.is_consumed(ticket) {
            return;
        }
        let waker = lock(waiters).cancel(ticket);
        drop(waker);
    }

    /// Withdraws a `changed` future's registration, unless a wake consumed it.
    fn unpark(&self, parked: Option<Parked>) {
        if let Some(Parked { shard, ticket }) = parked {
            let shard = &self.shards[shard];
            Shared::<T>::cancel(&shard.waiters, &shard.hint, Some(ticket));
        }
    }
}

/// Creates a watch channel holding `init`; returns its sender and a receiver
/// that has seen `init`.
///
/// ```
/// let (tx, rx) = zokio::sync::watch::channel(1);
/// assert_eq!(*rx.borrow(), 1);
/// tx.send(2).unwrap();
/// assert!(rx.has_changed().unwrap());
/// assert_eq!(*rx.borrow(), 2);
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: CachePadded::new(AtomicUsize::new(0)),
        value: CachePadded::new(RwLock::new(init)),
        rx_count: AtomicUsize::new(1),
        tx_count: AtomicUsize::new(1),
        tx_waiters: Mutex::new(Waiters::default()),
        tx_hint: EpochHint::default(),
        shards: std::array::from_fn(|_| CachePadded::new(Shard::default())),
    });
    let rx = Receiver {
        shared: shared.clone(),
        version: 0,
    };
    (Sender { shared }, rx)
}

/// The sending half of a watch channel; cloneable, the channel closes when
/// the last clone is dropped.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// The receiving half of a watch channel; cloneable, each clone tracks what
/// it has seen.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version this receiver has seen.
    version: usize,
}

/// A read of the channel's value, holding its read lock (senders wait while
/// a `Ref` lives; keep it short and never hold it across an `.await`).
pub struct Ref<'a, T> {
    inner: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// True if this value was unseen by the receiver when borrowed. Always
    /// false for [`Sender::borrow`]; for [`Receiver::borrow_and_update`], the
    /// value is marked seen all the same.
    ///
    /// ```
    /// let (tx, mut rx) = zokio::sync::watch::channel("a");
    /// tx.send("b").unwrap();
    /// assert!(rx.borrow().has_changed());
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.borrow().has_changed(), "seen now");
    /// ```
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> ops::Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ref")
            .field("value", &*self.inner)
            .field("has_changed", &self.has_changed)
            .finish()
    }
}

impl<T> Receiver<T> {
    fn with_version(shared: Arc<Shared<T>>, version: usize) -> Receiver<T> {
        // A count, not a publication: nothing is read through it.
        shared.rx_count.fetch_add(1, Ordering::Relaxed);
        Receiver { shared, version }
    }

    /// Reads the current value without marking it seen.
    ///
    /// The returned [`Ref`] holds the channel's read lock: senders wait until
    /// it is dropped.
    ///
    /// ```
    /// let (tx, rx) = zokio::sync::watch::channel(String::from("a"));
    /// tx.send("b".into()).unwrap();
    /// assert_eq!(*rx.borrow(), "b");
    /// assert!(rx.has_changed().unwrap(), "borrow does not mark it seen");
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        let inner = self.shared.read();
        // Under the read lock no send can run, so this version is the one
        // of the value read.
        let has_changed = self.shared.version() != self.version;
        Ref { inner, has_changed }
    }

    /// Reads the current value and marks it seen.
    ///
    /// ```
    /// let (tx, mut rx) = zokio::sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow_and_update(), 2);
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let inner = self.shared.read();
        let version = self.shared.version();
        let has_changed = version != self.version;
        self.version = version;
        Ref { inner, has_changed }
    }

    /// Whether the current value is unseen; does not mark it seen.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once every sender is gone, whether or not the current
    /// value is seen (unlike [`changed`](Self::changed)).
    ///
    /// ```
    /// let (tx, rx) = zokio::sync::watch::channel(1);
    /// assert!(!rx.has_changed().unwrap());
    /// tx.send(2).unwrap();
    /// assert!(rx.has_changed().unwrap());
    /// drop(tx);
    /// assert!(rx.has_changed().is_err());
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.state.load(Ordering::Acquire);
        if state & CLOSED != 0 {
            return Err(RecvError(()));
        }
        Ok(state & !FLAGS != self.version)
    }

    /// Marks the current value unseen, so the next [`changed`](Self::changed)
    /// completes at once (useful to handle a new receiver's first value in
    /// the same loop as later ones).
    ///
    /// ```
    /// let (_tx, mut rx) = zokio::sync::watch::channel(1);
    /// rx.mark_changed();
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn mark_changed(&mut self) {
        // Versions are compared for equality only, and wrap as the shared
        // counter does, so any other version reads as "changed".
        self.version = self.version.wrapping_sub(STEP);
    }

    /// Marks the current value seen without reading it.
    ///
    /// ```
    /// let (tx, mut rx) = zokio::sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// rx.mark_unchanged();
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn mark_unchanged(&mut self) {
        self.version = self.shared.version();
    }

    /// Waits for a value this receiver has not seen, and marks it seen.
    ///
    /// Completes at once if the current value is unseen. Spends the task's
    /// cooperative budget.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone and the current value is seen
    /// (an unseen last value is still reported as a change first).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future before it completes marks nothing
    /// seen, so a change it would have reported is reported by the next call.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = watch::channel(0);
    ///     zokio::spawn(async move { tx.send(1).unwrap() });
    ///     rx.changed().await.unwrap();
    ///     assert_eq!(*rx.borrow_and_update(), 1);
    ///     // The sender is gone and 1 is seen:
    ///     assert!(rx.changed().await.is_err());
    /// }
    /// ```
    pub fn changed(&mut self) -> impl Future<Output = Result<(), RecvError>> + '_ {
        Cooperative::new(Changed {
            shared: &self.shared,
            version: &mut self.version,
            parked: None,
        })
    }

    /// Waits until the value satisfies `f`, and returns it, marked seen.
    ///
    /// `f` is first called on the current value (seen or not), then on each
    /// new value. If `f` panics, the panic reaches the caller and no lock
    /// stays held. Spends the task's cooperative budget.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone before a value satisfies `f`
    /// (the last value is still given to `f` first).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe in the sense of [`changed`](Self::changed): dropping the
    /// future loses nothing, though values `f` rejected stay marked seen.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = watch::channel(0);
    ///     zokio::spawn(async move {
    ///         for i in 1..=5 {
    ///             tx.send(i).unwrap();
    ///         }
    ///     });
    ///     let five = rx.wait_for(|v| *v == 5).await.unwrap();
    ///     assert_eq!(*five, 5);
    /// }
    /// ```
    pub async fn wait_for(&mut self, f: impl FnMut(&T) -> bool) -> Result<Ref<'_, T>, RecvError> {
        Cooperative::new(self.wait_for_inner(f)).await
    }

    async fn wait_for_inner(
        &mut self,
        mut f: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        let shared: &Shared<T> = &self.shared;
        let version = &mut self.version;
        let mut closed = false;
        loop {
            {
                let inner = shared.read();
                let current = shared.version();
                let has_changed = current != *version;
                *version = current;
                // A read guard does not poison its lock when `f` panics.
                if (!closed || has_changed) && f(&inner) {
                    return Ok(Ref { inner, has_changed });
                }
            }
            if closed {
                return Err(RecvError(()));
            }
            closed = Changed {
                shared,
                version: &mut *version,
                parked: None,
            }
            .await
            .is_err();
        }
    }

    /// True if both receivers belong to the same channel.
    ///
    /// ```
    /// let (_tx, rx) = zokio::sync::watch::channel(());
    /// let (_tx2, rx2) = zokio::sync::watch::channel(());
    /// assert!(rx.same_channel(&rx.clone()));
    /// assert!(!rx.same_channel(&rx2));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Receiver<T> {
    /// A receiver that has seen what this one has.
    fn clone(&self) -> Self {
        Receiver::with_version(self.shared.clone(), self.version)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.rx_count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.wake_senders();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("shared", &*self.shared)
            .field("version", &(self.version / STEP))
            .finish()
    }
}

/// The future of [`Receiver::changed`], without the budget.
struct Changed<'a, T> {
    shared: &'a Shared<T>,
    version: &'a mut usize,
    parked: Option<Parked>,
}

impl<T> Changed<'_, T> {
    /// True if `state` answers the wait: a version not seen, or closed.
    fn answers(&self, state: usize) -> bool {
        state & !FLAGS != *self.version || state & CLOSED != 0
    }

    /// The outcome if `state` answers the wait, marking a change seen.
    fn check(&mut self, state: usize) -> Option<Result<(), RecvError>> {
        let version = state & !FLAGS;
        if version != *self.version {
            *self.version = version;
            return Some(Ok(()));
        }
        if state & CLOSED != 0 {
            return Some(Err(RecvError(())));
        }
        None
    }

    /// Registers `waker` in a list and re-reads the state; returns the state
    /// that decides the wait.
    ///
    /// Under the list's lock, after registering: if the list's `WAITING` bit
    /// is clear, it is set by a read-modify-write, so a later change (whose
    /// step reads and clears the bits) sees it and drains the list after this
    /// registration, and an earlier change shows in the value returned. If
    /// the bit is set already, a load is enough: the change that clears it
    /// drains the list afterwards, and had that drain come before this
    /// registration, its change would show in the load (the drain released
    /// the lock taken here).
    fn park(&mut self, waker: &std::task::Waker) -> usize {
        let shared = self.shared;
        // A registration still live is refreshed where it is; a new one
        // goes to this thread's list.
        let shard = match self.parked {
            Some(p) if !shared.shards[p.shard].hint.is_consumed(p.ticket) => p.shard,
            _ => home_shard(),
        };
        let mut ticket = self.parked.filter(|p| p.shard == shard).map(|p| p.ticket);
        let list = &shared.shards[shard];
        let bit = waiting_bit(shard);
        let (state, displaced, withdrawn) = {
            let mut waiters = lock(&list.waiters);
            let displaced = waiters.register(&mut ticket, waker);
            let mut state = shared.state.load(Ordering::Acquire);
            if state & bit == 0 && !self.answers(state) {
                state = shared.state.fetch_or(bit, Ordering::AcqRel);
            }
            let mut withdrawn = None;
            self.parked = None;
            if let Some(ticket) = ticket {
                if self.answers(state) {
                    // Withdrawn under the lock it was made under.
                    withdrawn = waiters.cancel(ticket);
                } else {
                    self.parked = Some(Parked { shard, ticket });
                }
            }
            (state, displaced, withdrawn)
        };
        // Wakers are dropped with no lock held.
        drop((displaced, withdrawn));
        state
    }
}

impl<T> Future for Changed<'_, T> {
    type Output = Result<(), RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(outcome) = this.check(this.shared.state.load(Ordering::Acquire)) {
            this.shared.unpark(this.parked.take());
            return Poll::Ready(outcome);
        }
        let state = this.park(cx.waker());
        match this.check(state) {
            Some(outcome) => Poll::Ready(outcome),
            None => Poll::Pending,
        }
    }
}

impl<T> Drop for Changed<'_, T> {
    fn drop(&mut self) {
        self.shared.unpark(self.parked.take());
    }
}

impl<T> Sender<T> {
    /// A sender of a channel holding `init`, with no receiver yet (make them
    /// with [`subscribe`](Self::subscribe)).
    ///
    /// ```
    /// let tx = zokio::sync::watch::Sender::new(0);
    /// assert!(tx.send(1).is_err(), "no receiver");
    /// let rx = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow(), 2);
    /// ```
    pub fn new(init: T) -> Sender<T> {
        let (tx, _) = channel(init);
        tx
    }

    /// Replaces the value and notifies every receiver, if any receiver is
    /// left.
    ///
    /// # Errors
    ///
    /// [`SendError`] with `value` if there is no receiver; the channel's value
    /// is left as it was. ([`send_replace`](Self::send_replace) stores it
    /// regardless.)
    ///
    /// ```
    /// let (tx, rx) = zokio::sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// drop(rx);
    /// assert_eq!(tx.send(3).unwrap_err().0, 3);
    /// assert_eq!(*tx.borrow(), 2);
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.receiver_count() == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Modifies the value in place and notifies every receiver, with or
    /// without receivers.
    ///
    /// If `modify` panics, the panic reaches the caller, the value stays as
    /// `modify` left it and no receiver is notified.
    ///
    /// ```
    /// let (tx, rx) = zokio::sync::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// ```
    pub fn send_modify<F>(&self, modify: F)
    where
        F: FnOnce(&mut T),
    {
        self.send_if_modified(|value| {
            modify(value);
            true
        });
    }

    /// Modifies the value in place, and notifies every receiver if `modify`
    /// returns true; returns what `modify` returned.
    ///
    /// Receivers are not told of a change `modify` reports as none, so it
    /// should only return false if it left the value as it was. If it
    /// panics, nobody is notified.
    ///
    /// ```
    /// let (tx, rx) = zokio::sync::watch::channel(5);
    /// assert!(!tx.send_if_modified(|v| if *v < 3 { *v += 1; true } else { false }));
    /// assert!(!rx.has_changed().unwrap());
    /// assert!(tx.send_if_modified(|v| { *v = 0; true }));
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn send_if_modified<F>(&self, modify: F) -> bool
    where
        F: FnOnce(&mut T) -> bool,
    {
        let prev = {
            let mut value = self.shared.write();
            if !modify(&mut value) {
                return false;
            }
            // Bumped under the write lock so the version a reader sees under
            // the read lock is that of the value it reads.
            self.shared.change(|state| state.wrapping_add(STEP))
        };
        self.shared.wake_parked(prev);
        true
    }

    /// Stores `value` and notifies every receiver, with or without
    /// receivers; returns the value it replaced.
    ///
    /// ```
    /// let tx = zokio::sync::watch::Sender::new(1);
    /// assert_eq!(tx.send_replace(2), 1);
    /// assert_eq!(*tx.borrow(), 2);
    /// ```
    pub fn send_replace(&self, mut value: T) -> T {
        self.send_modify(|old| std::mem::swap(old, &mut value));
        value
    }

    /// Reads the current value (the returned [`Ref`] holds the read lock).
    ///
    /// ```
    /// let (tx, _rx) = zokio::sync::watch::channel(7);
    /// assert_eq!(*tx.borrow(), 7);
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            inner: self.shared.read(),
            has_changed: false,
        }
    }

    /// True if no receiver is left (a [`subscribe`](Self::subscribe) opens
    /// the channel again).
    ///
    /// ```
    /// let (tx, rx) = zokio::sync::watch::channel(());
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Waits until no receiver is left.
    ///
    /// Spends the task's cooperative budget. Cancel-safe.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, rx) = watch::channel(());
    ///     zokio::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert!(tx.is_closed());
    /// }
    /// ```
    pub fn closed(&self) -> impl Future<Output = ()> + '_ {
        Closed {
            shared: &self.shared,
            ticket: None,
        }
    }

    /// A new receiver, which has seen the current value.
    ///
    /// ```
    /// let tx = zokio::sync::watch::Sender::new(1);
    /// let rx = tx.subscribe();
    /// assert!(!rx.has_changed().unwrap());
    /// tx.send(2).unwrap();
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        // Only `CLOSED` (all senders gone) is a flag of the state, and a
        // sender exists here, so a subscription after the last receiver left
        // reopens the channel by the count alone.
        Receiver::with_version(self.shared.clone(), self.shared.version())
    }

    /// How many receivers exist.
    ///
    /// ```
    /// let (tx, rx) = zokio::sync::watch::channel(());
    /// let _rx2 = rx.clone();
    /// assert_eq!(tx.receiver_count(), 2);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.rx_count.load(Ordering::Relaxed)
    }

    /// How many senders exist.
    ///
    /// ```
    /// let (tx, _rx) = zokio::sync::watch::channel(());
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.sender_count(), 2);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.shared.tx_count.load(Ordering::Relaxed)
    }

    /// True if both senders belong to the same channel.
    ///
    /// ```
    /// let tx = zokio::sync::watch::Sender::new(());
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&zokio::sync::watch::Sender::new(())));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.tx_count.fetch_add(1, Ordering::Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T: Default> Default for Sender<T> {
    /// A sender of `T::default()`, with no receiver.
    fn default() -> Self {
        Sender::new(T::default())
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.tx_count.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        let prev = self.shared.change(|state| state | CLOSED);
        self.shared.wake_parked(prev);
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("shared", &*self.shared)
            .finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.load(Ordering::Acquire);
        let mut s = f.debug_struct("Shared");
        // `try_read`: a `Debug` call inside `send_modify`'s closure must not
        // deadlock on the write lock its own thread holds.
        match self.value.try_read() {
            Ok(value) => s.field("value", &*value),
            Err(_) => s.field("value", &format_args!("<locked>")),
        };
        s.field("version", &(state / STEP))
            .field("is_closed", &(state & CLOSED != 0))
            .field("ref_count_rx", &self.rx_count.load(Ordering::Relaxed))
            .finish()
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
        if this.shared.rx_count.load(Ordering::Acquire) != 0 {
            let mut waiters = lock(&this.shared.tx_waiters);
            let displaced = waiters.register(&mut this.ticket, cx.waker());
            // Re-checked under the lock a last receiver's drop wakes under.
            let open = this.shared.rx_count.load(Ordering::Acquire) != 0;
            drop(waiters);
            drop(displaced);
            if open {
                return Poll::Pending;
            }
        }
        Shared::<T>::cancel(
            &this.shared.tx_waiters,
            &this.shared.tx_hint,
            this.ticket.take(),
        );
        progress.made_progress();
        Poll::Ready(())
    }
}

impl<T> Drop for Closed<'_, T> {
    fn drop(&mut self) {
        Shared::<T>::cancel(
            &self.shared.tx_waiters,
            &self.shared.tx_hint,
            self.ticket.take(),
        );
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::task::Waker;

    fn assert_send<F: Send>(_: &F) {}

    #[test]
    fn the_futures_are_send_for_send_and_sync_values() {
        let (tx, mut rx) = channel(0u32);
        assert_send(&tx.closed());
        assert_send(&rx.changed());
        assert_send(&rx.wait_for(|v| *v == 1));
    }

    fn parked_anywhere<T>(shared: &Shared<T>) -> bool {
        shared.shards.iter().any(|s| !lock(&s.waiters).is_empty())
    }

    #[test]
    fn a_cancelled_changed_leaves_no_registration_and_the_bit_is_cleared_by_a_send() {
        let (tx, mut rx) = channel(0u32);
        let mut cx = Context::from_waker(Waker::noop());
        {
            let mut changed = std::pin::pin!(rx.changed());
            assert!(changed.as_mut().poll(&mut cx).is_pending());
            assert!(!lock(&tx.shared.shards[home_shard()].waiters).is_empty());
            assert_eq!(
                tx.shared.state.load(Ordering::Relaxed) & WAITING,
                waiting_bit(home_shard())
            );
        }
        assert!(!parked_anywhere(&tx.shared));
        tx.send(1).unwrap();
        assert_eq!(tx.shared.state.load(Ordering::Relaxed) & WAITING, 0);
        // With nobody parked, a send touches no waiter lock at all.
        tx.send(2).unwrap();
        assert_eq!(*rx.borrow_and_update(), 2);
    }

    #[test]
    fn receivers_of_one_thread_park_in_its_list_and_a_send_wakes_them_all() {
        use std::sync::Arc as StdArc;
        use std::sync::atomic::AtomicUsize as StdAtomicUsize;
        use std::task::Wake;

        struct Count(StdAtomicUsize);
        impl Wake for Count {
            fn wake(self: StdArc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let count = StdArc::new(Count(StdAtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);

        let (tx, rx) = channel(0u32);
        let mut rxs: Vec<_> = (0..3).map(|_| rx.clone()).collect();
        let mut futures: Vec<_> = rxs.iter_mut().map(|rx| Box::pin(rx.changed())).collect();
        for f in &mut futures {
            assert!(f.as_mut().poll(&mut cx).is_pending());
        }
        let home = home_shard();
        for (i, shard) in tx.shared.shards.iter().enumerate() {
            assert_eq!(!lock(&shard.waiters).is_empty(), i == home);
        }
        // One bit for the thread's list, whoever set it.
        assert_eq!(
            tx.shared.state.load(Ordering::Relaxed) & WAITING,
            waiting_bit(home)
        );
        tx.send(1).unwrap();
        assert_eq!(count.0.load(Ordering::SeqCst), 3);
        assert!(!parked_anywhere(&tx.shared));
        for f in &mut futures {
            assert!(matches!(f.as_mut().poll(&mut cx), Poll::Ready(Ok(()))));
        }
        assert!(
            !parked_anywhere(&tx.shared),
            "a woken future leaves nothing"
        );
    }

    #[test]
    fn a_registration_made_while_a_change_lands_is_withdrawn_at_once() {
        // The re-read under the list's lock finds the change: the future
        // completes and takes its registration back under the same lock.
        let (tx, mut rx) = channel(0u32);
        let mut changed = Changed {
            shared: &rx.shared,
            version: &mut rx.version,
            parked: None,
        };
        tx.shared.state.fetch_add(STEP, Ordering::AcqRel);
        let state = changed.park(Waker::noop());
        assert!(changed.parked.is_none());
        assert!(!parked_anywhere(&tx.shared));
        assert_eq!(state & WAITING, 0, "no bit set for a wait already answered");
        assert!(matches!(changed.check(state), Some(Ok(()))));
    }
}
