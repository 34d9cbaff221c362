//! A worker's spill queue: its own spills racing a thief's take. Every task
//! is taken exactly once, and the count always says what is left.

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use zokio_core::task::Runnable;

use super::task;
use crate::multi_thread::spill::SpillQueue;

fn run_all(tasks: &mut Vec<Runnable>) -> usize {
    let n = tasks.len();
    for task in tasks.drain(..) {
        task.run();
    }
    n
}

#[test]
fn spills_race_a_thief() {
    loom::model(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let spill = Arc::new(SpillQueue::new());
        let spills = [task(&ran), task(&ran)];

        // Two spills of one task: a count kept outside the lock would lose
        // one of them to the thief's update.
        let owner = {
            let spill = spill.clone();
            thread::spawn(move || {
                for task in spills {
                    spill.push(&mut std::iter::once(task));
                }
            })
        };
        let thief = {
            let spill = spill.clone();
            thread::spawn(move || {
                let mut taken = Vec::new();
                spill.take(1, &mut taken);
                run_all(&mut taken)
            })
        };
        owner.join().unwrap();
        let mut n = thief.join().unwrap();
        assert_eq!(spill.len(), 2 - n, "the count matches what is left");
        let mut rest = Vec::new();
        spill.take(2, &mut rest);
        n += run_all(&mut rest);
        assert_eq!(n, 2);
        assert!(spill.is_empty());
        assert_eq!(ran.load(Ordering::SeqCst), 2, "each task ran once");
    });
}
