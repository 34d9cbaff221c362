//! The synchronization primitives every Zokio crate uses: std's normally, loom's
//! when built with `--cfg loom`, so that the same protocol code is model-checked.
//!
//! Only what a lock-free or blocking protocol needs is here. `UnsafeCell` has
//! loom's closure-based API in both builds, because loom can only track accesses
//! it sees through `with`/`with_mut`.

#[cfg(not(loom))]
pub use std::sync::{Arc, Condvar, Mutex, MutexGuard, WaitTimeoutResult};
#[cfg(not(loom))]
pub use std::thread;

#[cfg(loom)]
pub use loom::sync::{Arc, Condvar, Mutex, MutexGuard, WaitTimeoutResult};
#[cfg(loom)]
pub use loom::thread;

/// Atomic types: `std::sync::atomic` or `loom::sync::atomic`.
pub mod atomic {
    #[cfg(not(loom))]
    pub use std::sync::atomic::{
        AtomicBool, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence,
    };

    #[cfg(loom)]
    pub use loom::sync::atomic::{
        AtomicBool, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence,
    };
}

#[cfg(loom)]
pub use loom::cell::UnsafeCell;

/// `std::cell::UnsafeCell` with loom's access API.
#[cfg(not(loom))]
#[derive(Debug, Default)]
#[repr(transparent)]
pub struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    /// Wraps `value`.
    #[inline]
    pub const fn new(value: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    /// Unwraps the value.
    #[inline]
    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

#[cfg(not(loom))]
impl<T: ?Sized> UnsafeCell<T> {
    /// Gives `f` a shared pointer to the value.
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Gives `f` a unique pointer to the value.
    #[inline]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// A spin-wait hint: `std::hint::spin_loop`, or under loom the point where
/// the model lets another thread run (a spin that never yields to loom would
/// never end there).
#[inline]
pub fn spin_loop() {
    #[cfg(not(loom))]
    std::hint::spin_loop();
    #[cfg(loom)]
    loom::hint::spin_loop();
}

/// Marks a Dekker handshake: a `SeqCst` store that a later `SeqCst` load
/// (of another atomic, by the same thread) must not pass, as in "announce I
/// sleep, then look for work" against "publish work, then look for a
/// sleeper". In real builds this is nothing: the total order of `SeqCst`
/// accesses already forbids both sides missing each other. loom models
/// `SeqCst` accesses as `AcqRel` (loom#180) but `SeqCst` fences exactly, so
/// under loom this is a `SeqCst` fence, which gives the model the guarantee
/// the code has.
#[inline(always)]
pub fn seq_cst_handshake() {
    #[cfg(loom)]
    loom::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
}

/// Runs `f` as a loom model when built with `--cfg loom`, directly otherwise.
/// Lets a protocol test be written once and run both ways.
pub fn model(f: impl Fn() + Sync + Send + 'static) {
    #[cfg(loom)]
    loom::model(f);
    #[cfg(not(loom))]
    f();
}
