//! A port of tokio's tests/time_sleep.rs to `zokio::time::sleep`: every test
//! but `creating_sleep_outside_of_context` (outside a runtime Zokio's timers
//! use the background timer thread instead of panicking), with std's
//! `Waker::noop` and `std::future::poll_fn` where tokio's use the futures
//! crate's `noop_waker_ref`, `poll!` and `ArcWake`. Tests added below the
//! ported ones are Zokio's: a sleep or timeout first polled after its
//! deadline completes in that poll.
#![cfg(not(loom))]
#![warn(rust_2018_idioms)]

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use tokio_test::{assert_elapsed, assert_pending, assert_ready, task};
use zokio::time::{self, Duration, Instant};

/// `futures::poll!`: polls once, in the calling task.
async fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *fut).poll(cx))).await
}

#[zokio::test(start_paused = true)]
async fn immediate_sleep() {
    let now = Instant::now();

    let sleep = time::sleep_until(now);

    let mut sleep = pin!(sleep);

    assert!(!sleep.is_elapsed());

    sleep.as_mut().await;
    assert_elapsed!(now, ms(0));
    assert!(sleep.is_elapsed());
}

#[zokio::test]
async fn is_elapsed() {
    time::pause();

    let sleep = time::sleep(Duration::from_millis(10));

    let mut sleep = pin!(sleep);

    assert!(!sleep.is_elapsed());

    assert!(poll_once(&mut sleep.as_mut()).await.is_pending());

    assert!(!sleep.is_elapsed());

    sleep.as_mut().await;

    assert!(sleep.is_elapsed());
}

#[zokio::test]
async fn delayed_sleep_level_0() {
    time::pause();

    for &i in &[1, 10, 60] {
        let now = Instant::now();
        let dur = ms(i);

        time::sleep_until(now + dur).await;

        assert_elapsed!(now, dur);
    }
}

#[zokio::test]
async fn sub_ms_delayed_sleep() {
    time::pause();

    for _ in 0..5 {
        let now = Instant::now();
        let deadline = now + ms(1) + Duration::new(0, 1);

        time::sleep_until(deadline).await;

        assert_elapsed!(now, ms(1));
    }
}

#[zokio::test]
async fn delayed_sleep_wrapping_level_0() {
    time::pause();

    time::sleep(ms(5)).await;

    let now = Instant::now();
    time::sleep_until(now + ms(60)).await;

    assert_elapsed!(now, ms(60));
}

#[zokio::test]
async fn reset_future_sleep_before_fire() {
    time::pause();

    let now = Instant::now();

    let mut sleep = task::spawn(Box::pin(time::sleep_until(now + ms(100))));
    assert_pending!(sleep.poll());

    let mut sleep = sleep.into_inner();

    sleep.as_mut().reset(Instant::now() + ms(200));
    sleep.await;

    assert_elapsed!(now, ms(200));
}

#[zokio::test]
async fn reset_past_sleep_before_turn() {
    time::pause();

    let now = Instant::now();

    let mut sleep = task::spawn(Box::pin(time::sleep_until(now + ms(100))));
    assert_pending!(sleep.poll());

    let mut sleep = sleep.into_inner();

    sleep.as_mut().reset(now + ms(80));
    sleep.await;

    assert_elapsed!(now, ms(80));
}

#[zokio::test]
async fn reset_past_sleep_before_fire() {
    time::pause();

    let now = Instant::now();

    let mut sleep = task::spawn(Box::pin(time::sleep_until(now + ms(100))));
    assert_pending!(sleep.poll());

    let mut sleep = sleep.into_inner();

    time::sleep(ms(10)).await;

    sleep.as_mut().reset(now + ms(80));
    sleep.await;

    assert_elapsed!(now, ms(80));
}

#[zokio::test]
async fn reset_future_sleep_after_fire() {
    time::pause();

    let now = Instant::now();
    let mut sleep = Box::pin(time::sleep_until(now + ms(100)));

    sleep.as_mut().await;
    assert_elapsed!(now, ms(100));

    sleep.as_mut().reset(now + ms(110));
    sleep.await;
    assert_elapsed!(now, ms(110));
}

#[zokio::test]
async fn reset_sleep_to_past() {
    time::pause();

    let now = Instant::now();

    let mut sleep = task::spawn(Box::pin(time::sleep_until(now + ms(100))));
    assert_pending!(sleep.poll());

    time::sleep(ms(50)).await;

    assert!(!sleep.is_woken());

    sleep.as_mut().reset(now + ms(40));

    // TODO: is this required?
    //assert!(sleep.is_woken());

    assert_ready!(sleep.poll());
}

#[zokio::test]
async fn greater_than_max() {
    const YR_5: u64 = 5 * 365 * 24 * 60 * 60 * 1000;

    time::pause();
    time::sleep_until(Instant::now() + ms(YR_5)).await;
}

#[zokio::test]
async fn short_sleeps() {
    for _ in 0..1000 {
        zokio::time::sleep(std::time::Duration::from_millis(0)).await;
    }
}

#[zokio::test]
async fn multi_long_sleeps() {
    zokio::time::pause();

    for _ in 0..5u32 {
        zokio::time::sleep(Duration::from_secs(
            // about a year
            365 * 24 * 3600,
        ))
        .await;
    }

    let deadline = zokio::time::Instant::now()
        + Duration::from_secs(
            // about 10 years
            10 * 365 * 24 * 3600,
        );

    zokio::time::sleep_until(deadline).await;

    assert!(zokio::time::Instant::now() >= deadline);
}

#[zokio::test]
async fn long_sleeps() {
    zokio::time::pause();

    let deadline = zokio::time::Instant::now()
        + Duration::from_secs(
            // about 10 years
            10 * 365 * 24 * 3600,
        );

    zokio::time::sleep_until(deadline).await;

    assert!(zokio::time::Instant::now() >= deadline);
    assert!(zokio::time::Instant::now() <= deadline + Duration::from_millis(1));
}

#[zokio::test]
async fn reset_after_firing() {
    let timer = zokio::time::sleep(std::time::Duration::from_millis(1));
    let mut timer = pin!(timer);

    let deadline = timer.deadline();

    timer.as_mut().await;
    assert_ready!(timer.as_mut().poll(&mut Context::from_waker(Waker::noop())));
    timer
        .as_mut()
        .reset(zokio::time::Instant::now() + std::time::Duration::from_secs(600));

    assert_ne!(deadline, timer.deadline());

    assert_pending!(timer.as_mut().poll(&mut Context::from_waker(Waker::noop())));
    assert_pending!(timer.as_mut().poll(&mut Context::from_waker(Waker::noop())));
}

#[zokio::test]
async fn exactly_max() {
    time::pause();
    time::sleep(Duration::MAX).await;
}

#[zokio::test]
async fn issue_5183() {
    time::pause();

    let big = std::time::Duration::from_secs(u64::MAX / 10);
    // This is a workaround since awaiting sleep(big) will never finish.
    #[rustfmt::skip]
    zokio::select! {
        biased;
        _ = zokio::time::sleep(big) => {}
        _ = zokio::time::sleep(std::time::Duration::from_nanos(1)) => {}
    }
}

#[zokio::test]
async fn no_out_of_bounds_close_to_max() {
    time::pause();
    time::sleep(Duration::MAX - Duration::from_millis(1)).await;
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[zokio::test]
async fn drop_after_reschedule_at_new_scheduled_time() {
    zokio::time::pause();

    let start = zokio::time::Instant::now();

    let mut a = Box::pin(zokio::time::sleep(Duration::from_millis(5)));
    let mut b = Box::pin(zokio::time::sleep(Duration::from_millis(5)));
    let mut c = Box::pin(zokio::time::sleep(Duration::from_millis(10)));

    let _ = poll_once(&mut a).await;
    let _ = poll_once(&mut b).await;
    let _ = poll_once(&mut c).await;

    b.as_mut().reset(start + Duration::from_millis(10));
    a.await;

    drop(b);
}

#[zokio::test]
async fn drop_from_wake() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::task::Wake;

    let panicked = Arc::new(AtomicBool::new(false));
    let list: Arc<Mutex<Vec<Pin<Box<zokio::time::Sleep>>>>> = Arc::new(Mutex::new(Vec::new()));

    let arc_wake = Waker::from(Arc::new(DropWaker(panicked.clone(), list.clone())));

    zokio::time::pause();

    {
        let mut lock = list.lock().unwrap();

        for _ in 0..100 {
            let mut timer = Box::pin(zokio::time::sleep(Duration::from_millis(10)));

            let _ = timer.as_mut().poll(&mut Context::from_waker(&arc_wake));

            lock.push(timer);
        }
    }

    zokio::time::sleep(Duration::from_millis(11)).await;

    assert!(
        !panicked.load(Ordering::SeqCst),
        "panicked when dropping timers"
    );

    #[derive(Clone)]
    struct DropWaker(
        Arc<AtomicBool>,
        Arc<Mutex<Vec<Pin<Box<zokio::time::Sleep>>>>>,
    );

    impl Wake for DropWaker {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }

        fn wake_by_ref(self: &Arc<Self>) {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                *self.1.lock().expect("panic in lock") = Vec::new()
            }));

            if result.is_err() {
                self.0.store(true, Ordering::SeqCst);
            }
        }
    }
}

// Zokio's own tests from here on.

/// A sleep first polled after its deadline completes in that poll, not on
/// the driver's next turn (Tokio's behaviour: the deadline is at or before
/// the wheel's time).
#[zokio::test(start_paused = true)]
async fn sleep_polled_after_its_deadline_is_ready_in_its_first_poll() {
    let mut sleep = task::spawn(time::sleep(ms(10)));
    time::advance(ms(20)).await;
    assert_ready!(sleep.poll());

    let mut past = task::spawn(time::sleep_until(Instant::now() - ms(5)));
    assert_ready!(past.poll());
}

/// The same with the clock running: the deadline passed in real time
/// between creating the sleep and polling it.
#[zokio::test]
async fn sleep_polled_after_its_deadline_in_real_time_is_ready_in_its_first_poll() {
    time::sleep(ms(1)).await; // a driver turn: the wheel's time is current
    let mut sleep = task::spawn(time::sleep(ms(1)));
    std::thread::sleep(ms(3));
    assert_ready!(sleep.poll());
    assert!(!sleep.is_woken(), "completed by the poll, not by a wake");
}

/// A timeout whose deadline passed before its first poll elapses in it.
/// (`timeout_at`: a `timeout`'s limit counts from its first poll in Zokio.)
#[zokio::test(start_paused = true)]
async fn timeout_polled_after_its_deadline_elapses_in_its_first_poll() {
    let deadline = Instant::now() + ms(10);
    let mut t = task::spawn(time::timeout_at(deadline, std::future::pending::<()>()));
    time::advance(ms(20)).await;
    assert!(matches!(t.poll(), Poll::Ready(Err(_))));
}

/// A sleep completed by its first poll does not wake its task later when
/// it is reset and fires (its waker was taken back).
#[zokio::test(start_paused = true)]
async fn sleep_completed_by_its_first_poll_keeps_no_waker() {
    let mut sleep = task::spawn(Box::pin(time::sleep_until(Instant::now())));
    time::advance(ms(1)).await;
    assert_ready!(sleep.poll());
    sleep.as_mut().reset(Instant::now() + ms(5));
    time::advance(ms(10)).await;
    assert!(!sleep.is_woken());
    assert_ready!(sleep.poll());
}

/// Tokio's `creating_sleep_outside_of_context` expects a panic; Zokio's
/// timers outside a runtime use the background timer thread instead.
#[test]
fn sleep_outside_of_a_runtime_uses_the_background_timer() {
    let now = Instant::now();
    futures_lite::future::block_on(time::sleep_until(now + ms(5)));
    assert!(now.elapsed() >= ms(5));
}
