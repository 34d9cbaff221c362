//! loom models of the scheduler's atomic protocols, run by `cargo xtask
//! loom` (`--cfg loom`). They reach the crate's internals directly, which
//! is why they live inside it.

mod block_in_place;
mod driver_cell;
mod dump;
mod inbox;
mod lifo;
mod owned;
mod queue;
mod spill;
mod stall;
mod thread_per_core;
mod worker;

use zokio_core::task::{Runnable, spawn};

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};

/// A task whose run bumps `ran`.
fn task(ran: &Arc<AtomicUsize>) -> Runnable {
    let ran = ran.clone();
    let (runnable, handle) = spawn(
        async move {
            ran.fetch_add(1, Ordering::SeqCst);
        },
        |_, _| {},
    );
    drop(handle);
    runnable
}

fn no_overflow(_: &mut dyn Iterator<Item = Runnable>) {
    panic!("the queue should not overflow here");
}
