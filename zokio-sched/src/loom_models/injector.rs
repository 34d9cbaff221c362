//! The injector: rings' spills, a task from outside and a worker taking
//! batches, all at once. Every task is taken exactly once, and a worker
//! that finds the injector empty after both pushes ended is right.

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use zokio_core::task::Runnable;

use super::task;
use crate::multi_thread::injector::Injector;

fn run_all(tasks: &mut Vec<Runnable>) -> usize {
    let n = tasks.len();
    for task in tasks.drain(..) {
        task.run();
    }
    n
}

#[test]
fn spill_push_and_take_race() {
    loom::model(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let injector = Arc::new(Injector::new());
        let spills = [task(&ran), task(&ran)];
        let outside = task(&ran);

        let spiller = {
            let injector = injector.clone();
            // Two spills of one task: a count kept outside the lock would
            // lose one of them to the taker's update.
            thread::spawn(move || {
                for spill in spills {
                    injector.push_spill(&mut std::iter::once(spill));
                }
            })
        };
        let remote = {
            let injector = injector.clone();
            thread::spawn(move || injector.push(outside))
        };
        let taker = {
            let injector = injector.clone();
            thread::spawn(move || {
                let mut taken = Vec::new();
                if let Some(first) = injector.pop() {
                    taken.push(first);
                }
                injector.take_batch(2, &mut taken);
                run_all(&mut taken)
            })
        };
        spiller.join().unwrap();
        remote.join().unwrap();
        let mut n = taker.join().unwrap();
        assert_eq!(injector.len(), 3 - n, "the count matches what is left");
        assert_eq!(injector.is_empty(), n == 3);
        let mut rest = Vec::new();
        injector.take_batch(3, &mut rest);
        n += run_all(&mut rest);
        assert_eq!(n, 3);
        assert!(injector.is_empty());
        assert_eq!(ran.load(Ordering::SeqCst), 3, "each task ran once");
    });
}
