//! `RwLock`: a fair asynchronous reader-writer lock, with Tokio's API.
//!
//! The lock is a batch semaphore of `max_readers` permits: a reader takes
//! one, a writer takes them all. The semaphore's FIFO order is what makes
//! the lock fair: a writer that waits holds back the readers that come after
//! it, so writers are never starved.

mod guards;
mod owned_guards;

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use zokio_core::sync::UnsafeCell;

use super::batch_semaphore::BatchSemaphore;
use super::blocking;
use super::mutex::TryLockError;

pub use self::guards::{RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard};
use self::owned_guards::OwnedRelease;
pub use self::owned_guards::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard,
};

/// The most readers a lock admits at once, as in Tokio (small under loom, to
/// keep models small).
#[cfg(not(loom))]
const MAX_READS: u32 = u32::MAX >> 3;
#[cfg(loom)]
const MAX_READS: u32 = 10;

/// An asynchronous reader-writer lock: any number of readers at once, or one
/// writer.
///
/// The lock is **fair** (a task-fair queue, in Tokio's words): tasks get it in
/// the order they asked, so a waiting writer is served before the readers
/// that came after it, and neither side starves. The guards may be held
/// across `.await` points. Taking a read or write lock when nobody waits, and
/// releasing it, is one atomic operation each.
///
/// # Cancel safety
///
/// [`read`](Self::read) and [`write`](Self::write) are cancel-safe: dropped
/// before they resolve, their futures leave the queue and hold nothing.
/// Waiting spends the task's cooperative budget.
///
/// ```
/// use zokio::sync::RwLock;
///
/// # zokio::block_on(async {
/// let lock = RwLock::new(5);
/// {
///     let r1 = lock.read().await;
///     let r2 = lock.read().await;
///     assert_eq!(*r1 + *r2, 10);
/// } // read locks are dropped here
/// {
///     let mut w = lock.write().await;
///     *w += 1;
///     assert_eq!(*w, 6);
/// }
/// # });
/// ```
pub struct RwLock<T: ?Sized> {
    max_readers: u32,
    semaphore: BatchSemaphore,
    cell: UnsafeCell<T>,
}

// SAFETY: moving the lock moves the value; nothing else is shared.
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}
// SAFETY: through `&RwLock` several threads read the value at once (needs
// `T: Sync`), or one writes it and may move it out (needs `T: Send`); the
// semaphore admits either readers or one writer, never both.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

impl<T: ?Sized> RwLock<T> {
    /// A new, unlocked lock holding `value`, admitting up to `u32::MAX >> 3`
    /// readers at once.
    ///
    /// ```
    /// let lock = zokio::sync::RwLock::new(5);
    /// # assert_eq!(lock.into_inner(), 5);
    /// ```
    pub fn new(value: T) -> RwLock<T>
    where
        T: Sized,
    {
        RwLock {
            max_readers: MAX_READS,
            semaphore: BatchSemaphore::new(MAX_READS as usize),
            cell: UnsafeCell::new(value),
        }
    }

    /// A new lock admitting at most `max_reads` readers at once.
    ///
    /// # Panics
    ///
    /// If `max_reads` is 0 or more than `u32::MAX >> 3`.
    ///
    /// ```
    /// use zokio::sync::RwLock;
    ///
    /// let lock = RwLock::with_max_readers(0, 2);
    /// let _r1 = lock.try_read().unwrap();
    /// let _r2 = lock.try_read().unwrap();
    /// assert!(lock.try_read().is_err(), "only two readers");
    /// ```
    #[track_caller]
    pub fn with_max_readers(value: T, max_reads: u32) -> RwLock<T>
    where
        T: Sized,
    {
        assert_ne!(max_reads, 0, "a RwLock may not be created with 0 readers");
        assert!(
            max_reads <= MAX_READS,
            "a RwLock may not be created with more than {MAX_READS} readers"
        );
        RwLock {
            max_readers: max_reads,
            semaphore: BatchSemaphore::new(max_reads as usize),
            cell: UnsafeCell::new(value),
        }
    }

    /// [`new`](Self::new) in a `const` context, for a `static` lock.
    ///
    /// ```
    /// use zokio::sync::RwLock;
    ///
    /// static LOCK: RwLock<i32> = RwLock::const_new(5);
    /// # assert_eq!(*LOCK.try_read().unwrap(), 5);
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(value: T) -> RwLock<T>
    where
        T: Sized,
    {
        RwLock {
            max_readers: MAX_READS,
            semaphore: BatchSemaphore::const_new(MAX_READS as usize),
            cell: UnsafeCell::new(value),
        }
    }

    /// [`with_max_readers`](Self::with_max_readers) in a `const` context.
    ///
    /// # Panics
    ///
    /// If `max_reads` is 0 or more than `u32::MAX >> 3`.
    ///
    /// ```
    /// use zokio::sync::RwLock;
    ///
    /// static LOCK: RwLock<i32> = RwLock::const_with_max_readers(5, 1024);
    /// # assert_eq!(*LOCK.try_read().unwrap(), 5);
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_with_max_readers(value: T, max_reads: u32) -> RwLock<T>
    where
        T: Sized,
    {
        assert!(max_reads != 0, "a RwLock may not be created with 0 readers");
        assert!(
            max_reads <= MAX_READS,
            "a RwLock may not be created with more than u32::MAX >> 3 readers"
        );
        RwLock {
            max_readers: max_reads,
            semaphore: BatchSemaphore::const_new(max_reads as usize),
            cell: UnsafeCell::new(value),
        }
    }

    /// Waits for a read lock, behind every task that asked before (a waiting
    /// writer included), and returns its guard. Other readers may hold the
    /// lock at the same time.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future gives up its place in the queue.
    ///
    /// Each poll spends one unit of the task's cooperative budget, as in
    /// Tokio: a task that has used up its budget yields here even when the
    /// lock is free, so a loop of uncontended reads cannot starve its worker.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::RwLock;
    ///
    /// # zokio::run(async {
    /// let lock = Arc::new(RwLock::new(1));
    /// let n = lock.read().await;
    /// let other = lock.clone();
    /// zokio::spawn(async move {
    ///     assert_eq!(*other.read().await, 1, "a second reader is admitted");
    /// })
    /// .await
    /// .unwrap();
    /// assert_eq!(*n, 1);
    /// # });
    /// ```
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        self.acquire(1).await;
        self.read_guard()
    }

    /// Blocks the thread until a read lock is taken, for synchronous code.
    ///
    /// # Panics
    ///
    /// On a runtime worker thread (in a task or inside `Runtime::block_on`).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::RwLock;
    ///
    /// let lock = Arc::new(RwLock::new(1));
    /// let reader = {
    ///     let lock = lock.clone();
    ///     std::thread::spawn(move || *lock.blocking_read())
    /// };
    /// assert_eq!(reader.join().unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        blocking::block_on(self.read())
    }

    /// [`read`](Self::read) for an `Arc<RwLock<T>>`: the guard keeps the lock
    /// alive and is `'static`.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # zokio::block_on(async {
    /// let lock = Arc::new(zokio::sync::RwLock::new(1));
    /// let guard = lock.clone().read_owned().await;
    /// assert_eq!(*guard, 1);
    /// # });
    /// ```
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        self.acquire(1).await;
        OwnedRwLockReadGuard::new(OwnedRelease::new(self, 1))
    }

    /// Takes a read lock if it can be had now without waiting.
    ///
    /// ```
    /// let lock = zokio::sync::RwLock::new(1);
    /// let reader = lock.try_read().unwrap();
    /// assert!(lock.try_write().is_err());
    /// assert_eq!(*lock.try_read().unwrap(), *reader);
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        match self.semaphore.try_acquire(1) {
            Ok(()) => Ok(self.read_guard()),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// [`try_read`](Self::try_read) for an `Arc<RwLock<T>>`.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(zokio::sync::RwLock::new(1));
    /// let guard = lock.clone().try_read_owned().unwrap();
    /// assert_eq!(*guard, 1);
    /// ```
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        match self.semaphore.try_acquire(1) {
            Ok(()) => Ok(OwnedRwLockReadGuard::new(OwnedRelease::new(self, 1))),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Waits for the write lock, behind every task that asked before, and
    /// returns its guard; no reader or other writer holds the lock meanwhile.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future gives up its place in the queue and
    /// hands on any read permits it had gathered.
    ///
    /// Each poll spends one unit of the task's cooperative budget, as in
    /// Tokio: a task that has used up its budget yields here even when the
    /// lock is free, so a loop of uncontended writes cannot starve its worker.
    ///
    /// ```
    /// # zokio::block_on(async {
    /// let lock = zokio::sync::RwLock::new(1);
    /// let mut n = lock.write().await;
    /// *n = 2;
    /// # });
    /// ```
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.acquire(self.max_readers).await;
        self.write_guard()
    }

    /// Blocks the thread until the write lock is taken, for synchronous code.
    ///
    /// # Panics
    ///
    /// On a runtime worker thread.
    ///
    /// ```
    /// let lock = zokio::sync::RwLock::new(1);
    /// *lock.blocking_write() += 1;
    /// assert_eq!(*lock.blocking_read(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        blocking::block_on(self.write())
    }

    /// [`write`](Self::write) for an `Arc<RwLock<T>>`: the guard keeps the
    /// lock alive and is `'static`.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # zokio::run(async {
    /// let lock = Arc::new(zokio::sync::RwLock::new(1));
    /// let mut guard = lock.clone().write_owned().await;
    /// zokio::spawn(async move { *guard = 2 }).await.unwrap();
    /// assert_eq!(*lock.read().await, 2);
    /// # });
    /// ```
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        self.acquire(self.max_readers).await;
        let permits = self.max_readers;
        OwnedRwLockWriteGuard::new(OwnedRelease::new(self, permits))
    }

    /// Takes the write lock if it can be had now without waiting.
    ///
    /// ```
    /// let lock = zokio::sync::RwLock::new(1);
    /// let writer = lock.try_write().unwrap();
    /// assert!(lock.try_read().is_err());
    /// drop(writer);
    /// assert!(lock.try_read().is_ok());
    /// ```
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        match self.semaphore.try_acquire(self.max_readers as usize) {
            Ok(()) => Ok(self.write_guard()),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// [`try_write`](Self::try_write) for an `Arc<RwLock<T>>`.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(zokio::sync::RwLock::new(1));
    /// let mut guard = lock.clone().try_write_owned().unwrap();
    /// *guard = 2;
    /// drop(guard);
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// ```
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        match self.semaphore.try_acquire(self.max_readers as usize) {
            Ok(()) => {
                let permits = self.max_readers;
                Ok(OwnedRwLockWriteGuard::new(OwnedRelease::new(self, permits)))
            }
            Err(_) => Err(TryLockError(())),
        }
    }

    /// The value, through a unique borrow: no locking is needed.
    ///
    /// ```
    /// let mut lock = zokio::sync::RwLock::new(1);
    /// *lock.get_mut() = 2;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves no guard exists (each borrows the lock).
        self.cell.with_mut(|value| unsafe { &mut *value })
    }

    /// The value, taking the lock apart.
    ///
    /// ```
    /// let lock = zokio::sync::RwLock::new(1);
    /// assert_eq!(lock.into_inner(), 1);
    /// ```
    pub fn into_inner(self) -> T
    where
        T: Sized,
    {
        self.cell.into_inner()
    }

    async fn acquire(&self, permits: u32) {
        // A lock's semaphore is never closed.
        if self.semaphore.acquire(permits as usize).await.is_err() {
            unreachable!("a RwLock's semaphore was closed");
        }
    }

    /// A read guard for a permit the caller holds.
    fn read_guard(&self) -> RwLockReadGuard<'_, T> {
        RwLockReadGuard {
            semaphore: &self.semaphore,
            data: self.cell.with(|value| value),
            marker: PhantomData,
        }
    }

    /// A write guard for every permit, which the caller holds.
    fn write_guard(&self) -> RwLockWriteGuard<'_, T> {
        RwLockWriteGuard {
            permits: self.max_readers,
            semaphore: &self.semaphore,
            data: self.cell.with_mut(|value| value),
            marker: PhantomData,
        }
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> RwLock<T> {
        RwLock::new(value)
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(inner) => d.field("data", &&*inner),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}
