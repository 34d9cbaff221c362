//! The driver a multi-thread scheduler's workers share: whoever takes it
//! parks on it (or polls it), the others park on their own parkers.
//!
//! Taking it is one compare-and-swap, and it is only ever *tried*: a worker
//! that finds it taken does something else, so no thread ever waits for it.
//! The driver is held by value, so parking on it is a direct call into the
//! concrete driver stack.

use std::fmt;

use zokio_core::sync::UnsafeCell;
use zokio_core::sync::atomic::{AtomicBool, Ordering};

pub(crate) struct DriverCell<D> {
    taken: AtomicBool,
    driver: UnsafeCell<D>,
}

// SAFETY: the driver is reached only through a `TakenDriver`, of which the
// `taken` flag allows one at a time, so the cell hands `&mut D` to one thread
// at a time; `D: Send` lets that thread be any thread.
unsafe impl<D: Send> Sync for DriverCell<D> {}

/// The right to use the driver, until dropped.
pub(crate) struct TakenDriver<'a, D> {
    cell: &'a DriverCell<D>,
}

impl<D> DriverCell<D> {
    pub(crate) fn new(driver: D) -> DriverCell<D> {
        DriverCell {
            taken: AtomicBool::new(false),
            driver: UnsafeCell::new(driver),
        }
    }

    /// Takes the driver, unless another thread has it.
    #[inline]
    pub(crate) fn try_take(&self) -> Option<TakenDriver<'_, D>> {
        // Acquire: what the last holder did to the driver happens before us.
        self.taken
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| TakenDriver { cell: self })
    }
}

impl<D> TakenDriver<'_, D> {
    /// Runs `f` on the driver.
    #[inline]
    pub(crate) fn with<R>(&mut self, f: impl FnOnce(&mut D) -> R) -> R {
        self.cell.driver.with_mut(|driver| {
            // SAFETY: this `TakenDriver` is the only one (the flag), and
            // `&mut self` makes this the only use of it: the access is unique.
            f(unsafe { &mut *driver })
        })
    }
}

impl<D> Drop for TakenDriver<'_, D> {
    #[inline]
    fn drop(&mut self) {
        // Release: our use of the driver happens before the next taker's.
        self.cell.taken.store(false, Ordering::Release);
    }
}

impl<D> fmt::Debug for DriverCell<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DriverCell")
            .field("taken", &self.taken.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn one_taker_at_a_time() {
        let cell = DriverCell::new(0u32);
        let mut first = cell.try_take().unwrap();
        assert!(cell.try_take().is_none());
        first.with(|n| *n += 1);
        drop(first);
        let mut again = cell.try_take().unwrap();
        assert_eq!(again.with(|n| *n), 1);
    }
}
