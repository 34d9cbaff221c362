//! The contract between tasks and schedulers.

use super::runnable::Runnable;

/// Why a task is being handed to its scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScheduleHint {
    /// Something the task waited for happened (another task, I/O, a timer, an
    /// abort). Running it soon keeps caches warm: a scheduler may put it in a
    /// LIFO slot.
    Wake,
    /// The task woke itself while it was running: it yielded, or ran out of
    /// budget. It should go behind the work that is already queued.
    Yield,
}

/// Where a runnable task goes when it is woken.
///
/// A scheduler implements this on a small handle (ideally one pointer, such
/// as an `Arc` of its shared state), which every task stores in its header.
/// `schedule` runs on whatever thread wakes the task, so it must be cheap and
/// must not run the task itself.
///
/// Closures `Fn(Runnable, ScheduleHint)` implement it, which is handy in tests:
///
/// ```
/// use std::sync::mpsc;
/// use zokio_core::task::{spawn, Runnable, ScheduleHint};
///
/// let (tx, rx) = mpsc::channel::<(Runnable, ScheduleHint)>();
/// let (runnable, _handle) = spawn(
///     async { zokio_core::task::yield_now().await },
///     move |task, hint| tx.send((task, hint)).unwrap(),
/// );
/// runnable.run();
/// let (task, hint) = rx.recv().unwrap();
/// assert_eq!(hint, ScheduleHint::Yield);
/// # task.run();
/// ```
pub trait Schedule: 'static {
    /// Queues `task` to be run.
    fn schedule(&self, task: Runnable, hint: ScheduleHint);
}

impl<F> Schedule for F
where
    F: Fn(Runnable, ScheduleHint) + 'static,
{
    #[inline]
    fn schedule(&self, task: Runnable, hint: ScheduleHint) {
        self(task, hint)
    }
}
