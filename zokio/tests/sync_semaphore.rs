//! Port of Tokio's tokio/tests/sync_semaphore.rs to `zokio::sync::Semaphore`:
//! all 28 of its tests. `#[tokio::test]` becomes `#[zokio::test]`, and every
//! wait on a spawned task is bounded by a timeout so that a lost wake-up
//! fails the test instead of hanging it. A few tests of Zokio's own (fairness
//! of batch acquires, cancellation) follow the ported ones.

use std::sync::Arc;
use std::time::Duration;

use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready, assert_ready_err, assert_ready_ok};
use zokio::sync::{Semaphore, TryAcquireError};

/// Bounds a wait, so a lost wake-up fails instead of hanging.
async fn within<F: std::future::Future>(future: F) -> F::Output {
    zokio::time::timeout(Duration::from_secs(10), future)
        .await
        .expect("timed out: a wake-up was lost")
}

#[test]
fn no_permits() {
    // this should not panic
    Semaphore::new(0);
}

#[test]
fn try_acquire() {
    let sem = Semaphore::new(1);
    {
        let p1 = sem.try_acquire();
        assert!(p1.is_ok());
        let p2 = sem.try_acquire();
        assert!(p2.is_err());
    }
    let p3 = sem.try_acquire();
    assert!(p3.is_ok());
}

#[zokio::test]
async fn acquire() {
    let sem = Arc::new(Semaphore::new(1));
    let p1 = sem.try_acquire().unwrap();
    let sem_clone = sem.clone();
    let j = zokio::spawn(async move {
        let _p2 = sem_clone.acquire().await;
    });
    drop(p1);
    within(j).await.unwrap();
}

#[zokio::test]
async fn add_permits() {
    let sem = Arc::new(Semaphore::new(0));
    let sem_clone = sem.clone();
    let j = zokio::spawn(async move {
        let _p2 = sem_clone.acquire().await;
    });
    sem.add_permits(1);
    within(j).await.unwrap();
}

#[test]
fn add_permits_open() {
    for size in 0..4 {
        for add in 0..4 {
            let sem = Arc::new(Semaphore::new(size));
            sem.add_permits(add);
            assert_eq!(sem.available_permits(), size + add);
            assert!(!sem.is_closed());
        }
    }
}

#[test]
fn add_permits_closed() {
    for size in 0..4 {
        for add in 0..4 {
            let sem = Arc::new(Semaphore::new(size));
            sem.close();
            sem.add_permits(add);
            assert_eq!(sem.available_permits(), size + add);
            assert!(sem.is_closed());
        }
    }
}

#[test]
fn forget() {
    let sem = Arc::new(Semaphore::new(1));
    {
        let p = sem.try_acquire().unwrap();
        assert_eq!(sem.available_permits(), 0);
        p.forget();
        assert_eq!(sem.available_permits(), 0);
    }
    assert_eq!(sem.available_permits(), 0);
    assert!(sem.try_acquire().is_err());
}

#[test]
fn forget_open() {
    for size in 0..4 {
        for sub in 0..4 {
            let sem = Arc::new(Semaphore::new(size));
            let actual_sub = sem.forget_permits(sub);
            let expected = size.saturating_sub(sub);
            assert_eq!(sem.available_permits(), expected, "case: {size}-{sub}");
            assert_eq!(actual_sub, size - expected);
            assert!(!sem.is_closed());
        }
    }
}

#[test]
fn forget_closed() {
    for size in 0..4 {
        for sub in 0..4 {
            let sem = Arc::new(Semaphore::new(size));
            sem.close();
            let actual_sub = sem.forget_permits(sub);
            let expected = size.saturating_sub(sub);
            assert_eq!(sem.available_permits(), expected, "case: {size}-{sub}");
            assert_eq!(actual_sub, size - expected);
            assert!(sem.is_closed());
        }
    }
}

#[test]
fn merge() {
    let sem = Arc::new(Semaphore::new(3));
    {
        let mut p1 = sem.try_acquire().unwrap();
        assert_eq!(sem.available_permits(), 2);
        let p2 = sem.try_acquire_many(2).unwrap();
        assert_eq!(sem.available_permits(), 0);
        p1.merge(p2);
        assert_eq!(sem.available_permits(), 0);
    }
    assert_eq!(sem.available_permits(), 3);
}

#[test]
#[should_panic]
fn merge_unrelated_permits() {
    let sem1 = Arc::new(Semaphore::new(3));
    let sem2 = Arc::new(Semaphore::new(3));
    let mut p1 = sem1.try_acquire().unwrap();
    let p2 = sem2.try_acquire().unwrap();
    p1.merge(p2);
}

#[test]
fn split() {
    let sem = Semaphore::new(5);
    let mut p1 = sem.try_acquire_many(3).unwrap();
    assert_eq!(sem.available_permits(), 2);
    assert_eq!(p1.num_permits(), 3);
    let mut p2 = p1.split(1).unwrap();
    assert_eq!(sem.available_permits(), 2);
    assert_eq!(p1.num_permits(), 2);
    assert_eq!(p2.num_permits(), 1);
    let p3 = p1.split(0).unwrap();
    assert_eq!(p3.num_permits(), 0);
    drop(p1);
    assert_eq!(sem.available_permits(), 4);
    let p4 = p2.split(1).unwrap();
    assert_eq!(p2.num_permits(), 0);
    assert_eq!(p4.num_permits(), 1);
    assert!(p2.split(1).is_none());
    drop(p2);
    assert_eq!(sem.available_permits(), 4);
    drop(p3);
    assert_eq!(sem.available_permits(), 4);
    drop(p4);
    assert_eq!(sem.available_permits(), 5);
}

#[zokio::test]
async fn stress_test() {
    let sem = Arc::new(Semaphore::new(5));
    let mut join_handles = Vec::new();
    for _ in 0..1000 {
        let sem_clone = sem.clone();
        join_handles.push(zokio::spawn(async move {
            let _p = sem_clone.acquire().await;
        }));
    }
    for j in join_handles {
        within(j).await.unwrap();
    }
    // there should be exactly 5 semaphores available now
    let _p1 = sem.try_acquire().unwrap();
    let _p2 = sem.try_acquire().unwrap();
    let _p3 = sem.try_acquire().unwrap();
    let _p4 = sem.try_acquire().unwrap();
    let _p5 = sem.try_acquire().unwrap();
    assert!(sem.try_acquire().is_err());
}

#[test]
fn add_max_amount_permits() {
    let s = Semaphore::new(0);
    s.add_permits(Semaphore::MAX_PERMITS);
    assert_eq!(s.available_permits(), Semaphore::MAX_PERMITS);
}

#[test]
#[should_panic]
fn add_more_than_max_amount_permits1() {
    let s = Semaphore::new(1);
    s.add_permits(Semaphore::MAX_PERMITS);
}

#[test]
#[should_panic]
fn add_more_than_max_amount_permits2() {
    let s = Semaphore::new(Semaphore::MAX_PERMITS - 1);
    s.add_permits(1);
    s.add_permits(1);
}

#[test]
#[should_panic]
fn panic_when_exceeds_maxpermits() {
    let _ = Semaphore::new(Semaphore::MAX_PERMITS + 1);
}

#[test]
fn no_panic_at_maxpermits() {
    let _ = Semaphore::new(Semaphore::MAX_PERMITS);
    let s = Semaphore::new(Semaphore::MAX_PERMITS - 1);
    s.add_permits(1);
}

#[test]
fn blocking_acquire() {
    let sem = Semaphore::new(1);
    let permit = sem.blocking_acquire().unwrap();
    assert_eq!(sem.available_permits(), 0);
    drop(permit);
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn blocking_acquire_waits_for_permit() {
    let sem = Arc::new(Semaphore::new(0));

    let sem2 = sem.clone();
    let handle = std::thread::spawn(move || {
        // Blocks until a permit becomes available.
        let _permit = sem2.blocking_acquire().unwrap();
    });

    sem.add_permits(1);

    handle.join().unwrap();
}

#[test]
fn blocking_acquire_many() {
    let sem = Semaphore::new(5);
    let permit = sem.blocking_acquire_many(3).unwrap();
    assert_eq!(sem.available_permits(), 2);
    drop(permit);
    assert_eq!(sem.available_permits(), 5);
}

#[test]
fn blocking_acquire_owned() {
    let sem = Arc::new(Semaphore::new(1));
    let permit = sem.clone().blocking_acquire_owned().unwrap();
    assert_eq!(sem.available_permits(), 0);
    drop(permit);
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn blocking_acquire_many_owned() {
    let sem = Arc::new(Semaphore::new(5));
    let permit = sem.clone().blocking_acquire_many_owned(3).unwrap();
    assert_eq!(sem.available_permits(), 2);
    drop(permit);
    assert_eq!(sem.available_permits(), 5);
}

#[test]
fn blocking_acquire_closed() {
    let sem = Arc::new(Semaphore::new(1));
    sem.close();
    assert!(sem.blocking_acquire().is_err());
    assert!(sem.blocking_acquire_many(2).is_err());
    assert!(sem.clone().blocking_acquire_owned().is_err());
    assert!(sem.clone().blocking_acquire_many_owned(2).is_err());
}

#[zokio::test]
#[should_panic = "Cannot block the current thread from within a runtime"]
async fn blocking_acquire_in_async_context() {
    let sem = Semaphore::new(1);
    // Calling a blocking method from an async context must panic.
    let _permit = sem.blocking_acquire();
}

#[zokio::test]
#[should_panic = "Cannot block the current thread from within a runtime"]
async fn blocking_acquire_many_in_async_context() {
    let sem = Semaphore::new(1);
    // Calling a blocking method from an async context must panic.
    let _permit = sem.blocking_acquire_many(1);
}

#[zokio::test]
#[should_panic = "Cannot block the current thread from within a runtime"]
async fn blocking_acquire_owned_in_async_context() {
    let sem = Arc::new(Semaphore::new(1));
    // Calling a blocking method from an async context must panic.
    let _permit = sem.blocking_acquire_owned();
}

#[zokio::test]
#[should_panic = "Cannot block the current thread from within a runtime"]
async fn blocking_acquire_many_owned_in_async_context() {
    let sem = Arc::new(Semaphore::new(1));
    // Calling a blocking method from an async context must panic.
    let _permit = sem.blocking_acquire_many_owned(1);
}

// ---- Zokio's own ----

#[test]
fn a_large_request_at_the_front_holds_back_smaller_ones() {
    let sem = Semaphore::new(2);
    let held = sem.try_acquire_many(2).unwrap();
    let mut big = spawn(sem.acquire_many(2));
    let mut small = spawn(sem.acquire());
    assert_pending!(big.poll());
    assert_pending!(small.poll());
    assert_eq!(sem.try_acquire().err(), Some(TryAcquireError::NoPermits));

    let mut held = held;
    drop(held.split(1));
    assert!(!big.is_woken(), "one permit is not enough for the front");
    assert!(!small.is_woken(), "the later waiter does not overtake it");
    drop(held);
    assert!(big.is_woken());
    let big_permit = assert_ready_ok!(big.poll());
    assert_pending!(small.poll());
    drop(big_permit);
    assert!(small.is_woken());
    assert_ready_ok!(small.poll());
}

#[test]
fn a_cancelled_waiter_hands_on_what_it_was_given() {
    let sem = Semaphore::new(3);
    let held = sem.try_acquire_many(2).unwrap();
    let mut big = spawn(sem.acquire_many(3));
    let mut next = spawn(sem.acquire());
    assert_pending!(big.poll()); // takes the one free permit and waits for two
    assert_pending!(next.poll());
    assert_eq!(sem.available_permits(), 0);
    drop(big);
    assert!(
        next.is_woken(),
        "the cancelled waiter's permit goes to the next"
    );
    let permit = assert_ready_ok!(next.poll());
    drop(permit);
    drop(held);
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn close_wakes_every_waiter_with_an_error() {
    let sem = Semaphore::new(0);
    let mut a = spawn(sem.acquire());
    let mut b = spawn(sem.acquire_many(2));
    assert_pending!(a.poll());
    assert_pending!(b.poll());
    sem.close();
    assert!(a.is_woken() && b.is_woken());
    assert_ready_err!(a.poll());
    assert_ready_err!(b.poll());
    let mut c = spawn(sem.acquire());
    assert_ready_err!(c.poll());
}

#[test]
fn acquire_zero_permits_is_ready_at_once() {
    let sem = Semaphore::new(0);
    let mut waiter = spawn(sem.acquire());
    assert_pending!(waiter.poll());
    let mut none = spawn(sem.acquire_many(0));
    let permit = assert_ready!(none.poll()).unwrap();
    assert_eq!(permit.num_permits(), 0);
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permits_bound_concurrency_across_workers() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let sem = Arc::new(Semaphore::new(3));
    let inside = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..64u32 {
        let (sem, inside) = (sem.clone(), inside.clone());
        tasks.push(zokio::spawn(async move {
            for _ in 0..50 {
                let permit = sem.acquire_many(1 + i % 3).await.unwrap();
                let n = permit.num_permits();
                assert!(inside.fetch_add(n, Ordering::SeqCst) + n <= 3);
                zokio::task::yield_now().await;
                inside.fetch_sub(n, Ordering::SeqCst);
            }
        }));
    }
    for task in tasks {
        within(task).await.unwrap();
    }
    assert_eq!(sem.available_permits(), 3);
}
