//! loom model of the injector-and-parking handshake: a task pushed while the
//! last worker goes to sleep is run (no lost wakeup).
#![cfg(loom)]

use concurrent_queue::ConcurrentQueue;
use loom::sync::Arc;
use loom::thread;
use zokio_core::{Driver, ThreadParker, Unpark};
use zokio_sched::Idle;

/// The worker side, as `MultiThread`'s workers run it: search, give up,
/// re-check as the last searcher, then sleep until notified.
fn worker(
    idle: &Idle,
    injector: &ConcurrentQueue<u32>,
    parker: &mut ThreadParker,
    unparker: &impl Unpark,
) -> u32 {
    loop {
        if let Ok(task) = injector.pop() {
            if idle.num_searching() > 0 {
                idle.transition_from_searching();
            }
            return task;
        }
        let searching = idle.transition_to_searching();
        if let Ok(task) = injector.pop() {
            if searching {
                idle.transition_from_searching();
            }
            return task;
        }
        if idle.transition_to_parked(0, searching) && !injector.is_empty() {
            if let Some(worker) = idle.worker_to_notify() {
                assert_eq!(worker, 0);
                unparker.unpark();
            }
        }
        while idle.is_parked(0) {
            // Deadlocks (and loom reports it) if the wakeup was lost.
            parker.park(None);
        }
    }
}

#[test]
fn a_task_pushed_while_the_last_worker_parks_is_run() {
    loom::model(|| {
        let idle = Arc::new(Idle::new(1));
        let injector = Arc::new(ConcurrentQueue::unbounded());
        let mut parker = ThreadParker::new();
        let unparker = parker.unparker();
        let producer = {
            let (idle, injector, unparker) = (idle.clone(), injector.clone(), unparker.clone());
            thread::spawn(move || {
                injector.push(7).unwrap();
                if let Some(worker) = idle.worker_to_notify() {
                    assert_eq!(worker, 0);
                    unparker.unpark();
                }
            })
        };
        assert_eq!(worker(&idle, &injector, &mut parker, &unparker), 7);
        producer.join().unwrap();
    });
}

#[test]
fn a_notified_worker_is_woken_once_and_counted_as_searching() {
    loom::model(|| {
        let idle = Arc::new(Idle::new(2));
        // Worker 1 sleeps; worker 0 is busy (not searching).
        assert!(!idle.transition_to_parked(1, false));
        let notifiers: Vec<_> = (0..2)
            .map(|_| {
                let idle = idle.clone();
                thread::spawn(move || idle.worker_to_notify())
            })
            .collect();
        let woken: Vec<_> = notifiers
            .into_iter()
            .filter_map(|n| n.join().unwrap())
            .collect();
        assert_eq!(woken, vec![1], "one new task wakes one sleeper, once");
        assert_eq!(idle.num_searching(), 1);
        assert_eq!(idle.num_unparked(), 2);
    });
}
