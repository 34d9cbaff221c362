//! The LIFO slot hand-off: the task a running task wakes goes to the slot,
//! the task it displaces goes to the ring where a stealer may take it, and
//! after the cap the slot's task is demoted to the ring. Every task runs
//! exactly once.

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use zokio_core::task::Runnable;

use super::{no_overflow, task};
use crate::lifo::{LifoNext, LifoSlot, MAX_LIFO_POLLS};
use crate::queue::local_queue;

#[test]
fn displaced_and_demoted_tasks_are_run_once() {
    loom::model(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let (mut ring, stealer) = local_queue::<4>();
        let thief = thread::spawn(move || {
            let (mut mine, _s) = local_queue::<4>();
            stealer.steal_into(&mut mine).map(Runnable::run).is_some() as usize
        });
        let slot = LifoSlot::new();
        let mut n = 0;
        // The owner: two wakes in a row displace the first task to the ring.
        assert!(slot.put(task(&ran)).is_none());
        let displaced = slot.put(task(&ran)).unwrap();
        ring.push_back(displaced, &mut no_overflow);
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
            LifoNext::Demote(t) => ring.push_back(t, &mut no_overflow),
            other => panic!("expected a demotion, got {other:?}"),
        }
        slot.reset();
        assert!(!slot.is_occupied());
        n += thief.join().unwrap();
        while let Some(t) = ring.pop() {
            t.run();
            n += 1;
        }
        assert_eq!(n, 2 + MAX_LIFO_POLLS as usize);
        assert_eq!(ran.load(Ordering::SeqCst), n);
    });
}
