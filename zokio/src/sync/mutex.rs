//! `Mutex`: a fair asynchronous mutual-exclusion lock, with Tokio's API.

use std::error::Error;
use std::fmt;
use std::marker::PhantomData;
use std::mem;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use zokio_core::sync::UnsafeCell;

use super::batch_semaphore::BatchSemaphore;
use super::blocking;

/// An asynchronous mutex: [`lock`](Self::lock) waits, without blocking the
/// thread, until the value is free, and the guard it returns may be held
/// across `.await` points.
///
/// The lock is **fair**: tasks get it in the order they asked for it, so no
/// task starves. Locking and unlocking it when nobody waits is one atomic
/// operation each.
///
/// Prefer `std::sync::Mutex` when the guard is never held across an
/// `.await`: it is cheaper. This one is for state that a task must keep
/// locked while it waits on something else (a connection, a timer).
///
/// # Cancel safety
///
/// [`lock`](Self::lock) is cancel-safe: a lock future dropped before it
/// resolves leaves the queue (losing its place) and never takes the lock.
/// Waiting spends the task's cooperative budget, like any Zokio resource.
///
/// ```
/// use std::sync::Arc;
/// use zokio::sync::Mutex;
///
/// # zokio::run(async {
/// let count = Arc::new(Mutex::new(0));
/// let mut tasks = Vec::new();
/// for _ in 0..10 {
///     let count = count.clone();
///     tasks.push(zokio::spawn(async move {
///         let mut n = count.lock().await;
///         zokio::task::yield_now().await; // held across an await
///         *n += 1;
///     }));
/// }
/// for task in tasks {
///     task.await.unwrap();
/// }
/// assert_eq!(*count.lock().await, 10);
/// # });
/// ```
pub struct Mutex<T: ?Sized> {
    semaphore: BatchSemaphore,
    cell: UnsafeCell<T>,
}

/// The lock of a [`Mutex`], held until dropped; gives access to the value.
#[clippy::has_significant_drop]
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    lock: &'a Mutex<T>,
}

/// The lock of an `Arc<Mutex<T>>`, from [`Mutex::lock_owned`]: `'static`, so
/// it can move into a spawned task.
#[clippy::has_significant_drop]
pub struct OwnedMutexGuard<T: ?Sized> {
    lock: OwnedUnlock<T>,
}

/// A [`MutexGuard`] narrowed to a part of the value by
/// [`MutexGuard::map`]; still holds the whole lock.
#[clippy::has_significant_drop]
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    semaphore: &'a BatchSemaphore,
    data: *mut T,
    marker: PhantomData<&'a mut T>,
}

/// An [`OwnedMutexGuard`] narrowed to a part `U` of the value `T` by
/// [`OwnedMutexGuard::map`]; still holds the whole lock.
#[clippy::has_significant_drop]
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMappedMutexGuard<T: ?Sized, U: ?Sized = T> {
    lock: OwnedUnlock<T>,
    data: *mut U,
}

/// Unlocks an `Arc<Mutex<T>>` when dropped. The owned guards hold one and
/// implement no `Drop` themselves, so mapping can move it from guard to
/// guard without unsafe code.
struct OwnedUnlock<T: ?Sized>(Arc<Mutex<T>>);

impl<T: ?Sized> Drop for OwnedUnlock<T> {
    fn drop(&mut self) {
        self.0.semaphore.release(1);
    }
}

// The value is reached only through a guard, and the semaphore's one
// permit admits a single guard at a time, so sharing the mutex only ever
// moves the value between threads: `T: Send` suffices, as for
// `std::sync::Mutex`.
// SAFETY: one guard at a time, so `T: Send` suffices.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: as above: one guard at a time, so `&Mutex<T>` never lets two
// threads touch the value at once.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}
// SAFETY: a shared guard hands out `&T` on every thread that shares it, so
// `T: Sync` is needed on top of what moving the lock needs.
unsafe impl<T: ?Sized + Send + Sync> Sync for MutexGuard<'_, T> {}
// SAFETY: as for `MutexGuard`.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedMutexGuard<T> {}
// SAFETY: the pointer is a unique borrow of part of the locked value, valid
// while the permit is held, so the guard is a `&mut T` in all but name.
unsafe impl<T: ?Sized + Sync> Sync for MappedMutexGuard<'_, T> {}
// SAFETY: as above; moving a `&mut T` to another thread needs `T: Send`.
unsafe impl<T: ?Sized + Send> Send for MappedMutexGuard<'_, T> {}
// SAFETY: holds the `Arc<Mutex<T>>` and a unique borrow of part `U` of its
// value; sharing it shares `&U` and the mutex.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync for OwnedMappedMutexGuard<T, U> {}
// SAFETY: moving it moves the `Arc<Mutex<T>>` (needs `T: Send`) and a
// `&mut U` (needs `U: Send`).
unsafe impl<T: ?Sized + Send, U: ?Sized + Send> Send for OwnedMappedMutexGuard<T, U> {}

/// The error of [`Mutex::try_lock`] and of [`RwLock`](super::RwLock)'s
/// `try_*` methods: the lock is held (or others wait for it).
///
/// ```
/// let mutex = zokio::sync::Mutex::new(1);
/// let _guard = mutex.try_lock().unwrap();
/// assert_eq!(mutex.try_lock().unwrap_err().to_string(), "operation would block");
/// ```
#[derive(Debug)]
pub struct TryLockError(pub(super) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl Error for TryLockError {}

impl<T: ?Sized> Mutex<T> {
    /// A new, unlocked mutex holding `value`.
    ///
    /// ```
    /// let lock = zokio::sync::Mutex::new(5);
    /// # assert_eq!(lock.into_inner(), 5);
    /// ```
    pub fn new(value: T) -> Mutex<T>
    where
        T: Sized,
    {
        Mutex {
            semaphore: BatchSemaphore::new(1),
            cell: UnsafeCell::new(value),
        }
    }

    /// [`new`](Self::new) in a `const` context, for a `static` mutex.
    ///
    /// ```
    /// use zokio::sync::Mutex;
    ///
    /// static LOCK: Mutex<i32> = Mutex::const_new(5);
    /// # assert_eq!(*LOCK.try_lock().unwrap(), 5);
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(value: T) -> Mutex<T>
    where
        T: Sized,
    {
        Mutex {
            semaphore: BatchSemaphore::const_new(1),
            cell: UnsafeCell::new(value),
        }
    }

    /// Waits for the lock, behind every task that asked before, and returns
    /// its guard; the mutex unlocks when the guard is dropped.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future before it resolves gives up its
    /// place in the queue and leaves the mutex as it was.
    ///
    /// Each poll spends one unit of the task's cooperative budget, as in
    /// Tokio: a task that has used up its budget yields here even when the
    /// lock is free, so a loop of uncontended locks cannot starve its worker.
    ///
    /// ```
    /// # zokio::block_on(async {
    /// let mutex = zokio::sync::Mutex::new(1);
    /// let mut n = mutex.lock().await;
    /// *n = 2;
    /// # drop(n);
    /// # assert_eq!(mutex.into_inner(), 2);
    /// # });
    /// ```
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        self.acquire().await;
        MutexGuard { lock: self }
    }

    /// Blocks the thread until the lock is taken, for synchronous code that
    /// shares the mutex with tasks.
    ///
    /// # Panics
    ///
    /// On a runtime worker thread (in a task or inside `Runtime::block_on`):
    /// use [`lock`](Self::lock) there.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Mutex;
    ///
    /// let mutex = Arc::new(Mutex::new(1));
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let task = {
    ///     let mutex = mutex.clone();
    ///     rt.spawn_blocking(move || *mutex.blocking_lock() += 1)
    /// };
    /// rt.block_on(task).unwrap();
    /// assert_eq!(*mutex.blocking_lock(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        blocking::block_on(self.lock())
    }

    /// [`blocking_lock`](Self::blocking_lock) for an `Arc<Mutex<T>>`,
    /// returning an owned guard.
    ///
    /// # Panics
    ///
    /// On a runtime worker thread.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let mutex = Arc::new(zokio::sync::Mutex::new(1));
    /// let mut guard = mutex.clone().blocking_lock_owned();
    /// std::thread::spawn(move || *guard = 2).join().unwrap();
    /// assert_eq!(*mutex.blocking_lock(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        blocking::block_on(self.lock_owned())
    }

    /// [`lock`](Self::lock) for an `Arc<Mutex<T>>`: the guard keeps the mutex
    /// alive and is `'static`. Cancel-safe, as `lock`.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # zokio::run(async {
    /// let mutex = Arc::new(zokio::sync::Mutex::new(1));
    /// let mut guard = mutex.clone().lock_owned().await;
    /// zokio::spawn(async move { *guard = 2 }).await.unwrap();
    /// assert_eq!(*mutex.lock().await, 2);
    /// # });
    /// ```
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        self.acquire().await;
        OwnedMutexGuard {
            lock: OwnedUnlock(self),
        }
    }

    async fn acquire(&self) {
        // A mutex's semaphore is never closed.
        if self.semaphore.acquire(1).await.is_err() {
            unreachable!("a Mutex's semaphore was closed");
        }
    }

    /// Takes the lock if it is free now and nobody waits for it.
    ///
    /// ```
    /// let mutex = zokio::sync::Mutex::new(1);
    /// let guard = mutex.try_lock().unwrap();
    /// assert!(mutex.try_lock().is_err());
    /// drop(guard);
    /// assert!(mutex.try_lock().is_ok());
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match self.semaphore.try_acquire(1) {
            Ok(()) => Ok(MutexGuard { lock: self }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// The value, through a unique borrow: no locking is needed.
    ///
    /// ```
    /// let mut mutex = zokio::sync::Mutex::new(1);
    /// *mutex.get_mut() = 2;
    /// assert_eq!(mutex.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves no guard exists (each borrows the mutex).
        self.cell.with_mut(|value| unsafe { &mut *value })
    }

    /// [`try_lock`](Self::try_lock) for an `Arc<Mutex<T>>`.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let mutex = Arc::new(zokio::sync::Mutex::new(1));
    /// let guard = mutex.clone().try_lock_owned().unwrap();
    /// assert!(mutex.clone().try_lock_owned().is_err());
    /// drop(guard);
    /// assert!(mutex.try_lock_owned().is_ok());
    /// ```
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        match self.semaphore.try_acquire(1) {
            Ok(()) => Ok(OwnedMutexGuard {
                lock: OwnedUnlock(self),
            }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// The value, taking the mutex apart.
    ///
    /// ```
    /// let mutex = zokio::sync::Mutex::new(1);
    /// assert_eq!(mutex.into_inner(), 1);
    /// ```
    pub fn into_inner(self) -> T
    where
        T: Sized,
    {
        self.cell.into_inner()
    }

    /// The value behind a held lock. The caller holds the permit, so no one
    /// else touches the value while the returned borrow lives.
    fn data(&self) -> *mut T {
        self.cell.with_mut(|value| value)
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Mutex<T> {
        Mutex::new(value)
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(inner) => d.field("data", &&*inner),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Narrows the guard to a part of the value; the whole mutex stays
    /// locked until the mapped guard is dropped. An associated function, so
    /// that it cannot shadow a method of `T`.
    ///
    /// ```
    /// use zokio::sync::{Mutex, MutexGuard};
    ///
    /// # zokio::block_on(async {
    /// let mutex = Mutex::new((1, "one"));
    /// let mut first = MutexGuard::map(mutex.lock().await, |pair| &mut pair.0);
    /// *first = 2;
    /// drop(first);
    /// assert_eq!(*mutex.lock().await, (2, "one"));
    /// # });
    /// ```
    #[inline]
    pub fn map<U, F>(mut this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        let semaphore = &this.lock.semaphore;
        // The mapped guard takes over the permit.
        mem::forget(this);
        MappedMutexGuard {
            semaphore,
            data,
            marker: PhantomData,
        }
    }

    /// Like [`map`](Self::map), but `f` may decline, giving the guard back.
    ///
    /// ```
    /// use zokio::sync::{Mutex, MutexGuard};
    ///
    /// # zokio::block_on(async {
    /// let mutex = Mutex::new(vec![1]);
    /// let guard = MutexGuard::try_map(mutex.lock().await, |v| v.get_mut(5)).unwrap_err();
    /// let first = MutexGuard::try_map(guard, |v| v.get_mut(0)).unwrap();
    /// assert_eq!(*first, 1);
    /// # });
    /// ```
    #[inline]
    pub fn try_map<U, F>(mut this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let semaphore = &this.lock.semaphore;
        mem::forget(this);
        Ok(MappedMutexGuard {
            semaphore,
            data,
            marker: PhantomData,
        })
    }

    /// The mutex this guard locks.
    ///
    /// ```
    /// use zokio::sync::{Mutex, MutexGuard};
    ///
    /// # zokio::block_on(async {
    /// let mutex = Mutex::new(0);
    /// let guard = mutex.lock().await;
    /// assert!(std::ptr::eq(MutexGuard::mutex(&guard), &mutex));
    /// # });
    /// ```
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.lock
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.semaphore.release(1);
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard holds the mutex's only permit.
        unsafe { &*self.lock.data() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds the mutex's only permit, and `&mut self`
        // makes this the only borrow through it.
        unsafe { &mut *self.lock.data() }
    }
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// Narrows the guard to a part of the value, keeping the mutex alive and
    /// locked.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{Mutex, OwnedMutexGuard};
    ///
    /// # zokio::block_on(async {
    /// let mutex = Arc::new(Mutex::new((1, 2)));
    /// let mut second = OwnedMutexGuard::map(mutex.clone().lock_owned().await, |p| &mut p.1);
    /// *second = 3;
    /// drop(second);
    /// assert_eq!(*mutex.lock().await, (1, 3));
    /// # });
    /// ```
    #[inline]
    pub fn map<U, F>(mut this: Self, f: F) -> OwnedMappedMutexGuard<T, U>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        OwnedMappedMutexGuard {
            lock: this.lock,
            data,
        }
    }

    /// Like [`map`](Self::map), but `f` may decline, giving the guard back.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{Mutex, OwnedMutexGuard};
    ///
    /// # zokio::block_on(async {
    /// let mutex = Arc::new(Mutex::new(Some(1)));
    /// let inner = OwnedMutexGuard::try_map(mutex.lock_owned().await, |o| o.as_mut()).unwrap();
    /// assert_eq!(*inner, 1);
    /// # });
    /// ```
    #[inline]
    pub fn try_map<U, F>(mut this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, U>, Self>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        Ok(OwnedMappedMutexGuard {
            lock: this.lock,
            data,
        })
    }

    /// The mutex this guard locks.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{Mutex, OwnedMutexGuard};
    ///
    /// # zokio::block_on(async {
    /// let mutex = Arc::new(Mutex::new(0));
    /// let guard = mutex.clone().lock_owned().await;
    /// assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&guard), &mutex));
    /// # });
    /// ```
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock.0
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard holds the mutex's only permit.
        unsafe { &*self.lock.0.data() }
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds the mutex's only permit, and `&mut self`
        // makes this the only borrow through it.
        unsafe { &mut *self.lock.0.data() }
    }
}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// Narrows the guard further.
    ///
    /// ```
    /// use zokio::sync::{MappedMutexGuard, Mutex, MutexGuard};
    ///
    /// # zokio::block_on(async {
    /// let mutex = Mutex::new(((1, 2), 3));
    /// let outer = MutexGuard::map(mutex.lock().await, |v| &mut v.0);
    /// let inner = MappedMutexGuard::map(outer, |v| &mut v.1);
    /// assert_eq!(*inner, 2);
    /// # });
    /// ```
    #[inline]
    pub fn map<U, F>(mut this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        let semaphore = this.semaphore;
        mem::forget(this);
        MappedMutexGuard {
            semaphore,
            data,
            marker: PhantomData,
        }
    }

    /// Like [`map`](Self::map), but `f` may decline, giving the guard back.
    ///
    /// ```
    /// use zokio::sync::{MappedMutexGuard, Mutex, MutexGuard};
    ///
    /// # zokio::block_on(async {
    /// let mutex = Mutex::new((None::<u8>, 3));
    /// let first = MutexGuard::map(mutex.lock().await, |v| &mut v.0);
    /// assert!(MappedMutexGuard::try_map(first, |v| v.as_mut()).is_err());
    /// # });
    /// ```
    #[inline]
    pub fn try_map<U, F>(mut this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let semaphore = this.semaphore;
        mem::forget(this);
        Ok(MappedMutexGuard {
            semaphore,
            data,
            marker: PhantomData,
        })
    }
}

impl<T: ?Sized> Drop for MappedMutexGuard<'_, T> {
    fn drop(&mut self) {
        self.semaphore.release(1);
    }
}

impl<T: ?Sized> Deref for MappedMutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: `data` points into the locked value, whose only permit
        // this guard holds.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for MappedMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only borrow.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized, U: ?Sized> OwnedMappedMutexGuard<T, U> {
    /// Narrows the guard further.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    ///
    /// # zokio::block_on(async {
    /// let mutex = Arc::new(Mutex::new(((1, 2), 3)));
    /// let outer = OwnedMutexGuard::map(mutex.lock_owned().await, |v| &mut v.0);
    /// let inner = OwnedMappedMutexGuard::map(outer, |v| &mut v.0);
    /// assert_eq!(*inner, 1);
    /// # });
    /// ```
    #[inline]
    pub fn map<S, F>(mut this: Self, f: F) -> OwnedMappedMutexGuard<T, S>
    where
        S: ?Sized,
        F: FnOnce(&mut U) -> &mut S,
    {
        let data = f(&mut *this) as *mut S;
        OwnedMappedMutexGuard {
            lock: this.lock,
            data,
        }
    }

    /// Like [`map`](Self::map), but `f` may decline, giving the guard back.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    ///
    /// # zokio::block_on(async {
    /// let mutex = Arc::new(Mutex::new((Some(1), 3)));
    /// let first = OwnedMutexGuard::map(mutex.lock_owned().await, |v| &mut v.0);
    /// let one = OwnedMappedMutexGuard::try_map(first, |v| v.as_mut()).unwrap();
    /// assert_eq!(*one, 1);
    /// # });
    /// ```
    #[inline]
    pub fn try_map<S, F>(mut this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, S>, Self>
    where
        S: ?Sized,
        F: FnOnce(&mut U) -> Option<&mut S>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut S,
            None => return Err(this),
        };
        Ok(OwnedMappedMutexGuard {
            lock: this.lock,
            data,
        })
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedMappedMutexGuard<T, U> {
    type Target = U;

    fn deref(&self) -> &U {
        // SAFETY: `data` points into the value of the mutex that `lock`
        // keeps alive and locked.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedMappedMutexGuard<T, U> {
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
    [T: ?Sized] MutexGuard<'_, T> => T;
    [T: ?Sized] OwnedMutexGuard<T> => T;
    [T: ?Sized] MappedMutexGuard<'_, T> => T;
    [T: ?Sized, U: ?Sized] OwnedMappedMutexGuard<T, U> => U;
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn check_send<T: Send>() {}
    fn check_unpin<T: Unpin>() {}
    fn check_send_sync<T: Send + Sync>() {}
    fn check_send_sync_val<T: Send + Sync>(_: T) {}
    fn check_static_val<T: 'static>(_: T) {}

    #[test]
    fn bounds() {
        check_send::<MutexGuard<'_, u32>>();
        check_send::<OwnedMutexGuard<u32>>();
        check_send_sync::<MappedMutexGuard<'_, u32>>();
        check_send_sync::<OwnedMappedMutexGuard<u32, u8>>();
        check_unpin::<Mutex<u32>>();
        check_send_sync::<Mutex<u32>>();
        let mutex = Mutex::new(1);
        check_send_sync_val(mutex.lock());
        let arc_mutex = Arc::new(Mutex::new(1));
        check_send_sync_val(arc_mutex.clone().lock_owned());
        check_static_val(arc_mutex.lock_owned());
    }

    #[test]
    fn mapped_guards_unlock_once() {
        let mutex = Arc::new(Mutex::new((1, 2)));
        let guard = mutex.try_lock().unwrap();
        let guard = MutexGuard::try_map(guard, |_| None::<&mut u8>).unwrap_err();
        let mapped = MutexGuard::map(guard, |p| &mut p.0);
        assert!(mutex.try_lock().is_err());
        drop(mapped);
        let owned = mutex.clone().try_lock_owned().unwrap();
        let mapped = OwnedMutexGuard::map(owned, |p| &mut p.1);
        let mapped = OwnedMappedMutexGuard::try_map(mapped, |_| None::<&mut u8>).unwrap_err();
        assert!(mutex.try_lock().is_err());
        drop(mapped);
        assert_eq!(mutex.semaphore.available_permits(), 1);
        assert!(mutex.try_lock().is_ok());
    }
}
