//! Model checks of `AtomicWaker`: a wake that follows or races a register
//! always reaches a waker.
#![cfg(loom)]

use std::task::{Wake, Waker};

use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::thread;
use zokio_io::protocol::AtomicWaker;

struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (std::sync::Arc<Count>, Waker) {
    let count = std::sync::Arc::new(Count(AtomicUsize::new(0)));
    (count.clone(), Waker::from(count))
}

#[test]
fn wake_after_condition_is_never_missed() {
    loom::model(|| {
        let slot = Arc::new(AtomicWaker::new());
        let ready = Arc::new(AtomicBool::new(false));
        let (count, waker) = counting_waker();

        let waker_thread = {
            let (slot, ready) = (slot.clone(), ready.clone());
            thread::spawn(move || {
                ready.store(true, Ordering::SeqCst);
                slot.wake();
            })
        };
        slot.register(&waker);
        let saw_ready = ready.load(Ordering::SeqCst);
        waker_thread.join().unwrap();
        assert!(
            saw_ready || count.0.load(Ordering::SeqCst) >= 1,
            "the task neither saw the condition nor was woken"
        );
    });
}

#[test]
fn concurrent_registers_never_lose_a_task() {
    loom::model(|| {
        let slot = Arc::new(AtomicWaker::new());
        let (count_a, waker_a) = counting_waker();
        let (count_b, waker_b) = counting_waker();
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
        let (count, waker) = counting_waker();
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
