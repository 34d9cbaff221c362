//! Task-local values: a value visible to one future, wherever it is polled.
//!
//! A task moves between threads, so a thread-local cannot hold per-task state.
//! [`LocalKey::scope`] wraps a future and swaps its value into a thread-local
//! slot for exactly the duration of each of its polls (and of its drop).

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread::LocalKey as ThreadLocalKey;

/// Declares task-local keys, used with [`LocalKey::scope`].
///
/// ```
/// zokio::task_local! {
///     static REQUEST_ID: u64;
/// }
///
/// let id = zokio::block_on(REQUEST_ID.scope(7, async { REQUEST_ID.get() }));
/// assert_eq!(id, 7);
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static __ZOKIO_TASK_LOCAL: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey::__new(&__ZOKIO_TASK_LOCAL)
        };
        $crate::task_local!($($rest)*);
    };
}

/// A key for task-local values; declare it with [`task_local!`](crate::task_local!).
pub struct LocalKey<T: 'static> {
    slot: &'static ThreadLocalKey<RefCell<Option<T>>>,
}

/// The task-local value was read outside a scope that sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessError;

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value not set: read it inside `LocalKey::scope`")
    }
}

impl std::error::Error for AccessError {}

impl<T: 'static> LocalKey<T> {
    #[doc(hidden)]
    pub const fn __new(slot: &'static ThreadLocalKey<RefCell<Option<T>>>) -> Self {
        LocalKey { slot }
    }

    /// Runs `future` with this key set to `value` for each of its polls.
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            key: self,
            value: Some(value),
            future: Some(future),
        }
    }

    /// Runs `f` with this key set to `value`.
    ///
    /// ```
    /// zokio::task_local! { static DEPTH: u8; }
    /// assert_eq!(DEPTH.sync_scope(3, || DEPTH.get() + 1), 4);
    /// ```
    pub fn sync_scope<R>(&'static self, value: T, f: impl FnOnce() -> R) -> R {
        let mut value = Some(value);
        self.enter(&mut value, f)
    }

    /// Swaps `value` into the slot for the duration of `f`, and back out after,
    /// even if `f` panics.
    fn enter<R>(&'static self, value: &mut Option<T>, f: impl FnOnce() -> R) -> R {
        struct Swap<'a, T: 'static> {
            key: &'static LocalKey<T>,
            value: &'a mut Option<T>,
        }
        impl<T: 'static> Drop for Swap<'_, T> {
            fn drop(&mut self) {
                self.key
                    .slot
                    .with(|slot| std::mem::swap(&mut *slot.borrow_mut(), self.value));
            }
        }
        self.slot
            .with(|slot| std::mem::swap(&mut *slot.borrow_mut(), value));
        let _swap_back = Swap { key: self, value };
        f()
    }

    /// Calls `f` with the current value.
    ///
    /// # Panics
    ///
    /// Outside a scope that sets this key; see [`try_with`](LocalKey::try_with).
    #[track_caller]
    pub fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        match self.try_with(f) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        }
    }

    /// Calls `f` with the current value, or fails outside a scope.
    pub fn try_with<R>(&'static self, f: impl FnOnce(&T) -> R) -> Result<R, AccessError> {
        self.slot
            .try_with(|slot| slot.borrow().as_ref().map(f).ok_or(AccessError))
            .unwrap_or(Err(AccessError))
    }

    /// A copy of the current value.
    ///
    /// # Panics
    ///
    /// Outside a scope that sets this key.
    #[track_caller]
    pub fn get(&'static self) -> T
    where
        T: Copy,
    {
        self.with(|v| *v)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("LocalKey { .. }")
    }
}

/// A future running with a task-local value set; see [`LocalKey::scope`].
#[must_use = "futures do nothing unless polled"]
pub struct TaskLocalFuture<T: 'static, F> {
    key: &'static LocalKey<T>,
    value: Option<T>,
    /// Structurally pinned; dropped in place inside the scope.
    future: Option<F>,
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned (never moved out; dropped in
        // place through `Pin::set`); `key` and `value` are not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let mut future = unsafe { Pin::new_unchecked(&mut this.future) };
        this.key.enter(&mut this.value, || {
            let Some(inner) = future.as_mut().as_pin_mut() else {
                panic!("`TaskLocalFuture` polled after completion");
            };
            let output = inner.poll(cx);
            if output.is_ready() {
                // Drop the finished future while its task-local is still set.
                future.set(None);
            }
            output
        })
    }
}

impl<T: 'static, F> Drop for TaskLocalFuture<T, F> {
    fn drop(&mut self) {
        if self.future.is_none() {
            return;
        }
        // SAFETY: we are in the destructor; `future` is never moved again, only
        // dropped in place.
        let mut future = unsafe { Pin::new_unchecked(&mut self.future) };
        // A cancelled future's `Drop` sees its task-local too.
        self.key.enter(&mut self.value, || future.set(None));
    }
}

impl<T: 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("TaskLocalFuture { .. }")
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    crate::task_local! {
        static NAME: &'static str;
        static COUNT: u32;
    }

    #[test]
    fn values_are_visible_only_inside_their_scope() {
        assert!(NAME.try_with(|_| ()).is_err());
        let seen = crate::block_on(NAME.scope("outer", async {
            let inner = NAME.scope("inner", async { NAME.get() }).await;
            (inner, NAME.get())
        }));
        assert_eq!(seen, ("inner", "outer"));
        assert!(NAME.try_with(|_| ()).is_err());
    }

    #[test]
    fn a_scope_follows_its_future_across_polls_and_leaves_between_them() {
        let mut fut = Box::pin(COUNT.scope(5, async {
            crate::task::yield_now().await;
            COUNT.get()
        }));
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert!(COUNT.try_with(|_| ()).is_err(), "not set between polls");
        assert_eq!(fut.as_mut().poll(&mut cx), std::task::Poll::Ready(5));
    }

    #[test]
    fn the_value_is_set_while_a_cancelled_future_is_dropped() {
        struct ReadOnDrop(std::sync::Arc<std::sync::Mutex<Option<u32>>>);
        impl Drop for ReadOnDrop {
            fn drop(&mut self) {
                *self.0.lock().unwrap() = COUNT.try_with(|c| *c).ok();
            }
        }
        let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
        let guard = ReadOnDrop(seen.clone());
        let fut = COUNT.scope(9, async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        let mut fut = Box::pin(fut);
        let waker = std::task::Waker::noop();
        assert!(
            fut.as_mut()
                .poll(&mut std::task::Context::from_waker(waker))
                .is_pending()
        );
        drop(fut);
        assert_eq!(*seen.lock().unwrap(), Some(9));
    }

    use std::future::Future;
}
