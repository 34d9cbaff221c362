//! `Semaphore`: a fair counting semaphore, with Tokio's API.

use std::fmt;
use std::sync::Arc;

use super::batch_semaphore::{self as ll, AcquireError, BatchSemaphore, TryAcquireError};
use super::blocking;

/// A counting semaphore: a set of permits that tasks acquire, asynchronously,
/// before they use a shared resource, and give back when done.
///
/// When permits are available, [`acquire`](Self::acquire) takes one at once;
/// otherwise it waits until one is given back. The semaphore is **fair**:
/// permits go to waiters in the order they asked, also for
/// [`acquire_many`](Self::acquire_many). A call at the front of the queue
/// asking for more permits than there are holds back a later `acquire` that
/// would fit.
///
/// Taking or giving back a permit when nobody waits is one atomic operation;
/// the wait queue's lock is taken only when someone waits.
///
/// # Memory ordering
///
/// Data written before a permit is given back (by dropping a permit or by
/// [`add_permits`](Self::add_permits)) is visible to the task that acquires
/// that permit later.
///
/// # Cancel safety
///
/// The acquire futures are cancel-safe: dropped before they resolve, they
/// leave the queue and hand on whatever permits they had been given, so
/// nothing is lost. They also spend the task's cooperative budget, as every
/// Zokio resource does.
///
/// ```
/// use zokio::sync::{Semaphore, TryAcquireError};
///
/// # zokio::block_on(async {
/// let semaphore = Semaphore::new(3);
///
/// let a_permit = semaphore.acquire().await.unwrap();
/// let two_permits = semaphore.acquire_many(2).await.unwrap();
///
/// assert_eq!(semaphore.available_permits(), 0);
/// assert_eq!(semaphore.try_acquire().err(), Some(TryAcquireError::NoPermits));
/// drop(a_permit);
/// assert_eq!(semaphore.available_permits(), 1);
/// # drop(two_permits);
/// # });
/// ```
///
/// Limiting how many tasks do something at once, with a `static`:
///
/// ```
/// use zokio::sync::Semaphore;
///
/// static CONNECTIONS: Semaphore = Semaphore::const_new(10);
///
/// async fn handle_request() {
///     let _permit = CONNECTIONS.acquire().await.unwrap();
///     // at most ten requests run this part at a time
/// }
/// # zokio::block_on(handle_request());
/// ```
pub struct Semaphore {
    ll: BatchSemaphore,
}

/// Permits borrowed from a [`Semaphore`]; given back when dropped.
#[clippy::has_significant_drop]
pub struct SemaphorePermit<'a> {
    semaphore: &'a Semaphore,
    permits: u32,
}

/// Permits taken from an `Arc<Semaphore>`; given back when dropped. Unlike
/// [`SemaphorePermit`] it is `'static`, so it can move into a spawned task.
#[clippy::has_significant_drop]
pub struct OwnedSemaphorePermit {
    semaphore: Arc<Semaphore>,
    permits: u32,
}

impl Semaphore {
    /// The most permits a semaphore can hold: `usize::MAX >> 3`.
    ///
    /// ```
    /// use zokio::sync::Semaphore;
    ///
    /// let semaphore = Semaphore::new(Semaphore::MAX_PERMITS);
    /// assert_eq!(semaphore.available_permits(), usize::MAX >> 3);
    /// ```
    pub const MAX_PERMITS: usize = ll::MAX_PERMITS;

    /// A semaphore with `permits` permits.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`MAX_PERMITS`](Self::MAX_PERMITS).
    ///
    /// ```
    /// let semaphore = zokio::sync::Semaphore::new(2);
    /// assert_eq!(semaphore.available_permits(), 2);
    /// ```
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            ll: BatchSemaphore::new(permits),
        }
    }

    /// [`new`](Self::new) in a `const` context, for a `static` semaphore.
    ///
    /// ```
    /// use zokio::sync::Semaphore;
    ///
    /// static SEMAPHORE: Semaphore = Semaphore::const_new(5);
    /// assert_eq!(SEMAPHORE.available_permits(), 5);
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(permits: usize) -> Semaphore {
        Semaphore {
            ll: BatchSemaphore::const_new(permits),
        }
    }

    /// Permits available now.
    pub fn available_permits(&self) -> usize {
        self.ll.available_permits()
    }

    /// Adds `n` new permits, handing them to waiters first.
    ///
    /// # Panics
    ///
    /// If the semaphore would then hold more than
    /// [`MAX_PERMITS`](Self::MAX_PERMITS).
    ///
    /// ```
    /// let semaphore = zokio::sync::Semaphore::new(0);
    /// semaphore.add_permits(3);
    /// assert_eq!(semaphore.available_permits(), 3);
    /// ```
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        self.ll.release(n);
    }

    /// Removes up to `n` available permits without waiting for more, and
    /// returns how many it removed.
    ///
    /// ```
    /// let semaphore = zokio::sync::Semaphore::new(3);
    /// assert_eq!(semaphore.forget_permits(5), 3);
    /// assert_eq!(semaphore.available_permits(), 0);
    /// ```
    pub fn forget_permits(&self, n: usize) -> usize {
        self.ll.forget_permits(n)
    }

    /// Waits for one permit.
    ///
    /// Fails only if the semaphore is [closed](Self::close). Cancel-safe:
    /// dropping the future gives up its place in the queue and loses nothing.
    ///
    /// Each poll spends one unit of the task's cooperative budget, as in
    /// Tokio: a task that has used up its budget yields here even when the
    /// permit is free, so a loop of uncontended acquires cannot starve its worker.
    ///
    /// ```
    /// use zokio::sync::Semaphore;
    ///
    /// # zokio::block_on(async {
    /// let semaphore = Semaphore::new(2);
    /// let permit_1 = semaphore.acquire().await.unwrap();
    /// assert_eq!(semaphore.available_permits(), 1);
    /// let permit_2 = semaphore.acquire().await.unwrap();
    /// assert_eq!(semaphore.available_permits(), 0);
    /// drop(permit_1);
    /// assert_eq!(semaphore.available_permits(), 1);
    /// # drop(permit_2);
    /// # });
    /// ```
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.ll.acquire(1).await?;
        Ok(SemaphorePermit {
            semaphore: self,
            permits: 1,
        })
    }

    /// Waits for `n` permits at once, behind every earlier waiter.
    ///
    /// Fails only if the semaphore is [closed](Self::close). Cancel-safe: if
    /// the future is dropped, the permits it was handed so far go to the next
    /// waiters.
    ///
    /// Each poll spends one unit of the task's cooperative budget, as in
    /// Tokio: a task that has used up its budget yields here even when the
    /// permits are free, so a loop of uncontended acquires cannot starve its worker.
    ///
    /// ```
    /// # zokio::block_on(async {
    /// let semaphore = zokio::sync::Semaphore::new(5);
    /// let permit = semaphore.acquire_many(3).await.unwrap();
    /// assert_eq!(permit.num_permits(), 3);
    /// assert_eq!(semaphore.available_permits(), 2);
    /// # });
    /// ```
    pub async fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.ll.acquire(n as usize).await?;
        Ok(SemaphorePermit {
            semaphore: self,
            permits: n,
        })
    }

    /// Takes one permit if one is available now and nobody waits.
    ///
    /// ```
    /// use zokio::sync::{Semaphore, TryAcquireError};
    ///
    /// let semaphore = Semaphore::new(1);
    /// let permit = semaphore.try_acquire().unwrap();
    /// assert_eq!(semaphore.try_acquire().err(), Some(TryAcquireError::NoPermits));
    /// # drop(permit);
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.ll.try_acquire(1)?;
        Ok(SemaphorePermit {
            semaphore: self,
            permits: 1,
        })
    }

    /// Takes `n` permits if they are available now and nobody waits.
    ///
    /// ```
    /// let semaphore = zokio::sync::Semaphore::new(4);
    /// let permit = semaphore.try_acquire_many(3).unwrap();
    /// assert!(semaphore.try_acquire_many(2).is_err());
    /// # drop(permit);
    /// ```
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.ll.try_acquire(n as usize)?;
        Ok(SemaphorePermit {
            semaphore: self,
            permits: n,
        })
    }

    /// Blocks the thread until a permit is acquired, for synchronous code.
    ///
    /// # Panics
    ///
    /// On a runtime worker thread (in a task or inside `Runtime::block_on`).
    ///
    /// ```
    /// let semaphore = zokio::sync::Semaphore::new(1);
    /// let permit = semaphore.blocking_acquire().unwrap();
    /// assert_eq!(semaphore.available_permits(), 0);
    /// # drop(permit);
    /// ```
    #[track_caller]
    pub fn blocking_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        blocking::block_on(self.acquire())
    }

    /// Blocks the thread until `n` permits are acquired, for synchronous code.
    ///
    /// # Panics
    ///
    /// On a runtime worker thread.
    ///
    /// ```
    /// let semaphore = zokio::sync::Semaphore::new(3);
    /// let permit = semaphore.blocking_acquire_many(2).unwrap();
    /// assert_eq!(permit.num_permits(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        blocking::block_on(self.acquire_many(n))
    }

    /// Waits for one permit of a shared semaphore; the permit keeps the
    /// semaphore alive.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Semaphore;
    ///
    /// # zokio::run(async {
    /// let semaphore = Arc::new(Semaphore::new(3));
    /// let mut tasks = Vec::new();
    /// for _ in 0..5 {
    ///     let permit = semaphore.clone().acquire_owned().await.unwrap();
    ///     tasks.push(zokio::spawn(async move {
    ///         // at most three of these run at a time
    ///         drop(permit);
    ///     }));
    /// }
    /// for task in tasks {
    ///     task.await.unwrap();
    /// }
    /// # });
    /// ```
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.ll.acquire(1).await?;
        Ok(OwnedSemaphorePermit {
            semaphore: self,
            permits: 1,
        })
    }

    /// Waits for `n` permits of a shared semaphore.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # zokio::block_on(async {
    /// let semaphore = Arc::new(zokio::sync::Semaphore::new(10));
    /// let permit = semaphore.clone().acquire_many_owned(4).await.unwrap();
    /// assert_eq!(semaphore.available_permits(), 6);
    /// # drop(permit);
    /// # });
    /// ```
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.ll.acquire(n as usize).await?;
        Ok(OwnedSemaphorePermit {
            semaphore: self,
            permits: n,
        })
    }

    /// Takes one permit of a shared semaphore if one is available now.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(zokio::sync::Semaphore::new(1));
    /// let permit = semaphore.clone().try_acquire_owned().unwrap();
    /// assert!(semaphore.try_acquire_owned().is_err());
    /// # drop(permit);
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.ll.try_acquire(1)?;
        Ok(OwnedSemaphorePermit {
            semaphore: self,
            permits: 1,
        })
    }

    /// Takes `n` permits of a shared semaphore if they are available now.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(zokio::sync::Semaphore::new(4));
    /// let permit = semaphore.clone().try_acquire_many_owned(4).unwrap();
    /// assert_eq!(permit.num_permits(), 4);
    /// ```
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.ll.try_acquire(n as usize)?;
        Ok(OwnedSemaphorePermit {
            semaphore: self,
            permits: n,
        })
    }

    /// Blocks the thread until a permit of a shared semaphore is acquired.
    ///
    /// # Panics
    ///
    /// On a runtime worker thread.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(zokio::sync::Semaphore::new(1));
    /// let permit = semaphore.clone().blocking_acquire_owned().unwrap();
    /// std::thread::spawn(move || drop(permit)).join().unwrap();
    /// assert_eq!(semaphore.available_permits(), 1);
    /// ```
    #[track_caller]
    pub fn blocking_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        blocking::block_on(self.acquire_owned())
    }

    /// Blocks the thread until `n` permits of a shared semaphore are
    /// acquired.
    ///
    /// # Panics
    ///
    /// On a runtime worker thread.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(zokio::sync::Semaphore::new(3));
    /// let permit = semaphore.clone().blocking_acquire_many_owned(3).unwrap();
    /// assert_eq!(semaphore.available_permits(), 0);
    /// # drop(permit);
    /// ```
    #[track_caller]
    pub fn blocking_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        blocking::block_on(self.acquire_many_owned(n))
    }

    /// Closes the semaphore: every waiting and later acquire fails with
    /// [`AcquireError`] (or [`TryAcquireError::Closed`]). Permits already
    /// held stay valid and still count when given back.
    ///
    /// ```
    /// use zokio::sync::{Semaphore, TryAcquireError};
    ///
    /// let semaphore = Semaphore::new(1);
    /// semaphore.close();
    /// assert!(semaphore.is_closed());
    /// assert_eq!(semaphore.try_acquire().err(), Some(TryAcquireError::Closed));
    /// ```
    pub fn close(&self) {
        self.ll.close();
    }

    /// True once [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.ll.is_closed()
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("ll_sem", &self.ll)
            .finish()
    }
}

impl<'a> SemaphorePermit<'a> {
    /// Keeps the permits out of the semaphore for good: dropping nothing
    /// gives them back.
    ///
    /// ```
    /// let semaphore = zokio::sync::Semaphore::new(2);
    /// semaphore.try_acquire().unwrap().forget();
    /// assert_eq!(semaphore.available_permits(), 1);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// Moves `other`'s permits into this one.
    ///
    /// # Panics
    ///
    /// If `other` comes from another semaphore.
    ///
    /// ```
    /// let semaphore = zokio::sync::Semaphore::new(3);
    /// let mut permit = semaphore.try_acquire().unwrap();
    /// permit.merge(semaphore.try_acquire_many(2).unwrap());
    /// assert_eq!(permit.num_permits(), 3);
    /// ```
    #[track_caller]
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            std::ptr::eq(self.semaphore, other.semaphore),
            "merging permits from different semaphore instances"
        );
        self.permits += other.permits;
        other.permits = 0;
    }

    /// Splits `n` of these permits off into a new permit, or returns `None`
    /// if this one holds fewer than `n`.
    ///
    /// ```
    /// let semaphore = zokio::sync::Semaphore::new(3);
    /// let mut permit = semaphore.try_acquire_many(3).unwrap();
    /// let one = permit.split(1).unwrap();
    /// assert_eq!((permit.num_permits(), one.num_permits()), (2, 1));
    /// assert!(permit.split(3).is_none());
    /// ```
    pub fn split(&mut self, n: usize) -> Option<Self> {
        let n = u32::try_from(n).ok()?;
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(SemaphorePermit {
            semaphore: self.semaphore,
            permits: n,
        })
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }
}

impl OwnedSemaphorePermit {
    /// Keeps the permits out of the semaphore for good.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(zokio::sync::Semaphore::new(1));
    /// semaphore.clone().try_acquire_owned().unwrap().forget();
    /// assert_eq!(semaphore.available_permits(), 0);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// Moves `other`'s permits into this one.
    ///
    /// # Panics
    ///
    /// If `other` comes from another semaphore.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(zokio::sync::Semaphore::new(3));
    /// let mut permit = semaphore.clone().try_acquire_owned().unwrap();
    /// permit.merge(semaphore.clone().try_acquire_many_owned(2).unwrap());
    /// assert_eq!(permit.num_permits(), 3);
    /// ```
    #[track_caller]
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            Arc::ptr_eq(&self.semaphore, &other.semaphore),
            "merging permits from different semaphore instances"
        );
        self.permits += other.permits;
        other.permits = 0;
    }

    /// Splits `n` of these permits off into a new permit, or returns `None`
    /// if this one holds fewer than `n`.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(zokio::sync::Semaphore::new(2));
    /// let mut permit = semaphore.try_acquire_many_owned(2).unwrap();
    /// let half = permit.split(1).unwrap();
    /// assert_eq!((permit.num_permits(), half.num_permits()), (1, 1));
    /// ```
    pub fn split(&mut self, n: usize) -> Option<Self> {
        let n = u32::try_from(n).ok()?;
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(OwnedSemaphorePermit {
            semaphore: self.semaphore.clone(),
            permits: n,
        })
    }

    /// The semaphore these permits belong to.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(zokio::sync::Semaphore::new(1));
    /// let permit = semaphore.clone().try_acquire_owned().unwrap();
    /// assert!(Arc::ptr_eq(permit.semaphore(), &semaphore));
    /// ```
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.semaphore
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.semaphore.add_permits(self.permits as usize);
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.semaphore.add_permits(self.permits as usize);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("sem", &self.semaphore)
            .field("permits", &self.permits)
            .finish()
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("sem", &self.semaphore)
            .field("permits", &self.permits)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn is_send_sync<T: Send + Sync>() {}
    fn is_unpin<T: Unpin>() {}

    #[test]
    fn bounds() {
        is_send_sync::<Semaphore>();
        is_send_sync::<SemaphorePermit<'_>>();
        is_send_sync::<OwnedSemaphorePermit>();
        is_unpin::<Semaphore>();
        let semaphore = Semaphore::new(1);
        fn check_send_sync_val<T: Send + Sync>(_: T) {}
        check_send_sync_val(semaphore.acquire());
        check_send_sync_val(Arc::new(Semaphore::new(1)).acquire_owned());
    }
}
