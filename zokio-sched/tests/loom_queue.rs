//! loom models of `LocalQueue`: push, pop, steal, overflow; no task is lost
//! or handed out twice, whatever the interleaving.
#![cfg(loom)]

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;
use zokio_core::task::{Runnable, spawn};
use zokio_sched::LocalQueue;

/// A task whose run bumps `ran`.
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
    panic!("the queue should not overflow here");
}

#[test]
fn steal_racing_pop() {
    loom::model(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let queue: Arc<LocalQueue<4>> = Arc::new(LocalQueue::new());
        // SAFETY: this thread is the owner.
        unsafe {
            for _ in 0..3 {
                queue.push_back(task(&ran), &mut no_overflow);
            }
        }
        let stealer = {
            let queue = queue.clone();
            thread::spawn(move || {
                let mine: LocalQueue<4> = LocalQueue::new();
                let mut n = 0;
                // SAFETY: `mine` is owned by this thread; `queue` is another's.
                unsafe {
                    if let Some(t) = queue.steal_into(&mine) {
                        t.run();
                        n += 1;
                    }
                    while let Some(t) = mine.pop() {
                        t.run();
                        n += 1;
                    }
                }
                n
            })
        };
        let mut n = 0;
        // SAFETY: this thread is the owner.
        while let Some(t) = unsafe { queue.pop() } {
            t.run();
            n += 1;
        }
        n += stealer.join().unwrap();
        assert_eq!(n, 3);
        assert_eq!(ran.load(Ordering::SeqCst), 3);
    });
}

#[test]
fn push_while_stealing_and_overflow() {
    loom::model(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let queue: Arc<LocalQueue<2>> = Arc::new(LocalQueue::new());
        let spilled = Arc::new(Mutex::new(Vec::new()));
        // SAFETY: this thread is the owner.
        unsafe { queue.push_back(task(&ran), &mut no_overflow) };
        let stealer = {
            let queue = queue.clone();
            thread::spawn(move || {
                let mine: LocalQueue<2> = LocalQueue::new();
                // SAFETY: `mine` is ours; `queue` is another's.
                unsafe { queue.steal_into(&mine) }
                    .map(Runnable::run)
                    .is_some() as usize
            })
        };
        // Two more pushes: the ring (2 slots) is full unless the steal took
        // one, so this overflows half of it to the injector, or spills one
        // task while a steal is in progress.
        let mut overflow = |batch: &mut dyn Iterator<Item = Runnable>| {
            spilled.lock().unwrap().extend(batch);
        };
        // SAFETY: this thread is the owner.
        unsafe {
            queue.push_back(task(&ran), &mut overflow);
            queue.push_back(task(&ran), &mut overflow);
        }
        let mut n = stealer.join().unwrap();
        // SAFETY: this thread is the owner.
        while let Some(t) = unsafe { queue.pop() } {
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
        let queue: Arc<LocalQueue<4>> = Arc::new(LocalQueue::new());
        // SAFETY: this thread is the owner.
        unsafe {
            for _ in 0..4 {
                queue.push_back(task(&ran), &mut no_overflow);
            }
        }
        let stealers: Vec<_> = (0..2)
            .map(|_| {
                let queue = queue.clone();
                thread::spawn(move || {
                    let mine: LocalQueue<4> = LocalQueue::new();
                    let mut n = 0;
                    // SAFETY: `mine` is ours; `queue` is another's.
                    unsafe {
                        if let Some(t) = queue.steal_into(&mine) {
                            t.run();
                            n += 1;
                        }
                        while let Some(t) = mine.pop() {
                            t.run();
                            n += 1;
                        }
                    }
                    n
                })
            })
            .collect();
        let mut n: usize = stealers.into_iter().map(|s| s.join().unwrap()).sum();
        // SAFETY: this thread is the owner.
        while let Some(t) = unsafe { queue.pop() } {
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
        let queue: Arc<LocalQueue<4>> = Arc::new(LocalQueue::new());
        // SAFETY: this thread is the owner.
        unsafe {
            queue.push_back(task(&ran), &mut no_overflow);
            queue.push_back(task(&ran), &mut no_overflow);
        }
        let stealers: Vec<_> = (0..2)
            .map(|_| {
                let queue = queue.clone();
                thread::spawn(move || {
                    let mine: LocalQueue<4> = LocalQueue::new();
                    let mut n = 0;
                    // SAFETY: `mine` is ours; `queue` is another's.
                    unsafe {
                        if let Some(t) = queue.steal_into(&mine) {
                            t.run();
                            n += 1;
                        }
                        while let Some(t) = mine.pop() {
                            t.run();
                            n += 1;
                        }
                    }
                    n
                })
            })
            .collect();
        let mut n = 0;
        // SAFETY: this thread is the owner.
        unsafe {
            queue.push_back(task(&ran), &mut no_overflow);
            while let Some(t) = queue.pop() {
                t.run();
                n += 1;
            }
        }
        n += stealers
            .into_iter()
            .map(|s| s.join().unwrap())
            .sum::<usize>();
        assert_eq!(n, 3);
        assert_eq!(ran.load(Ordering::SeqCst), 3);
    });
}
