//! Port of Tokio's internal tests of its batch semaphore
//! (tokio/src/sync/tests/semaphore_batch.rs), all 18, to
//! [`BatchSemaphore`]: they pin down the crate-private API the locks and the
//! bounded channel use. `release_permits_at_drop` uses `std::task::Wake`
//! where Tokio's uses futures' `ArcWake`.

use super::{BatchSemaphore, MAX_PERMITS};
use tokio_test::*;

#[test]
fn poll_acquire_one_available() {
    let s = BatchSemaphore::new(100);
    assert_eq!(s.available_permits(), 100);

    // Polling for a permit succeeds immediately
    assert_ready_ok!(task::spawn(s.acquire(1)).poll());
    assert_eq!(s.available_permits(), 99);
}

#[test]
fn poll_acquire_many_available() {
    let s = BatchSemaphore::new(100);
    assert_eq!(s.available_permits(), 100);

    // Polling for a permit succeeds immediately
    assert_ready_ok!(task::spawn(s.acquire(5)).poll());
    assert_eq!(s.available_permits(), 95);

    assert_ready_ok!(task::spawn(s.acquire(5)).poll());
    assert_eq!(s.available_permits(), 90);
}

#[test]
fn try_acquire_one_available() {
    let s = BatchSemaphore::new(100);
    assert_eq!(s.available_permits(), 100);

    assert_ok!(s.try_acquire(1));
    assert_eq!(s.available_permits(), 99);

    assert_ok!(s.try_acquire(1));
    assert_eq!(s.available_permits(), 98);
}

#[test]
fn try_acquire_many_available() {
    let s = BatchSemaphore::new(100);
    assert_eq!(s.available_permits(), 100);

    assert_ok!(s.try_acquire(5));
    assert_eq!(s.available_permits(), 95);

    assert_ok!(s.try_acquire(5));
    assert_eq!(s.available_permits(), 90);
}

#[test]
fn poll_acquire_one_unavailable() {
    let s = BatchSemaphore::new(1);

    // Acquire the first permit
    assert_ready_ok!(task::spawn(s.acquire(1)).poll());
    assert_eq!(s.available_permits(), 0);

    let mut acquire_2 = task::spawn(s.acquire(1));
    // Try to acquire the second permit
    assert_pending!(acquire_2.poll());
    assert_eq!(s.available_permits(), 0);

    s.release(1);

    assert_eq!(s.available_permits(), 0);
    assert!(acquire_2.is_woken());
    assert_ready_ok!(acquire_2.poll());
    assert_eq!(s.available_permits(), 0);

    s.release(1);
    assert_eq!(s.available_permits(), 1);
}

#[test]
fn poll_acquire_many_unavailable() {
    let s = BatchSemaphore::new(5);

    // Acquire the first permit
    assert_ready_ok!(task::spawn(s.acquire(1)).poll());
    assert_eq!(s.available_permits(), 4);

    // Try to acquire the second permit
    let mut acquire_2 = task::spawn(s.acquire(5));
    assert_pending!(acquire_2.poll());
    assert_eq!(s.available_permits(), 0);

    // Try to acquire the third permit
    let mut acquire_3 = task::spawn(s.acquire(3));
    assert_pending!(acquire_3.poll());
    assert_eq!(s.available_permits(), 0);

    s.release(1);

    assert_eq!(s.available_permits(), 0);
    assert!(acquire_2.is_woken());
    assert_ready_ok!(acquire_2.poll());

    assert!(!acquire_3.is_woken());
    assert_eq!(s.available_permits(), 0);

    s.release(1);
    assert!(!acquire_3.is_woken());
    assert_eq!(s.available_permits(), 0);

    s.release(2);
    assert!(acquire_3.is_woken());

    assert_ready_ok!(acquire_3.poll());
}

#[test]
fn try_acquire_one_unavailable() {
    let s = BatchSemaphore::new(1);

    // Acquire the first permit
    assert_ok!(s.try_acquire(1));
    assert_eq!(s.available_permits(), 0);

    assert_err!(s.try_acquire(1));

    s.release(1);

    assert_eq!(s.available_permits(), 1);
    assert_ok!(s.try_acquire(1));

    s.release(1);
    assert_eq!(s.available_permits(), 1);
}

#[test]
fn try_acquire_many_unavailable() {
    let s = BatchSemaphore::new(5);

    // Acquire the first permit
    assert_ok!(s.try_acquire(1));
    assert_eq!(s.available_permits(), 4);

    assert_err!(s.try_acquire(5));

    s.release(1);
    assert_eq!(s.available_permits(), 5);

    assert_ok!(s.try_acquire(5));

    s.release(1);
    assert_eq!(s.available_permits(), 1);

    s.release(1);
    assert_eq!(s.available_permits(), 2);
}

#[test]
fn poll_acquire_one_zero_permits() {
    let s = BatchSemaphore::new(0);
    assert_eq!(s.available_permits(), 0);

    // Try to acquire the permit
    let mut acquire = task::spawn(s.acquire(1));
    assert_pending!(acquire.poll());

    s.release(1);

    assert!(acquire.is_woken());
    assert_ready_ok!(acquire.poll());
}

#[test]
fn max_permits_doesnt_panic() {
    BatchSemaphore::new(MAX_PERMITS);
}

#[test]
#[should_panic]
fn validates_max_permits() {
    BatchSemaphore::new(MAX_PERMITS + 1);
}

#[test]
fn close_semaphore_prevents_acquire() {
    let s = BatchSemaphore::new(5);
    s.close();

    assert_eq!(5, s.available_permits());

    assert_ready_err!(task::spawn(s.acquire(1)).poll());
    assert_eq!(5, s.available_permits());

    assert_ready_err!(task::spawn(s.acquire(1)).poll());
    assert_eq!(5, s.available_permits());
}

#[test]
fn close_semaphore_notifies_permit1() {
    let s = BatchSemaphore::new(0);
    let mut acquire = task::spawn(s.acquire(1));

    assert_pending!(acquire.poll());

    s.close();

    assert!(acquire.is_woken());
    assert_ready_err!(acquire.poll());
}

#[test]
fn close_semaphore_notifies_permit2() {
    let s = BatchSemaphore::new(2);

    // Acquire a couple of permits
    assert_ready_ok!(task::spawn(s.acquire(1)).poll());
    assert_ready_ok!(task::spawn(s.acquire(1)).poll());

    let mut acquire3 = task::spawn(s.acquire(1));
    let mut acquire4 = task::spawn(s.acquire(1));
    assert_pending!(acquire3.poll());
    assert_pending!(acquire4.poll());

    s.close();

    assert!(acquire3.is_woken());
    assert!(acquire4.is_woken());

    assert_ready_err!(acquire3.poll());
    assert_ready_err!(acquire4.poll());

    assert_eq!(0, s.available_permits());

    s.release(1);

    assert_eq!(1, s.available_permits());

    assert_ready_err!(task::spawn(s.acquire(1)).poll());

    s.release(1);

    assert_eq!(2, s.available_permits());
}

#[test]
fn cancel_acquire_releases_permits() {
    let s = BatchSemaphore::new(10);
    s.try_acquire(4).expect("uncontended try_acquire succeeds");
    assert_eq!(6, s.available_permits());

    let mut acquire = task::spawn(s.acquire(8));
    assert_pending!(acquire.poll());

    assert_eq!(0, s.available_permits());
    drop(acquire);

    assert_eq!(6, s.available_permits());
    assert_ok!(s.try_acquire(6));
}

#[test]
fn release_permits_at_drop() {
    use crate::sync::{OwnedSemaphorePermit, Semaphore};
    use std::future::Future;
    use std::sync::Arc;
    use std::task::Wake;

    let sem = Arc::new(Semaphore::new(1));

    // A waker whose drop gives a permit back: replacing it must not run
    // that drop under the semaphore's lock.
    struct ReleaseOnDrop(#[allow(dead_code)] Option<OwnedSemaphorePermit>);

    impl Wake for ReleaseOnDrop {
        fn wake(self: Arc<Self>) {}
    }

    let mut fut = Box::pin(async {
        let _permit = sem.acquire().await.unwrap();
    });

    for _ in 0..=1 {
        let waker = std::task::Waker::from(Arc::new(ReleaseOnDrop(
            sem.clone().try_acquire_owned().ok(),
        )));
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(fut.as_mut().poll(&mut cx).is_pending());
    }
}

#[test]
fn forget_permits_basic() {
    let s = BatchSemaphore::new(10);
    assert_eq!(s.forget_permits(4), 4);
    assert_eq!(s.available_permits(), 6);
    assert_eq!(s.forget_permits(10), 6);
    assert_eq!(s.available_permits(), 0);
}

#[test]
fn update_permits_many_times() {
    let s = BatchSemaphore::new(5);
    let mut acquire = task::spawn(s.acquire(7));
    assert_pending!(acquire.poll());
    s.release(5);
    assert_ready_ok!(acquire.poll());
    assert_eq!(s.available_permits(), 3);
    assert_eq!(s.forget_permits(3), 3);
    assert_eq!(s.available_permits(), 0);
}

// ---- Zokio's own ----

/// Runs `f` on a thread and fails if it does not finish in time (a deadlock
/// would otherwise hang the test run).
fn finishes(f: impl FnOnce() + Send + 'static) {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        f();
        done.send(()).unwrap();
    });
    finished
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("deadlocked: a waker ran under the semaphore's lock");
}

#[test]
fn wakers_run_outside_the_lock() {
    use std::future::Future;
    use std::sync::Arc;
    use std::task::{Context, Wake, Waker};

    // A waker that calls back into the semaphore when woken.
    struct CloseOnWake(Arc<BatchSemaphore>);
    impl Wake for CloseOnWake {
        fn wake(self: Arc<Self>) {
            self.0.close();
        }
    }

    finishes(|| {
        let s = Arc::new(BatchSemaphore::new(0));
        let waker = Waker::from(Arc::new(CloseOnWake(s.clone())));
        let mut acquire = Box::pin(s.acquire(1));
        assert!(
            acquire
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        s.release(1);
        assert!(s.is_closed(), "the waker ran");
        assert!(
            acquire
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_ready()
        );
    });
}

#[test]
fn a_woken_waiter_that_is_polled_with_a_new_waker_keeps_its_place() {
    let s = BatchSemaphore::new(0);
    let mut first = task::spawn(s.acquire(1));
    let mut second = task::spawn(s.acquire(1));
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    // Re-polled from another task: the stored waker is replaced.
    let mut moved = task::spawn(first.into_inner());
    assert_pending!(moved.poll());
    s.release(1);
    assert!(moved.is_woken(), "the new waker is the one woken");
    assert!(!second.is_woken());
    assert_ready_ok!(moved.poll());
}

#[test]
fn waiters_leaving_in_any_order_leave_the_semaphore_consistent() {
    let s = BatchSemaphore::new(1);
    let mut a = task::spawn(s.acquire(2));
    let mut b = task::spawn(s.acquire(1));
    let mut c = task::spawn(s.acquire(3));
    assert_pending!(a.poll()); // took the one permit
    assert_pending!(b.poll());
    assert_pending!(c.poll());
    drop(b);
    drop(a); // hands its permit to c
    assert_eq!(s.available_permits(), 0);
    s.release(2);
    assert!(c.is_woken());
    assert_ready_ok!(c.poll());
    s.release(3);
    assert_eq!(s.available_permits(), 3);
    assert_ok!(s.try_acquire(3), "no waiter is left behind");
}

/// Tokio's acquire fails once the semaphore is closed, even if it was handed
/// its permits before the close and had not collected them yet; they go
/// back.
#[test]
fn a_waiter_granted_before_a_close_fails_and_returns_its_permits() {
    let s = BatchSemaphore::new(1);
    s.try_acquire(1).unwrap();
    let mut waiter = task::spawn(s.acquire(1));
    assert_pending!(waiter.poll());
    s.release(1);
    assert!(waiter.is_woken());
    s.close();
    assert_ready_err!(waiter.poll());
    assert_eq!(s.available_permits(), 1, "the granted permit went back");
}
