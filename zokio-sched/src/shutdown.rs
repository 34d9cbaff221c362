//! Shutting a scheduler down, written once for both flavors.
//!
//! A scheduler owns its tasks: when it shuts down, every task it owns is
//! cancelled and its future dropped, wherever the task waits, and no thread
//! of the runtime is left running Zokio code. The steps, in order:
//!
//! 1. **Close.** The state moves to *closing*: a spawn from now on is
//!    cancelled at once (its handle reports it), and workers leave their
//!    loops the next time they look at the state.
//! 2. **Wake the waiting.** Every task that has waited at least once (on a
//!    socket, a timer, a channel held outside) is woken, so that its
//!    `Runnable` reaches a queue where a later step drops it instead of
//!    running it. A task whose first wait is recorded after this point wakes
//!    itself for the same end (see `OwnedTasks`).
//! 3. **Stop the threads.** Every worker is unparked; each drops what its own
//!    queues hold, on its own thread, and exits. Shutdown waits for them
//!    until the deadline; a worker stuck in a task that never yields is left
//!    behind, detached. The current-thread flavor has no threads to stop.
//! 4. **Release the driver.** If no worker holds it any more, the driver is
//!    shut down: it fires its timers and closes its sources, which wakes
//!    their tasks into the queues.
//! 5. **Drop the leftovers.** What the queues still hold is dropped here.
//! 6. **Mark closed.** From now on a task woken anywhere is dropped by the
//!    thread that wakes it (`!Send` tasks of the current-thread flavor stay
//!    queued instead: only their own thread may drop them). The queues are
//!    drained once more, for a wake that raced with step 5.
//! 7. **Stop the blocking pool.** New jobs are cancelled; the jobs already
//!    running or queued finish on the pool's threads (as in Tokio, a job
//!    accepted before shutdown is not lost), which are waited for until the
//!    deadline.
//!
//! All of it runs inside the runtime's context, so a task's `Drop` that
//! looks for its runtime, or touches a timer or a socket, finds them.

use std::task::Waker;
use std::time::{Duration, Instant};

use zokio_core::context::Handles;
use zokio_core::sync::atomic::{AtomicU8, Ordering, fence};

use crate::blocking::BlockingPool;
use crate::owned::OwnedTasks;

const RUNNING: u8 = 0;
const CLOSING: u8 = 1;
const CLOSED: u8 = 2;

/// Where a scheduler is in its life: running, closing (steps 1 to 5), closed.
#[derive(Debug)]
pub(crate) struct RunState(AtomicU8);

impl RunState {
    pub(crate) fn new() -> RunState {
        RunState(AtomicU8::new(RUNNING))
    }

    #[inline]
    pub(crate) fn is_running(&self) -> bool {
        self.0.load(Ordering::Acquire) == RUNNING
    }

    /// For a thread that just queued a task: true if the scheduler is closed,
    /// so that nobody else will drop the task. Pairs with `mark_closed`:
    /// either that drain sees the task, or this sees `CLOSED`.
    #[inline]
    pub(crate) fn is_closed_after_push(&self) -> bool {
        fence(Ordering::SeqCst);
        self.0.load(Ordering::SeqCst) == CLOSED
    }

    pub(crate) fn close(&self) {
        self.0.store(CLOSING, Ordering::SeqCst);
    }

    pub(crate) fn mark_closed(&self) {
        self.0.store(CLOSED, Ordering::SeqCst);
        fence(Ordering::SeqCst);
    }
}

/// What each flavor does in the steps above.
pub(crate) trait Steps {
    fn state(&self) -> &RunState;
    fn owned(&self) -> &OwnedTasks;
    fn blocking(&self) -> &BlockingPool;
    /// The runtime's context, entered for the whole shutdown.
    fn context(&self) -> &Handles;
    /// Step 3: unparks every thread and waits for them until `deadline`.
    fn stop_threads(&mut self, deadline: Option<Instant>);
    /// Step 4: shuts the driver down unless a thread still holds it.
    fn release_driver(&mut self);
    /// Steps 5 and 6: drops every task the queues reachable from here hold.
    fn drop_queued(&self);
    /// Step 7 is this scheduler's to run: false for a pool shared with
    /// other schedulers (thread-per-core workers), whose owner stops it.
    fn owns_blocking(&self) -> bool {
        true
    }
}

/// Runs the steps, once: a scheduler shut down already is left as it is.
/// `timeout` bounds the waits of steps 3 and 7 together (`None`: wait as
/// long as it takes).
pub(crate) fn shutdown(scheduler: &mut impl Steps, timeout: Option<Duration>) {
    if !scheduler.state().is_running() {
        return;
    }
    let deadline = timeout.map(|t| Instant::now() + t);
    let _context = scheduler.context().enter();
    // 1.
    scheduler.state().close();
    // 2.
    let waiting = scheduler.owned().close_and_take();
    waiting.iter().for_each(Waker::wake_by_ref);
    drop(waiting);
    // 3.
    scheduler.stop_threads(deadline);
    // 4.
    scheduler.release_driver();
    // 5.
    scheduler.drop_queued();
    // 6.
    scheduler.state().mark_closed();
    scheduler.drop_queued();
    // 7.
    if !scheduler.owns_blocking() {
        return;
    }
    let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
    scheduler.blocking().shutdown(left);
}
