//! `block_in_place`: a task on a worker runs blocking code where it is, and
//! the worker's queue keeps being served by a stand-in thread meanwhile.
//!
//! The worker *lends* what makes it a worker (its ring's owner end and its
//! parker, which other workers and wakers reach it through) to a stand-in
//! that runs the ordinary worker loop under the same index, on a thread of
//! the blocking pool. The closure then runs with the thread out of the
//! runtime, so it may block, even in `Handle::block_on`. When it returns
//! (or unwinds), the worker asks for its parts back: the stand-in leaves
//! its loop at the next task boundary, settles the idle bookkeeping into
//! the state the lending worker left (awake, not searching), and hands the
//! parts back; the worker then finishes the task's poll as before. The
//! closure runs without a cooperative budget, as in Tokio. Tokio
//! instead lets the stand-in keep the worker and retires the old thread;
//! handing back keeps one thread per worker index for the life of the
//! runtime (so shutdown joins exactly the threads it started), at the price
//! of waiting, after the closure, for the stand-in's current poll.
//!
//! The hand-off of the parts ([`Lend`], in its own module) is under a
//! mutex; the only atomic is the reclaim flag, which the stand-in's loop reads between tasks and before it
//! sleeps, ordered against its sleep through the same `on_driver` handshake
//! every wake of a worker uses (see `park_once`).

use zokio_core::ThreadParker;
use zokio_core::sync::Arc;
use zokio_core::{budget, context};

use super::lend::Lend;
use super::shared::{Parts, WorkerContext};
use crate::queue::local_queue;

/// Tokio's message for `block_in_place` where it cannot hand the thread off.
const NEEDS_MULTI_THREAD: &str = "can call blocking only when running on the multi-threaded \
     runtime: `block_in_place` was called on a current-thread runtime or inside a `LocalSet`, \
     whose tasks all run on this thread; use `spawn_blocking` instead";

/// Marks the thread as no worker while the closure runs: `with_worker` finds
/// a `NotAWorker`, not a `WorkerContext`.
struct NotAWorker;

/// Runs `f`, letting the scheduler know it blocks; see the module docs and
/// [`crate::block_in_place`].
pub(crate) fn block_in_place<F: FnOnce() -> R, R>(f: F) -> R {
    if crate::local_set::in_local_set() {
        panic!("{NEEDS_MULTI_THREAD}");
    }
    let outcome = context::with_worker(|cx: Option<&WorkerContext>| match cx {
        Some(cx) => lend(cx, f),
        None => Err(f),
    });
    let f = match outcome {
        Ok(output) => return output,
        Err(f) => f,
    };
    // Not a worker of a multi-thread runtime: the thread of a current-thread
    // runtime's `block_on` or a task there cannot be handed off; any other
    // thread (a multi-thread runtime's `block_on`, a blocking thread, or no
    // runtime at all) may simply block.
    let on_current_thread = context::is_in_runtime()
        && crate::Handle::try_current().is_ok_and(|h| h.flavor() == crate::Flavor::CurrentThread);
    if on_current_thread {
        panic!("{NEEDS_MULTI_THREAD}");
    }
    context::exit_runtime(|| budget::without_budget(f))
}

/// On worker `cx`: lends the worker, runs `f`, takes the worker back.
fn lend<F: FnOnce() -> R, R>(cx: &WorkerContext, f: F) -> Result<R, F> {
    let shared = &cx.shared;
    let Some(start) = shared.stand_in() else {
        return Err(f);
    };
    // The task in the LIFO slot would otherwise wait for us.
    if let Some(task) = cx.lifo.take() {
        shared.push_local(cx, task);
    }
    let parts = Parts {
        queue: cx.queue.replace(local_queue().0),
        parker: cx.parker.replace(ThreadParker::new()),
    };
    let lend = Arc::new(Lend::new(parts));
    let _reclaim = Reclaim { cx, lend: &lend };
    if start(shared, cx.index, lend.clone()) {
        // Other workers may steal from the ring meanwhile.
        shared.notify_parked();
    }
    Ok(context::set_worker(&NotAWorker, || {
        context::exit_runtime(|| budget::without_budget(f))
    }))
}

/// Takes the worker's parts back when the closure returns or unwinds.
struct Reclaim<'a> {
    cx: &'a WorkerContext,
    lend: &'a Arc<Lend<Parts>>,
}

impl Drop for Reclaim<'_> {
    fn drop(&mut self) {
        // Wherever the stand-in sleeps, as any wake of this worker reaches it.
        let parts = self
            .lend
            .reclaim(|| self.cx.shared.unpark_worker(self.cx.index));
        restore(self.cx, parts);
    }
}

fn restore(cx: &WorkerContext, parts: Parts) {
    drop(cx.queue.replace(parts.queue));
    drop(cx.parker.replace(parts.parker));
}
