//! The blocking pool: threads for code that blocks, grown on demand up to a
//! limit and shrunk after a keep-alive.
//!
//! A job is a zokio-core blocking task (see `zokio_core::blocking`), so its
//! result or panic reaches the caller's `JoinHandle` the usual way, and a job
//! that can never start is cancelled (its handle reports it) rather than
//! lost. The pool knows nothing of the runtime around it: whoever hands it a
//! job also says what context a new thread enters (every layer of the
//! runtime, as on a worker). Nothing here is on an async hot path, so a plain
//! mutex and condvar keep it simple.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use zokio_core::blocking::JobsInFlight;
use zokio_core::context::{self, Handles};
use zokio_core::sync::thread::JoinHandle as ThreadHandle;
use zokio_core::task::Runnable;

use crate::config::Config;
use crate::metrics::BlockingMetrics;

/// Starts a blocking thread; replaced in tests to simulate `EAGAIN`.
type SpawnFn = fn(&Config, Box<dyn FnOnce() + Send>) -> io::Result<ThreadHandle<()>>;

fn spawn_os_thread(
    config: &Config,
    body: Box<dyn FnOnce() + Send>,
) -> io::Result<ThreadHandle<()>> {
    config.spawn_thread(body)
}

/// A blocking thread's worker state: which pool it serves.
struct OnPool(*const Inner);

/// Cloning shares the pool (the thread-per-core workers share one).
#[derive(Clone)]
pub(crate) struct BlockingPool {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    /// Idle threads wait here for jobs.
    work: Condvar,
    /// `shutdown` waits here for the last thread to leave.
    exited: Condvar,
    config: Config,
    spawn: SpawnFn,
    /// Shared by every `BlockingHandle` made for this pool, so that the
    /// runtime's time layer sees all of its jobs (a paused clock holds
    /// still while one runs).
    jobs: JobsInFlight,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Runnable>,
    threads: usize,
    idle: usize,
    /// Wakeups sent to idle threads and not yet taken.
    notified: usize,
    shutdown: bool,
    spawn_failures: u64,
    next_id: usize,
    handles: HashMap<usize, ThreadHandle<()>>,
}

impl BlockingPool {
    pub(crate) fn new(config: &Config) -> BlockingPool {
        Self::with_spawn(config, spawn_os_thread)
    }

    fn with_spawn(config: &Config, spawn: SpawnFn) -> BlockingPool {
        BlockingPool {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                work: Condvar::new(),
                exited: Condvar::new(),
                config: config.clone(),
                spawn,
                jobs: JobsInFlight::new(),
            }),
        }
    }

    /// Queues `job` for a thread. If a new thread has to be started, it
    /// enters `context()` for its whole life.
    pub(crate) fn run(&self, job: Runnable, context: impl FnOnce() -> Handles) {
        Inner::push(&self.inner, job, context);
    }

    /// The count of this pool's jobs in flight, for its `BlockingHandle`s.
    pub(crate) fn jobs_in_flight(&self) -> &JobsInFlight {
        &self.inner.jobs
    }

    pub(crate) fn metrics(&self) -> BlockingMetrics {
        let state = self.inner.lock();
        BlockingMetrics {
            threads: state.threads,
            idle_threads: state.idle,
            queue_depth: state.queue.len(),
            spawn_failures: state.spawn_failures,
        }
    }

    /// Refuses new jobs (they are cancelled), lets the threads finish the
    /// jobs already running or queued, as Tokio's pool does (a job accepted
    /// before shutdown is not lost), and waits up to `timeout` (`None`: for
    /// ever) for them to exit.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) {
        let mut state = self.inner.lock();
        state.shutdown = true;
        // With no thread left, nobody would run what is queued: cancel it.
        let orphans = match state.threads {
            0 => std::mem::take(&mut state.queue),
            _ => VecDeque::new(),
        };
        self.inner.work.notify_all();
        drop(state);
        drop(orphans);
        let me = Arc::as_ptr(&self.inner);
        if context::with_worker(|pool: Option<&OnPool>| pool.is_some_and(|p| p.0 == me)) {
            return; // waiting for ourselves would never end
        }
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut state = self.inner.lock();
        while state.threads > 0 {
            state = match deadline {
                None => self
                    .inner
                    .exited
                    .wait(state)
                    .unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return;
                    }
                    self.inner
                        .exited
                        .wait_timeout(state, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
        let handles = std::mem::take(&mut state.handles);
        drop(state);
        for (_, handle) in handles {
            let _ = handle.join();
        }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(self: &Arc<Self>, task: Runnable, context: impl FnOnce() -> Handles) {
        let mut state = self.lock();
        if state.shutdown {
            drop(state);
            drop(task); // cancelled: its handle reports it
            return;
        }
        state.queue.push_back(task);
        if state.idle > state.notified {
            state.notified += 1;
            self.work.notify_one();
            return;
        }
        if state.threads >= self.config.max_blocking_threads {
            return; // a busy thread takes it when it is done
        }
        let id = state.next_id;
        state.next_id += 1;
        let this = self.clone();
        let context = context();
        let body = move || {
            let _context = context.enter();
            context::set_worker(&OnPool(Arc::as_ptr(&this)), || this.serve(id));
        };
        match (self.spawn)(&self.config, Box::new(body)) {
            Ok(handle) => {
                state.threads += 1;
                state.handles.insert(id, handle);
            }
            Err(_) => {
                state.spawn_failures += 1;
                if state.threads == 0 {
                    // No thread will ever take it: cancel it so the caller's
                    // handle reports the failure instead of waiting for ever.
                    let task = state.queue.pop_back();
                    drop(state);
                    drop(task);
                }
            }
        }
    }

    /// A blocking thread's life: run jobs until the keep-alive passes with
    /// none, or the pool shuts down and nothing is queued.
    fn serve(&self, id: usize) {
        let mut state = self.lock();
        loop {
            if let Some(task) = state.queue.pop_front() {
                drop(state);
                task.run();
                state = self.lock();
                continue;
            }
            if state.shutdown {
                break;
            }
            state.idle += 1;
            let (guard, wait) = self
                .work
                .wait_timeout(state, self.config.blocking_keep_alive)
                .unwrap_or_else(|e| e.into_inner());
            state = guard;
            state.idle -= 1;
            if state.notified > 0 {
                state.notified -= 1;
                continue;
            }
            if wait.timed_out() && state.queue.is_empty() {
                break;
            }
        }
        state.threads -= 1;
        if !state.shutdown {
            // Leaving while the pool lives on: nobody will join us.
            drop(state.handles.remove(&id));
        }
        if state.threads == 0 {
            self.exited.notify_all();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn failing_spawn(_: &Config, _: Box<dyn FnOnce() + Send>) -> io::Result<ThreadHandle<()>> {
        Err(io::Error::from(io::ErrorKind::WouldBlock))
    }

    /// Hands jobs to `pool`, whose new threads enter nothing.
    impl zokio_core::blocking::Blocking for BlockingPool {
        fn run(&self, job: Runnable) {
            BlockingPool::run(self, job, Handles::new);
        }
    }

    fn spawn_blocking<R: Send + 'static>(
        pool: &BlockingPool,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> zokio_core::task::JoinHandle<R> {
        let pool = BlockingPool {
            inner: pool.inner.clone(),
        };
        zokio_core::blocking::BlockingHandle::new(pool).spawn_blocking(f)
    }

    #[test]
    fn a_job_that_cannot_get_a_thread_is_cancelled_not_lost() {
        let pool = BlockingPool::with_spawn(&Config::default(), failing_spawn);
        let handle = spawn_blocking(&pool, || 1);
        let err = zokio_core::block_on(handle).unwrap_err();
        assert!(err.is_cancelled());
        let metrics = pool.metrics();
        assert_eq!((metrics.spawn_failures, metrics.queue_depth), (1, 0));
        pool.shutdown(None);
    }

    #[test]
    fn spawn_after_shutdown_is_cancelled() {
        let pool = BlockingPool::new(&Config::default());
        assert_eq!(
            zokio_core::block_on(spawn_blocking(&pool, || 2)).unwrap(),
            2
        );
        pool.shutdown(None);
        assert_eq!(pool.metrics().threads, 0);
        let err = zokio_core::block_on(spawn_blocking(&pool, || 3)).unwrap_err();
        assert!(err.is_cancelled());
    }
}
