//! `TimerEntry`: one timer's state, shared by its owner and the wheel.
//!
//! The entry lives inside its `Sleep` (no allocation) and is linked into a
//! wheel slot while armed. Three things in it have different guards:
//!
//! - `state` (atomic): the deadline in nanoseconds since the driver's start,
//!   or `FIRED`. The owner reads it without a lock to learn whether the timer
//!   fired, and may *extend* the deadline with one compare-exchange (a reset
//!   to a later time), which the wheel notices when it reaches the old slot.
//!   Everything else (arming, firing, an earlier reset, cancelling) runs under
//!   the entry's shard lock.
//! - `waker` ([`AtomicWaker`]): registered by the owner, taken by whoever fires.
//! - `links`: the intrusive list pointers; only touched under the shard lock.

use std::cell::UnsafeCell;
use std::marker::PhantomPinned;
use std::ptr;

use zokio_core::sync::atomic::{AtomicU64, Ordering};

use zokio_core::AtomicWaker;

/// The timer fired; the owner's poll returns `Ready`.
pub(crate) const FIRED: u64 = u64::MAX;
/// Not in any wheel: never armed, or disarmed by a reset before arming.
pub(crate) const IDLE: u64 = u64::MAX - 1;
/// The latest deadline the wheel stores (about 584 years after its start);
/// later ones are clamped to it.
pub(crate) const MAX_DEADLINE: u64 = u64::MAX - 2;

/// The links of a circular doubly-linked list. A wheel slot's head is a
/// `Links` with no entry around it; unlinking needs no access to the head,
/// which is what makes cancel O(1).
#[derive(Debug)]
pub(crate) struct Links {
    pub(crate) prev: *const Links,
    pub(crate) next: *const Links,
}

impl Links {
    pub(crate) const fn unlinked() -> Links {
        Links {
            prev: ptr::null(),
            next: ptr::null(),
        }
    }
}

/// One timer. `links` must stay the first field: the wheel turns a `*const
/// Links` back into the entry around it.
#[repr(C)]
pub(crate) struct TimerEntry {
    pub(crate) links: UnsafeCell<Links>,
    pub(crate) state: AtomicU64,
    pub(crate) waker: AtomicWaker,
    _pinned: PhantomPinned,
}

// SAFETY: `links` is only read or written under the lock of the shard the
// entry is armed in; `state` and `waker` are synchronised by themselves.
unsafe impl Send for TimerEntry {}
// SAFETY: as for `Send`.
unsafe impl Sync for TimerEntry {}

impl TimerEntry {
    pub(crate) fn new(state: u64) -> TimerEntry {
        TimerEntry {
            links: UnsafeCell::new(Links::unlinked()),
            state: AtomicU64::new(state),
            waker: AtomicWaker::new(),
            _pinned: PhantomPinned,
        }
    }

    /// Whether the timer fired. `Acquire` pairs with the firing thread's
    /// `Release`, so what it did before firing is visible to the owner.
    #[inline]
    pub(crate) fn is_fired(&self) -> bool {
        self.state.load(Ordering::Acquire) == FIRED
    }

    /// Moves the deadline later without the lock, if the entry is armed with
    /// a deadline no later than `deadline`. On success the wheel finds the
    /// entry at its old slot and re-files it. Fails (and the caller takes the
    /// lock) when the entry fired, is idle, or the new deadline is earlier.
    #[inline]
    pub(crate) fn try_extend(&self, deadline: u64) -> bool {
        let mut current = self.state.load(Ordering::Relaxed);
        loop {
            if current >= IDLE || deadline < current {
                return false;
            }
            match self.state.compare_exchange_weak(
                current,
                deadline,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
    }

    /// Fires the entry if its deadline is at or before `now`; otherwise
    /// returns the (possibly extended) deadline to re-file it at. Called under
    /// the shard lock with the entry unlinked.
    #[inline]
    pub(crate) fn fire_if_due(&self, now: u64) -> Result<(), u64> {
        let mut current = self.state.load(Ordering::Acquire);
        loop {
            if current > now {
                return Err(current);
            }
            // `Release`: the owner that sees FIRED sees everything before it.
            match self.state.compare_exchange_weak(
                current,
                FIRED,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(()),
                // The owner extended the deadline meanwhile: look again.
                Err(actual) => current = actual,
            }
        }
    }

    /// Fires the entry whatever its deadline (driver shutdown).
    pub(crate) fn fire_now(&self) {
        self.state.store(FIRED, Ordering::Release);
    }

    /// The entry around `links`.
    ///
    /// # Safety
    ///
    /// `links` must point to the `links` field of a live `TimerEntry`.
    #[inline]
    pub(crate) unsafe fn from_links<'a>(links: *const Links) -> &'a TimerEntry {
        // SAFETY: `links` is the first field of a `#[repr(C)]` TimerEntry
        // (the caller guarantees it belongs to a live one), so both share an address.
        unsafe { &*links.cast::<TimerEntry>() }
    }

    #[inline]
    pub(crate) fn links_ptr(&self) -> *mut Links {
        self.links.get()
    }
}
