//! The thread-per-core runtime the tests of that flavor build.

use zokio::runtime::{Builder, Runtime};

/// A thread-per-core runtime of `workers` workers, timers and I/O on.
pub fn rt(workers: usize) -> Runtime {
    Builder::new_thread_per_core()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}
