//! Why a task did not deliver its output.

use std::any::Any;
use std::fmt;
use std::io;

use super::Id;

/// A panic payload, as [`std::panic::catch_unwind`] gives it.
pub(crate) type Panic = Box<dyn Any + Send + 'static>;

/// The failed half of a task's output. Kept one word wide (the payload is boxed
/// once more on the rare panic path) so the task's output slot stays small.
pub(crate) enum Failure {
    Cancelled,
    Panicked(Box<Panic>),
}

impl Failure {
    pub(crate) fn panicked(payload: Panic) -> Failure {
        Failure::Panicked(Box::new(payload))
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
        let repr = match failure {
            Failure::Cancelled => Repr::Cancelled,
            Failure::Panicked(payload) => Repr::Panic(*payload),
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
