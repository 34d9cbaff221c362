//! loom models of `AtomicWaker` (the waker slot of every socket direction and
//! every timer): a wake racing a registration is never lost, and a task that
//! registers while another does is never dropped.

use std::sync::Arc as StdArc;
use std::task::{Wake, Waker};

use crate::AtomicWaker;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::thread;

struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: StdArc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting() -> (StdArc<Count>, Waker) {
    let c = StdArc::new(Count(AtomicUsize::new(0)));
    (c.clone(), Waker::from(c))
}

#[test]
fn a_wake_after_the_condition_reaches_the_registered_waker() {
    loom::model(|| {
        let slot = Arc::new(AtomicWaker::new());
        let done = Arc::new(AtomicBool::new(false));
        let (count, waker) = counting();
        let t = {
            let (slot, done) = (slot.clone(), done.clone());
            thread::spawn(move || {
                done.store(true, Ordering::SeqCst);
                slot.wake();
            })
        };
        // The poll pattern: register, then check the condition.
        slot.register(&waker);
        let seen = done.load(Ordering::SeqCst);
        t.join().unwrap();
        assert!(
            seen || count.0.load(Ordering::SeqCst) == 1,
            "the waker was neither woken nor the condition seen"
        );
    });
}

#[test]
fn re_registering_a_new_waker_while_waking() {
    loom::model(|| {
        let slot = Arc::new(AtomicWaker::new());
        let done = Arc::new(AtomicBool::new(false));
        let (first, w1) = counting();
        let (second, w2) = counting();
        slot.register(&w1);
        let t = {
            let (slot, done) = (slot.clone(), done.clone());
            thread::spawn(move || {
                done.store(true, Ordering::SeqCst);
                slot.wake();
            })
        };
        slot.register(&w2);
        let seen = done.load(Ordering::SeqCst);
        t.join().unwrap();
        // The new waker must be woken unless the condition was seen; the old
        // one may get a (harmless) spurious wake, but never two.
        assert!(seen || second.0.load(Ordering::SeqCst) == 1);
        assert!(first.0.load(Ordering::SeqCst) <= 1);
        assert!(second.0.load(Ordering::SeqCst) <= 1);
    });
}

#[test]
fn concurrent_takes_hand_out_the_waker_once() {
    loom::model(|| {
        let slot = Arc::new(AtomicWaker::new());
        let (_count, waker) = counting();
        slot.register(&waker);
        let t = {
            let slot = slot.clone();
            thread::spawn(move || slot.take().is_some())
        };
        let here = slot.take().is_some();
        let there = t.join().unwrap();
        assert!(here ^ there, "exactly one take gets the waker");
    });
}

#[test]
fn concurrent_registers_never_lose_a_task() {
    loom::model(|| {
        let slot = Arc::new(AtomicWaker::new());
        let (count_a, waker_a) = counting();
        let (count_b, waker_b) = counting();
        let other = {
            let slot = slot.clone();
            thread::spawn(move || slot.register(&waker_b))
        };
        slot.register(&waker_a);
        other.join().unwrap();
        slot.wake();
        // Each task either holds the slot (and the final wake reached it) or
        // was woken at once to retry.

        let stored_and_woken = count_a.0.load(Ordering::SeqCst) + count_b.0.load(Ordering::SeqCst);
        assert!(stored_and_woken >= 1);
    });
}

#[test]
fn wake_during_register_is_delivered() {
    loom::model(|| {
        let slot = Arc::new(AtomicWaker::new());
        let (count, waker) = counting();
        let waker_thread = {
            let slot = slot.clone();
            thread::spawn(move || slot.wake())
        };
        slot.register(&waker);
        waker_thread.join().unwrap();
        // Either the wake came first (nothing to wake, the waker is stored)
        // or it reached the waker; a second wake always finds it if stored.
        slot.wake();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    });
}
