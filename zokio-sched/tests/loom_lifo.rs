//! loom model of the LIFO slot handoff: the task a running task wakes goes to
//! the slot, the task it displaces goes to the ring where a stealer may take
//! it, and after the cap the slot's task is demoted to the ring. Every task
//! runs exactly once.
#![cfg(loom)]

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use zokio_core::task::{Runnable, spawn};
use zokio_sched::{LifoNext, LifoSlot, LocalQueue, MAX_LIFO_POLLS};

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
    panic!("the ring should not overflow here");
}

#[test]
fn displaced_and_demoted_tasks_are_run_once() {
    loom::model(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let ring: Arc<LocalQueue<4>> = Arc::new(LocalQueue::new());
        let stealer = {
            let ring = ring.clone();
            thread::spawn(move || {
                let mine: LocalQueue<4> = LocalQueue::new();
                // SAFETY: `mine` is ours; `ring` is the owner's.
                unsafe { ring.steal_into(&mine) }
                    .map(Runnable::run)
                    .is_some() as usize
            })
        };
        let slot = LifoSlot::new();
        let mut n = 0;
        // The owner: two wakes in a row displace the first task to the ring.
        assert!(slot.put(task(&ran)).is_none());
        let displaced = slot.put(task(&ran)).unwrap();
        // SAFETY: this thread owns the ring.
        unsafe { ring.push_back(displaced, &mut no_overflow) };
        // Run from the slot up to the cap; each run wakes a new task into it.
        for _ in 0..MAX_LIFO_POLLS {
            match slot.next() {
                LifoNext::Run(t) => {
                    t.run();
                    n += 1;
                    slot.put(task(&ran));
                }
                other => panic!("expected a LIFO run, got {other:?}"),
            }
        }
        match slot.next() {
            // SAFETY: this thread owns the ring.
            LifoNext::Demote(t) => unsafe { ring.push_back(t, &mut no_overflow) },
            other => panic!("expected a demotion, got {other:?}"),
        }
        slot.reset();
        assert!(!slot.is_occupied());
        n += stealer.join().unwrap();
        // SAFETY: this thread owns the ring.
        while let Some(t) = unsafe { ring.pop() } {
            t.run();
            n += 1;
        }
        assert_eq!(n, 2 + MAX_LIFO_POLLS as usize);
        assert_eq!(ran.load(Ordering::SeqCst), n);
    });
}
