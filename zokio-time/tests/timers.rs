//! Behaviour of sleep, timeout, interval and the wheel, through the public API.
#![cfg(not(loom))]

mod util;

use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use util::{CountingWaker, LoggingWaker, block_on_driver, poll_once};
use zokio_core::{Driver, ThreadParker};
use zokio_time::{Instant, MissedTickBehavior, Sleep, TimeDriver};

const MS: Duration = Duration::from_millis(1);

fn paused_driver() -> TimeDriver<ThreadParker> {
    let driver = TimeDriver::new(ThreadParker::new());
    driver.handle().pause();
    driver
}

#[test]
fn many_timers_fire_in_deadline_order_and_not_early() {
    let driver = paused_driver();
    let handle = driver.handle();
    let start = handle.now();
    let log = Arc::new(Mutex::new(Vec::new()));
    // Deadlines 1..=300 ms, armed in a scrambled order.
    let order: Vec<usize> = (0..300).map(|i| (i * 7 + 3) % 300).collect();
    let mut sleeps: Vec<_> = order
        .iter()
        .map(|&i| Box::pin(handle.sleep_until(start + MS * (i as u32 + 1))))
        .collect();
    for (sleep, &i) in sleeps.iter_mut().zip(&order) {
        let waker = Waker::from(Arc::new(LoggingWaker {
            index: i,
            log: log.clone(),
        }));
        assert!(poll_once(sleep.as_mut(), &waker).is_pending());
    }
    assert_eq!(handle.armed_timers(), 300);
    for step in 1..=300usize {
        handle.advance(MS);
        let fired = log.lock().unwrap().clone();
        assert_eq!(fired, (0..step).collect::<Vec<_>>(), "after {step} ms");
    }
    assert!(sleeps.iter().all(|s| s.is_elapsed()));
    assert_eq!(handle.armed_timers(), 0);
}

#[test]
fn cancel_before_fire_wakes_nobody_and_leaves_nothing() {
    let driver = paused_driver();
    let handle = driver.handle();
    let (count, waker) = CountingWaker::new();
    {
        let mut sleep = pin!(handle.sleep(10 * MS));
        assert!(poll_once(sleep.as_mut(), &waker).is_pending());
        assert_eq!(handle.armed_timers(), 1);
    }
    assert_eq!(handle.armed_timers(), 0);
    handle.advance(20 * MS);
    assert_eq!(count.count(), 0);
}

#[test]
fn reset_later_and_earlier() {
    let driver = paused_driver();
    let handle = driver.handle();
    let start = handle.now();
    let (count, waker) = CountingWaker::new();

    let mut later = pin!(handle.sleep_until(start + 10 * MS));
    assert!(poll_once(later.as_mut(), &waker).is_pending());
    later.as_mut().reset(start + 30 * MS);
    assert_eq!(later.deadline(), start + 30 * MS);
    handle.advance(10 * MS);
    assert!(!later.is_elapsed(), "fired at the old deadline");
    assert!(poll_once(later.as_mut(), &waker).is_pending());
    handle.advance(20 * MS);
    assert!(later.is_elapsed());
    assert!(poll_once(later.as_mut(), &waker).is_ready());

    let now = handle.now();
    let mut earlier = pin!(handle.sleep_until(now + Duration::from_secs(3600)));
    assert!(poll_once(earlier.as_mut(), &waker).is_pending());
    earlier.as_mut().reset(now + 5 * MS);
    handle.advance(4 * MS);
    assert!(!earlier.is_elapsed());
    handle.advance(MS);
    assert!(earlier.is_elapsed());

    // Reset after firing arms it again.
    earlier.as_mut().reset(handle.now() + 5 * MS);
    assert!(!earlier.is_elapsed());
    assert!(poll_once(earlier.as_mut(), &waker).is_pending());
    handle.advance(5 * MS);
    assert!(poll_once(earlier.as_mut(), &waker).is_ready());
    assert!(count.count() >= 3);
}

#[test]
fn reset_earlier_with_the_real_clock_completes_at_the_new_deadline() {
    let mut driver = TimeDriver::new(ThreadParker::new());
    let handle = driver.handle();
    let start = std::time::Instant::now();
    block_on_driver(&mut driver, async {
        let mut sleep = Box::pin(handle.sleep(Duration::from_secs(3600)));
        let waker = Waker::noop();
        assert!(poll_once(sleep.as_mut(), waker).is_pending());
        sleep.as_mut().reset(Instant::now() + 10 * MS);
        sleep.await;
    });
    assert!(start.elapsed() >= 10 * MS);
}

#[test]
fn a_sleep_never_returns_before_its_duration() {
    let mut driver = TimeDriver::new(ThreadParker::new());
    for ms in [1u64, 2, 5, 10] {
        let start = std::time::Instant::now();
        block_on_driver(&mut driver, zokio_time::sleep(Duration::from_millis(ms)));
        assert!(start.elapsed() >= Duration::from_millis(ms), "{ms} ms");
    }
}

#[test]
fn timeout_of_a_ready_future_does_not_arm_a_timer() {
    let driver = paused_driver();
    let handle = driver.handle();
    let _guard = handle.enter();
    let waker = Waker::noop();
    let mut t = pin!(zokio_time::timeout(Duration::ZERO, async { 5 }));
    assert_eq!(poll_once(t.as_mut(), waker), Poll::Ready(Ok(5)));
    assert_eq!(handle.armed_timers(), 0);
}

#[test]
fn timeout_of_a_pending_future_elapses_at_its_deadline() {
    let driver = paused_driver();
    let handle = driver.handle();
    let _guard = handle.enter();
    let (count, waker) = CountingWaker::new();
    let mut t = pin!(zokio_time::timeout(10 * MS, std::future::pending::<()>()));
    assert!(poll_once(t.as_mut(), &waker).is_pending());
    assert_eq!(handle.armed_timers(), 1);
    handle.advance(9 * MS);
    assert!(poll_once(t.as_mut(), &waker).is_pending());
    handle.advance(MS);
    assert_eq!(count.count(), 1);
    match poll_once(t.as_mut(), &waker) {
        Poll::Ready(Err(e)) => assert_eq!(e.to_string(), "deadline has elapsed"),
        other => panic!("expected the timeout to elapse, got {other:?}"),
    }
}

#[test]
fn timeout_with_the_real_clock() {
    let mut driver = TimeDriver::new(ThreadParker::new());
    let start = std::time::Instant::now();
    let r = block_on_driver(
        &mut driver,
        zokio_time::timeout(5 * MS, std::future::pending::<()>()),
    );
    assert!(r.is_err());
    assert!(start.elapsed() >= 5 * MS);
    let r = block_on_driver(
        &mut driver,
        zokio_time::timeout(Duration::from_secs(60), zokio_time::sleep(MS)),
    );
    assert_eq!(r, Ok(()));
}

fn ticks_ready(interval: &mut zokio_time::Interval) -> Vec<Instant> {
    let waker = Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut ready = Vec::new();
    while let Poll::Ready(t) = interval.poll_tick(&mut cx) {
        ready.push(t);
        assert!(ready.len() < 100, "interval does not stop");
    }
    ready
}

fn interval_after_missing_ticks(behavior: MissedTickBehavior) -> (Instant, Vec<Instant>, Instant) {
    let driver = paused_driver();
    let handle = driver.handle();
    let _guard = handle.enter();
    let start = handle.now();
    let mut interval = zokio_time::interval(10 * MS);
    interval.set_missed_tick_behavior(behavior);
    assert_eq!(
        ticks_ready(&mut interval),
        vec![start],
        "first tick at once"
    );
    handle.advance(35 * MS);
    let ticks = ticks_ready(&mut interval);
    (start, ticks, interval.next_tick())
}

#[test]
fn interval_burst_catches_up() {
    let (t0, ticks, next) = interval_after_missing_ticks(MissedTickBehavior::Burst);
    assert_eq!(ticks, vec![t0 + 10 * MS, t0 + 20 * MS, t0 + 30 * MS]);
    assert_eq!(next, t0 + 40 * MS);
}

#[test]
fn interval_delay_restarts_from_now() {
    let (t0, ticks, next) = interval_after_missing_ticks(MissedTickBehavior::Delay);
    assert_eq!(ticks, vec![t0 + 10 * MS]);
    assert_eq!(next, t0 + 45 * MS);
}

#[test]
fn interval_skip_keeps_the_schedule() {
    let (t0, ticks, next) = interval_after_missing_ticks(MissedTickBehavior::Skip);
    assert_eq!(ticks, vec![t0 + 10 * MS]);
    assert_eq!(next, t0 + 40 * MS);
}

#[test]
fn interval_on_time_ticks_once_per_period() {
    let mut driver = paused_driver();
    let handle = driver.handle();
    let start = handle.now();
    let ticks = block_on_driver(&mut driver, async {
        let mut interval = zokio_time::interval(10 * MS);
        let mut ticks = Vec::new();
        for _ in 0..4 {
            ticks.push(interval.tick().await);
        }
        ticks
    });
    let expected: Vec<_> = (0..4u32).map(|i| start + 10 * MS * i).collect();
    assert_eq!(ticks, expected);
}

#[test]
fn zero_period_interval_is_an_error() {
    assert!(zokio_time::try_interval(Duration::ZERO).is_err());
    assert!(zokio_time::try_interval_at(Instant::now(), Duration::ZERO).is_err());
    let panicked = std::panic::catch_unwind(|| zokio_time::interval(Duration::ZERO));
    assert!(panicked.is_err());
}

#[test]
fn a_million_timers_armed_and_cancelled_leave_nothing_behind() {
    // Paused: on the running clock a 1 ms sleep whose thread was descheduled
    // between creating and polling it completes in that poll, unarmed.
    let driver = paused_driver();
    let handle = driver.handle();
    let waker = Waker::noop();
    // Half armed and cancelled one by one, half held 100,000 at a time.
    for i in 0..500_000u32 {
        let mut sleep = pin!(handle.sleep(MS * (1 + i % 5000)));
        assert!(poll_once(sleep.as_mut(), waker).is_pending());
    }
    assert_eq!(handle.armed_timers(), 0);
    for round in 0..5u32 {
        let mut held: Vec<_> = (0..100_000u32)
            .map(|i| Box::pin(handle.sleep(MS * (1 + (i * 31 + round) % 100_000))))
            .collect();
        for s in &mut held {
            assert!(poll_once(s.as_mut(), waker).is_pending());
        }
        assert_eq!(handle.armed_timers(), 100_000);
    }
    assert_eq!(handle.armed_timers(), 0);
}

#[test]
fn zero_past_and_far_future_deadlines() {
    let mut driver = paused_driver();
    let handle = driver.handle();
    let waker = Waker::noop();

    let mut zero = pin!(handle.sleep(Duration::ZERO));
    assert!(zero.is_elapsed());
    assert!(poll_once(zero.as_mut(), waker).is_ready());
    assert_eq!(handle.armed_timers(), 0);

    // A deadline already past completes in the poll that would arm it.
    let mut past = pin!(handle.sleep_until(handle.now() - Duration::from_secs(1)));
    assert!(poll_once(past.as_mut(), waker).is_ready());
    assert_eq!(handle.armed_timers(), 0);
    driver.park(Some(Duration::ZERO));

    // Beyond the wheel's ~2.2-year span: re-filed, not fired early.
    let year = Duration::from_secs(365 * 86_400);
    let mut three_years = pin!(handle.sleep(3 * year));
    let mut forever: std::pin::Pin<&mut Sleep> = pin!(handle.sleep(Duration::MAX));
    assert!(poll_once(three_years.as_mut(), waker).is_pending());
    assert!(poll_once(forever.as_mut(), waker).is_pending());
    assert!(forever.deadline() > handle.now() + 20 * year);
    handle.advance(2 * year);
    assert!(!three_years.is_elapsed());
    handle.advance(year - MS);
    assert!(!three_years.is_elapsed());
    handle.advance(MS);
    assert!(three_years.is_elapsed());
    assert!(!forever.is_elapsed());
    assert_eq!(handle.armed_timers(), 1);
}

#[test]
fn timers_armed_on_one_thread_fire_on_another() {
    let mut driver = TimeDriver::new(ThreadParker::new());
    let handle = driver.handle();
    let unparker = driver.unparker();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let driving = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                driver.park(None);
            }
            driver
        })
    };
    let armers: Vec<_> = (0..4u64)
        .map(|t| {
            let handle = handle.clone();
            std::thread::spawn(move || {
                for i in 0..20u64 {
                    let d = Duration::from_micros(300 * (t + 1) + 100 * i);
                    let start = Instant::now();
                    zokio_core::block_on(handle.sleep(d));
                    assert!(Instant::now() >= start + d);
                }
            })
        })
        .collect();
    for a in armers {
        a.join().unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    zokio_core::Unpark::unpark(&unparker);
    let driver = driving.join().unwrap();
    assert_eq!(driver.handle().armed_timers(), 0);
}

#[test]
fn shutdown_releases_waiting_timers() {
    let mut driver = TimeDriver::new(ThreadParker::new());
    let handle = driver.handle();
    let (count, waker) = CountingWaker::new();
    let mut sleep = pin!(handle.sleep(Duration::from_secs(3600)));
    assert!(poll_once(sleep.as_mut(), &waker).is_pending());
    driver.shutdown();
    assert_eq!(count.count(), 1);
    assert!(poll_once(sleep.as_mut(), &waker).is_ready());
    let mut after = pin!(handle.sleep(Duration::from_secs(3600)));
    assert!(poll_once(after.as_mut(), &waker).is_ready());
}

#[test]
fn sharded_driver_fires_timers_from_every_thread() {
    let mut driver = TimeDriver::with_shards(ThreadParker::new(), 4);
    let handle = driver.handle();
    let start = handle.now();
    let sleeps: Vec<_> = (0..8u32)
        .map(|i| {
            let handle = handle.clone();
            std::thread::spawn(move || {
                // Past the 16 ms within which an armed deadline is checked
                // against the clock, so pending even if this thread is
                // descheduled between creating the sleep and polling it.
                let mut s = Box::pin(handle.sleep(MS * (20 + i)));
                assert!(poll_once(s.as_mut(), Waker::noop()).is_pending());
                s
            })
            .join()
            .unwrap()
        })
        .collect();
    assert_eq!(handle.armed_timers(), 8);
    block_on_driver(&mut driver, async {
        for s in sleeps {
            s.await;
        }
    });
    assert!(handle.now() >= start + 27 * MS);
    assert_eq!(handle.armed_timers(), 0);
}

#[test]
fn sleeps_spend_the_cooperative_budget() {
    let driver = paused_driver();
    let handle = driver.handle();
    let waker = Waker::noop();
    let spent = zokio_core::budget::with_task_budget(|| {
        let mut zero = pin!(handle.sleep(Duration::ZERO));
        for _ in 0..zokio_core::budget::TASK_BUDGET {
            assert!(poll_once(zero.as_mut(), waker).is_ready());
        }
        poll_once(zero.as_mut(), waker)
    });
    assert!(spent.is_pending(), "the budget ran out");
}

#[test]
fn the_public_types_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Sleep>();
    send_sync::<zokio_time::Timeout<std::future::Ready<()>>>();
    send_sync::<zokio_time::Interval>();
    send_sync::<zokio_time::Handle>();
    send_sync::<zokio_time::Instant>();
    send_sync::<zokio_time::TimeUnparker<zokio_core::ThreadUnparker>>();
    send::<TimeDriver<ThreadParker>>();
}

#[test]
fn a_timeout_fires_even_when_its_future_spends_the_budget() {
    let driver = paused_driver();
    let handle = driver.handle();
    let _guard = handle.enter();
    let greedy = std::future::poll_fn(|cx| {
        zokio_core::budget::consume(zokio_core::budget::TASK_BUDGET);
        cx.waker().wake_by_ref();
        Poll::<()>::Pending
    });
    let mut t = pin!(zokio_time::timeout(5 * MS, greedy));
    let waker = Waker::noop();
    let first = zokio_core::budget::with_task_budget(|| poll_once(t.as_mut(), waker));
    assert!(first.is_pending());
    handle.advance(5 * MS);
    let second = zokio_core::budget::with_task_budget(|| poll_once(t.as_mut(), waker));
    assert!(matches!(second, Poll::Ready(Err(_))));
}

#[test]
fn reset_before_the_first_poll_only_moves_the_deadline() {
    let driver = paused_driver();
    let handle = driver.handle();
    let start = handle.now();
    let mut zero = pin!(handle.sleep(Duration::ZERO));
    assert!(zero.is_elapsed());
    zero.as_mut().reset(start + 3 * MS);
    assert!(!zero.is_elapsed());
    assert_eq!(handle.armed_timers(), 0);
    assert!(poll_once(zero.as_mut(), Waker::noop()).is_pending());
    handle.advance(3 * MS);
    assert!(poll_once(zero.as_mut(), Waker::noop()).is_ready());
}

#[test]
fn dropping_the_driver_releases_tasks_waiting_on_timers() {
    let driver = TimeDriver::new(ThreadParker::new());
    let handle = driver.handle();
    let (count, waker) = CountingWaker::new();
    let mut sleep = pin!(handle.sleep(Duration::from_secs(3600)));
    assert!(poll_once(sleep.as_mut(), &waker).is_pending());
    drop(driver);
    assert_eq!(count.count(), 1);
    assert!(poll_once(sleep.as_mut(), &waker).is_ready());
    assert_eq!(handle.armed_timers(), 0);
}

#[test]
fn reset_to_a_reached_deadline_completes_on_the_next_poll() {
    // Regression (found by tests/prop_wheel.rs): the sleep stayed pending
    // until the wheel's next turn.
    let driver = zokio_time::TimeDriver::new(zokio_core::ThreadParker::new());
    let handle = driver.handle();
    let _enter = handle.enter();
    zokio_core::block_on(async {
        let mut armed = std::pin::pin!(zokio_time::sleep(Duration::from_secs(3600)));
        assert!(
            futures_lite::future::poll_once(armed.as_mut())
                .await
                .is_none()
        );
        armed.as_mut().reset(zokio_time::Instant::now());
        assert!(
            futures_lite::future::poll_once(armed.as_mut())
                .await
                .is_some()
        );

        let mut never_polled = std::pin::pin!(zokio_time::sleep(Duration::from_secs(3600)));
        never_polled
            .as_mut()
            .reset(zokio_time::Instant::now() - Duration::from_millis(1));
        assert!(never_polled.is_elapsed());
        assert!(
            futures_lite::future::poll_once(never_polled.as_mut())
                .await
                .is_some()
        );
    });
    assert_eq!(handle.armed_timers(), 0);
}
