//! The blocking pool of calls made outside any runtime (see `offload`): a
//! process-wide pool of threads started on demand, each ending after a while
//! without work.
//!
//! This used to be smol's `blocking` crate. It is written here because that
//! crate turns on async-task's `std` feature, and cargo unifies features over
//! a build: with it in a Zokio user's graph, every Zokio task was 16 bytes
//! bigger (a `pending()` task 72 bytes instead of 56), not just the jobs it
//! ran.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

use zokio_core::blocking::{Blocking, BlockingHandle};
use zokio_core::task::Runnable;

/// Threads at most; more jobs than that wait in the queue.
const MAX_THREADS: usize = 64;

/// How long a thread waits for a job before it ends.
const KEEP_ALIVE: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Jobs {
    queue: VecDeque<Runnable>,
    threads: usize,
    idle: usize,
}

#[derive(Default)]
struct FallbackPool {
    jobs: Mutex<Jobs>,
    available: Condvar,
}

/// The process's fallback pool, started with its first job.
pub(crate) fn handle() -> &'static BlockingHandle {
    static POOL: OnceLock<BlockingHandle> = OnceLock::new();
    POOL.get_or_init(|| BlockingHandle::new(&*Box::leak(Box::<FallbackPool>::default())))
}

impl Blocking for &'static FallbackPool {
    fn run(&self, job: Runnable) {
        let pool: &'static FallbackPool = self;
        let mut jobs = pool.jobs.lock().unwrap_or_else(|e| e.into_inner());
        jobs.queue.push_back(job);
        if jobs.idle > jobs.queue.len() - 1 {
            drop(jobs);
            pool.available.notify_one();
            return;
        }
        if jobs.threads >= MAX_THREADS {
            return; // a running thread takes it when it is done
        }
        jobs.threads += 1;
        drop(jobs);
        let started = std::thread::Builder::new()
            .name("zokio-io-blocking".into())
            .spawn(move || pool.work());
        if started.is_err() {
            let mut jobs = pool.jobs.lock().unwrap_or_else(|e| e.into_inner());
            jobs.threads -= 1;
            // No thread to run it (and none may come): cancel what nobody
            // runs, so that its handle reports it rather than waits.
            let stranded = if jobs.threads == 0 {
                std::mem::take(&mut jobs.queue)
            } else {
                VecDeque::new()
            };
            drop(jobs);
            drop(stranded);
        }
    }
}

impl FallbackPool {
    fn work(&self) {
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(job) = jobs.queue.pop_front() {
                drop(jobs);
                job.run();
                jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
                continue;
            }
            jobs.idle += 1;
            let (guard, waited) = self
                .available
                .wait_timeout(jobs, KEEP_ALIVE)
                .unwrap_or_else(|e| e.into_inner());
            jobs = guard;
            jobs.idle -= 1;
            if waited.timed_out() && jobs.queue.is_empty() {
                jobs.threads -= 1;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_on_pool_threads_and_an_idle_thread_is_reused() {
        let name = futures_lite::future::block_on(
            handle().spawn_blocking(|| std::thread::current().name().map(str::to_owned)),
        )
        .unwrap();
        assert_eq!(name.as_deref(), Some("zokio-io-blocking"));
        // A pool of its own, so that no other test's jobs share it.
        let pool: &'static FallbackPool = Box::leak(Box::default());
        let own = BlockingHandle::new(pool);
        for i in 0..4 {
            assert_eq!(
                futures_lite::future::block_on(own.spawn_blocking(move || i)).unwrap(),
                i
            );
            // Let the thread go back to waiting before the next job.
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(
            pool.jobs.lock().unwrap().threads,
            1,
            "one thread ran them all"
        );
    }

    #[test]
    fn many_jobs_at_once_all_run() {
        let (tx, rx) = std::sync::mpsc::channel();
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
        let handles: Vec<_> = (0..200)
            .map(|i| {
                let (tx, barrier) = (tx.clone(), barrier.clone());
                handle().spawn_blocking(move || {
                    // The first eight need eight threads at once.
                    if i < 8 {
                        barrier.wait();
                    }
                    tx.send(i).unwrap();
                })
            })
            .collect();
        drop(tx);
        for h in handles {
            futures_lite::future::block_on(h).unwrap();
        }
        assert_eq!(rx.iter().count(), 200);
    }
}
