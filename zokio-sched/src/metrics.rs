//! Per-worker counters, written only by their worker, and their snapshot.

use zokio_core::sync::atomic::{AtomicU64, Ordering};

/// Counts a worker keeps while it runs and publishes every few dozen ticks
/// and before it parks, so the hot path touches no shared cache line.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct LocalCounts {
    pub(crate) polls: u64,
    pub(crate) steals: u64,
    pub(crate) stolen_tasks: u64,
    pub(crate) parks: u64,
    pub(crate) lifo_polls: u64,
    pub(crate) injector_pulls: u64,
    pub(crate) handed_off: u64,
    /// Nanoseconds spent outside parks (clock read at each park and unpark).
    pub(crate) busy_ns: u64,
    pub(crate) overflows: u64,
    pub(crate) local_schedules: u64,
    pub(crate) forced_yields: u64,
}

/// The published copy of a worker's counts. Only the owning worker stores
/// (plain `Relaxed` stores, no read-modify-write); anyone may load.
#[derive(Debug, Default)]
pub(crate) struct WorkerCounters {
    polls: AtomicU64,
    steals: AtomicU64,
    stolen_tasks: AtomicU64,
    parks: AtomicU64,
    lifo_polls: AtomicU64,
    injector_pulls: AtomicU64,
    handed_off: AtomicU64,
    busy_ns: AtomicU64,
    overflows: AtomicU64,
    local_schedules: AtomicU64,
    forced_yields: AtomicU64,
}

impl WorkerCounters {
    pub(crate) fn publish(&self, counts: &LocalCounts) {
        self.polls.store(counts.polls, Ordering::Relaxed);
        self.steals.store(counts.steals, Ordering::Relaxed);
        self.stolen_tasks
            .store(counts.stolen_tasks, Ordering::Relaxed);
        self.parks.store(counts.parks, Ordering::Relaxed);
        self.lifo_polls.store(counts.lifo_polls, Ordering::Relaxed);
        self.injector_pulls
            .store(counts.injector_pulls, Ordering::Relaxed);
        self.handed_off.store(counts.handed_off, Ordering::Relaxed);
        self.busy_ns.store(counts.busy_ns, Ordering::Relaxed);
        self.overflows.store(counts.overflows, Ordering::Relaxed);
        self.local_schedules
            .store(counts.local_schedules, Ordering::Relaxed);
        self.forced_yields
            .store(counts.forced_yields, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self, local_queue_depth: usize) -> WorkerMetrics {
        WorkerMetrics {
            polls: self.polls.load(Ordering::Relaxed),
            steals: self.steals.load(Ordering::Relaxed),
            stolen_tasks: self.stolen_tasks.load(Ordering::Relaxed),
            parks: self.parks.load(Ordering::Relaxed),
            lifo_polls: self.lifo_polls.load(Ordering::Relaxed),
            injector_pulls: self.injector_pulls.load(Ordering::Relaxed),
            handed_off: self.handed_off.load(Ordering::Relaxed),
            busy_duration: std::time::Duration::from_nanos(self.busy_ns.load(Ordering::Relaxed)),
            overflows: self.overflows.load(Ordering::Relaxed),
            local_schedules: self.local_schedules.load(Ordering::Relaxed),
            budget_forced_yields: self.forced_yields.load(Ordering::Relaxed),
            local_queue_depth,
        }
    }
}

/// One worker's counters at the time of a [`Metrics`] snapshot. Counts are
/// published by the worker every `global_queue_interval` ticks and whenever
/// it parks, so a busy worker's figures may lag by a few dozen polls.
///
/// ```
/// use zokio_core::ThreadParker;
/// use zokio_sched::{Config, CurrentThread};
///
/// let rt = CurrentThread::new(ThreadParker::new(), Config::default()).unwrap();
/// rt.block_on(rt.spawn(async {})).unwrap();
/// let worker = rt.metrics().workers[0];
/// assert_eq!(worker.polls, 1);
/// assert_eq!(worker.local_queue_depth, 0);
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerMetrics {
    /// Tasks polled.
    pub polls: u64,
    /// Successful steal operations.
    pub steals: u64,
    /// Tasks moved by those steals.
    pub stolen_tasks: u64,
    /// Times the worker went to sleep.
    pub parks: u64,
    /// Polls of a task taken from the LIFO slot.
    pub lifo_polls: u64,
    /// Batches taken from the shared injector queue.
    pub injector_pulls: u64,
    /// Woken tasks handed to another worker's inbox because their data
    /// arrived on that worker's CPU.
    pub handed_off: u64,
    /// Time the worker spent running (not parked), up to its last publish
    /// (on the current-thread scheduler, from the first park of each
    /// `block_on` on).
    pub busy_duration: std::time::Duration,
    /// Times the worker's local queue was full and moved half its tasks to
    /// its spill queue (its own; other workers take from it only when they
    /// find nothing else to run).
    pub overflows: u64,
    /// Tasks woken or spawned from the worker's own thread onto its queue
    /// or LIFO slot (the tasks other threads send arrive through the
    /// injector, counted by `injector_pulls`, or through `handed_off`
    /// placement).
    pub local_schedules: u64,
    /// Polls in which a task was made to yield because its cooperative
    /// budget was spent.
    pub budget_forced_yields: u64,
    /// Tasks in the worker's local ring and its spill queue now.
    pub local_queue_depth: usize,
}

impl WorkerMetrics {
    /// Busy time per poll: `busy_duration / polls` (zero before any poll).
    /// It counts the scheduler's own work between polls too, so it bounds
    /// the mean poll time from above.
    pub fn mean_poll_time(&self) -> std::time::Duration {
        match self.polls {
            0 => std::time::Duration::ZERO,
            n => self.busy_duration / n.min(u32::MAX as u64) as u32,
        }
    }
}

/// The blocking pool's state at the time of a snapshot.
///
/// ```
/// use zokio_core::ThreadParker;
/// use zokio_sched::{Config, CurrentThread};
///
/// let rt = CurrentThread::new(ThreadParker::new(), Config::default()).unwrap();
/// rt.block_on(rt.spawn_blocking(|| ())).unwrap();
/// let blocking = rt.metrics().blocking;
/// assert!(blocking.threads <= 1);
/// assert_eq!(blocking.queue_depth, 0);
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BlockingMetrics {
    /// Threads alive (running a job or idle).
    pub threads: usize,
    /// Threads waiting for a job.
    pub idle_threads: usize,
    /// Jobs queued and not yet started.
    pub queue_depth: usize,
    /// Times a thread could not be spawned.
    pub spawn_failures: u64,
}

/// A snapshot of a scheduler's counters.
///
/// ```
/// use zokio_core::ThreadParker;
/// use zokio_sched::{Config, MultiThread};
///
/// let rt = MultiThread::new(ThreadParker::new(), Config { worker_threads: 2, ..Config::default() }).unwrap();
/// rt.block_on(async { zokio_sched::spawn(async {}).await.unwrap() });
/// let metrics = rt.metrics();
/// assert_eq!(metrics.workers.len(), 2);
/// ```
#[derive(Debug, Default, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Metrics {
    /// One entry per worker thread (one for `CurrentThread`).
    pub workers: Vec<WorkerMetrics>,
    /// Tasks waiting in the shared injector (the remote queue of `CurrentThread`).
    pub injector_depth: usize,
    /// Tasks that have waited at least once and not finished (tasks not yet
    /// polled sit in the queues and are not counted).
    pub owned_tasks: usize,
    /// The blocking pool.
    pub blocking: BlockingMetrics,
}

impl Metrics {
    /// Total polls over all workers.
    pub fn total_polls(&self) -> u64 {
        self.workers.iter().map(|w| w.polls).sum()
    }
}
