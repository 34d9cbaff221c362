//! `SetOnce`: a value set once, by anyone, that tasks can wait for.

use std::error::Error;
use std::fmt;

use super::notify::Notify;
use super::once_slot::OnceSlot;

/// A thread-safe cell written only once, which tasks can [`wait`] for: an
/// event that carries a value (like Python's `asyncio.Event`).
///
/// Unlike [`OnceCell`](crate::sync::OnceCell), nothing initializes it on
/// demand: whoever calls [`set`] first sets it, every later `set` fails, and
/// every `wait` completes once it is set.
///
/// Like tokio's `SetOnce`, except that a [`wait`] that has to wait spends the
/// task's cooperative budget when it polls (see [`zokio_core::budget`]), like
/// every Zokio resource.
///
/// [`wait`]: SetOnce::wait
/// [`set`]: SetOnce::set
///
/// # Examples
///
/// ```
/// use zokio::sync::SetOnce;
///
/// static READY: SetOnce<u32> = SetOnce::const_new();
///
/// # zokio::run(async {
/// zokio::spawn(async { READY.set(20) });
/// assert_eq!(*READY.wait().await, 20);
/// assert!(READY.set(30).is_err(), "set once only");
/// # });
/// ```
///
/// Shared by an `Arc`:
///
/// ```
/// use std::sync::Arc;
/// use zokio::sync::SetOnce;
///
/// # zokio::run(async {
/// let once = Arc::new(SetOnce::new());
/// let waiter = zokio::spawn({
///     let once = once.clone();
///     async move { *once.wait().await }
/// });
/// once.set("config loaded").unwrap();
/// assert_eq!(waiter.await.unwrap(), "config loaded");
/// # });
/// ```
pub struct SetOnce<T> {
    value: OnceSlot<T>,
    /// Wakes the waiters once the value is set; its lock also serializes the
    /// writers (see `set`).
    notify: Notify,
}

impl<T> SetOnce<T> {
    /// An empty `SetOnce`.
    ///
    /// ```
    /// let once = zokio::sync::SetOnce::<u32>::new();
    /// assert_eq!(once.get(), None);
    /// ```
    pub fn new() -> SetOnce<T> {
        SetOnce::new_with(None)
    }

    /// An empty `SetOnce`, in a `const` context (a `static`, for instance).
    ///
    /// ```
    /// use zokio::sync::SetOnce;
    ///
    /// static ONCE: SetOnce<u32> = SetOnce::const_new();
    /// ONCE.set(1).unwrap();
    /// assert_eq!(ONCE.get(), Some(&1));
    /// ```
    // loom's primitives have no const constructors.
    #[cfg(not(loom))]
    pub const fn const_new() -> SetOnce<T> {
        SetOnce {
            value: OnceSlot::empty(),
            notify: Notify::const_new(),
        }
    }

    /// A `SetOnce` holding `value` if it is `Some`, empty otherwise.
    ///
    /// ```
    /// use zokio::sync::SetOnce;
    ///
    /// assert!(SetOnce::new_with(Some(1)).initialized());
    /// assert!(!SetOnce::<u32>::new_with(None).initialized());
    /// ```
    pub fn new_with(value: Option<T>) -> SetOnce<T> {
        SetOnce {
            value: OnceSlot::from_option(value),
            notify: Notify::new(),
        }
    }

    /// A `SetOnce` holding `value`, in a `const` context.
    ///
    /// ```
    /// use zokio::sync::SetOnce;
    ///
    /// static ONCE: SetOnce<u32> = SetOnce::const_new_with(1);
    /// assert_eq!(ONCE.get(), Some(&1));
    /// assert!(ONCE.set(2).is_err());
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new_with(value: T) -> SetOnce<T> {
        SetOnce {
            value: OnceSlot::full(value),
            notify: Notify::const_new(),
        }
    }

    /// Whether the value is set.
    ///
    /// ```
    /// let once = zokio::sync::SetOnce::new();
    /// assert!(!once.initialized());
    /// once.set(()).unwrap();
    /// assert!(once.initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.value.is_set()
    }

    /// The value, if it is set.
    ///
    /// ```
    /// let once = zokio::sync::SetOnce::new();
    /// assert_eq!(once.get(), None);
    /// once.set(5).unwrap();
    /// assert_eq!(once.get(), Some(&5));
    /// ```
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// Sets the value if it is not set yet, and wakes every task waiting for
    /// it; otherwise hands `value` back in a [`SetOnceError`].
    ///
    /// Of two concurrent calls, exactly one succeeds, and when the other
    /// returns its error the value is already visible to [`get`](SetOnce::get).
    ///
    /// ```
    /// use zokio::sync::{SetOnce, SetOnceError};
    ///
    /// let once = SetOnce::new();
    /// assert_eq!(once.set(1), Ok(()));
    /// assert_eq!(once.set(2), Err(SetOnceError(2)));
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetOnceError<T>> {
        if self.initialized() {
            return Err(SetOnceError(value));
        }
        let mut value = Some(value);
        self.notify.notify_waiters_if(|| {
            if self.value.is_set() {
                return false;
            }
            let Some(value) = value.take() else {
                return false;
            };
            // SAFETY: every write happens here, under the `Notify`'s lock,
            // so this is the only writer; the slot was empty under the same
            // lock. The write is a move: no user code runs under the lock.
            unsafe { self.value.publish(value) };
            true
        });
        match value {
            None => Ok(()),
            Some(value) => Err(SetOnceError(value)),
        }
    }

    /// Takes the value out, consuming the `SetOnce`; `None` if it was not set.
    ///
    /// ```
    /// let once = zokio::sync::SetOnce::new();
    /// once.set(String::from("v")).unwrap();
    /// assert_eq!(once.into_inner().as_deref(), Some("v"));
    /// ```
    pub fn into_inner(mut self) -> Option<T> {
        self.value.take()
    }

    /// Waits until the value is set, and returns it. Returns at once if it
    /// is set already.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses nothing.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::SetOnce;
    ///
    /// let once = Arc::new(SetOnce::new());
    /// let setter = std::thread::spawn({
    ///     let once = once.clone();
    ///     move || once.set(4).unwrap()
    /// });
    /// assert_eq!(*zokio::block_on(once.wait()), 4);
    /// setter.join().unwrap();
    /// ```
    pub async fn wait(&self) -> &T {
        loop {
            // Created before the check: a `set` after the check wakes it
            // (`notify_waiters` completes every `Notified` that exists).
            let notified = self.notify.notified();
            if let Some(value) = self.get() {
                return value;
            }
            notified.await;
        }
    }
}

impl<T> Default for SetOnce<T> {
    fn default() -> SetOnce<T> {
        SetOnce::new()
    }
}

impl<T> From<T> for SetOnce<T> {
    fn from(value: T) -> SetOnce<T> {
        SetOnce::new_with(Some(value))
    }
}

impl<T: Clone> Clone for SetOnce<T> {
    fn clone(&self) -> SetOnce<T> {
        SetOnce::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for SetOnce<T> {
    fn eq(&self, other: &SetOnce<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for SetOnce<T> {}

impl<T: fmt::Debug> fmt::Debug for SetOnce<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetOnce")
            .field("value", &self.get())
            .finish()
    }
}

/// The error of [`SetOnce::set`] on a `SetOnce` already set: the value that
/// was not stored.
#[derive(Debug, PartialEq, Eq)]
pub struct SetOnceError<T>(pub T);

impl<T> fmt::Display for SetOnceError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SetOnceError")
    }
}

impl<T: fmt::Debug> Error for SetOnceError<T> {}
