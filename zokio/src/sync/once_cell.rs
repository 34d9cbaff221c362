//! `OnceCell`: a value initialized once, by an async computation that one
//! caller at a time runs while the others wait.
//!
//! The protocol: `claimed` is the right to write the value. A caller that
//! swaps it from false to true runs the initializer; on success it publishes
//! the value (keeping `claimed`, so no one writes again) and wakes every
//! waiter; on failure (an error, a panic, a cancelled future) it gives the
//! right back and wakes one waiter, which then tries in its place. A waiter
//! enables its `Notified` before it tries to claim, so a release between its
//! try and its wait reaches it.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::pin;

use zokio_core::sync::atomic::{AtomicBool, Ordering};

use super::notify::Notify;
use super::once_slot::OnceSlot;

/// A thread-safe cell written only once, whose initialization may be
/// asynchronous: typically a global initialized on first use.
///
/// [`get_or_init`](OnceCell::get_or_init) runs the initializer of one caller
/// at a time; the others wait for its result. If that initializer fails or is
/// cancelled (its future dropped, or it panics), one of the waiting callers
/// runs its own initializer next.
///
/// Like tokio's `OnceCell`.
///
/// # Examples
///
/// ```
/// use zokio::sync::OnceCell;
///
/// static ONCE: OnceCell<u32> = OnceCell::const_new();
///
/// async fn config() -> &'static u32 {
///     ONCE.get_or_init(|| async { 1 + 1 }).await
/// }
///
/// # zokio::run(async {
/// assert_eq!(*config().await, 2);
/// assert_eq!(ONCE.get(), Some(&2));
/// # });
/// ```
pub struct OnceCell<T> {
    value: OnceSlot<T>,
    /// The right to write `value` is taken (by an initializer running now, or
    /// for good once the value is set).
    claimed: AtomicBool,
    /// Wakes the waiters: all of them once the value is set, one when an
    /// initializer gives up.
    notify: Notify,
}

impl<T> OnceCell<T> {
    /// An empty `OnceCell`.
    ///
    /// ```
    /// let cell = zokio::sync::OnceCell::<u32>::new();
    /// assert_eq!(cell.get(), None);
    /// ```
    pub fn new() -> OnceCell<T> {
        OnceCell::new_with(None)
    }

    /// An empty `OnceCell`, in a `const` context (a `static`, for instance).
    ///
    /// ```
    /// use zokio::sync::OnceCell;
    ///
    /// static ONCE: OnceCell<u32> = OnceCell::const_new();
    /// assert!(!ONCE.initialized());
    /// ```
    // loom's primitives have no const constructors.
    #[cfg(not(loom))]
    pub const fn const_new() -> OnceCell<T> {
        OnceCell {
            value: OnceSlot::empty(),
            claimed: AtomicBool::new(false),
            notify: Notify::const_new(),
        }
    }

    /// A `OnceCell` holding `value` if it is `Some`, empty otherwise.
    ///
    /// ```
    /// use zokio::sync::OnceCell;
    ///
    /// assert_eq!(OnceCell::new_with(Some(1)).get(), Some(&1));
    /// assert_eq!(OnceCell::<u32>::new_with(None).get(), None);
    /// ```
    pub fn new_with(value: Option<T>) -> OnceCell<T> {
        OnceCell {
            claimed: AtomicBool::new(value.is_some()),
            value: OnceSlot::from_option(value),
            notify: Notify::new(),
        }
    }

    /// A `OnceCell` holding `value`, in a `const` context.
    ///
    /// ```
    /// use zokio::sync::OnceCell;
    ///
    /// static ONCE: OnceCell<u32> = OnceCell::const_new_with(1);
    /// assert_eq!(ONCE.get(), Some(&1));
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new_with(value: T) -> OnceCell<T> {
        OnceCell {
            value: OnceSlot::full(value),
            claimed: AtomicBool::new(true),
            notify: Notify::const_new(),
        }
    }

    /// Whether the cell holds a value.
    ///
    /// ```
    /// let cell = zokio::sync::OnceCell::new();
    /// assert!(!cell.initialized());
    /// cell.set(1).unwrap();
    /// assert!(cell.initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.value.is_set()
    }

    /// The value, if the cell holds one.
    ///
    /// ```
    /// let cell = zokio::sync::OnceCell::from(3);
    /// assert_eq!(cell.get(), Some(&3));
    /// ```
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// The value, mutably, if the cell holds one: `&mut self` proves no one
    /// else looks at it.
    ///
    /// ```
    /// let mut cell = zokio::sync::OnceCell::from(3);
    /// *cell.get_mut().unwrap() += 1;
    /// assert_eq!(cell.get(), Some(&4));
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.value.get_mut()
    }

    /// Sets the value if the cell is empty and no initializer is running.
    ///
    /// Fails with [`SetError::AlreadyInitializedError`] if the cell holds a
    /// value, and with [`SetError::InitializingError`] if another caller is
    /// initializing it now; either way the error hands `value` back.
    ///
    /// ```
    /// use zokio::sync::{OnceCell, SetError};
    ///
    /// let cell = OnceCell::new();
    /// assert_eq!(cell.set(1), Ok(()));
    /// assert_eq!(cell.set(2), Err(SetError::AlreadyInitializedError(2)));
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.claim() {
            Some(claim) => {
                claim.publish(value);
                Ok(())
            }
            // Claimed for good once the value is set: tell the two apart.
            None if self.initialized() => Err(SetError::AlreadyInitializedError(value)),
            None => Err(SetError::InitializingError(value)),
        }
    }

    /// The value, initializing it first with `f` if the cell is empty.
    ///
    /// If another caller is initializing the cell, waits for its result
    /// instead; if that initialization is cancelled or panics, one of the
    /// waiting callers (maybe this one) runs its own `f` next. `f` is called
    /// at most once, and only if this caller initializes.
    ///
    /// An `f` that calls `get_or_init` on the same cell deadlocks.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future while `f` runs cancels that initialization and
    /// lets a waiting caller start another; dropping it while it waits loses
    /// nothing.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::OnceCell;
    ///
    /// # zokio::run(async {
    /// let cell = Arc::new(OnceCell::new());
    /// let tasks: Vec<_> = (0..4)
    ///     .map(|i| {
    ///         let cell = cell.clone();
    ///         zokio::spawn(async move { *cell.get_or_init(|| async move { i }).await })
    ///     })
    ///     .collect();
    /// let mut seen = Vec::new();
    /// for task in tasks {
    ///     seen.push(task.await.unwrap());
    /// }
    /// assert!(seen.iter().all(|&v| v == seen[0]), "one initializer won");
    /// # });
    /// ```
    pub async fn get_or_init<F, Fut>(&self, f: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        if let Some(value) = self.get() {
            return value;
        }
        match self.claim_or_wait().await {
            Ok(claim) => claim.publish(f().await),
            Err(value) => value,
        }
    }

    /// Like [`get_or_init`](OnceCell::get_or_init), with an initializer that
    /// can fail: an error is returned to this caller, the cell stays empty,
    /// and a waiting caller tries next.
    ///
    /// ```
    /// use zokio::sync::OnceCell;
    ///
    /// # zokio::run(async {
    /// let cell = OnceCell::new();
    /// let failed = cell.get_or_try_init(|| async { Err::<u32, _>("not yet") }).await;
    /// assert_eq!(failed, Err("not yet"));
    /// let value = cell.get_or_try_init(|| async { Ok::<_, &str>(7) }).await;
    /// assert_eq!(value, Ok(&7));
    /// # });
    /// ```
    pub async fn get_or_try_init<E, F, Fut>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        match self.claim_or_wait().await {
            // On `Err` the claim is dropped, which hands over to a waiter.
            Ok(claim) => Ok(claim.publish(f().await?)),
            Err(value) => Ok(value),
        }
    }

    /// Takes the value out, consuming the cell; `None` if it was empty.
    ///
    /// ```
    /// let cell = zokio::sync::OnceCell::from(String::from("v"));
    /// assert_eq!(cell.into_inner().as_deref(), Some("v"));
    /// ```
    pub fn into_inner(mut self) -> Option<T> {
        self.value.take()
    }

    /// Takes the value out, leaving the cell empty (and initializable again).
    ///
    /// ```
    /// let mut cell = zokio::sync::OnceCell::from(1);
    /// assert_eq!(cell.take(), Some(1));
    /// assert!(!cell.initialized());
    /// cell.set(2).unwrap();
    /// ```
    pub fn take(&mut self) -> Option<T> {
        let value = self.value.take();
        // `&mut self`: no initializer runs, so the right to write is free.
        self.claimed = AtomicBool::new(false);
        value
    }

    /// Takes the right to write the value, if it is free.
    fn claim(&self) -> Option<Claim<'_, T>> {
        self.claimed
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
            // Lazily: a `Claim` built and dropped would give the right back.
            .then(|| Claim { cell: self })
    }

    /// Takes the right to write the value, or waits until the value is set
    /// and returns it.
    async fn claim_or_wait(&self) -> Result<Claim<'_, T>, &T> {
        loop {
            let mut released = pin!(self.notify.notified());
            // Queued before the checks, so that a claim given back after
            // them picks this waiter (or stores the permit it then takes).
            released.as_mut().enable();
            if let Some(value) = self.get() {
                return Err(value);
            }
            if let Some(claim) = self.claim() {
                return Ok(claim);
            }
            released.await;
        }
    }
}

/// The right to write a `OnceCell`'s value: publish it, or drop the claim to
/// give the right back to the next waiter.
struct Claim<'a, T> {
    cell: &'a OnceCell<T>,
}

impl<'a, T> Claim<'a, T> {
    fn publish(self, value: T) -> &'a T {
        let cell = self.cell;
        // The right to write stays taken for good: no `Drop`.
        std::mem::forget(self);
        // SAFETY: the claim is the one right to write (`claimed` swapped from
        // false under `claim`, and kept true from here on), and the slot is
        // empty while `claimed` was false.
        let value = unsafe { cell.value.publish(value) };
        cell.notify.notify_waiters();
        value
    }
}

impl<T> Drop for Claim<'_, T> {
    fn drop(&mut self) {
        // Release: the next claimant sees the slot as this claim left it.
        self.cell.claimed.store(false, Ordering::Release);
        self.cell.notify.notify_one();
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> OnceCell<T> {
        OnceCell::new()
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> OnceCell<T> {
        OnceCell::new_with(Some(value))
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> OnceCell<T> {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &OnceCell<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}

/// The error of [`OnceCell::set`]: why the value was not stored, with the
/// value.
#[derive(Debug, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell already held a value.
    AlreadyInitializedError(T),
    /// Another caller was initializing the cell.
    InitializingError(T),
}

impl<T> SetError<T> {
    /// Whether this is [`SetError::AlreadyInitializedError`].
    ///
    /// ```
    /// let cell = zokio::sync::OnceCell::from(1);
    /// assert!(cell.set(2).unwrap_err().is_already_init_err());
    /// ```
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Whether this is [`SetError::InitializingError`].
    ///
    /// ```
    /// use zokio::sync::SetError;
    ///
    /// assert!(SetError::InitializingError(1).is_initializing_err());
    /// ```
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::AlreadyInitializedError(_) => f.write_str("AlreadyInitializedError"),
            SetError::InitializingError(_) => f.write_str("InitializingError"),
        }
    }
}

impl<T: fmt::Debug> Error for SetError<T> {}
