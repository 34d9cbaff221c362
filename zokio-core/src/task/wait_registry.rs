//! The contract between a task and the scheduler that must be able to cancel
//! it wherever it waits: the scheduler keeps each waiting task's waker, and
//! the task itself says, from inside its own polls, when to keep and when to
//! forget it.

use std::fmt;
use std::task::Waker;

/// What a [`WaitRegistry`] gave a task for its waker: the task keeps it in its
/// own block and hands it back when it finishes.
///
/// ```
/// use zokio_core::task::WaitKey;
///
/// assert_eq!(WaitKey::new(7).get(), 7);
/// assert_ne!(WaitKey::new(7), WaitKey::NONE);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct WaitKey(u32);

impl WaitKey {
    /// The key of a waker the registry did not keep (it was closed and woke
    /// the task instead): forgetting it does nothing.
    pub const NONE: WaitKey = WaitKey(u32::MAX);

    /// A key; `u32::MAX` is [`WaitKey::NONE`].
    pub const fn new(key: u32) -> WaitKey {
        WaitKey(key)
    }

    /// The key as a number.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Debug for WaitKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == WaitKey::NONE {
            f.write_str("WaitKey::NONE")
        } else {
            write!(f, "WaitKey({})", self.0)
        }
    }
}

/// Where a scheduler keeps the wakers of its tasks that wait, so that when it
/// shuts down it can wake each of them into a run that drops its future.
///
/// Given to [`Runnable::run_owned`](super::Runnable::run_owned). The task
/// calls [`insert`](WaitRegistry::insert) in the poll in which it returns
/// `Pending` for the first time and [`remove`](WaitRegistry::remove) in the
/// run in which it finishes after that (output, panic, abort or
/// cancellation), both from inside its own run. A task's runs never overlap,
/// so its `remove` always follows its `insert`, whichever threads they run
/// on. A task that completes in its first poll calls neither.
///
/// Both are called while the task is being polled: they must not poll or
/// drop a task, and a waker they wake or drop must be woken or dropped after
/// they release their locks.
///
/// ```
/// use std::sync::Mutex;
/// use std::sync::atomic::AtomicBool;
/// use std::task::Waker;
/// use zokio_core::task::{spawn, WaitKey, WaitRegistry};
///
/// #[derive(Default)]
/// struct Registry(Mutex<Vec<Option<Waker>>>);
///
/// impl WaitRegistry for Registry {
///     fn insert(&self, waker: Waker) -> WaitKey {
///         let mut slots = self.0.lock().unwrap();
///         slots.push(Some(waker));
///         WaitKey::new(slots.len() as u32 - 1)
///     }
///     fn remove(&self, key: WaitKey) {
///         let waker = self.0.lock().unwrap()[key.get() as usize].take();
///         drop(waker); // after the lock
///     }
/// }
///
/// let (registry, closed) = (Registry::default(), AtomicBool::new(false));
/// let (runnable, handle) = spawn(std::future::pending::<()>(), |_, _| {});
/// runnable.run_owned(&closed, &registry);
/// assert!(registry.0.lock().unwrap()[0].is_some(), "the waiting task is kept");
/// handle.abort(); // its scheduler drops the task's next run; a run would remove it
/// ```
pub trait WaitRegistry {
    /// Keeps `waker`, the waker of a task that has just returned `Pending`
    /// for the first time, until the same task gives back the returned key.
    ///
    /// A registry that has been closed keeps nothing: it wakes `waker` (so
    /// the task is run once more, by a run that drops it) and returns
    /// [`WaitKey::NONE`].
    fn insert(&self, waker: Waker) -> WaitKey;

    /// Forgets the waker kept under `key`: its task finished. Does nothing
    /// for [`WaitKey::NONE`] or for a key a closed registry let go of.
    fn remove(&self, key: WaitKey);
}
