//! What a scheduler is built with.

use std::any::Any;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use zokio_core::context::Handles;
use zokio_core::sync::thread;

/// Makes a thread's name.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use zokio_sched::{Config, ThreadNameFn};
///
/// let next = Arc::new(AtomicUsize::new(0));
/// let name: ThreadNameFn = Arc::new(move || format!("app-{}", next.fetch_add(1, Ordering::Relaxed)));
/// let config = Config { thread_name: name, ..Config::default() };
/// assert_eq!((config.thread_name)(), "app-0");
/// ```
pub type ThreadNameFn = Arc<dyn Fn() -> String + Send + Sync>;
/// A hook run on a worker or blocking thread; see [`Config::on_thread_start`].
pub type ThreadHook = Arc<dyn Fn() + Send + Sync>;
/// Makes a value a worker or blocking thread holds for its whole life (for example the
/// guards that make a time or I/O layer current on that thread).
///
/// ```
/// use std::any::Any;
/// use std::sync::Arc;
/// use zokio_core::ThreadParker;
/// use zokio_sched::{Config, MultiThread};
///
/// thread_local!(static LAYER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
/// struct Entered;
/// impl Drop for Entered {
///     fn drop(&mut self) { LAYER.with(|l| l.set(false)) }
/// }
/// let config = Config {
///     worker_threads: 1,
///     thread_context: Some(Arc::new(|| {
///         LAYER.with(|l| l.set(true));
///         Box::new(Entered) as Box<dyn Any>
///     })),
///     ..Config::default()
/// };
/// let rt = MultiThread::new(ThreadParker::new(), config).unwrap();
/// assert!(rt.block_on(rt.spawn(async { LAYER.with(|l| l.get()) })).unwrap());
/// ```
pub type ThreadContextFn = Arc<dyn Fn() -> Box<dyn Any> + Send + Sync>;

/// Settings for [`MultiThread`](crate::MultiThread) and
/// [`CurrentThread`](crate::CurrentThread). Fields are public; [`Default`]
/// gives the documented values.
///
/// ```
/// use zokio_sched::Config;
///
/// let config = Config { worker_threads: 2, ..Config::default() };
/// assert_eq!(config.global_queue_interval, 61);
/// assert!(Config { worker_threads: 0, ..Config::default() }.validate().is_err());
/// ```
#[derive(Clone)]
pub struct Config {
    /// Worker threads of a `MultiThread` (default: the available parallelism).
    /// Zero is an error. `CurrentThread` ignores it.
    pub worker_threads: usize,
    /// Names worker and blocking threads (default: `"zokio-worker"`).
    pub thread_name: ThreadNameFn,
    /// Stack size of spawned threads; `None` keeps std's default.
    pub thread_stack_size: Option<usize>,
    /// Runs first on every worker and blocking thread.
    pub on_thread_start: Option<ThreadHook>,
    /// Runs last on every worker and blocking thread.
    pub on_thread_stop: Option<ThreadHook>,
    /// Runs on a worker (or the current-thread scheduler's thread) just
    /// before it parks for want of work; a task it spawns or a future it
    /// wakes keeps the thread from sleeping.
    pub on_thread_park: Option<ThreadHook>,
    /// Runs on a worker when it returns from parking.
    pub on_thread_unpark: Option<ThreadHook>,
    /// Called on each worker and blocking thread as it starts; the value is
    /// held until the thread exits, then dropped there.
    pub thread_context: Option<ThreadContextFn>,
    /// Every this many ticks a worker looks at the shared queue (and polls the
    /// driver if it is free) before its own work, so remote work is never
    /// starved by a busy local queue (default 61). Zero is an error.
    pub global_queue_interval: u32,
    /// Every this many ticks a busy worker polls the driver (I/O, timers)
    /// without blocking (default 61, as Tokio's). Zero is an error.
    pub event_interval: u32,
    /// Puts a task woken by the running task at the back of the worker's
    /// queue, not in the LIFO slot that runs it next (default false).
    pub disable_lifo_slot: bool,
    /// Upper bound on blocking-pool threads (default 512). Zero is an error.
    pub max_blocking_threads: usize,
    /// How long an idle blocking thread waits for work before it exits
    /// (default 10 s).
    pub blocking_keep_alive: Duration,
    /// The stall watchdog: a monitor thread that reports any task whose one
    /// poll holds a worker longer than a threshold (default: none, and no
    /// cost). See [`StallWatch`](crate::StallWatch).
    pub stall: Option<crate::StallWatch>,
    /// Keeps a record of every live task, for
    /// [`Handle::dump`](crate::Handle::dump) (default false: the spawn and
    /// poll paths are then exactly the plain ones). The stall watchdog keeps
    /// the records too, for the name and spawn location of a stuck task. See
    /// [`dump`](crate::dump).
    pub task_dump: bool,
    /// The other layers of the runtime (timers, I/O), which every thread the
    /// scheduler runs code on enters together with the scheduler itself and
    /// its blocking pool (default: none, so timers and sockets used there
    /// fall back to their background drivers). A layer marked disabled
    /// reports its reason where it is used.
    pub layers: Handles,
}

impl Config {
    /// Checks the settings, naming the one that is wrong.
    pub fn validate(&self) -> io::Result<()> {
        let invalid = |msg: &str| Err(io::Error::new(io::ErrorKind::InvalidInput, msg));
        if self.worker_threads == 0 {
            return invalid("zokio: `worker_threads` must be at least 1");
        }
        if self.worker_threads > u16::MAX as usize - 1 {
            return invalid("zokio: `worker_threads` must be below 65,535");
        }
        if self.max_blocking_threads == 0 {
            return invalid("zokio: `max_blocking_threads` must be at least 1");
        }
        if self.stall.as_ref().is_some_and(|w| w.threshold.is_zero()) {
            return invalid("zokio: the stall threshold must be above zero");
        }
        if self.global_queue_interval == 0 {
            return invalid("zokio: `global_queue_interval` must be at least 1");
        }
        if self.event_interval == 0 {
            return invalid("zokio: `event_interval` must be at least 1");
        }
        Ok(())
    }

    /// The poll marks of a scheduler with `workers` workers, if the
    /// watchdog or dumps are on (dumps read them for the running tasks).
    pub(crate) fn poll_marks(&self, workers: usize) -> Option<crate::poll_mark::PollMarks> {
        (self.stall.is_some() || self.task_dump).then(|| crate::poll_mark::marks(workers))
    }

    /// The task records of a scheduler whose first worker is numbered
    /// `first_worker`, if dumps are on. The watchdog does not turn them on:
    /// they cost each spawn and poll a few stores more, where the watchdog
    /// alone costs a few stores per poll.
    pub(crate) fn records(
        &self,
        first_worker: usize,
    ) -> Option<zokio_core::sync::Arc<crate::dump::records::TaskRecords>> {
        use crate::dump::records::TaskRecords;
        self.task_dump
            .then(|| zokio_core::sync::Arc::new(TaskRecords::new(first_worker)))
    }

    /// Spawns a runtime thread running `body` between the start and stop
    /// hooks, holding the thread context value meanwhile.
    pub(crate) fn spawn_thread(
        &self,
        body: impl FnOnce() + Send + 'static,
    ) -> io::Result<thread::JoinHandle<()>> {
        let start = self.on_thread_start.clone();
        let stop = self.on_thread_stop.clone();
        let context = self.thread_context.clone();
        let body = move || {
            if let Some(start) = start {
                start();
            }
            let held = context.map(|make| make());
            body();
            drop(held);
            if let Some(stop) = stop {
                stop();
            }
        };
        #[cfg(not(loom))]
        {
            let mut builder = thread::Builder::new().name((self.thread_name)());
            if let Some(size) = self.thread_stack_size {
                builder = builder.stack_size(size);
            }
            builder.spawn(body)
        }
        // Loom's threads have no builder; names and sizes mean nothing there.
        #[cfg(loom)]
        Ok(thread::spawn(body))
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            worker_threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            thread_name: Arc::new(|| "zokio-worker".to_owned()),
            thread_stack_size: None,
            on_thread_start: None,
            on_thread_stop: None,
            on_thread_park: None,
            on_thread_unpark: None,
            thread_context: None,
            global_queue_interval: 61,
            event_interval: 61,
            disable_lifo_slot: false,
            max_blocking_threads: 512,
            blocking_keep_alive: Duration::from_secs(10),
            stall: None,
            task_dump: false,
            layers: Handles::new(),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("worker_threads", &self.worker_threads)
            .field("thread_stack_size", &self.thread_stack_size)
            .field("global_queue_interval", &self.global_queue_interval)
            .field("event_interval", &self.event_interval)
            .field("disable_lifo_slot", &self.disable_lifo_slot)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("blocking_keep_alive", &self.blocking_keep_alive)
            .field("task_dump", &self.task_dump)
            .field("layers", &self.layers)
            .finish_non_exhaustive()
    }
}
