//! The guards that borrow an [`RwLock`](super::RwLock).

use std::fmt;
use std::marker::PhantomData;
use std::mem;
use std::ops::{Deref, DerefMut};

use crate::sync::batch_semaphore::BatchSemaphore;

/// A read lock of an [`RwLock`](super::RwLock), held until dropped.
#[clippy::has_significant_drop]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    pub(super) semaphore: &'a BatchSemaphore,
    pub(super) data: *const T,
    pub(super) marker: PhantomData<&'a T>,
}

/// The write lock of an [`RwLock`](super::RwLock), held until dropped.
#[clippy::has_significant_drop]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    pub(super) permits: u32,
    pub(super) semaphore: &'a BatchSemaphore,
    pub(super) data: *mut T,
    pub(super) marker: PhantomData<&'a mut T>,
}

/// A write lock narrowed to a part of the value by [`RwLockWriteGuard::map`];
/// still holds the whole lock. It cannot be downgraded: a reader could see
/// the parts the mapping hid.
#[clippy::has_significant_drop]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    pub(super) permits: u32,
    pub(super) semaphore: &'a BatchSemaphore,
    pub(super) data: *mut T,
    pub(super) marker: PhantomData<&'a mut T>,
}

// SAFETY: a read guard is a `&T` in all but name (readers share the value),
// so moving it needs `T: Sync`.
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}
// SAFETY: sharing it shares `&T`; `T: Send` as Tokio requires, since the
// lock it came from needs it.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: a write guard is a `&mut T` (it holds every permit); moving it
// needs `T: Send`, and Tokio also asks `T: Sync` of it.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<'_, T> {}
// SAFETY: sharing it shares `&T`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockWriteGuard<'_, T> {}
// SAFETY: as for `RwLockWriteGuard`.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: as for `RwLockWriteGuard`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockMappedWriteGuard<'_, T> {}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// Narrows the guard to a part of the value; the read lock is held until
    /// the new guard is dropped. An associated function, so that it cannot
    /// shadow a method of `T`.
    ///
    /// ```
    /// use zokio::sync::{RwLock, RwLockReadGuard};
    ///
    /// # zokio::block_on(async {
    /// let lock = RwLock::new((1, 2));
    /// let first = RwLockReadGuard::map(lock.read().await, |p| &p.0);
    /// assert_eq!(*first, 1);
    /// # });
    /// ```
    #[inline]
    pub fn map<F, U: ?Sized>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let data = f(&*this) as *const U;
        let semaphore = this.semaphore;
        // The new guard takes over the permit.
        mem::forget(this);
        RwLockReadGuard {
            semaphore,
            data,
            marker: PhantomData,
        }
    }

    /// Like [`map`](Self::map), but `f` may decline, giving the guard back.
    ///
    /// ```
    /// use zokio::sync::{RwLock, RwLockReadGuard};
    ///
    /// # zokio::block_on(async {
    /// let lock = RwLock::new(vec![1]);
    /// let guard = RwLockReadGuard::try_map(lock.read().await, |v| v.get(3)).unwrap_err();
    /// let first = RwLockReadGuard::try_map(guard, |v| v.first()).unwrap();
    /// assert_eq!(*first, 1);
    /// # });
    /// ```
    #[inline]
    pub fn try_map<F, U: ?Sized>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let data = match f(&*this) {
            Some(data) => data as *const U,
            None => return Err(this),
        };
        let semaphore = this.semaphore;
        mem::forget(this);
        Ok(RwLockReadGuard {
            semaphore,
            data,
            marker: PhantomData,
        })
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: `data` points into the value of a lock of which this guard
        // holds a read permit, so no writer exists while it lives.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.semaphore.release(1);
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Narrows the guard to a part of the value; the write lock is held until
    /// the new guard is dropped.
    ///
    /// ```
    /// use zokio::sync::{RwLock, RwLockWriteGuard};
    ///
    /// # zokio::block_on(async {
    /// let lock = RwLock::new((1, 2));
    /// let mut first = RwLockWriteGuard::map(lock.write().await, |p| &mut p.0);
    /// *first = 3;
    /// drop(first);
    /// assert_eq!(*lock.read().await, (3, 2));
    /// # });
    /// ```
    #[inline]
    pub fn map<F, U: ?Sized>(mut this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        let (permits, semaphore) = (this.permits, this.semaphore);
        mem::forget(this);
        RwLockMappedWriteGuard {
            permits,
            semaphore,
            data,
            marker: PhantomData,
        }
    }

    /// Like [`map`](Self::map), but `f` may decline, giving the guard back.
    ///
    /// ```
    /// use zokio::sync::{RwLock, RwLockWriteGuard};
    ///
    /// # zokio::block_on(async {
    /// let lock = RwLock::new(Some(1));
    /// let mut inner = RwLockWriteGuard::try_map(lock.write().await, |o| o.as_mut()).unwrap();
    /// *inner = 2;
    /// # });
    /// ```
    #[inline]
    pub fn try_map<F, U: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let (permits, semaphore) = (this.permits, this.semaphore);
        mem::forget(this);
        Ok(RwLockMappedWriteGuard {
            permits,
            semaphore,
            data,
            marker: PhantomData,
        })
    }

    /// Turns the write lock into a read lock of a part of the value, without
    /// letting a writer in between; readers queued behind this writer are
    /// admitted. `f` runs while the write lock is still held.
    ///
    /// ```
    /// use zokio::sync::{RwLock, RwLockWriteGuard};
    ///
    /// # zokio::block_on(async {
    /// let lock = RwLock::new((1, 2));
    /// let mut guard = lock.write().await;
    /// guard.1 = 3;
    /// let second = RwLockWriteGuard::downgrade_map(guard, |p| &p.1);
    /// assert_eq!(*second, 3);
    /// assert!(lock.try_read().is_ok(), "other readers are admitted");
    /// # });
    /// ```
    #[inline]
    pub fn downgrade_map<F, U: ?Sized>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let data = f(&*this) as *const U;
        this.into_read_guard(data)
    }

    /// Like [`downgrade_map`](Self::downgrade_map), but `f` may decline,
    /// giving the write guard back.
    ///
    /// ```
    /// use zokio::sync::{RwLock, RwLockWriteGuard};
    ///
    /// # zokio::block_on(async {
    /// let lock = RwLock::new(vec![1]);
    /// let guard = lock.write().await;
    /// let guard = RwLockWriteGuard::try_downgrade_map(guard, |v| v.get(5)).unwrap_err();
    /// let first = RwLockWriteGuard::try_downgrade_map(guard, |v| v.first()).unwrap();
    /// assert_eq!(*first, 1);
    /// # });
    /// ```
    #[inline]
    pub fn try_downgrade_map<F, U: ?Sized>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let data = match f(&*this) {
            Some(data) => data as *const U,
            None => return Err(this),
        };
        Ok(this.into_read_guard(data))
    }

    /// The whole value as a mapped guard, for code that handles both.
    ///
    /// ```
    /// use zokio::sync::{RwLock, RwLockWriteGuard};
    ///
    /// # zokio::block_on(async {
    /// let lock = RwLock::new(1);
    /// let mut mapped = RwLockWriteGuard::into_mapped(lock.write().await);
    /// *mapped = 2;
    /// # });
    /// ```
    #[inline]
    pub fn into_mapped(this: Self) -> RwLockMappedWriteGuard<'a, T> {
        RwLockWriteGuard::map(this, |value| value)
    }

    /// Turns the write lock into a read lock, without letting a writer in
    /// between; readers queued behind this writer are admitted.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::RwLock;
    ///
    /// # zokio::block_on(async {
    /// let lock = Arc::new(RwLock::new(1));
    /// let mut writer = lock.write().await;
    /// *writer = 2;
    /// let reader = writer.downgrade();
    /// assert_eq!(*reader, 2);
    /// assert_eq!(*lock.try_read().unwrap(), 2, "readers are admitted");
    /// assert!(lock.try_write().is_err(), "writers are not");
    /// # });
    /// ```
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        let data = self.data as *const T;
        self.into_read_guard(data)
    }

    /// Keeps one permit as a read guard of `data` and releases the others.
    fn into_read_guard<U: ?Sized>(self, data: *const U) -> RwLockReadGuard<'a, U> {
        let (permits, semaphore) = (self.permits, self.semaphore);
        mem::forget(self);
        let guard = RwLockReadGuard {
            semaphore,
            data,
            marker: PhantomData,
        };
        semaphore.release(permits as usize - 1);
        guard
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard holds every permit of the lock.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds every permit of the lock, and `&mut self`
        // makes this the only borrow through it.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.semaphore.release(self.permits as usize);
    }
}

impl<'a, T: ?Sized> RwLockMappedWriteGuard<'a, T> {
    /// Narrows the guard further.
    ///
    /// ```
    /// use zokio::sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    ///
    /// # zokio::block_on(async {
    /// let lock = RwLock::new(((1, 2), 3));
    /// let outer = RwLockWriteGuard::map(lock.write().await, |v| &mut v.0);
    /// let inner = RwLockMappedWriteGuard::map(outer, |v| &mut v.1);
    /// assert_eq!(*inner, 2);
    /// # });
    /// ```
    #[inline]
    pub fn map<F, U: ?Sized>(mut this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        let (permits, semaphore) = (this.permits, this.semaphore);
        mem::forget(this);
        RwLockMappedWriteGuard {
            permits,
            semaphore,
            data,
            marker: PhantomData,
        }
    }

    /// Like [`map`](Self::map), but `f` may decline, giving the guard back.
    ///
    /// ```
    /// use zokio::sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    ///
    /// # zokio::block_on(async {
    /// let lock = RwLock::new((None::<u8>, 3));
    /// let first = RwLockWriteGuard::map(lock.write().await, |v| &mut v.0);
    /// assert!(RwLockMappedWriteGuard::try_map(first, |v| v.as_mut()).is_err());
    /// # });
    /// ```
    #[inline]
    pub fn try_map<F, U: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let (permits, semaphore) = (this.permits, this.semaphore);
        mem::forget(this);
        Ok(RwLockMappedWriteGuard {
            permits,
            semaphore,
            data,
            marker: PhantomData,
        })
    }
}

impl<T: ?Sized> Deref for RwLockMappedWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: `data` points into the value of a lock of which this guard
        // holds every permit.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for RwLockMappedWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only borrow.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Drop for RwLockMappedWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.semaphore.release(self.permits as usize);
    }
}

macro_rules! forward_fmt {
    ($($guard:ident),*) => {$(
        impl<T: ?Sized + fmt::Debug> fmt::Debug for $guard<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }

        impl<T: ?Sized + fmt::Display> fmt::Display for $guard<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&**self, f)
            }
        }
    )*};
}

forward_fmt!(RwLockReadGuard, RwLockWriteGuard, RwLockMappedWriteGuard);
