//! Why a task did not deliver its output.

use std::any::Any;
use std::fmt;
use std::io;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;

use super::Id;

/// A panic payload, as [`std::panic::catch_unwind`] gives it.
pub(crate) type Panic = Box<dyn Any + Send + 'static>;

/// The failed half of a task's output: one thin pointer, either to a boxed
/// panic payload or to [`CANCELLED`]. A plain enum of the two would be one word
/// as well, but it spends the pointer's only niche on `Cancelled`, so
/// `Result<(), Failure>` (a `pending()` task's output slot) would take two
/// words; this form leaves the niche to `Result`, which keeps the task's
/// output slot, and so a `pending()` task, one word smaller.
pub(crate) struct Failure(NonNull<Panic>);

/// The address a cancelled [`Failure`] points to: never a heap allocation,
/// never read.
static CANCELLED: u8 = 0;

// SAFETY: a `Failure` owns nothing but (when it is not the `CANCELLED`
// sentinel) a boxed `Panic`, which is `Send`.
unsafe impl Send for Failure {}

impl Failure {
    pub(crate) fn cancelled() -> Failure {
        Failure(NonNull::from(&CANCELLED).cast())
    }

    pub(crate) fn panicked(payload: Panic) -> Failure {
        Failure(NonNull::from(Box::leak(Box::new(payload))))
    }

    fn is_cancelled(&self) -> bool {
        self.0.cast::<u8>() == NonNull::from(&CANCELLED)
    }

    /// The payload, or `None` for a cancellation.
    fn into_panic(self) -> Option<Panic> {
        let this = ManuallyDrop::new(self);
        if this.is_cancelled() {
            return None;
        }
        // SAFETY: not the sentinel, so the pointer came from `Box::leak` in
        // `panicked`; `this` is never dropped, so the box is taken back once.
        Some(*unsafe { Box::from_raw(this.0.as_ptr()) })
    }
}

impl Drop for Failure {
    fn drop(&mut self) {
        if !self.is_cancelled() {
            // SAFETY: not the sentinel, so the pointer came from `Box::leak`
            // in `panicked`, and this is its one owner dropping it once.
            drop(unsafe { Box::from_raw(self.0.as_ptr()) });
        }
    }
}

/// A task failed to complete: it panicked, or it was cancelled (aborted, or
/// dropped by a runtime that shut down).
///
/// ```
/// use zokio_core::block_on;
/// use zokio_core::task::spawn;
///
/// let (runnable, handle) = spawn(async { panic!("boom") }, |_, _| {});
/// runnable.run();
/// let err = block_on(handle).unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
/// ```
pub struct JoinError {
    id: Id,
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(Panic),
}

impl JoinError {
    pub(crate) fn new(id: Id, failure: Failure) -> JoinError {
        let repr = match failure.into_panic() {
            None => Repr::Cancelled,
            Some(payload) => Repr::Panic(payload),
        };
        JoinError { id, repr }
    }

    pub(crate) fn cancelled(id: Id) -> JoinError {
        JoinError {
            id,
            repr: Repr::Cancelled,
        }
    }

    /// True if the task was cancelled before it completed.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// True if the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The id of the task that failed.
    pub fn id(&self) -> Id {
        self.id
    }

    /// The panic payload, to inspect or to resume with
    /// [`std::panic::resume_unwind`].
    ///
    /// # Panics
    ///
    /// If the task was cancelled rather than panicking; see
    /// [`try_into_panic`](JoinError::try_into_panic) for the fallible form.
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        match self.try_into_panic() {
            Ok(payload) => payload,
            Err(err) => {
                panic!("`JoinError::into_panic` called on an error that is not a panic: {err}")
            }
        }
    }

    /// The panic payload, or the error itself if the task was cancelled.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(payload) => Ok(payload),
            Repr::Cancelled => Err(self),
        }
    }
}

fn panic_message(payload: &Panic) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "task {} was cancelled", self.id),
            Repr::Panic(payload) => match panic_message(payload) {
                Some(message) => write!(f, "task {} panicked with message {message:?}", self.id),
                None => write!(f, "task {} panicked", self.id),
            },
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "JoinError::Cancelled({:?})", self.id),
            Repr::Panic(payload) => match panic_message(payload) {
                Some(message) => write!(f, "JoinError::Panic({:?}, {message:?})", self.id),
                None => write!(f, "JoinError::Panic({:?}, ..)", self.id),
            },
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for io::Error {
    fn from(err: JoinError) -> io::Error {
        io::Error::other(err.to_string())
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_unit_outcome_is_one_word() {
        assert_eq!(std::mem::size_of::<Result<(), Failure>>(), 8);
    }

    #[test]
    fn both_kinds_survive_the_round_trip() {
        assert!(Failure::cancelled().into_panic().is_none());
        let payload = Failure::panicked(Box::new("boom")).into_panic().unwrap();
        assert_eq!(*payload.downcast::<&str>().unwrap(), "boom");
        // Dropped without being read: frees its box (ASan and Miri see a leak otherwise).
        drop(Failure::panicked(Box::new(String::from("unread"))));
        drop(Failure::cancelled());
    }
}
