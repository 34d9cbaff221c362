//! The receiver's waker slot, and the handshake by which it sleeps.
//!
//! The slot has three states. `AWAKE`: the receiver is running (or gave up
//! its registration) and alone may write the waker cell. `ASLEEP`: the cell
//! holds the waker of the receiver's task, which may be asleep; any thread
//! may read the cell. `WAKING`: one waker claimed the wake (the only step
//! that leaves `ASLEEP` besides the receiver's own withdrawal) and is reading
//! the cell; it returns the slot to `AWAKE` with a plain store.
//!
//! The receiver announces sleep with a `SeqCst` store of `ASLEEP` after the
//! waker is in the cell, then looks at the queue once more; a sender
//! publishes its value with a `SeqCst` store and then loads the state with
//! `SeqCst`. Either the receiver's second look finds the value, or the
//! sender sees `ASLEEP` and wakes it. A wake costs the sender one
//! compare-exchange and the task's own wake-by-reference; the waker stays in
//! the cell, so the next sleep of the same task writes nothing but the state.
//! While the receiver is awake, a send only reads the state.

use std::task::Waker;

use zokio_core::sync::UnsafeCell;
use zokio_core::sync::atomic::{AtomicU8, Ordering};

const AWAKE: u8 = 0;
const ASLEEP: u8 = 1;
const WAKING: u8 = 2;

pub(super) struct RxWaker {
    state: AtomicU8,
    waker: UnsafeCell<Option<Waker>>,
}

// The cell is written only by the receiver while the state is
// AWAKE (no other thread reads it then: readers first move ASLEEP to
// WAKING), and read (through `&Waker`) by one waker while WAKING or by the
// receiver; `Waker` is `Send + Sync`.
// SAFETY: by that state protocol, and `Waker: Send + Sync`.
unsafe impl Send for RxWaker {}
// SAFETY: as for `Send`.
unsafe impl Sync for RxWaker {}

/// What [`RxWaker::sleep`] left in place.
pub(super) enum Sleep {
    /// The receiver is registered: the next wake reaches `waker`'s task.
    Registered,
    /// A wake is under way to the waker registered before; the receiver
    /// should look at the queue again instead of sleeping.
    Waking,
}

impl RxWaker {
    pub(super) fn new() -> RxWaker {
        RxWaker {
            state: AtomicU8::new(AWAKE),
            waker: UnsafeCell::new(None),
        }
    }

    /// The receiver (only) announces that it sleeps until woken, with
    /// `waker`. It must look at the queue again afterwards: a value sent
    /// before the announcement woke nobody.
    pub(super) fn sleep(&self, waker: &Waker) -> Sleep {
        match self.state.load(Ordering::Acquire) {
            ASLEEP => {
                // Still registered from an earlier poll: keep the
                // registration if it wakes the same task.
                // Reading is allowed in every state (writers need
                // AWAKE, which only the receiver, we, can bring about).
                // SAFETY: a read, allowed in every state.
                let same = self
                    .waker
                    .with(|cell| unsafe { (*cell).as_ref().is_some_and(|w| w.will_wake(waker)) });
                if same {
                    return Sleep::Registered;
                }
                if self
                    .state
                    .compare_exchange(ASLEEP, AWAKE, Ordering::AcqRel, Ordering::Acquire)
                    .is_err()
                {
                    return Sleep::Waking;
                }
            }
            WAKING => return Sleep::Waking,
            _ => {}
        }
        // SAFETY: the state is AWAKE and only the receiver leaves it: no
        // waker reads the cell until the store below.
        self.waker.with_mut(|cell| unsafe {
            match &*cell {
                Some(current) if current.will_wake(waker) => {}
                _ => *cell = Some(waker.clone()),
            }
        });
        self.state.store(ASLEEP, Ordering::SeqCst);
        zokio_core::sync::seq_cst_handshake();
        Sleep::Registered
    }

    /// The receiver found a value after announcing sleep: withdraw the
    /// announcement so that no sender wakes it for nothing. If a wake
    /// already claimed it, the task gets one spurious poll.
    pub(super) fn withdraw(&self) {
        let _ = self
            .state
            .compare_exchange(ASLEEP, AWAKE, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// The receiver is going: drop its waker now (it may keep the task's
    /// memory alive), unless a wake is reading it, which then leaves it to
    /// the channel's drop.
    pub(super) fn clear(&self) {
        let state = self.state.load(Ordering::Acquire);
        if state == WAKING
            || (state == ASLEEP
                && self
                    .state
                    .compare_exchange(ASLEEP, AWAKE, Ordering::AcqRel, Ordering::Acquire)
                    .is_err())
        {
            return;
        }
        // SAFETY: the state is AWAKE, which only the receiver (we) leaves.
        let waker = self.waker.with_mut(|cell| unsafe { (*cell).take() });
        drop(waker);
    }

    /// Called by a sender after it published a value (with a `SeqCst`
    /// store and [`seq_cst_handshake`](zokio_core::sync::seq_cst_handshake)),
    /// or by whoever ended the channel the same way: wakes the receiver if
    /// it announced sleep.
    #[inline]
    pub(super) fn wake(&self) {
        if self.state.load(Ordering::SeqCst) == ASLEEP {
            self.wake_slow();
        }
    }

    #[cold]
    fn wake_slow(&self) {
        if self
            .state
            .compare_exchange(ASLEEP, WAKING, Ordering::AcqRel, Ordering::Relaxed)
            .is_err()
        {
            // Another waker claimed it, or the receiver withdrew.
            return;
        }
        // SAFETY: WAKING, which this thread set, keeps the receiver from
        // writing the cell until the store below; the waker is a clone the
        // receiver stored, woken by reference and left in place.
        self.waker.with(|cell| unsafe {
            if let Some(waker) = &*cell {
                // Queued behind the sender's neighbours rather than run next:
                // they are likely senders too, and the receiver then takes
                // their values in one poll instead of sleeping after each
                // (a service task behind a queue: 1.8 polls per request with
                // a LIFO wake, 1.0 without).
                zokio_core::placement::wake_behind(|| waker.wake_by_ref());
            }
        });
        self.state.store(AWAKE, Ordering::Release);
    }
}
