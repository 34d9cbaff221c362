//! Counters of a running runtime.

use zokio_io::IoMetrics;
use zokio_sched::{BlockingMetrics, Metrics, WorkerMetrics};
use zokio_time::TimeMetrics;

/// A snapshot of a runtime's counters, from [`Runtime::metrics`](super::Runtime::metrics).
///
/// Worker counters are written only by their own worker and published every
/// few dozen polls and whenever it parks, so a busy worker's figures lag a little.
///
/// ```
/// let rt = zokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// rt.block_on(async { zokio::spawn(async {}).await.unwrap() });
/// let m = rt.metrics();
/// assert_eq!(m.num_workers(), 2);
/// assert_eq!(m.alive_tasks(), 0);
/// ```
#[derive(Debug, Clone)]
pub struct RuntimeMetrics {
    inner: Metrics,
    io: Option<IoMetrics>,
    time: Option<TimeMetrics>,
}

impl RuntimeMetrics {
    pub(crate) fn new(inner: Metrics, io: Option<IoMetrics>, time: Option<TimeMetrics>) -> Self {
        RuntimeMetrics { inner, io, time }
    }

    /// The reactor's counters (events delivered, sources registered), if the
    /// runtime has I/O enabled.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// let sources = rt.block_on(async {
    ///     let _socket = zokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     zokio::runtime::Handle::current().metrics().io().unwrap().sources
    /// });
    /// assert!(sources >= 1);
    /// ```
    pub fn io(&self) -> Option<&IoMetrics> {
        self.io.as_ref()
    }

    /// The timer driver's counters (timers armed, timers fired), if the
    /// runtime has timers enabled.
    pub fn time(&self) -> Option<&TimeMetrics> {
        self.time.as_ref()
    }

    /// Worker threads (1 for the current-thread flavor).
    pub fn num_workers(&self) -> usize {
        self.inner.workers.len()
    }

    /// Tasks that are waiting: they have returned `Pending` at least once and
    /// not finished. A task still queued for its first poll is not counted
    /// yet (the scheduler starts tracking a task when it first waits, so tasks
    /// that finish in one poll cost no bookkeeping), and a finished task is
    /// forgotten just after the poll that finished it returns, which can be a
    /// moment after its `JoinHandle` has the result.
    pub fn alive_tasks(&self) -> usize {
        self.inner.owned_tasks
    }

    /// One worker's counters: polls, steals, parks, LIFO polls, injector
    /// pulls and local queue depth.
    pub fn worker(&self, index: usize) -> Option<&WorkerMetrics> {
        self.inner.workers.get(index)
    }

    /// Polls over all workers.
    pub fn total_polls(&self) -> u64 {
        self.inner.total_polls()
    }

    /// Tasks waiting in the shared queue.
    pub fn injector_depth(&self) -> usize {
        self.inner.injector_depth
    }

    /// The blocking pool: threads, idle threads, queue depth, spawn failures.
    pub fn blocking(&self) -> &BlockingMetrics {
        &self.inner.blocking
    }

    /// The scheduler's full snapshot.
    pub fn scheduler(&self) -> &Metrics {
        &self.inner
    }
}
