//! Running code that blocks: the contract between what spawns a blocking job
//! and the pool that runs it.
//!
//! A blocking job is an ordinary task whose future calls the closure once, so
//! its result or panic reaches the caller's [`JoinHandle`] as any task's does,
//! and a job the pool drops (shut down, or no thread to be had) is cancelled,
//! never lost. A pool implements [`Blocking`]: it receives the job's
//! [`Runnable`] and runs it on a thread where blocking is fine. A runtime
//! enters its pool's [`BlockingHandle`] on its threads
//! ([`Layer::Blocking`]), and
//! [`spawn_blocking`] finds it there, so a layer that needs blocking work
//! (files, name resolution) spawns it without depending on the scheduler's
//! crate.
//!
//! A handle also counts its jobs in flight (spawned and neither finished nor
//! dropped): a paused test clock must not jump ahead while one is still
//! running, so the time layer reads the count through the context
//! ([`BlockingHandle::jobs_in_flight`]) without depending on the pool.
//!
//! ```
//! use zokio_core::blocking::{Blocking, BlockingHandle};
//! use zokio_core::task::Runnable;
//!
//! /// The simplest pool: a thread per job.
//! struct ThreadPerJob;
//!
//! impl Blocking for ThreadPerJob {
//!     fn run(&self, job: Runnable) {
//!         std::thread::spawn(move || job.run());
//!     }
//! }
//!
//! let pool = BlockingHandle::new(ThreadPerJob);
//! let _guard = zokio_core::context::enter(pool);
//! let sum = zokio_core::blocking::spawn_blocking(|| (1..=4).sum::<u32>());
//! assert_eq!(zokio_core::block_on(sum).unwrap(), 10);
//! ```

use std::fmt;
// std's: loom's `Arc` cannot hold a `dyn Blocking`, and the pool handle is
// plain shared ownership, not part of a protocol a model checks.
use std::sync::Arc;

use crate::context::{self, Layer, LayerHandle};
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::task::{Builder, JoinHandle, Runnable, Schedule, ScheduleHint, TaskKind};

/// A pool that runs blocking jobs.
pub trait Blocking: Send + Sync + 'static {
    /// Runs `job` once, on a thread where blocking is allowed, or drops it
    /// (which cancels the job: its handle reports it) if the pool has shut
    /// down or cannot get a thread. Called on whatever thread spawned or
    /// aborted the job; it must not run the job there.
    fn run(&self, job: Runnable);
}

/// A cheap, cloneable handle to a [`Blocking`] pool: what a runtime enters
/// on its threads for [`spawn_blocking`] to find.
///
/// Handles made from one [`JobsInFlight`] share its count; a runtime gives
/// every handle to its pool the same one.
#[derive(Clone)]
pub struct BlockingHandle {
    pool: Arc<dyn Blocking>,
    jobs: JobsInFlight,
}

impl BlockingHandle {
    /// A handle to `pool`, counting its jobs on a count of its own.
    pub fn new(pool: impl Blocking) -> BlockingHandle {
        BlockingHandle::with_jobs_in_flight(pool, JobsInFlight::new())
    }

    /// A handle to `pool` whose jobs are counted on `jobs`, which other
    /// handles to the same pool may share.
    ///
    /// ```
    /// use zokio_core::blocking::{Blocking, BlockingHandle, JobsInFlight};
    /// use zokio_core::task::Runnable;
    ///
    /// struct ThreadPerJob;
    /// impl Blocking for ThreadPerJob {
    ///     fn run(&self, job: Runnable) {
    ///         std::thread::spawn(move || job.run());
    ///     }
    /// }
    ///
    /// let jobs = JobsInFlight::new();
    /// let a = BlockingHandle::with_jobs_in_flight(ThreadPerJob, jobs.clone());
    /// let b = BlockingHandle::with_jobs_in_flight(ThreadPerJob, jobs);
    /// let (tx, rx) = std::sync::mpsc::channel::<()>();
    /// let job = a.spawn_blocking(move || rx.recv().ok());
    /// assert_eq!(b.jobs_in_flight(), 1);
    /// tx.send(()).unwrap();
    /// zokio_core::block_on(job).unwrap();
    /// assert_eq!(b.jobs_in_flight(), 0);
    /// ```
    pub fn with_jobs_in_flight(pool: impl Blocking, jobs: JobsInFlight) -> BlockingHandle {
        BlockingHandle {
            pool: Arc::new(pool),
            jobs,
        }
    }

    /// Runs `f` on the pool and returns a handle to its result (or panic).
    #[cfg_attr(feature = "tracing", track_caller)]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.spawn_blocking_with(Builder::new(), f)
    }

    /// [`spawn_blocking`](BlockingHandle::spawn_blocking), with the job's
    /// task named (and otherwise built) by `builder`.
    #[cfg_attr(feature = "tracing", track_caller)]
    pub fn spawn_blocking_with<F, R>(&self, builder: Builder<'_>, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let schedule = JobSchedule(self.pool.clone());
        let in_flight = self.jobs.start();
        let (runnable, handle) = builder.kind(TaskKind::Blocking).spawn(
            async move {
                // Dropped when `f` returns or unwinds, or with the future if
                // the job is cancelled: before the job's handle is woken, so
                // whoever that wake reaches sees the job counted out.
                let _in_flight = in_flight;
                f()
            },
            schedule,
        );
        runnable.schedule();
        handle
    }

    /// Jobs spawned through handles sharing this one's count that have
    /// neither finished nor been dropped.
    pub fn jobs_in_flight(&self) -> usize {
        self.jobs.get()
    }
}

/// A count of blocking jobs in flight, shared by the [`BlockingHandle`]s of
/// one pool (see [`BlockingHandle::with_jobs_in_flight`]).
#[derive(Clone)]
pub struct JobsInFlight(crate::sync::Arc<AtomicUsize>);

impl JobsInFlight {
    /// A count at zero.
    pub fn new() -> JobsInFlight {
        JobsInFlight(crate::sync::Arc::new(AtomicUsize::new(0)))
    }

    fn get(&self) -> usize {
        // SeqCst: with the job's wake ordering the decrement before it (the
        // task's own release), a reader woken by the job sees it counted out.
        self.0.load(Ordering::SeqCst)
    }

    fn start(&self) -> JobGuard {
        self.0.fetch_add(1, Ordering::SeqCst);
        JobGuard(self.0.clone())
    }
}

impl Default for JobsInFlight {
    fn default() -> JobsInFlight {
        JobsInFlight::new()
    }
}

impl fmt::Debug for JobsInFlight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("JobsInFlight").field(&self.get()).finish()
    }
}

/// One job counted in; counted out when dropped.
struct JobGuard(crate::sync::Arc<AtomicUsize>);

impl Drop for JobGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl LayerHandle for BlockingHandle {
    const LAYER: Layer = Layer::Blocking;
}

impl fmt::Debug for BlockingHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingHandle")
            .field("jobs_in_flight", &self.jobs_in_flight())
            .finish_non_exhaustive()
    }
}

/// A blocking job's schedule handle: every schedule (the first, and the wake
/// of an abort) goes to the pool.
struct JobSchedule(Arc<dyn Blocking>);

impl Schedule for JobSchedule {
    fn schedule(&self, job: Runnable, _hint: ScheduleHint) {
        self.0.run(job);
    }
}

/// Runs `f` on the blocking pool current on this thread.
///
/// # Panics
///
/// Where no pool is current (outside a runtime), or where the current
/// runtime's pool is disabled, with a message saying so. To check first,
/// look the pool up with
/// [`context::try_current::<BlockingHandle>()`](crate::context::try_current).
///
/// ```
/// use zokio_core::blocking::{self, Blocking, BlockingHandle};
/// use zokio_core::context::{self, Handles};
/// use zokio_core::task::Runnable;
///
/// struct ThreadPerJob;
/// impl Blocking for ThreadPerJob {
///     fn run(&self, job: Runnable) {
///         std::thread::spawn(move || job.run());
///     }
/// }
///
/// // What a runtime does on its threads: enter its pool with its other layers.
/// let mut layers = Handles::new();
/// layers.insert(BlockingHandle::new(ThreadPerJob));
/// let _entered = layers.enter();
/// let name = blocking::spawn_blocking(|| std::thread::current().name().is_none());
/// assert!(zokio_core::block_on(name).unwrap());
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match context::try_current::<BlockingHandle>() {
        Ok(pool) => pool.spawn_blocking(f),
        Err(err) => panic!("{err}"),
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Keeps jobs instead of running them, or drops them when "shut down".
    #[derive(Clone, Default)]
    struct Collect(Arc<Mutex<Option<Vec<Runnable>>>>);

    impl Blocking for Collect {
        fn run(&self, job: Runnable) {
            if let Some(jobs) = self.0.lock().unwrap().as_mut() {
                jobs.push(job);
            }
        }
    }

    #[test]
    fn a_job_the_pool_drops_is_cancelled() {
        let pool = Collect::default();
        let handle = BlockingHandle::new(pool).spawn_blocking(|| 1);
        assert!(crate::block_on(handle).unwrap_err().is_cancelled());
    }

    #[test]
    fn a_job_runs_where_the_pool_runs_it_and_panics_reach_the_handle() {
        let pool = Collect(Arc::new(Mutex::new(Some(Vec::new()))));
        let handle = BlockingHandle::new(pool.clone());
        let ok = handle.spawn_blocking(|| 2);
        let boom = handle.spawn_blocking(|| panic!("in a blocking job"));
        let jobs = pool.0.lock().unwrap().take().unwrap();
        assert_eq!(jobs.len(), 2);
        for job in jobs {
            std::thread::spawn(move || job.run()).join().unwrap();
        }
        assert_eq!(crate::block_on(ok).unwrap(), 2);
        assert!(crate::block_on(boom).unwrap_err().is_panic());
    }

    #[test]
    fn jobs_are_counted_until_they_finish_or_are_dropped() {
        let pool = Collect(Arc::new(Mutex::new(Some(Vec::new()))));
        let jobs = JobsInFlight::new();
        let handle = BlockingHandle::with_jobs_in_flight(pool.clone(), jobs.clone());
        let other = BlockingHandle::with_jobs_in_flight(pool.clone(), jobs);
        let ran = handle.spawn_blocking(|| 1);
        let dropped = other.spawn_blocking(|| 2);
        assert_eq!(handle.jobs_in_flight(), 2);
        let mut queued = pool.0.lock().unwrap().take().unwrap();
        drop(queued.pop());
        assert_eq!(other.jobs_in_flight(), 1, "a dropped job is counted out");
        assert!(crate::block_on(dropped).unwrap_err().is_cancelled());
        for job in queued {
            job.run();
        }
        assert_eq!(handle.jobs_in_flight(), 0, "a finished job is counted out");
        assert_eq!(crate::block_on(ran).unwrap(), 1);
        let own = BlockingHandle::new(Collect::default());
        drop(own.spawn_blocking(|| 3));
        assert_eq!(own.jobs_in_flight(), 0);
    }

    #[test]
    fn outside_a_runtime_the_message_says_so() {
        let err = std::panic::catch_unwind(|| spawn_blocking(|| ())).unwrap_err();
        let message = err.downcast_ref::<String>().unwrap();
        assert!(message.contains("no zokio runtime"), "{message}");
    }
}
