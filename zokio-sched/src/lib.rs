//! Schedulers for [Zokio](https://docs.rs/zokio): where spawned tasks run.
//!
//! # The model
//!
//! A task is a zokio-core [`Runnable`](zokio_core::task::Runnable) whose
//! schedule handle is one `Arc` of its scheduler's shared state. When the
//! task is woken, that handle decides where it goes.
//!
//! [`MultiThread`] runs `worker_threads` workers. Each owns a local queue: a
//! 256-slot ring that only its worker pushes to and pops from (the owner's
//! end takes `&mut self`), and that other workers steal half of at a time
//! through its stealer's end, claiming the batch with one compare-and-swap.
//! A task woken by the task a worker is running goes to the worker's LIFO
//! slot and runs next (at most three times in a row, so a ping-pong pair
//! cannot starve the ring); a task that yields goes to the back of the ring.
//! Spawns and wakes from other threads go to a shared injector queue, which
//! idle workers drain in batches and every worker looks at every
//! `global_queue_interval` ticks. When a ring overflows, half of it moves to
//! the worker's own spill queue, which it takes back with its injector pulls.
//!
//! An idle worker first searches: it steals from a random victim, then pulls
//! from the injector, and last takes half of a busy worker's spill queue.
//! At most half of the workers search at once, a new task wakes at most one
//! sleeper (none while someone searches), and a searcher that finds work
//! wakes one more, so work spreads without a thundering herd.
//! A worker with nothing to do parks: the first to get there parks in the
//! [`Driver`](zokio_core::Driver) (the I/O reactor and timers), the others
//! on their own thread parker. The scheduler holds the driver stack by value,
//! so that park is a direct call into it.
//!
//! A busy worker polls the driver every `global_queue_interval` ticks, and
//! the tasks it wakes go to its ring. On Linux, while another worker is awake,
//! that poll asks the driver where each event's data arrived
//! ([`park_with_origins`](zokio_core::Driver::park_with_origins), the
//! [`placement`](zokio_core::placement) contract); a task whose data arrived on the
//! CPU another worker runs on goes to that worker's inbox instead, so a
//! socket is read on the CPU whose cache holds it. Over loopback, where the
//! kernel delivers data on the sender's CPU, this settles each client and
//! its server task on one worker and cuts the kernel's cost per request.
//!
//! [`CurrentThread`] runs every task on the thread calling `block_on`; other
//! threads reach it through a thread-safe remote queue and the driver's
//! unparker. `!Send` tasks run in a [`LocalSet`] ([`spawn_local`]), under
//! either scheduler.
//!
//! [`ThreadPerCore`] composes the same pieces differently: one
//! current-thread scheduler per worker thread, each over its own driver
//! stack, no stealing; a spawn on a worker stays there (`!Send` ones too),
//! a spawn from outside goes round-robin or to a chosen worker.
//!
//! All of them own their tasks: dropping a scheduler cancels every task it owns,
//! wherever it waits, drops its future, and joins the threads, in the steps
//! the `shutdown` module lays out once for both. Code that blocks runs on the
//! blocking pool ([`spawn_blocking`]), which grows on demand and shrinks after
//! a keep-alive; it implements `zokio_core::blocking`'s contract, so other
//! layers reach it without depending on this crate.
//!
//! [`Handle`] reaches either scheduler without naming its driver. Every
//! thread a scheduler runs code on (its workers, its blocking threads, the
//! caller of `block_on`) enters the runtime's whole context: the scheduler,
//! its blocking pool, and the other layers given in [`Config::layers`]. That
//! is how the free [`spawn`] finds it, and how timers and sockets find theirs.
//!
//! ```
//! use zokio_core::ThreadParker;
//! use zokio_sched::{Config, MultiThread};
//!
//! let rt = MultiThread::new(ThreadParker::new(), Config { worker_threads: 2, ..Config::default() })?;
//! let total = rt.block_on(async {
//!     let blocking = zokio_sched::spawn_blocking(|| 40);
//!     let task = zokio_sched::spawn(async { 2 });
//!     blocking.await.unwrap() + task.await.unwrap()
//! });
//! assert_eq!(total, 42);
//! # Ok::<(), std::io::Error>(())
//! ```

mod blocking;
mod config;
mod current_thread;
mod driver_cell;
pub mod dump;
mod handle;
mod id;
mod idle;
mod inbox;
mod lifo;
mod local_set;
mod metrics;
mod multi_thread;
mod owned;
mod poll_mark;
mod queue;
mod shutdown;
mod stall;
mod thread_per_core;
mod waker_slab;
mod worker_cpus;

#[cfg(all(test, loom))]
mod loom_models;

/// Tokio's message for a `block_on` on a thread already running a runtime.
pub(crate) const NESTED_BLOCK_ON: &str = "Cannot start a runtime from within a runtime. This \
     happens because a function (like `block_on`) attempted to block the current thread while \
     the thread is being used to drive asynchronous tasks: `.await` the future instead";

pub use config::{Config, ThreadContextFn, ThreadHook, ThreadNameFn};
pub use current_thread::CurrentThread;
pub use handle::{Flavor, Handle, spawn, spawn_blocking};
pub use local_set::{
    LocalEnterGuard, LocalSet, RunUntil, in_local_set, spawn_local, spawn_local_with,
};
pub use metrics::{BlockingMetrics, Metrics, WorkerMetrics};
pub use multi_thread::MultiThread;
pub use stall::{StallHook, StallInfo, StallWatch};
pub use thread_per_core::{ThreadPerCore, current_worker};

/// Runs the blocking function `f` on this thread, as Tokio's
/// `task::block_in_place`.
///
/// On a worker of a [`MultiThread`] scheduler, the worker's queue is first
/// handed to a stand-in thread from the blocking pool, so the other tasks
/// keep running while `f` blocks; `f` runs outside the runtime (it may call
/// `Handle::block_on`), and the worker takes its queue back when `f`
/// returns. On any other thread outside a current-thread runtime, `f` just
/// runs.
///
/// # Panics
///
/// On a [`CurrentThread`] scheduler's thread or inside a [`LocalSet`], with
/// Tokio's message ("can call blocking only when running on the
/// multi-threaded runtime"): every task there runs on this one thread.
///
/// ```
/// use zokio_core::ThreadParker;
/// use zokio_sched::{Config, MultiThread};
///
/// let rt = MultiThread::new(ThreadParker::new(), Config { worker_threads: 1, ..Config::default() })?;
/// let n = rt.block_on(rt.spawn(async {
///     // The only worker blocks, yet another task still runs meanwhile.
///     let other = zokio_sched::spawn(async { 2 });
///     let n = zokio_sched::block_in_place(|| {
///         std::thread::sleep(std::time::Duration::from_millis(20));
///         40
///     });
///     n + other.await.unwrap()
/// })).unwrap();
/// assert_eq!(n, 42);
/// assert_eq!(zokio_sched::block_in_place(|| 1), 1); // outside a runtime
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    multi_thread::block_in_place::block_in_place(f)
}
pub use zokio_core::context::{EnterGuard, TryCurrentError};
