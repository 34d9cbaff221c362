//! What the thread-per-core scheduler's handles share, and where a task
//! spawned from outside its workers goes.
//!
//! Each worker is a [`CurrentThread`](crate::CurrentThread) scheduler of its
//! own; the outside-spawn inbox of worker `i` is that scheduler's remote
//! queue (push, check the run state, unpark its driver), so a task spawned
//! here meets the same shutdown handshake as any remote wake there. A spawn
//! from a worker's own thread goes to that worker's local queue.

use std::future::Future;
use std::io;

use zokio_core::context::Handles;
use zokio_core::sync::Arc;
use zokio_core::sync::atomic::{AtomicUsize, Ordering};
use zokio_core::task::{Builder, JoinHandle};

use crate::blocking::BlockingPool;
use crate::current_thread::shared as current;
use crate::metrics::Metrics;

/// The part of a `ThreadPerCore` that handles share.
pub(crate) struct Shared {
    /// Unique among the process's schedulers.
    pub(crate) id: std::num::NonZeroU64,
    /// One scheduler per worker, by index.
    pub(crate) workers: Vec<Arc<current::Shared>>,
    /// The next worker a round-robin spawn goes to. A plain counter: two
    /// racing spawns may pick the same worker, which only skews the spread.
    next: AtomicUsize,
    /// What a thread outside the workers enters (`block_on`, the blocking
    /// pool's threads): worker 0's time and I/O layers.
    pub(crate) layers: Handles,
    /// Shared by every worker; stopped after the last worker is done.
    pub(crate) blocking: BlockingPool,
}

impl Shared {
    pub(crate) fn new(
        workers: Vec<Arc<current::Shared>>,
        layers: Handles,
        blocking: BlockingPool,
    ) -> Shared {
        Shared {
            id: crate::id::next(),
            workers,
            next: AtomicUsize::new(0),
            layers,
            blocking,
        }
    }

    /// The worker a spawn goes to: this thread's, on a worker, else the
    /// next in turn.
    pub(crate) fn pick(&self) -> &Arc<current::Shared> {
        let i = match super::index::worker_of(self.id) {
            Some(i) => i,
            None => self.next.fetch_add(1, Ordering::Relaxed) % self.workers.len(),
        };
        &self.workers[i]
    }

    /// The worker with this index, or an `InvalidInput` error naming the
    /// number of workers.
    pub(crate) fn worker(&self, index: usize) -> io::Result<&Arc<current::Shared>> {
        self.workers.get(index).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "zokio: no worker {index}: this thread-per-core runtime has {} \
                     (indices 0 to {})",
                    self.workers.len(),
                    self.workers.len() - 1
                ),
            )
        })
    }

    /// Every worker's counters, one entry per worker.
    pub(crate) fn metrics(&self) -> Metrics {
        let mut total = Metrics {
            workers: Vec::with_capacity(self.workers.len()),
            injector_depth: 0,
            owned_tasks: 0,
            blocking: self.blocking.metrics(),
        };
        for worker in &self.workers {
            let one = worker.metrics();
            total.workers.extend(one.workers);
            total.injector_depth += one.injector_depth;
            total.owned_tasks += one.owned_tasks;
        }
        total
    }

    pub(crate) fn blocking(&self) -> &BlockingPool {
        &self.blocking
    }

    pub(crate) fn layers(&self) -> &Handles {
        &self.layers
    }
}

/// Spawns onto the worker `worker`: into its local queue on its own thread,
/// into its inbox (remote queue) from anywhere else.
#[track_caller]
pub(crate) fn spawn_on<F>(
    worker: &Arc<current::Shared>,
    builder: Builder<'_>,
    future: F,
) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    current::spawn(worker.clone(), builder, future)
}
