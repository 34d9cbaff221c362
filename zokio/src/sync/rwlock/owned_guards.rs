//! The guards that own an `Arc<RwLock<T>>`: `'static`, so they can move into
//! spawned tasks.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::RwLock;

/// Gives `permits` back to the lock when dropped. The owned guards hold one
/// and implement no `Drop` themselves, so mapping and downgrading move it
/// from guard to guard without unsafe code.
pub(super) struct OwnedRelease<T: ?Sized> {
    lock: Arc<RwLock<T>>,
    permits: u32,
}

impl<T: ?Sized> OwnedRelease<T> {
    /// For `permits` the caller holds.
    pub(super) fn new(lock: Arc<RwLock<T>>, permits: u32) -> OwnedRelease<T> {
        OwnedRelease { lock, permits }
    }

    /// Keeps one permit and gives the others back: from writer to reader.
    fn downgrade(&mut self) {
        let extra = self.permits - 1;
        self.permits = 1;
        self.lock.semaphore.release(extra as usize);
    }
}

impl<T: ?Sized> Drop for OwnedRelease<T> {
    fn drop(&mut self) {
        self.lock.semaphore.release(self.permits as usize);
    }
}

/// A read lock of an `Arc<RwLock<T>>`, from
/// [`RwLock::read_owned`](super::RwLock::read_owned); `U` is the part of `T`
/// it was mapped to.
#[clippy::has_significant_drop]
pub struct OwnedRwLockReadGuard<T: ?Sized, U: ?Sized = T> {
    release: OwnedRelease<T>,
    data: *const U,
}

/// The write lock of an `Arc<RwLock<T>>`, from
/// [`RwLock::write_owned`](super::RwLock::write_owned).
#[clippy::has_significant_drop]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    release: OwnedRelease<T>,
    data: *mut T,
}

/// An owned write lock narrowed to a part `U` of `T` by
/// [`OwnedRwLockWriteGuard::map`]; still holds the whole lock.
#[clippy::has_significant_drop]
pub struct OwnedRwLockMappedWriteGuard<T: ?Sized, U: ?Sized = T> {
    release: OwnedRelease<T>,
    data: *mut U,
}

// SAFETY: it owns a handle to the lock (moving which needs what sharing the
// lock needs: `T: Send + Sync`) and is a `&U` (moving which needs `U: Sync`).
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Send for OwnedRwLockReadGuard<T, U> {}
// SAFETY: sharing it shares the lock and `&U`.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync for OwnedRwLockReadGuard<T, U> {}
// SAFETY: a handle to the lock and a `&mut T`, as Tokio bounds it.
unsafe impl<T: ?Sized + Send + Sync> Send for OwnedRwLockWriteGuard<T> {}
// SAFETY: sharing it shares the lock and `&T`.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedRwLockWriteGuard<T> {}
// SAFETY: a handle to the lock and a `&mut U`.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Send
    for OwnedRwLockMappedWriteGuard<T, U>
{
}
// SAFETY: sharing it shares the lock and `&U`.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync
    for OwnedRwLockMappedWriteGuard<T, U>
{
}

impl<T: ?Sized> OwnedRwLockReadGuard<T> {
    pub(super) fn new(release: OwnedRelease<T>) -> OwnedRwLockReadGuard<T> {
        let data = release.lock.cell.with(|value| value);
        OwnedRwLockReadGuard { release, data }
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    /// Narrows the guard to a part of the value, keeping the lock alive and
    /// read-locked. An associated function, so that it cannot shadow a
    /// method of `U`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockReadGuard, RwLock};
    ///
    /// # zokio::block_on(async {
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// let second = OwnedRwLockReadGuard::map(lock.read_owned().await, |p| &p.1);
    /// assert_eq!(*second, 2);
    /// # });
    /// ```
    #[inline]
    pub fn map<F, V: ?Sized>(this: Self, f: F) -> OwnedRwLockReadGuard<T, V>
    where
        F: FnOnce(&U) -> &V,
    {
        let data = f(&*this) as *const V;
        OwnedRwLockReadGuard {
            release: this.release,
            data,
        }
    }

    /// Like [`map`](Self::map), but `f` may decline, giving the guard back.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockReadGuard, RwLock};
    ///
    /// # zokio::block_on(async {
    /// let lock = Arc::new(RwLock::new(vec![7]));
    /// let first = OwnedRwLockReadGuard::try_map(lock.read_owned().await, |v| v.first()).unwrap();
    /// assert_eq!(*first, 7);
    /// # });
    /// ```
    #[inline]
    pub fn try_map<F, V: ?Sized>(this: Self, f: F) -> Result<OwnedRwLockReadGuard<T, V>, Self>
    where
        F: FnOnce(&U) -> Option<&V>,
    {
        let data = match f(&*this) {
            Some(data) => data as *const V,
            None => return Err(this),
        };
        Ok(OwnedRwLockReadGuard {
            release: this.release,
            data,
        })
    }

    /// The lock this guard holds.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockReadGuard, RwLock};
    ///
    /// # zokio::block_on(async {
    /// let lock = Arc::new(RwLock::new(1));
    /// let guard = lock.clone().read_owned().await;
    /// assert!(Arc::ptr_eq(OwnedRwLockReadGuard::rwlock(&guard), &lock));
    /// # });
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.release.lock
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedRwLockReadGuard<T, U> {
    type Target = U;

    fn deref(&self) -> &U {
        // SAFETY: `data` points into the value of the lock that `release`
        // keeps alive and holds a read permit of.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    pub(super) fn new(release: OwnedRelease<T>) -> OwnedRwLockWriteGuard<T> {
        let data = release.lock.cell.with_mut(|value| value);
        OwnedRwLockWriteGuard { release, data }
    }

    /// Narrows the guard to a part of the value, keeping the lock alive and
    /// write-locked.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// # zokio::block_on(async {
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// let mut first = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |p| &mut p.0);
    /// *first = 5;
    /// drop(first);
    /// assert_eq!(*lock.read().await, (5, 2));
    /// # });
    /// ```
    #[inline]
    pub fn map<F, U: ?Sized>(mut this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        OwnedRwLockMappedWriteGuard {
            release: this.release,
            data,
        }
    }

    /// Turns the write lock into a read lock of a part of the value, without
    /// letting a writer in between. `f` runs while the write lock is held.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// # zokio::block_on(async {
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// let guard = lock.clone().write_owned().await;
    /// let second = OwnedRwLockWriteGuard::downgrade_map(guard, |p| &p.1);
    /// assert_eq!(*second, 2);
    /// assert!(lock.try_read().is_ok());
    /// # });
    /// ```
    #[inline]
    pub fn downgrade_map<F, U: ?Sized>(this: Self, f: F) -> OwnedRwLockReadGuard<T, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let data = f(&*this) as *const U;
        let mut release = this.release;
        release.downgrade();
        OwnedRwLockReadGuard { release, data }
    }

    /// Like [`map`](Self::map), but `f` may decline, giving the guard back.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// # zokio::block_on(async {
    /// let lock = Arc::new(RwLock::new(Some(1)));
    /// let inner = OwnedRwLockWriteGuard::try_map(lock.write_owned().await, |o| o.as_mut());
    /// assert_eq!(*inner.unwrap(), 1);
    /// # });
    /// ```
    #[inline]
    pub fn try_map<F, U: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        Ok(OwnedRwLockMappedWriteGuard {
            release: this.release,
            data,
        })
    }

    /// Like [`downgrade_map`](Self::downgrade_map), but `f` may decline,
    /// giving the write guard back.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// # zokio::block_on(async {
    /// let lock = Arc::new(RwLock::new(vec![1]));
    /// let guard = lock.clone().write_owned().await;
    /// let guard = OwnedRwLockWriteGuard::try_downgrade_map(guard, |v| v.get(9)).unwrap_err();
    /// let first = OwnedRwLockWriteGuard::try_downgrade_map(guard, |v| v.first()).unwrap();
    /// assert_eq!(*first, 1);
    /// # });
    /// ```
    #[inline]
    pub fn try_downgrade_map<F, U: ?Sized>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockReadGuard<T, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let data = match f(&*this) {
            Some(data) => data as *const U,
            None => return Err(this),
        };
        let mut release = this.release;
        release.downgrade();
        Ok(OwnedRwLockReadGuard { release, data })
    }

    /// The whole value as a mapped guard.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// # zokio::block_on(async {
    /// let lock = Arc::new(RwLock::new(1));
    /// let mut mapped = OwnedRwLockWriteGuard::into_mapped(lock.write_owned().await);
    /// *mapped = 2;
    /// # });
    /// ```
    #[inline]
    pub fn into_mapped(this: Self) -> OwnedRwLockMappedWriteGuard<T> {
        OwnedRwLockWriteGuard::map(this, |value| value)
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
    /// let mut writer = lock.clone().write_owned().await;
    /// *writer = 2;
    /// let reader = writer.downgrade();
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// assert!(lock.try_write().is_err());
    /// # drop(reader);
    /// # });
    /// ```
    pub fn downgrade(self) -> OwnedRwLockReadGuard<T> {
        let data = self.data as *const T;
        let mut release = self.release;
        release.downgrade();
        OwnedRwLockReadGuard { release, data }
    }

    /// The lock this guard holds.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// # zokio::block_on(async {
    /// let lock = Arc::new(RwLock::new(1));
    /// let guard = lock.clone().write_owned().await;
    /// assert!(Arc::ptr_eq(OwnedRwLockWriteGuard::rwlock(&guard), &lock));
    /// # });
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.release.lock
    }
}

impl<T: ?Sized> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: `release` keeps the lock alive and holds all its permits.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only borrow.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockMappedWriteGuard<T, U> {
    /// Narrows the guard further.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    ///
    /// # zokio::block_on(async {
    /// let lock = Arc::new(RwLock::new(((1, 2), 3)));
    /// let outer = OwnedRwLockWriteGuard::map(lock.write_owned().await, |v| &mut v.0);
    /// let inner = OwnedRwLockMappedWriteGuard::map(outer, |v| &mut v.0);
    /// assert_eq!(*inner, 1);
    /// # });
    /// ```
    #[inline]
    pub fn map<F, V: ?Sized>(mut this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, V>
    where
        F: FnOnce(&mut U) -> &mut V,
    {
        let data = f(&mut *this) as *mut V;
        OwnedRwLockMappedWriteGuard {
            release: this.release,
            data,
        }
    }

    /// Like [`map`](Self::map), but `f` may decline, giving the guard back.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    ///
    /// # zokio::block_on(async {
    /// let lock = Arc::new(RwLock::new((None::<u8>, 3)));
    /// let first = OwnedRwLockWriteGuard::map(lock.write_owned().await, |v| &mut v.0);
    /// assert!(OwnedRwLockMappedWriteGuard::try_map(first, |v| v.as_mut()).is_err());
    /// # });
    /// ```
    #[inline]
    pub fn try_map<F, V: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, V>, Self>
    where
        F: FnOnce(&mut U) -> Option<&mut V>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut V,
            None => return Err(this),
        };
        Ok(OwnedRwLockMappedWriteGuard {
            release: this.release,
            data,
        })
    }

    /// The lock this guard holds.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    ///
    /// # zokio::block_on(async {
    /// let lock = Arc::new(RwLock::new(1));
    /// let guard = OwnedRwLockWriteGuard::into_mapped(lock.clone().write_owned().await);
    /// assert!(Arc::ptr_eq(OwnedRwLockMappedWriteGuard::rwlock(&guard), &lock));
    /// # });
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.release.lock
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedRwLockMappedWriteGuard<T, U> {
    type Target = U;

    fn deref(&self) -> &U {
        // SAFETY: `data` points into the value of the lock that `release`
        // keeps alive and holds all the permits of.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedRwLockMappedWriteGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: as in `deref`; `&mut self` makes this the only borrow.
        unsafe { &mut *self.data }
    }
}

macro_rules! forward_fmt {
    ($([$($gen:tt)*] $guard:ty => $target:ident;)*) => {$(
        impl<$($gen)*> fmt::Debug for $guard
        where
            $target: fmt::Debug,
        {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }

        impl<$($gen)*> fmt::Display for $guard
        where
            $target: fmt::Display,
        {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&**self, f)
            }
        }
    )*};
}

forward_fmt! {
    [T: ?Sized, U: ?Sized] OwnedRwLockReadGuard<T, U> => U;
    [T: ?Sized] OwnedRwLockWriteGuard<T> => T;
    [T: ?Sized, U: ?Sized] OwnedRwLockMappedWriteGuard<T, U> => U;
}
