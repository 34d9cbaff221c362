//! The ring queue: push, pop, steal, overflow. No task is lost or handed out
//! twice, whatever the interleaving.

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;
use zokio_core::task::Runnable;

use super::{no_overflow, task};
use crate::queue::{Stealer, local_queue};

/// A thief: steals into a ring of its own and runs all it got.
fn steal_and_run<const N: usize>(victim: &Stealer<N>) -> usize {
    let (mut mine, _mine_stealer) = local_queue::<N>();
    let mut n = 0;
    if let Some(t) = victim.steal_into(&mut mine) {
        t.run();
        n += 1;
    }
    while let Some(t) = mine.pop() {
        t.run();
        n += 1;
    }
    n
}

#[test]
fn steal_racing_pop() {
    loom::model(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let (mut queue, stealer) = local_queue::<4>();
        for _ in 0..3 {
            queue.push_back(task(&ran), &mut no_overflow);
        }
        let thief = thread::spawn(move || steal_and_run(&stealer));
        let mut n = 0;
        while let Some(t) = queue.pop() {
            t.run();
            n += 1;
        }
        n += thief.join().unwrap();
        assert_eq!(n, 3);
        assert_eq!(ran.load(Ordering::SeqCst), 3);
    });
}

#[test]
fn push_while_stealing_and_overflow() {
    loom::model(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let (mut queue, stealer) = local_queue::<2>();
        let spilled = Arc::new(Mutex::new(Vec::new()));
        queue.push_back(task(&ran), &mut no_overflow);
        let thief = thread::spawn(move || {
            let (mut mine, _s) = local_queue::<2>();
            stealer.steal_into(&mut mine).map(Runnable::run).is_some() as usize
        });
        // Two more pushes: the ring (2 slots) is full unless the steal took
        // one, so this overflows half of it to the spill queue, or spills one
        // task while a steal is in progress.
        let mut overflow = |batch: &mut dyn Iterator<Item = Runnable>| {
            spilled.lock().unwrap().extend(batch);
        };
        queue.push_back(task(&ran), &mut overflow);
        queue.push_back(task(&ran), &mut overflow);
        let mut n = thief.join().unwrap();
        while let Some(t) = queue.pop() {
            t.run();
            n += 1;
        }
        for t in spilled.lock().unwrap().drain(..) {
            t.run();
            n += 1;
        }
        assert_eq!(n, 3);
        assert_eq!(ran.load(Ordering::SeqCst), 3);
    });
}

#[test]
fn two_stealers_never_share_a_task() {
    loom::model(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let (mut queue, stealer) = local_queue::<4>();
        for _ in 0..4 {
            queue.push_back(task(&ran), &mut no_overflow);
        }
        let stealer = Arc::new(stealer);
        let thieves: Vec<_> = (0..2)
            .map(|_| {
                let stealer = stealer.clone();
                thread::spawn(move || steal_and_run(&stealer))
            })
            .collect();
        let mut n: usize = thieves.into_iter().map(|s| s.join().unwrap()).sum();
        while let Some(t) = queue.pop() {
            t.run();
            n += 1;
        }
        assert_eq!(n, 4);
        assert_eq!(ran.load(Ordering::SeqCst), 4);
    });
}

#[test]
fn owner_pushes_and_pops_while_two_threads_steal() {
    loom::model(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let (mut queue, stealer) = local_queue::<4>();
        queue.push_back(task(&ran), &mut no_overflow);
        queue.push_back(task(&ran), &mut no_overflow);
        let stealer = Arc::new(stealer);
        let thieves: Vec<_> = (0..2)
            .map(|_| {
                let stealer = stealer.clone();
                thread::spawn(move || steal_and_run(&stealer))
            })
            .collect();
        let mut n = 0;
        queue.push_back(task(&ran), &mut no_overflow);
        while let Some(t) = queue.pop() {
            t.run();
            n += 1;
        }
        n += thieves
            .into_iter()
            .map(|s| s.join().unwrap())
            .sum::<usize>();
        assert_eq!(n, 3);
        assert_eq!(ran.load(Ordering::SeqCst), 3);
    });
}
