//! `Notify`: wake one waiting task, or every waiting task, or leave a permit
//! for the next one.
//!
//! The state sits behind one short lock. Waiters live in a slab threaded as a
//! doubly linked list (oldest to newest), so a waiter is queued, picked from
//! either end and removed in O(1) without pointers into the futures, and the
//! futures are `Unpin`. The one value read without the lock is the count of
//! `notify_waiters` calls, which a `Notified` samples when it is created: it is
//! only written under the lock, so a `Notified` compares it under the lock.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use zokio_core::budget;
use zokio_core::sync::atomic::{AtomicUsize, Ordering};
use zokio_core::sync::{Mutex, MutexGuard};

/// Notifies a single task, or all waiting tasks, that something happened.
///
/// `Notify` carries no data: it is a signal, like a [`Semaphore`] that starts
/// with no permits and never holds more than one. [`notified().await`] waits
/// for the permit and consumes it; [`notify_one`] hands the permit to the
/// longest-waiting task, or stores it if no task waits. Several `notify_one`
/// calls with no one waiting store a single permit: the next
/// `notified().await` completes at once, the one after waits.
/// [`notify_last`] is `notify_one` for the most recent waiter, and
/// [`notify_waiters`] wakes every waiter, including every [`Notified`] created
/// before the call and not yet polled, and stores nothing.
///
/// A `Notified` that `notify_one` (or `notify_last`) picked and that is then
/// dropped before it completed passes its notification on to the next waiter,
/// or back to the permit, so a notification is never lost to a cancelled
/// waiter.
///
/// Like tokio's `Notify`; the one difference is that polling a [`Notified`]
/// spends the task's cooperative budget (see [`zokio_core::budget`]), like
/// every Zokio resource.
///
/// [`Semaphore`]: crate::sync::Semaphore
/// [`notified().await`]: Notify::notified
/// [`notify_one`]: Notify::notify_one
/// [`notify_last`]: Notify::notify_last
/// [`notify_waiters`]: Notify::notify_waiters
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use zokio::sync::Notify;
///
/// # zokio::run(async {
/// let notify = Arc::new(Notify::new());
/// let waiter = zokio::spawn({
///     let notify = notify.clone();
///     async move {
///         notify.notified().await;
///         "notified"
///     }
/// });
/// notify.notify_one(); // stored as a permit if the task is not waiting yet
/// assert_eq!(waiter.await.unwrap(), "notified");
/// # });
/// ```
///
/// An unbounded multi-producer, single-consumer channel: no wakeup is lost,
/// because a `notify_one` that finds no waiter leaves its permit for the next
/// `notified()`.
///
/// ```
/// use std::collections::VecDeque;
/// use std::sync::Mutex;
/// use zokio::sync::Notify;
///
/// struct Channel<T> {
///     values: Mutex<VecDeque<T>>,
///     notify: Notify,
/// }
///
/// impl<T> Channel<T> {
///     fn send(&self, value: T) {
///         self.values.lock().unwrap().push_back(value);
///         self.notify.notify_one();
///     }
///
///     // Single consumer: only one `recv` at a time.
///     async fn recv(&self) -> T {
///         loop {
///             if let Some(value) = self.values.lock().unwrap().pop_front() {
///                 return value;
///             }
///             self.notify.notified().await;
///         }
///     }
/// }
///
/// # zokio::run(async {
/// let channel = Channel { values: Mutex::new(VecDeque::new()), notify: Notify::new() };
/// channel.send(1);
/// assert_eq!(channel.recv().await, 1);
/// # });
/// ```
///
/// With several consumers, enable the `Notified` before checking the
/// condition ([`Notified::enable`]), so that a `notify_one` in between marks
/// it rather than storing a permit that a single other consumer would take.
pub struct Notify {
    /// How many times `notify_waiters` was called. Written only with `state`
    /// locked; [`Notify::notified`] reads it without the lock.
    waiters_calls: AtomicUsize,
    state: Mutex<State>,
}

struct State {
    /// The single permit `notify_one` leaves when no one waits.
    permit: bool,
    waiters: WaiterList,
}

/// Which waiter `notify_one`/`notify_last` picks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Strategy {
    Oldest,
    Newest,
}

/// How a waiter was taken off the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Notification {
    /// By `notify_one`/`notify_last`: passed on if the waiter is dropped
    /// without completing.
    One(Strategy),
    /// By `notify_waiters`.
    All,
}

impl Notify {
    /// A `Notify` with no permit and no waiters.
    ///
    /// ```
    /// let notify = zokio::sync::Notify::new();
    /// # drop(notify);
    /// ```
    pub fn new() -> Notify {
        Notify {
            waiters_calls: AtomicUsize::new(0),
            state: Mutex::new(State::new()),
        }
    }

    /// A `Notify` with no permit and no waiters, in a `const` context (a
    /// `static`, for instance).
    ///
    /// ```
    /// use zokio::sync::Notify;
    ///
    /// static NOTIFY: Notify = Notify::const_new();
    /// NOTIFY.notify_one();
    /// zokio::block_on(NOTIFY.notified());
    /// ```
    // loom's primitives have no const constructors.
    #[cfg(not(loom))]
    pub const fn const_new() -> Notify {
        Notify {
            waiters_calls: AtomicUsize::new(0),
            state: Mutex::new(State::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No user code runs under this lock and every change completes before
        // anything that can panic, so a poisoned lock still guards a
        // consistent state.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a notification: the future completes on the permit left by
    /// an earlier [`notify_one`](Notify::notify_one), or when a later
    /// `notify_one`/[`notify_last`](Notify::notify_last) picks it, or on any
    /// [`notify_waiters`](Notify::notify_waiters) called after this method.
    ///
    /// The future joins the queue that `notify_one` picks from when first
    /// polled (or [enabled](Notified::enable)), not when created; a
    /// `notify_waiters` reaches it as soon as it exists.
    ///
    /// # Cancel safety
    ///
    /// The queue hands notifications out in the order waiters joined it;
    /// dropping the future gives up its place (and passes on a notification it
    /// was given but did not consume).
    ///
    /// ```
    /// use zokio::sync::Notify;
    ///
    /// let notify = Notify::new();
    /// let notified = notify.notified();
    /// notify.notify_waiters(); // reaches `notified` though it was never polled
    /// zokio::block_on(notified);
    /// ```
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            waiter: Waiter::new(self),
        }
    }

    /// Like [`notified`](Notify::notified), but the future holds the `Notify`
    /// by an `Arc`, so it can be stored or moved to another task on its own.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Notify;
    ///
    /// # zokio::run(async {
    /// let notify = Arc::new(Notify::new());
    /// let tasks: Vec<_> = (0..4)
    ///     .map(|_| zokio::spawn(notify.clone().notified_owned()))
    ///     .collect();
    /// notify.notify_waiters(); // every future exists already, polled or not
    /// for task in tasks {
    ///     task.await.unwrap();
    /// }
    /// # });
    /// ```
    pub fn notified_owned(self: Arc<Self>) -> OwnedNotified {
        OwnedNotified {
            waiter: Waiter::new(&self),
            notify: self,
        }
    }

    /// Wakes the longest-waiting task, or stores the permit if none waits (at
    /// most one permit is stored, however many calls find no waiter).
    ///
    /// ```
    /// use zokio::sync::Notify;
    ///
    /// let notify = Notify::new();
    /// notify.notify_one();
    /// notify.notify_one(); // still one permit
    /// zokio::block_on(notify.notified()); // takes it at once
    /// ```
    pub fn notify_one(&self) {
        self.notify_with(Strategy::Oldest);
    }

    /// Like [`notify_one`](Notify::notify_one), but wakes the most recent
    /// waiter instead of the oldest.
    ///
    /// ```
    /// use std::pin::pin;
    /// use zokio::sync::Notify;
    ///
    /// let notify = Notify::new();
    /// let mut first = pin!(notify.notified());
    /// let mut second = pin!(notify.notified());
    /// assert!(!first.as_mut().enable());
    /// assert!(!second.as_mut().enable());
    /// notify.notify_last();
    /// assert!(second.as_mut().enable(), "the newest waiter is picked");
    /// assert!(!first.as_mut().enable());
    /// ```
    pub fn notify_last(&self) {
        self.notify_with(Strategy::Newest);
    }

    fn notify_with(&self, strategy: Strategy) {
        let waker = self.lock().notify_one(strategy);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Wakes every waiting task: each [`Notified`] created before this call
    /// completes, whether or not it was polled yet. Stores no permit, and
    /// leaves a permit already stored in place.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Notify;
    ///
    /// # zokio::run(async {
    /// let notify = Arc::new(Notify::new());
    /// let first = notify.notified();
    /// let second = notify.notified();
    /// zokio::spawn({
    ///     let notify = notify.clone();
    ///     async move { notify.notify_waiters() }
    /// });
    /// first.await;
    /// second.await;
    /// # });
    /// ```
    pub fn notify_waiters(&self) {
        self.notify_waiters_if(|| true);
    }

    /// Runs `decide` under this `Notify`'s lock and, if it returns true,
    /// wakes every waiter as [`notify_waiters`](Notify::notify_waiters) does,
    /// in the same critical section; returns what `decide` returned. The lock
    /// makes concurrent callers take turns, which is how `SetOnce` keeps its
    /// one writer. `decide` must not run user code (no waker, no `T::drop`).
    pub(crate) fn notify_waiters_if(&self, decide: impl FnOnce() -> bool) -> bool {
        let mut state = self.lock();
        if !decide() {
            return false;
        }
        // Release: a `Notified` created after reading this increment also
        // sees whatever its caller did before `notify_waiters` (the
        // cancellation flag, the `SetOnce` value).
        self.waiters_calls.fetch_add(1, Ordering::Release);
        let mut wakers = Vec::with_capacity(state.waiters.queued);
        while let Some(waker) = state.waiters.pop(Strategy::Oldest, Notification::All) {
            wakers.extend(waker);
        }
        drop(state);
        wakers.into_iter().for_each(Waker::wake);
        true
    }
}

impl Default for Notify {
    fn default() -> Notify {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Notify")
            .field("permit", &state.permit)
            .field("waiters", &state.waiters.queued)
            .finish()
    }
}

impl State {
    const fn new() -> State {
        State {
            permit: false,
            waiters: WaiterList::new(),
        }
    }

    /// Takes the waiter `strategy` picks off the queue and returns its waker,
    /// or stores the permit if none waits.
    fn notify_one(&mut self, strategy: Strategy) -> Option<Waker> {
        if self.waiters.queued == 0 {
            self.permit = true;
            return None;
        }
        self.waiters.pop(strategy, Notification::One(strategy))?
    }
}

/// A waiter's place in a `Notify`, and what became of it: the part of a
/// `Notified` future that does not hold the `Notify` itself, so that other
/// primitives can embed a waiter next to the `Notify` they own.
///
/// Whoever holds a `Waiter` must call [`Waiter::cancel`] with the same
/// `Notify` before dropping it.
pub(crate) struct Waiter {
    /// `Notify::waiters_calls` when this waiter was created: any later
    /// `notify_waiters` completes it.
    calls: usize,
    state: WaiterState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WaiterState {
    /// Not queued yet.
    Init,
    /// Holds this slot of the waiter list: queued, or notified and not yet
    /// told.
    Slot(usize),
    Done,
}

impl Waiter {
    pub(crate) fn new(notify: &Notify) -> Waiter {
        Waiter {
            // Acquire pairs with the increment in `notify_waiters`: if this
            // sees it, the notifier's earlier writes are visible to what the
            // caller checks next, and the waiter may then miss the call.
            calls: notify.waiters_calls.load(Ordering::Acquire),
            state: WaiterState::Init,
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.state == WaiterState::Done
    }

    /// Completes if notified; otherwise makes sure this waiter is queued,
    /// registering `waker` (if given) to be woken by the notification.
    pub(crate) fn poll(&mut self, notify: &Notify, waker: Option<&Waker>) -> Poll<()> {
        match self.state {
            WaiterState::Done => Poll::Ready(()),
            WaiterState::Init => {
                // Cloning a waker can run arbitrary code: not under the lock.
                let waker = waker.cloned();
                let mut state = notify.lock();
                // Relaxed: the counter only changes under the lock we hold.
                let missed_broadcast = notify.waiters_calls.load(Ordering::Relaxed) != self.calls;
                if missed_broadcast || std::mem::take(&mut state.permit) {
                    drop(state);
                    self.state = WaiterState::Done;
                    return Poll::Ready(());
                }
                let slot = state.waiters.push(waker);
                self.state = WaiterState::Slot(slot);
                Poll::Pending
            }
            WaiterState::Slot(slot) => {
                let mut state = notify.lock();
                if state.waiters.is_notified(slot) {
                    let (old, _) = state.waiters.release(slot);
                    drop(state);
                    drop(old);
                    self.state = WaiterState::Done;
                    return Poll::Ready(());
                }
                let Some(waker) = waker else {
                    return Poll::Pending;
                };
                if state.waiters.wakes(slot, waker) {
                    return Poll::Pending;
                }
                // A different task polls us now: clone its waker unlocked,
                // then check again, since a notification may have come
                // meanwhile.
                drop(state);
                let new = waker.clone();
                let mut state = notify.lock();
                if state.waiters.is_notified(slot) {
                    let (old, _) = state.waiters.release(slot);
                    drop(state);
                    drop((old, new));
                    self.state = WaiterState::Done;
                    return Poll::Ready(());
                }
                let old = state.waiters.set_waker(slot, new);
                drop(state);
                drop(old);
                Poll::Pending
            }
        }
    }

    /// Leaves the queue; a `notify_one` notification received and not yet
    /// consumed goes on to the next waiter (or becomes the permit).
    pub(crate) fn cancel(&mut self, notify: &Notify) {
        let WaiterState::Slot(slot) = std::mem::replace(&mut self.state, WaiterState::Done) else {
            return;
        };
        let mut state = notify.lock();
        let (old, notification) = state.waiters.release(slot);
        let next = match notification {
            Some(Notification::One(strategy)) => state.notify_one(strategy),
            _ => None,
        };
        drop(state);
        drop(old);
        if let Some(next) = next {
            next.wake();
        }
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        debug_assert!(
            !matches!(self.state, WaiterState::Slot(_)),
            "a queued Waiter was dropped without Waiter::cancel"
        );
    }
}

impl fmt::Debug for Waiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            WaiterState::Init => "init",
            WaiterState::Slot(_) => "waiting",
            WaiterState::Done => "done",
        };
        f.debug_struct("Waiter").field("state", &state).finish()
    }
}

/// The future returned by [`Notify::notified`].
///
/// Fused: once it completed, polling it again returns `Ready` at once.
#[must_use = "futures do nothing unless polled"]
pub struct Notified<'a> {
    notify: &'a Notify,
    waiter: Waiter,
}

impl Notified<'_> {
    /// Joins the queue that [`notify_one`](Notify::notify_one) picks from,
    /// without registering a waker: the same as a first poll that registers
    /// nothing. Returns whether the future is ready, that is, whether a
    /// `notify_waiters` came since it was created, or it took the stored
    /// permit, or a `notify_one` already picked it; once this returns `true`,
    /// polling completes at once.
    ///
    /// Enable the future before checking the condition it waits for, and a
    /// `notify_one` in between is not lost to another waiter:
    ///
    /// ```
    /// use std::collections::VecDeque;
    /// use std::pin::pin;
    /// use std::sync::Mutex;
    /// use zokio::sync::Notify;
    ///
    /// struct Channel<T> {
    ///     messages: Mutex<VecDeque<T>>,
    ///     sent: Notify,
    /// }
    ///
    /// impl<T> Channel<T> {
    ///     fn send(&self, message: T) {
    ///         self.messages.lock().unwrap().push_back(message);
    ///         self.sent.notify_one();
    ///     }
    ///
    ///     // Any number of concurrent receivers.
    ///     async fn recv(&self) -> T {
    ///         let mut notified = pin!(self.sent.notified());
    ///         loop {
    ///             notified.as_mut().enable();
    ///             if let Some(message) = self.messages.lock().unwrap().pop_front() {
    ///                 return message;
    ///             }
    ///             notified.as_mut().await;
    ///             // Another receiver may have taken the message: wait anew.
    ///             notified.set(self.sent.notified());
    ///         }
    ///     }
    /// }
    ///
    /// # zokio::run(async {
    /// let channel = Channel { messages: Mutex::new(VecDeque::new()), sent: Notify::new() };
    /// channel.send("hello");
    /// assert_eq!(channel.recv().await, "hello");
    /// # });
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        let this = self.get_mut();
        this.waiter.poll(this.notify, None).is_ready()
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        poll_waiter(&mut this.waiter, this.notify, cx)
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        self.waiter.cancel(self.notify);
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("waiter", &self.waiter)
            .finish_non_exhaustive()
    }
}

/// The future returned by [`Notify::notified_owned`]: a [`Notified`] that
/// holds its `Notify` by an `Arc`.
#[must_use = "futures do nothing unless polled"]
pub struct OwnedNotified {
    notify: Arc<Notify>,
    waiter: Waiter,
}

impl OwnedNotified {
    /// Joins the queue without registering a waker; see [`Notified::enable`].
    ///
    /// ```
    /// use std::pin::pin;
    /// use std::sync::Arc;
    /// use zokio::sync::Notify;
    ///
    /// let notify = Arc::new(Notify::new());
    /// let mut notified = pin!(notify.clone().notified_owned());
    /// assert!(!notified.as_mut().enable());
    /// notify.notify_one(); // picks the enabled future: no permit is stored
    /// assert!(notified.as_mut().enable());
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        let this = self.get_mut();
        this.waiter.poll(&this.notify, None).is_ready()
    }
}

impl Future for OwnedNotified {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        poll_waiter(&mut this.waiter, &this.notify, cx)
    }
}

impl Drop for OwnedNotified {
    fn drop(&mut self) {
        self.waiter.cancel(&self.notify);
    }
}

impl fmt::Debug for OwnedNotified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedNotified")
            .field("waiter", &self.waiter)
            .finish_non_exhaustive()
    }
}

/// A poll of a waiter by its task: spends one unit of the task's budget,
/// unless the future already completed.
pub(crate) fn poll_waiter(waiter: &mut Waiter, notify: &Notify, cx: &mut Context<'_>) -> Poll<()> {
    if waiter.is_done() {
        return Poll::Ready(());
    }
    let progress = std::task::ready!(budget::poll_proceed(cx));
    let poll = waiter.poll(notify, Some(cx.waker()));
    if poll.is_ready() {
        progress.made_progress();
    }
    poll
}

const NIL: usize = usize::MAX;

/// The waiters of one `Notify`: slots in a `Vec`, the queued ones linked
/// oldest to newest, the free ones in a free list. A slot belongs to one
/// `Waiter` from `push` to `release`: queued, then notified (unlinked, with
/// how it was notified) until its `Waiter` learns of it.
struct WaiterList {
    slots: Vec<Slot>,
    oldest: usize,
    newest: usize,
    free: usize,
    /// Slots held by waiters (queued or notified).
    held: usize,
    /// Slots queued.
    queued: usize,
}

struct Slot {
    /// Toward the oldest (queued), unused otherwise.
    prev: usize,
    /// Toward the newest (queued), or the next free slot.
    next: usize,
    waker: Option<Waker>,
    /// `None` while queued.
    notification: Option<Notification>,
}

/// Past this many slots, a list that empties gives its memory back.
const KEEP_SLOTS: usize = 64;

impl WaiterList {
    const fn new() -> WaiterList {
        WaiterList {
            slots: Vec::new(),
            oldest: NIL,
            newest: NIL,
            free: NIL,
            held: 0,
            queued: 0,
        }
    }

    /// Queues a new waiter as the newest; returns its slot.
    fn push(&mut self, waker: Option<Waker>) -> usize {
        let slot = Slot {
            prev: self.newest,
            next: NIL,
            waker,
            notification: None,
        };
        let index = if self.free != NIL {
            let index = self.free;
            self.free = self.slots[index].next;
            self.slots[index] = slot;
            index
        } else {
            self.slots.push(slot);
            self.slots.len() - 1
        };
        match self.newest {
            NIL => self.oldest = index,
            newest => self.slots[newest].next = index,
        }
        self.newest = index;
        self.held += 1;
        self.queued += 1;
        index
    }

    fn unlink(&mut self, index: usize) {
        let (prev, next) = (self.slots[index].prev, self.slots[index].next);
        match prev {
            NIL => self.oldest = next,
            prev => self.slots[prev].next = next,
        }
        match next {
            NIL => self.newest = prev,
            next => self.slots[next].prev = prev,
        }
        self.queued -= 1;
    }

    /// Takes the oldest or newest queued waiter off the queue, marking it
    /// with `notification`; returns `Some` with its waker (if it registered
    /// one), or `None` if no waiter is queued.
    fn pop(&mut self, strategy: Strategy, notification: Notification) -> Option<Option<Waker>> {
        let index = match strategy {
            Strategy::Oldest => self.oldest,
            Strategy::Newest => self.newest,
        };
        if index == NIL {
            return None;
        }
        self.unlink(index);
        let slot = &mut self.slots[index];
        slot.notification = Some(notification);
        Some(slot.waker.take())
    }

    fn is_notified(&self, index: usize) -> bool {
        self.slots[index].notification.is_some()
    }

    /// Whether the registered waker already wakes the same task as `waker`.
    fn wakes(&self, index: usize, waker: &Waker) -> bool {
        self.slots[index]
            .waker
            .as_ref()
            .is_some_and(|w| w.will_wake(waker))
    }

    fn set_waker(&mut self, index: usize, waker: Waker) -> Option<Waker> {
        self.slots[index].waker.replace(waker)
    }

    /// Gives the slot back, unlinking it if still queued; returns the waker
    /// it held (to be dropped unlocked) and how it was notified.
    fn release(&mut self, index: usize) -> (Option<Waker>, Option<Notification>) {
        let notification = self.slots[index].notification.take();
        if notification.is_none() {
            self.unlink(index);
        }
        let waker = self.slots[index].waker.take();
        self.held -= 1;
        if self.held == 0 && self.slots.len() > KEEP_SLOTS {
            // Every slot is free: drop them all rather than keep the peak.
            self.slots = Vec::new();
            self.free = NIL;
        } else {
            self.slots[index].next = self.free;
            self.free = index;
        }
        (waker, notification)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize as StdAtomicUsize;
    use std::task::Wake;

    struct CountWakes(StdAtomicUsize);
    impl Wake for CountWakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting() -> (Arc<CountWakes>, Waker) {
        let c = Arc::new(CountWakes(StdAtomicUsize::new(0)));
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

    #[test]
    fn a_notification_given_by_notify_waiters_is_not_passed_on() {
        let notify = Notify::new();
        let (_, w) = counting();
        let mut a = notify.notified();
        assert!(poll(&mut a, &w).is_pending());
        notify.notify_waiters();
        drop(a);
        assert!(poll(&mut notify.notified(), &w).is_pending(), "no permit");
    }

    #[test]
    fn a_waiter_polled_by_another_task_wakes_that_task() {
        let notify = Notify::new();
        let (c1, w1) = counting();
        let (c2, w2) = counting();
        let mut a = notify.notified();
        assert!(poll(&mut a, &w1).is_pending());
        assert!(poll(&mut a, &w2).is_pending());
        notify.notify_one();
        assert_eq!(c1.0.load(Ordering::SeqCst), 0);
        assert_eq!(c2.0.load(Ordering::SeqCst), 1);
        assert!(poll(&mut a, &w2).is_ready());
    }

    #[test]
    fn slots_are_reused_and_a_drained_list_gives_its_memory_back() {
        let notify = Notify::new();
        let (_, w) = counting();
        for _ in 0..3 {
            let mut waiters: Vec<_> = (0..1000).map(|_| notify.notified()).collect();
            for n in &mut waiters {
                assert!(poll(n, &w).is_pending());
            }
            // Drop every other one, then wake the rest in order.
            let mut kept = Vec::new();
            for (i, n) in waiters.into_iter().enumerate() {
                if i % 2 == 0 {
                    kept.push(n);
                }
            }
            assert_eq!(notify.lock().waiters.queued, 500);
            for n in &mut kept {
                notify.notify_one();
                assert!(poll(n, &w).is_ready());
            }
            drop(kept);
            let state = notify.lock();
            assert_eq!((state.waiters.held, state.waiters.queued), (0, 0));
            assert!(state.waiters.slots.is_empty(), "peak memory is kept");
            assert!(!state.permit);
        }
    }

    #[test]
    fn const_new_builds_a_usable_static() {
        static NOTIFY: Notify = Notify::const_new();
        NOTIFY.notify_one();
        let (_, w) = counting();
        assert!(poll(&mut NOTIFY.notified(), &w).is_ready());
    }

    #[test]
    fn a_spent_budget_defers_a_ready_notification() {
        let notify = Notify::new();
        notify.notify_one();
        let (count, w) = counting();
        let mut n = notify.notified();
        budget::with_task_budget(|| {
            budget::consume(budget::TASK_BUDGET);
            assert!(poll(&mut n, &w).is_pending());
        });
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "the task was woken");
        assert!(poll(&mut n, &w).is_ready(), "the permit was not taken");
    }
}
