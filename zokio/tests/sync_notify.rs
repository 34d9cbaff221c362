//! A port of tokio's tests/sync_notify.rs to `zokio::sync::Notify`: every test,
//! with std's `Wake` and `Waker::noop` where tokio's use the futures crate's
//! `ArcWake` and `noop_waker`. Tests added below the ported ones are Zokio's.
#![cfg(not(loom))]
#![warn(rust_2018_idioms)]

use tokio_test::task::spawn;
use tokio_test::*;
use zokio::sync::Notify;

#[allow(unused)]
trait AssertSend: Send + Sync {}
impl AssertSend for Notify {}

#[test]
fn notify_notified_one() {
    let notify = Notify::new();
    let mut notified = spawn(async { notify.notified().await });

    notify.notify_one();
    assert_ready!(notified.poll());
}

#[test]
fn notify_multi_notified_one() {
    let notify = Notify::new();
    let mut notified1 = spawn(async { notify.notified().await });
    let mut notified2 = spawn(async { notify.notified().await });

    // add two waiters into the queue
    assert_pending!(notified1.poll());
    assert_pending!(notified2.poll());

    // should wakeup the first one
    notify.notify_one();
    assert_ready!(notified1.poll());
    assert_pending!(notified2.poll());
}

#[test]
fn notify_multi_notified_last() {
    let notify = Notify::new();
    let mut notified1 = spawn(async { notify.notified().await });
    let mut notified2 = spawn(async { notify.notified().await });

    // add two waiters into the queue
    assert_pending!(notified1.poll());
    assert_pending!(notified2.poll());

    // should wakeup the last one
    notify.notify_last();
    assert_pending!(notified1.poll());
    assert_ready!(notified2.poll());
}

#[test]
fn notified_one_notify() {
    let notify = Notify::new();
    let mut notified = spawn(async { notify.notified().await });

    assert_pending!(notified.poll());

    notify.notify_one();
    assert!(notified.is_woken());
    assert_ready!(notified.poll());
}

#[test]
fn notified_multi_notify() {
    let notify = Notify::new();
    let mut notified1 = spawn(async { notify.notified().await });
    let mut notified2 = spawn(async { notify.notified().await });

    assert_pending!(notified1.poll());
    assert_pending!(notified2.poll());

    notify.notify_one();
    assert!(notified1.is_woken());
    assert!(!notified2.is_woken());

    assert_ready!(notified1.poll());
    assert_pending!(notified2.poll());
}

#[test]
fn notify_notified_multi() {
    let notify = Notify::new();

    notify.notify_one();

    let mut notified1 = spawn(async { notify.notified().await });
    let mut notified2 = spawn(async { notify.notified().await });

    assert_ready!(notified1.poll());
    assert_pending!(notified2.poll());

    notify.notify_one();

    assert!(notified2.is_woken());
    assert_ready!(notified2.poll());
}

#[test]
fn notified_drop_notified_notify() {
    let notify = Notify::new();
    let mut notified1 = spawn(async { notify.notified().await });
    let mut notified2 = spawn(async { notify.notified().await });

    assert_pending!(notified1.poll());

    drop(notified1);

    assert_pending!(notified2.poll());

    notify.notify_one();
    assert!(notified2.is_woken());
    assert_ready!(notified2.poll());
}

#[test]
fn notified_multi_notify_drop_one() {
    let notify = Notify::new();
    let mut notified1 = spawn(async { notify.notified().await });
    let mut notified2 = spawn(async { notify.notified().await });

    assert_pending!(notified1.poll());
    assert_pending!(notified2.poll());

    notify.notify_one();

    assert!(notified1.is_woken());
    assert!(!notified2.is_woken());

    drop(notified1);

    assert!(notified2.is_woken());
    assert_ready!(notified2.poll());
}

#[test]
fn notified_multi_notify_one_drop() {
    let notify = Notify::new();
    let mut notified1 = spawn(async { notify.notified().await });
    let mut notified2 = spawn(async { notify.notified().await });
    let mut notified3 = spawn(async { notify.notified().await });

    // add waiters by order of poll execution
    assert_pending!(notified1.poll());
    assert_pending!(notified2.poll());
    assert_pending!(notified3.poll());

    // by default fifo
    notify.notify_one();

    drop(notified1);

    // next waiter should be the one to be to woken up
    assert_ready!(notified2.poll());
    assert_pending!(notified3.poll());
}

#[test]
fn notified_multi_notify_last_drop() {
    let notify = Notify::new();
    let mut notified1 = spawn(async { notify.notified().await });
    let mut notified2 = spawn(async { notify.notified().await });
    let mut notified3 = spawn(async { notify.notified().await });

    // add waiters by order of poll execution
    assert_pending!(notified1.poll());
    assert_pending!(notified2.poll());
    assert_pending!(notified3.poll());

    notify.notify_last();

    drop(notified3);

    // latest waiter added should be the one to woken up
    assert_ready!(notified2.poll());
    assert_pending!(notified1.poll());
}

#[test]
fn notify_in_drop_after_wake() {
    use std::future::Future;
    use std::sync::Arc;
    use std::task::Wake;

    let notify = Arc::new(Notify::new());

    struct NotifyOnDrop(Arc<Notify>);

    impl Wake for NotifyOnDrop {
        fn wake(self: Arc<Self>) {}
    }

    impl Drop for NotifyOnDrop {
        fn drop(&mut self) {
            self.0.notify_waiters();
        }
    }

    let mut fut = Box::pin(async {
        notify.notified().await;
    });

    {
        let waker = std::task::Waker::from(Arc::new(NotifyOnDrop(notify.clone())));
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(fut.as_mut().poll(&mut cx).is_pending());
    }

    // Now, notifying **should not** deadlock
    notify.notify_waiters();
}

#[test]
fn notify_one_after_dropped_all() {
    let notify = Notify::new();
    let mut notified1 = spawn(async { notify.notified().await });

    assert_pending!(notified1.poll());

    notify.notify_waiters();
    notify.notify_one();

    drop(notified1);

    let mut notified2 = spawn(async { notify.notified().await });

    assert_ready!(notified2.poll());
}

#[test]
fn test_notify_one_not_enabled() {
    let notify = Notify::new();
    let mut future = spawn(notify.notified());

    notify.notify_one();
    assert_ready!(future.poll());
}

#[test]
fn test_notify_one_after_enable() {
    let notify = Notify::new();
    let mut future = spawn(notify.notified());

    future.enter(|_, fut| assert!(!fut.enable()));

    notify.notify_one();
    assert_ready!(future.poll());
    future.enter(|_, fut| assert!(fut.enable()));
}

#[test]
fn test_poll_after_enable() {
    let notify = Notify::new();
    let mut future = spawn(notify.notified());

    future.enter(|_, fut| assert!(!fut.enable()));
    assert_pending!(future.poll());
}

#[test]
fn test_enable_after_poll() {
    let notify = Notify::new();
    let mut future = spawn(notify.notified());

    assert_pending!(future.poll());
    future.enter(|_, fut| assert!(!fut.enable()));
}

#[test]
fn test_enable_consumes_permit() {
    let notify = Notify::new();

    // Add a permit.
    notify.notify_one();

    let mut future1 = spawn(notify.notified());
    future1.enter(|_, fut| assert!(fut.enable()));

    let mut future2 = spawn(notify.notified());
    future2.enter(|_, fut| assert!(!fut.enable()));
}

#[test]
fn test_waker_update() {
    use std::future::Future;
    use std::task::{Context, Waker};

    let notify = Notify::new();
    let mut future = spawn(notify.notified());

    let noop = Waker::noop().clone();
    future.enter(|_, fut| assert_pending!(fut.poll(&mut Context::from_waker(&noop))));

    assert_pending!(future.poll());
    notify.notify_one();

    assert!(future.is_woken());
}

#[test]
fn unpolled_future_completed_by_notify_waiters_preserves_notify_one_permit() {
    use futures_util::FutureExt;
    let notify = Notify::new();
    let notified1 = notify.notified();
    notify.notify_waiters();
    notify.notify_one();
    assert!(notified1.now_or_never().is_some());
    let notified2 = notify.notified();
    assert!(notified2.now_or_never().is_some());
}

// ---- Zokio's own tests ----

mod zokio_own {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::task::{Context, Wake, Waker};
    use std::time::Duration;

    use tokio_test::task::spawn;
    use tokio_test::{assert_pending, assert_ready};
    use zokio::sync::Notify;

    /// A waker whose last drop calls back into the `Notify`: deadlocks if
    /// any path drops a waker with the lock held.
    struct CallsBackOnDrop(Arc<Notify>);

    impl Wake for CallsBackOnDrop {
        fn wake(self: Arc<Self>) {}
    }

    impl Drop for CallsBackOnDrop {
        fn drop(&mut self) {
            self.0.notify_waiters();
            self.0.notify_one();
        }
    }

    fn calling_back(notify: &Arc<Notify>) -> Waker {
        Waker::from(Arc::new(CallsBackOnDrop(notify.clone())))
    }

    #[test]
    fn dropping_a_queued_waiter_drops_its_waker_unlocked() {
        let notify = Arc::new(Notify::new());
        let mut notified = Box::pin(notify.notified());
        let waker = calling_back(&notify);
        assert!(
            notified
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        drop(waker);
        drop(notified);
    }

    #[test]
    fn replacing_a_waiters_waker_drops_the_old_one_unlocked() {
        let notify = Arc::new(Notify::new());
        let mut notified = Box::pin(notify.notified());
        let waker = calling_back(&notify);
        assert!(
            notified
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        drop(waker);
        let other = Waker::noop();
        assert!(
            notified
                .as_mut()
                .poll(&mut Context::from_waker(other))
                .is_pending()
        );
    }

    #[test]
    fn a_notified_waiter_drops_its_waker_unlocked_when_it_completes() {
        let notify = Arc::new(Notify::new());
        let mut notified = Box::pin(notify.notified());
        assert!(!notified.as_mut().enable());
        // Registers a calling-back waker, then loses its place to a notify.
        let waker = calling_back(&notify);
        assert!(
            notified
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        drop(waker);
        notify.notify_one();
        assert!(
            notified
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
                .is_ready()
        );
    }

    #[test]
    fn notify_waiters_completes_a_notified_created_but_never_polled() {
        let notify = Notify::new();
        let mut before = spawn(notify.notified());
        notify.notify_waiters();
        let mut after = spawn(notify.notified());
        assert_ready!(before.poll());
        assert_pending!(after.poll());
    }

    #[test]
    fn a_notify_waiters_notification_is_not_passed_on_when_dropped() {
        let notify = Notify::new();
        let mut first = spawn(notify.notified());
        assert_pending!(first.poll());
        notify.notify_waiters();
        drop(first);
        let mut second = spawn(notify.notified());
        assert_pending!(second.poll());
    }

    #[test]
    fn notify_last_with_no_waiter_stores_the_permit() {
        let notify = Notify::new();
        notify.notify_last();
        let mut notified = spawn(notify.notified());
        assert_ready!(notified.poll());
    }

    #[test]
    fn owned_notified_moves_to_another_thread() {
        let notify = Arc::new(Notify::new());
        let owned = notify.clone().notified_owned();
        let waiter = std::thread::spawn(move || zokio::block_on(owned));
        notify.notify_waiters();
        waiter.join().unwrap();
    }

    #[test]
    fn owned_notified_enable_then_notify_one() {
        let notify = Arc::new(Notify::new());
        let mut owned = spawn(notify.clone().notified_owned());
        owned.enter(|_, fut| assert!(!fut.enable()));
        notify.notify_one();
        assert_ready!(owned.poll());
        // The notification went to the enabled future, not to a permit.
        assert_pending!(spawn(notify.notified()).poll());
    }

    #[test]
    fn futures_module_names_the_futures_like_tokio() {
        let notify = Arc::new(Notify::new());
        let borrowed: zokio::sync::futures::Notified<'_> = notify.notified();
        let owned: zokio::sync::futures::OwnedNotified = notify.clone().notified_owned();
        notify.notify_waiters();
        zokio::block_on(async {
            borrowed.await;
            owned.await;
        });
    }

    #[zokio::test]
    async fn an_always_ready_notified_still_yields_to_other_tasks() {
        let notify = Notify::new();
        let other_ran = Arc::new(AtomicBool::new(false));
        zokio::spawn({
            let other_ran = other_ran.clone();
            async move { other_ran.store(true, Ordering::SeqCst) }
        });
        for _ in 0..10_000 {
            notify.notify_one();
            notify.notified().await;
            if other_ran.load(Ordering::SeqCst) {
                return;
            }
        }
        panic!("the budget never made the loop yield");
    }

    #[zokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn notify_one_reaches_each_of_many_waiting_tasks() {
        let notify = Arc::new(Notify::new());
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let notify = notify.clone();
                zokio::spawn(async move { notify.notified().await })
            })
            .collect();
        let all = async {
            for task in tasks {
                // Each notify_one wakes a waiter or leaves the permit for
                // one that has not started waiting yet.
                notify.notify_one();
                while !task.is_finished() {
                    zokio::task::yield_now().await;
                    notify.notify_one();
                }
                task.await.unwrap();
            }
        };
        zokio::time::timeout(Duration::from_secs(10), all)
            .await
            .expect("every waiter was notified");
    }

    #[test]
    fn unpin_futures_can_be_polled_without_pinning() {
        fn assert_unpin<T: Unpin>(_: &T) {}
        let notify = Notify::new();
        let mut notified = notify.notified();
        assert_unpin(&notified);
        notify.notify_one();
        assert!(
            Pin::new(&mut notified)
                .poll(&mut Context::from_waker(Waker::noop()))
                .is_ready()
        );
    }
}
