//! `block_in_place`'s loan of a worker: the lender gets its parts back
//! exactly once whether the stand-in never started, is running, or sleeps
//! on the worker's parker when the reclaim comes (no lost wakeup between
//! the reclaim flag and the stand-in's sleep).
//!
//! The parts are a counter the stand-in bumps per "task" (loom flags a
//! part used by both threads at once); the stand-in's loop is the worker
//! loop's shape: a task, then a look at the flag, then a sleep on the
//! parker unless reclaimed.

use loom::sync::Arc;
use loom::thread;
use zokio_core::{Driver, ThreadParker, Unpark};

use crate::multi_thread::lend::Lend;

fn stand_in(lend: &Lend<u32>, mut parker: ThreadParker) {
    let Some(mut parts) = lend.take_offered() else {
        return;
    };
    loop {
        parts += 1; // a task
        if lend.is_reclaimed() {
            break;
        }
        parker.park(None);
        if lend.is_reclaimed() {
            break;
        }
    }
    lend.give_back(parts);
}

#[test]
fn the_lender_always_gets_its_parts_back() {
    loom::model(|| {
        let parker = ThreadParker::new();
        let unparker = parker.unparker();
        let lend = Arc::new(Lend::new(0u32));
        let stand_in_thread = {
            let lend = lend.clone();
            thread::spawn(move || stand_in(&lend, parker))
        };
        // The closure in place would run here.
        let parts = lend.reclaim(|| unparker.unpark());
        stand_in_thread.join().unwrap();
        // Either the stand-in never took them (0) or ran at least once.
        assert!(parts <= 1, "one task, then the reclaim that wakes it");
    });
}
