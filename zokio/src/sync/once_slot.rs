//! `OnceSlot`: the storage of `OnceCell` and `SetOnce`, a value written once
//! by whoever holds the right to write it, then read by everyone.
//!
//! The protocol: `set` is false until the value is fully written; the one
//! writer (the caller of `publish`, which the owning primitive makes sure is
//! alone) writes the value, then stores `set` with Release; a reader that
//! loads `set` as true with Acquire may read the value, which is never written
//! again while shared. With `&mut self` anything goes.

use std::fmt;
use std::mem::MaybeUninit;

use zokio_core::sync::UnsafeCell;
use zokio_core::sync::atomic::{AtomicBool, Ordering};

pub(crate) struct OnceSlot<T> {
    set: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
}

// SAFETY: a shared `OnceSlot` hands out `&T` to any thread (so `T: Sync`) and
// takes a `T` written on one thread to be read or dropped on another (so
// `T: Send`); the `set` flag orders the write before every read.
unsafe impl<T: Send + Sync> Sync for OnceSlot<T> {}
// SAFETY: moving the slot moves the `T` it may hold, which needs `T: Send`.
unsafe impl<T: Send> Send for OnceSlot<T> {}

impl<T> OnceSlot<T> {
    /// loom's primitives have no `const` constructors, hence two of each.
    #[cfg(not(loom))]
    pub(crate) const fn empty() -> OnceSlot<T> {
        OnceSlot {
            set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    #[cfg(loom)]
    pub(crate) fn empty() -> OnceSlot<T> {
        OnceSlot {
            set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    #[cfg(not(loom))]
    pub(crate) const fn full(value: T) -> OnceSlot<T> {
        OnceSlot {
            set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
        }
    }

    #[cfg(loom)]
    pub(crate) fn full(value: T) -> OnceSlot<T> {
        OnceSlot {
            set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
        }
    }

    pub(crate) fn from_option(value: Option<T>) -> OnceSlot<T> {
        match value {
            Some(value) => OnceSlot::full(value),
            None => OnceSlot::empty(),
        }
    }

    pub(crate) fn is_set(&self) -> bool {
        self.set.load(Ordering::Acquire)
    }

    pub(crate) fn get(&self) -> Option<&T> {
        if !self.is_set() {
            return None;
        }
        // SAFETY: `set` was loaded true with Acquire, after the writer wrote
        // the value and stored `set` with Release; the value is not written
        // again while `&self` is shared.
        Some(unsafe { &*self.value.with(|ptr| (*ptr).as_ptr()) })
    }

    /// Writes the value and makes it visible to `get`.
    ///
    /// # Safety
    ///
    /// The slot is empty and the caller is its only writer until this
    /// returns: no other `publish` runs concurrently.
    pub(crate) unsafe fn publish(&self, value: T) -> &T {
        // SAFETY: the caller is the only writer and the slot is empty, so no
        // reader looks at the value until `set` is stored below.
        self.value.with_mut(|ptr| unsafe { (*ptr).write(value) });
        self.set.store(true, Ordering::Release);
        // SAFETY: just written, and never written again while shared.
        unsafe { &*self.value.with(|ptr| (*ptr).as_ptr()) }
    }

    pub(crate) fn get_mut(&mut self) -> Option<&mut T> {
        if !self.is_set() {
            return None;
        }
        // SAFETY: `set`, so the value is written; `&mut self` makes this the
        // only access.
        Some(unsafe { &mut *self.value.with_mut(|ptr| (*ptr).as_mut_ptr()) })
    }

    /// Moves the value out, leaving the slot empty.
    pub(crate) fn take(&mut self) -> Option<T> {
        if !self.is_set() {
            return None;
        }
        self.set.store(false, Ordering::Relaxed);
        // SAFETY: the value was written (`set` was true) and, `set` now
        // false, is not read or dropped again: it is moved out exactly once.
        Some(unsafe { self.value.with(|ptr| (*ptr).assume_init_read()) })
    }
}

impl<T> Drop for OnceSlot<T> {
    fn drop(&mut self) {
        drop(self.take());
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceSlot<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}
