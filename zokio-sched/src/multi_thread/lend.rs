//! One loan of a worker's parts, for `block_in_place`: offered by the
//! lender, taken by a stand-in, and handed back when the lender reclaims
//! them (see the `block_in_place` module for the protocol around it).

use zokio_core::sync::atomic::{AtomicBool, Ordering};
use zokio_core::sync::{Condvar, Mutex, MutexGuard};

enum State<P> {
    /// Lent, the stand-in not started yet.
    Offered(P),
    /// The stand-in runs the worker.
    Running,
    /// Back with the lender, or never taken: nothing left to hand over.
    Closed,
    /// The stand-in stopped and left the parts here.
    Returned(P),
}

/// One loan of a worker's parts `P` (generic for the loom model).
pub(crate) struct Lend<P> {
    state: Mutex<State<P>>,
    changed: Condvar,
    /// Set by the lender when its closure is done: the stand-in leaves its
    /// loop at the next task boundary or wakeup.
    reclaim: AtomicBool,
}

impl<P> Lend<P> {
    pub(crate) fn new(parts: P) -> Lend<P> {
        Lend {
            state: Mutex::new(State::Offered(parts)),
            changed: Condvar::new(),
            reclaim: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<P>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// For the stand-in: the parts, unless the lender took them back first.
    pub(crate) fn take_offered(&self) -> Option<P> {
        let mut state = self.lock();
        match std::mem::replace(&mut *state, State::Running) {
            State::Offered(parts) => Some(parts),
            other => {
                *state = other;
                None
            }
        }
    }

    /// For the stand-in's loop.
    #[inline]
    pub(crate) fn is_reclaimed(&self) -> bool {
        self.reclaim.load(Ordering::SeqCst)
    }

    /// For the stand-in, once it has left the loop.
    pub(crate) fn give_back(&self, parts: P) {
        *self.lock() = State::Returned(parts);
        self.changed.notify_all();
    }

    /// For the lender: its parts back, waiting (after setting the reclaim
    /// flag and calling `wake_stand_in` once) for a running stand-in to stop.
    pub(crate) fn reclaim(&self, wake_stand_in: impl FnOnce()) -> P {
        let mut wake = Some(wake_stand_in);
        let mut state = self.lock();
        loop {
            match std::mem::replace(&mut *state, State::Closed) {
                State::Offered(parts) | State::Returned(parts) => return parts,
                State::Running => {
                    *state = State::Running;
                    if let Some(wake) = wake.take() {
                        // The flag before the wake: the stand-in looks at it
                        // after each wakeup and before each sleep.
                        self.reclaim.store(true, Ordering::SeqCst);
                        wake();
                    }
                    state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
                }
                State::Closed => unreachable!("the lender reclaims once"),
            }
        }
    }
}
