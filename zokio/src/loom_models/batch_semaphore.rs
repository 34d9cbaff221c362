//! loom models of the batch semaphore under `Semaphore`, `Mutex` and
//! `RwLock`: its lock-free fast paths racing a waiter that queues (the
//! `WAITERS` flag handshake), a release racing a queueing waiter, a
//! cancelled waiter handing on what it was given, close racing waiters, and
//! the exclusion the mutex and the reader-writer lock give their value (loom
//! checks the accesses to the value's cell).

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};

use crate::sync::batch_semaphore::BatchSemaphore;
use crate::sync::{Mutex, RwLock};
use zokio_core::block_on;
use zokio_core::sync::atomic::{AtomicUsize, Ordering};
use zokio_core::sync::{Arc, model, thread};

/// Takes `n`, checks no more than `limit` are in use, gives them back.
fn use_permits(semaphore: &BatchSemaphore, active: &AtomicUsize, n: usize, limit: usize) {
    let now = active.fetch_add(n, Ordering::SeqCst) + n;
    assert!(now <= limit, "{now} permits in use of {limit}");
    active.fetch_sub(n, Ordering::SeqCst);
    semaphore.release(n);
}

#[test]
fn the_uncontended_paths_race_a_queueing_waiter() {
    model(|| {
        let semaphore = Arc::new(BatchSemaphore::new(1));
        let active = Arc::new(AtomicUsize::new(0));
        // A thread that only ever takes the lock-free path.
        let fast = {
            let (semaphore, active) = (semaphore.clone(), active.clone());
            thread::spawn(move || {
                if semaphore.try_acquire(1).is_ok() {
                    use_permits(&semaphore, &active, 1, 1);
                }
            })
        };
        // One that queues if it must.
        let waiter = {
            let (semaphore, active) = (semaphore.clone(), active.clone());
            thread::spawn(move || {
                block_on(semaphore.acquire(1)).unwrap();
                use_permits(&semaphore, &active, 1, 1);
            })
        };
        block_on(semaphore.acquire(1)).unwrap();
        use_permits(&semaphore, &active, 1, 1);
        fast.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(semaphore.available_permits(), 1, "a permit was lost");
    });
}

#[test]
fn a_release_racing_a_queueing_waiter_reaches_it() {
    model(|| {
        let semaphore = Arc::new(BatchSemaphore::new(0));
        let waiter = {
            let semaphore = semaphore.clone();
            // Completes only if the permit released below reaches it, through
            // the word (before it queued) or the queue (after).
            thread::spawn(move || block_on(semaphore.acquire(1)).unwrap())
        };
        semaphore.release(1);
        waiter.join().unwrap();
        assert_eq!(semaphore.available_permits(), 0);
    });
}

#[test]
fn a_batch_waiter_takes_partial_releases() {
    model(|| {
        let semaphore = Arc::new(BatchSemaphore::new(1));
        let waiter = {
            let semaphore = semaphore.clone();
            thread::spawn(move || {
                block_on(semaphore.acquire(3)).unwrap();
                semaphore.release(3);
            })
        };
        semaphore.release(1);
        semaphore.release(1);
        waiter.join().unwrap();
        assert_eq!(semaphore.available_permits(), 3);
    });
}

#[test]
fn a_cancelled_waiter_hands_on_what_it_was_given() {
    model(|| {
        let semaphore = Arc::new(BatchSemaphore::new(0));
        let cancelled = {
            let semaphore = semaphore.clone();
            thread::spawn(move || {
                // Poll once (taking whatever is there, then queueing), then
                // give up.
                let mut acquire = pin!(semaphore.acquire(2));
                let mut cx = Context::from_waker(Waker::noop());
                let _ = acquire.as_mut().poll(&mut cx);
            })
        };
        let next = {
            let semaphore = semaphore.clone();
            // Gets the one permit whether or not it passed through the
            // cancelled waiter first.
            thread::spawn(move || block_on(semaphore.acquire(1)).unwrap())
        };
        semaphore.release(1);
        cancelled.join().unwrap();
        next.join().unwrap();
        assert_eq!(semaphore.available_permits(), 0);
        semaphore.release(1);
        assert_eq!(semaphore.available_permits(), 1);
    });
}

#[test]
fn close_racing_waiters_wakes_every_one() {
    model(|| {
        let semaphore = Arc::new(BatchSemaphore::new(1));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let semaphore = semaphore.clone();
                thread::spawn(move || {
                    // Either gets the permit (and gives it back) or sees the
                    // close; never waits forever.
                    if block_on(semaphore.acquire(1)).is_ok() {
                        semaphore.release(1);
                    }
                })
            })
            .collect();
        semaphore.close();
        for thread in threads {
            thread.join().unwrap();
        }
        assert!(semaphore.is_closed());
        assert_eq!(semaphore.available_permits(), 1);
    });
}

#[test]
fn the_mutex_excludes_concurrent_access_to_its_value() {
    model(|| {
        let mutex = Arc::new(Mutex::new(0usize));
        let other = {
            let mutex = mutex.clone();
            thread::spawn(move || *block_on(mutex.lock()) += 1)
        };
        if let Ok(mut guard) = mutex.try_lock() {
            *guard += 1;
        } else {
            *block_on(mutex.lock()) += 1;
        }
        other.join().unwrap();
        assert_eq!(*block_on(mutex.lock()), 2);
    });
}

#[test]
fn the_rwlock_excludes_a_writer_from_readers() {
    model(|| {
        // Two readers' worth of permits: a writer needs both.
        let lock = Arc::new(RwLock::with_max_readers(0usize, 2));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || *block_on(lock.write()) += 1)
        };
        let reader = {
            let lock = lock.clone();
            thread::spawn(move || {
                let seen = *block_on(lock.read());
                assert!(seen <= 1);
            })
        };
        let seen = *block_on(lock.read());
        assert!(seen <= 1);
        writer.join().unwrap();
        reader.join().unwrap();
        assert_eq!(*lock.try_read().unwrap(), 1);
    });
}
