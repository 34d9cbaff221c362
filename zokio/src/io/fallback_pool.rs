//! The threads stdio's blocking jobs run on outside a Zokio runtime (under
//! another executor), where no blocking pool is current.
//!
//! A thread per job would work, but stdout written line by line would start
//! a thread per line; so threads that finish a job wait a while for the
//! next. Every queued job has a thread of its own (a waiting one or a new
//! one), because a job may block indefinitely (a read of a terminal), and a
//! write queued behind it must not wait for it.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use zokio_core::blocking::Blocking;
use zokio_core::task::Runnable;

/// How long a thread with nothing to do waits for a job before it exits.
const KEEP_ALIVE: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Runnable>,
    // Threads waiting for a job, not yet woken.
    idle: usize,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    available: Condvar,
}

/// A pool that grows a thread for every job no waiting thread can take, and
/// lets a thread go after [`KEEP_ALIVE`] without work.
#[derive(Default)]
pub(crate) struct FallbackPool {
    shared: Arc<Shared>,
}

/// The queue stays consistent at every step (no job runs under the lock),
/// so a panic while it was held cannot have broken it.
fn lock(queue: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    queue
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Blocking for FallbackPool {
    fn run(&self, job: Runnable) {
        let mut queue = lock(&self.shared.queue);
        queue.jobs.push_back(job);
        if queue.jobs.len() <= queue.idle {
            drop(queue);
            self.shared.available.notify_one();
            return;
        }
        drop(queue);
        let shared = self.shared.clone();
        let started = std::thread::Builder::new()
            .name("zokio-stdio".into())
            .spawn(move || work(&shared));
        if started.is_err() {
            // No thread to be had: cancel a job (its handle reports it, as
            // an io::Error), dropped outside the lock as it may wake a task.
            let cancelled = lock(&self.shared.queue).jobs.pop_back();
            drop(cancelled);
        }
    }
}

fn work(shared: &Shared) {
    let mut queue = lock(&shared.queue);
    loop {
        if let Some(job) = queue.jobs.pop_front() {
            drop(queue);
            job.run();
            queue = lock(&shared.queue);
            continue;
        }
        queue.idle += 1;
        let (next, wait) = shared
            .available
            .wait_timeout(queue, KEEP_ALIVE)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        queue = next;
        queue.idle -= 1;
        if wait.timed_out() && queue.jobs.is_empty() {
            return;
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Instant;
    use zokio_core::blocking::BlockingHandle;

    fn pool() -> (BlockingHandle, Arc<Shared>) {
        let pool = FallbackPool::default();
        let shared = pool.shared.clone();
        (BlockingHandle::new(pool), shared)
    }

    fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
        let start = Instant::now();
        while !done() {
            assert!(start.elapsed() < Duration::from_secs(10), "{what}");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn a_job_that_blocks_does_not_hold_up_the_next() {
        let (handle, _) = pool();
        let (release, blocked) = mpsc::channel::<()>();
        let stuck = handle.spawn_blocking(move || blocked.recv().is_ok());
        let quick = handle.spawn_blocking(|| 7);
        assert_eq!(zokio_core::block_on(quick).unwrap(), 7);
        release.send(()).unwrap();
        assert!(zokio_core::block_on(stuck).unwrap());
    }

    #[test]
    fn a_thread_that_finished_takes_the_next_job() {
        let (handle, shared) = pool();
        let first = zokio_core::block_on(handle.spawn_blocking(|| std::thread::current().id()));
        wait_until("the thread goes idle", || lock(&shared.queue).idle == 1);
        let second = zokio_core::block_on(handle.spawn_blocking(|| std::thread::current().id()));
        assert_eq!(first.unwrap(), second.unwrap());
    }
}
