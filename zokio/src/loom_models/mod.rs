//! loom models of the facade's atomic protocols (its sync primitives), run
//! by `cargo xtask loom` (`--cfg loom`). They live inside the crate so that
//! they can reach its internals.

mod batch_semaphore;
mod broadcast;
mod cancellation;
mod mpsc;
mod notify;
mod once_cell;
mod oneshot;
mod set_once;
mod watch;

use std::sync::Arc as StdArc;
use std::task::{Wake, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering};

/// A waker that counts its wakes, in a loom atomic so loom sees them.
pub(crate) struct Count(AtomicUsize);

impl Count {
    pub(crate) fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for Count {
    fn wake(self: StdArc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

pub(crate) fn counting() -> (StdArc<Count>, Waker) {
    let count = StdArc::new(Count(AtomicUsize::new(0)));
    (count.clone(), Waker::from(count))
}
