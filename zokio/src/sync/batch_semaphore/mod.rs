//! The fair batch semaphore under [`Semaphore`], [`Mutex`] and [`RwLock`]
//! (and the bounded channel's capacity).
//!
//! # Protocol
//!
//! One atomic word holds the available permits (shifted left by two) and two
//! flags: `CLOSED`, and `WAITERS`, set exactly while the wait queue is not
//! empty. Both flags change only under the queue's lock. The rule that keeps
//! the semaphore fair is: **while `WAITERS` is set the word holds no
//! permits**. A waiter takes whatever permits the word had when it queues
//! (in the same exchange that sets `WAITERS`), and permits released while
//! anyone waits go to the queue, oldest first, never to the word; only what
//! the queue cannot use (because it emptied) goes back to the word, in the
//! exchange that clears `WAITERS`.
//!
//! So the uncontended paths are one compare-exchange each with no lock: an
//! acquire that finds `WAITERS` clear and enough permits takes them; a
//! release that finds `WAITERS` clear adds them. An acquire that finds too
//! few permits, or `WAITERS` set, takes the lock and queues; a release that
//! finds `WAITERS` set takes the lock and hands its permits to the queue.
//! Because the flag is set under the lock in the same exchange that empties
//! the word, a release either lands before it (and the queuing acquire sees
//! the permits) or sees the flag (and waits for the lock, behind which the
//! waiter is already queued): no permit is stranded in the word while
//! someone waits.
//!
//! A waiter dropped while queued unlinks itself and gives back what it was
//! handed, to the next waiters first. Wakers are cloned before the lock is
//! taken and woken or dropped after it is released, since either may run
//! code that calls back into the semaphore.
//!
//! [`Semaphore`]: super::Semaphore
//! [`Mutex`]: super::Mutex
//! [`RwLock`]: super::RwLock

mod waitlist;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};

use zokio_core::sync::atomic::{AtomicUsize, Ordering};
use zokio_core::sync::{Mutex, MutexGuard};

use self::waitlist::{Key, Status, Waitlist, WakeList};

const CLOSED: usize = 0b01;
const WAITERS: usize = 0b10;
const SHIFT: u32 = 2;
const FLAGS: usize = CLOSED | WAITERS;

/// The most permits a semaphore can hold, as in Tokio (three bits of the
/// word are reserved; two are used).
pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;

/// A fair (FIFO) semaphore from which a caller may take many permits at once.
///
/// Crate-private building block; see the module documentation for its
/// protocol.
pub(crate) struct BatchSemaphore {
    state: AtomicUsize,
    waiters: Mutex<Waitlist>,
}

/// The error of [`Semaphore::acquire`](super::Semaphore::acquire) and its
/// variants: the semaphore was [closed](super::Semaphore::close), so no
/// permit will ever be handed out.
///
/// ```
/// use zokio::sync::Semaphore;
///
/// let semaphore = Semaphore::new(1);
/// semaphore.close();
/// let err = zokio::block_on(semaphore.acquire()).unwrap_err();
/// assert_eq!(err.to_string(), "semaphore closed");
/// ```
#[derive(Debug)]
pub struct AcquireError(());

/// The error of [`Semaphore::try_acquire`](super::Semaphore::try_acquire)
/// and its variants.
///
/// ```
/// use zokio::sync::{Semaphore, TryAcquireError};
///
/// let semaphore = Semaphore::new(1);
/// let _permit = semaphore.try_acquire().unwrap();
/// assert_eq!(semaphore.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
/// semaphore.close();
/// assert_eq!(semaphore.try_acquire().unwrap_err(), TryAcquireError::Closed);
/// ```
#[derive(Debug, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was [closed](super::Semaphore::close) and issues no
    /// more permits.
    Closed,
    /// Not enough permits are available now (or others wait before the
    /// caller).
    NoPermits,
}

impl BatchSemaphore {
    /// A semaphore holding `permits`.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`MAX_PERMITS`].
    #[track_caller]
    pub(crate) fn new(permits: usize) -> BatchSemaphore {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits ({MAX_PERMITS})"
        );
        BatchSemaphore {
            state: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(Waitlist::new()),
        }
    }

    /// [`new`](Self::new) in a `const` context (not under loom, whose
    /// primitives have no `const` constructors).
    #[cfg(not(loom))]
    #[track_caller]
    pub(crate) const fn const_new(permits: usize) -> BatchSemaphore {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits"
        );
        BatchSemaphore {
            state: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(Waitlist::new()),
        }
    }

    /// Permits available now, to an acquirer that would not have to queue.
    pub(crate) fn available_permits(&self) -> usize {
        self.state.load(Ordering::Acquire) >> SHIFT
    }

    /// True once [`close`](Self::close) was called.
    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Waits for `n` permits, behind every earlier waiter. Resolves to an
    /// error if the semaphore is closed before they are all handed over (the
    /// ones handed over so far then go back). Dropping the future gives back
    /// whatever it was handed.
    ///
    /// # Panics
    ///
    /// If `n` exceeds [`MAX_PERMITS`].
    #[track_caller]
    pub(crate) fn acquire(&self, n: usize) -> Acquire<'_> {
        assert!(
            n <= MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits ({MAX_PERMITS})"
        );
        Acquire {
            semaphore: self,
            permits: n,
            key: None,
        }
    }

    /// Takes `n` permits if they are available now and nobody waits.
    ///
    /// # Panics
    ///
    /// If `n` exceeds [`MAX_PERMITS`].
    #[track_caller]
    #[inline]
    pub(crate) fn try_acquire(&self, n: usize) -> Result<(), TryAcquireError> {
        assert!(
            n <= MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits ({MAX_PERMITS})"
        );
        match self.take_uncontended(n) {
            Fast::Taken => Ok(()),
            Fast::Closed => Err(TryAcquireError::Closed),
            Fast::Wait => Err(TryAcquireError::NoPermits),
        }
    }

    /// The lock-free acquire: one exchange when `WAITERS` is clear and the
    /// word has enough permits.
    #[inline]
    fn take_uncontended(&self, n: usize) -> Fast {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            if state & CLOSED != 0 {
                return Fast::Closed;
            }
            if state & WAITERS != 0 || state >> SHIFT < n {
                return Fast::Wait;
            }
            match self.state.compare_exchange_weak(
                state,
                state - (n << SHIFT),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Fast::Taken,
                Err(actual) => state = actual,
            }
        }
    }

    /// Gives `n` permits back (or adds new ones): to the oldest waiters
    /// first, the rest to the semaphore.
    ///
    /// # Panics
    ///
    /// If the semaphore would then hold more than [`MAX_PERMITS`].
    #[track_caller]
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut state = self.state.load(Ordering::Relaxed);
        while state & WAITERS == 0 {
            let next = add_permits(state, n).unwrap_or_else(|()| overflow(n));
            match self
                .state
                .compare_exchange_weak(state, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(actual) => state = actual,
            }
        }
        let mut wakers = WakeList::default();
        let added = {
            let mut waiters = self.lock();
            self.release_locked(&mut waiters, n, &mut wakers)
        };
        wakers.wake_all();
        added.unwrap_or_else(|()| overflow(n));
    }

    /// Removes up to `n` available permits; returns how many it removed.
    pub(crate) fn forget_permits(&self, n: usize) -> usize {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let forgotten = (state >> SHIFT).min(n);
            if forgotten == 0 {
                return 0;
            }
            match self.state.compare_exchange_weak(
                state,
                state - (forgotten << SHIFT),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return forgotten,
                Err(actual) => state = actual,
            }
        }
    }

    /// Closes the semaphore: every waiter resolves to [`AcquireError`], and
    /// every later acquire fails. Permits still count (and can be released),
    /// but are never handed out again.
    pub(crate) fn close(&self) {
        let mut wakers = WakeList::default();
        {
            let mut waiters = self.lock();
            // Under the lock, so that no waiter queues between the flag and
            // the drain below.
            self.state
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                    Some((s | CLOSED) & !WAITERS)
                })
                .ok();
            waiters.close_all(&mut wakers);
        }
        wakers.wake_all();
    }

    fn lock(&self) -> MutexGuard<'_, Waitlist> {
        // Every change under this lock completes before any code that could
        // panic runs (no user code runs under it), so a poisoned queue is
        // still consistent.
        self.waiters.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands `n` permits to the queue, puts what it cannot use back in the
    /// word, and clears `WAITERS` if the queue is (now) empty. Called with the
    /// lock held, also with `n == 0` after an entry left the queue. An
    /// overflow leaves the word unchanged and is reported for the caller to
    /// panic once the lock is released.
    fn release_locked(
        &self,
        waiters: &mut Waitlist,
        n: usize,
        wakers: &mut WakeList,
    ) -> Result<(), ()> {
        let left = waiters.grant(n, wakers);
        if !waiters.is_empty() {
            debug_assert_eq!(left, 0);
            return Ok(());
        }
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let next = add_permits(state, left)? & !WAITERS;
            if next == state {
                return Ok(());
            }
            match self
                .state
                .compare_exchange_weak(state, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Ok(()),
                Err(actual) => state = actual,
            }
        }
    }

    /// The first poll's slow path: under the lock, take what the word holds
    /// and queue for the rest.
    fn acquire_or_queue(
        &self,
        n: usize,
        waker: Waker,
    ) -> (Poll<Result<(), AcquireError>>, Option<Key>, Option<Waker>) {
        let mut waiters = self.lock();
        let mut state = self.state.load(Ordering::Acquire);
        let still_needed = loop {
            if state & CLOSED != 0 {
                drop(waiters);
                return (Poll::Ready(Err(AcquireError(()))), None, Some(waker));
            }
            debug_assert!(
                state & WAITERS == 0 || state >> SHIFT == 0,
                "permits in the word while others wait"
            );
            let taken = (state >> SHIFT).min(n);
            let still_needed = n - taken;
            let mut next = state - (taken << SHIFT);
            if still_needed > 0 {
                next |= WAITERS;
            }
            if next == state {
                break still_needed;
            }
            match self
                .state
                .compare_exchange_weak(state, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break still_needed,
                Err(actual) => state = actual,
            }
        };
        if still_needed == 0 {
            drop(waiters);
            return (Poll::Ready(Ok(())), None, Some(waker));
        }
        let key = waiters.push_back(still_needed, waker);
        (Poll::Pending, Some(key), None)
    }
}

enum Fast {
    Taken,
    Closed,
    Wait,
}

/// `state` with `n` more permits, or `Err` past [`MAX_PERMITS`].
#[inline]
fn add_permits(state: usize, n: usize) -> Result<usize, ()> {
    let permits = state >> SHIFT;
    if n > MAX_PERMITS - permits {
        return Err(());
    }
    Ok(((permits + n) << SHIFT) | (state & FLAGS))
}

#[cold]
#[track_caller]
fn overflow(n: usize) -> ! {
    panic!("number of added permits ({n}) would overflow MAX_PERMITS ({MAX_PERMITS})")
}

impl fmt::Debug for BatchSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.available_permits())
            .finish()
    }
}

/// The future of [`BatchSemaphore::acquire`]: resolves once all its permits
/// are handed over, which it then owns (the caller must
/// [`release`](BatchSemaphore::release) them).
///
/// Cancel-safe: dropped before it resolves, it leaves the queue and gives
/// back what it was handed, so no permit is lost and its place goes to the
/// next waiter.
///
/// Each poll spends a unit of the cooperative budget. Once it has resolved
/// it owns nothing and must not be polled again (a new poll would acquire
/// anew).
#[must_use = "futures do nothing unless polled"]
pub(crate) struct Acquire<'a> {
    semaphore: &'a BatchSemaphore,
    permits: usize,
    /// Set while the entry exists in the wait queue.
    key: Option<Key>,
}

impl Future for Acquire<'_> {
    type Output = Result<(), AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let progress = ready!(zokio_core::budget::poll_proceed(cx));
        let poll = self.poll_permits(cx);
        if poll.is_ready() {
            progress.made_progress();
        }
        poll
    }
}

impl Acquire<'_> {
    fn poll_permits(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), AcquireError>> {
        let semaphore = self.semaphore;
        let Some(key) = self.key else {
            match semaphore.take_uncontended(self.permits) {
                Fast::Taken => return Poll::Ready(Ok(())),
                Fast::Closed => return Poll::Ready(Err(AcquireError(()))),
                Fast::Wait => {}
            }
            let (poll, key, unused_waker) =
                semaphore.acquire_or_queue(self.permits, cx.waker().clone());
            drop(unused_waker);
            self.key = key;
            return poll;
        };
        let mut fresh_waker: Option<Waker> = None;
        loop {
            let mut wakers = WakeList::default();
            let mut waiters = semaphore.lock();
            match waiters.status(key) {
                Status::Queued => {
                    if waiters.will_wake(key, cx.waker()) {
                        return Poll::Pending;
                    }
                    if let Some(waker) = fresh_waker.take() {
                        let old = waiters.replace_waker(key, waker);
                        drop(waiters);
                        drop(old);
                        return Poll::Pending;
                    }
                    // Clone the new waker without the lock, then look again:
                    // the entry may have been granted meanwhile.
                    drop(waiters);
                    fresh_waker = Some(cx.waker().clone());
                }
                Status::Granted if semaphore.is_closed() => {
                    // Handed its permits, but closed before it collected
                    // them: as in Tokio, a closed semaphore issues nothing,
                    // so they go back (to the word: nobody queues any more).
                    waiters.remove(key);
                    let added = semaphore.release_locked(&mut waiters, self.permits, &mut wakers);
                    drop(waiters);
                    self.key = None;
                    wakers.wake_all();
                    added.unwrap_or_else(|()| overflow(self.permits));
                    return Poll::Ready(Err(AcquireError(())));
                }
                Status::Granted => {
                    waiters.remove(key);
                    drop(waiters);
                    self.key = None;
                    return Poll::Ready(Ok(()));
                }
                Status::Closed => {
                    let entry = waiters.remove(key);
                    let handed = self.permits - entry.needed;
                    let added = semaphore.release_locked(&mut waiters, handed, &mut wakers);
                    drop(waiters);
                    self.key = None;
                    wakers.wake_all();
                    added.unwrap_or_else(|()| overflow(handed));
                    return Poll::Ready(Err(AcquireError(())));
                }
            }
        }
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let semaphore = self.semaphore;
        let mut wakers = WakeList::default();
        let (waker, handed, added) = {
            let mut waiters = semaphore.lock();
            let entry = waiters.remove(key);
            let handed = match entry.status {
                Status::Granted => self.permits,
                Status::Queued | Status::Closed => self.permits - entry.needed,
            };
            // Also clears `WAITERS` if this was the last waiter.
            let added = semaphore.release_locked(&mut waiters, handed, &mut wakers);
            (entry.waker, handed, added)
        };
        drop(waker);
        wakers.wake_all();
        added.unwrap_or_else(|()| overflow(handed));
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("permits", &self.permits)
            .field("queued", &self.key.is_some())
            .finish()
    }
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}

#[cfg(all(test, not(loom)))]
mod tests;
