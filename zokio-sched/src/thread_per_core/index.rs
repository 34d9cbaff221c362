//! Which thread-per-core worker this thread is, if any: kept apart from the
//! worker's body so that the spawn path can ask without depending on it.

use std::cell::Cell;
use std::num::NonZeroU64;

thread_local! {
    /// This thread's worker index and its runtime's id, on a thread-per-core
    /// worker.
    static INDEX: Cell<Option<(usize, NonZeroU64)>> = const { Cell::new(None) };
}

/// The index of the thread-per-core worker running on this thread, or
/// `None` on any other thread (a multi-thread worker, a blocking thread, a
/// thread in `block_on`).
///
/// ```
/// use zokio_core::ThreadParker;
/// use zokio_sched::{Config, ThreadPerCore};
///
/// let rt = ThreadPerCore::new(Config { worker_threads: 2, ..Config::default() }, |_| {
///     Ok((ThreadParker::new(), Default::default()))
/// })?;
/// let on_1 = rt.spawn_on(1, async { zokio_sched::current_worker() })?;
/// assert_eq!(rt.block_on(on_1).unwrap(), Some(1));
/// assert_eq!(zokio_sched::current_worker(), None);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn current_worker() -> Option<usize> {
    INDEX.try_with(Cell::get).ok().flatten().map(|(i, _)| i)
}

/// This thread's worker index if it is a worker of the runtime `id`.
pub(crate) fn worker_of(id: NonZeroU64) -> Option<usize> {
    match INDEX.try_with(Cell::get).ok().flatten() {
        Some((i, of)) if of == id => Some(i),
        _ => None,
    }
}

/// Marks this thread as worker `index` of the runtime `id` (or as none).
pub(crate) fn set(worker: Option<(usize, NonZeroU64)>) {
    INDEX.with(|i| i.set(worker));
}
