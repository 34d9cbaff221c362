//! loom models of `ThreadParker`: no unpark is lost, whatever the interleaving.

use crate::{Driver, ThreadParker, Unpark};
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::thread;

#[test]
fn unpark_before_or_during_park_is_not_lost() {
    loom::model(|| {
        let mut parker = ThreadParker::new();
        let unparker = parker.unparker();
        let t = thread::spawn(move || unparker.unpark());
        // Deadlocks (and loom reports it) if the unpark can be lost.
        parker.park(None);
        t.join().unwrap();
    });
}

#[test]
fn concurrent_unparks_wake_one_park() {
    loom::model(|| {
        let mut parker = ThreadParker::new();
        let a = parker.unparker();
        let b = parker.unparker();
        let ta = thread::spawn(move || a.unpark());
        let tb = thread::spawn(move || b.unpark());
        parker.park(None);
        ta.join().unwrap();
        tb.join().unwrap();
    });
}

#[test]
fn a_condition_set_before_unpark_is_seen_after_park() {
    loom::model(|| {
        let mut parker = ThreadParker::new();
        let unparker = parker.unparker();
        let ready = Arc::new(AtomicBool::new(false));
        let t = {
            let ready = ready.clone();
            thread::spawn(move || {
                ready.store(true, Ordering::Relaxed);
                unparker.unpark();
            })
        };
        // The check-then-park loop every scheduler runs.
        while !ready.load(Ordering::Relaxed) {
            parker.park(None);
        }
        t.join().unwrap();
    });
}
