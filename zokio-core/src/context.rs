//! Per-thread context: whether this thread is a runtime worker, and the slots
//! in which each layer keeps its handle for the current thread.
//!
//! A scheduler marks its worker threads with [`enter_runtime`]; [`block_on`]
//! refuses to run on them. Each layer declares its own [`Slot`] in a
//! `thread_local!` and [`enter`]s it when a thread joins a runtime, so that
//! `spawn`, `sleep` or `TcpStream::connect` find their layer without
//! arguments, and a layer used alone never sees another's state.
//!
//! [`block_on`]: crate::block_on()

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::thread::LocalKey;

thread_local! {
    static IN_RUNTIME: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as a runtime worker until dropped.
#[derive(Debug)]
#[must_use = "the thread leaves the runtime when the guard is dropped"]
pub struct RuntimeGuard {
    was_in_runtime: bool,
    _not_send: PhantomData<*const ()>,
}

/// Marks this thread as a runtime worker; `None` if it already is one (a
/// runtime started from inside another).
///
/// ```
/// use zokio_core::context;
///
/// let guard = context::enter_runtime().unwrap();
/// assert!(context::is_in_runtime());
/// assert!(context::enter_runtime().is_none());
/// drop(guard);
/// assert!(!context::is_in_runtime());
/// ```
pub fn enter_runtime() -> Option<RuntimeGuard> {
    if IN_RUNTIME.with(|c| c.replace(true)) {
        return None;
    }
    Some(RuntimeGuard {
        was_in_runtime: false,
        _not_send: PhantomData,
    })
}

/// Runs `f` as if this thread were not a runtime worker, for code that blocks
/// on purpose (a blocking section inside a worker).
///
/// ```
/// use zokio_core::context;
///
/// let _worker = context::enter_runtime().unwrap();
/// let v = context::exit_runtime(|| zokio_core::block_on(async { 5 }));
/// assert_eq!(v, 5);
/// assert!(context::is_in_runtime());
/// ```
pub fn exit_runtime<R>(f: impl FnOnce() -> R) -> R {
    let _restore = RuntimeGuard {
        was_in_runtime: IN_RUNTIME.with(|c| c.replace(false)),
        _not_send: PhantomData,
    };
    f()
}

/// True on a thread marked by [`enter_runtime`].
#[inline]
pub fn is_in_runtime() -> bool {
    IN_RUNTIME.try_with(Cell::get).unwrap_or(false)
}

impl Drop for RuntimeGuard {
    fn drop(&mut self) {
        let _ = IN_RUNTIME.try_with(|c| c.set(self.was_in_runtime));
    }
}

/// A per-thread slot for one layer's handle (a scheduler's spawner, a timer
/// wheel, a reactor). Declare it in a `thread_local!` and fill it with [`enter`].
///
/// ```
/// use std::sync::Arc;
/// use zokio_core::context::{self, Slot};
///
/// struct Wheel { resolution_ms: u64 }
///
/// thread_local! {
///     static CURRENT_WHEEL: Slot<Arc<Wheel>> = const { Slot::new() };
/// }
///
/// let wheel = Arc::new(Wheel { resolution_ms: 1 });
/// let guard = context::enter(&CURRENT_WHEEL, wheel);
/// let ms = CURRENT_WHEEL.with(|slot| slot.with(|w| w.map(|w| w.resolution_ms)));
/// assert_eq!(ms, Some(1));
/// drop(guard);
/// assert!(CURRENT_WHEEL.with(|slot| slot.get()).is_none());
/// ```
#[derive(Debug)]
pub struct Slot<T> {
    current: RefCell<Option<T>>,
}

impl<T> Slot<T> {
    /// An empty slot.
    pub const fn new() -> Self {
        Slot {
            current: RefCell::new(None),
        }
    }

    /// Calls `f` with the current handle, if any.
    ///
    /// # Panics
    ///
    /// If `f` calls [`enter`] on this same slot.
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        f(self.current.borrow().as_ref())
    }

    /// Replaces the handle, returning the previous one. For settings that last
    /// a thread's whole life (a worker's start and stop hooks); scoped code
    /// uses [`enter`], which restores the previous handle for you.
    ///
    /// ```
    /// use zokio_core::context::Slot;
    ///
    /// thread_local! {
    ///     static NAME: Slot<&'static str> = const { Slot::new() };
    /// }
    /// NAME.with(|s| s.replace(Some("worker-1")));
    /// assert_eq!(NAME.with(Slot::get), Some("worker-1"));
    /// assert_eq!(NAME.with(|s| s.replace(None)), Some("worker-1"));
    /// ```
    pub fn replace(&self, value: Option<T>) -> Option<T> {
        self.current.replace(value)
    }

    /// A clone of the current handle.
    pub fn get(&self) -> Option<T>
    where
        T: Clone,
    {
        self.current.borrow().clone()
    }
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot::new()
    }
}

/// Restores a [`Slot`]'s previous handle when dropped.
#[must_use = "the handle is removed from the slot when the guard is dropped"]
pub struct SlotGuard<T: 'static> {
    key: &'static LocalKey<Slot<T>>,
    previous: Option<T>,
    _not_send: PhantomData<*const ()>,
}

/// Puts `value` in this thread's `key` slot until the guard is dropped. Guards
/// nest: dropping one restores what was there before it.
pub fn enter<T: 'static>(key: &'static LocalKey<Slot<T>>, value: T) -> SlotGuard<T> {
    let previous = key.with(|slot| slot.current.replace(Some(value)));
    SlotGuard {
        key,
        previous,
        _not_send: PhantomData,
    }
}

impl<T: 'static> Drop for SlotGuard<T> {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // The thread may be exiting; then there is nothing to restore.
        let _ = self.key.try_with(|slot| {
            drop(slot.current.replace(previous));
        });
    }
}
