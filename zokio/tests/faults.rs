//! Fault injection through the facade: futures that panic in `poll` or in
//! `Drop`, wakers and handles that outlive their runtime, spawning after
//! shutdown, a task that never yields at shutdown. Each test states what the
//! runtime does and checks that no task is lost and no future is dropped
//! twice.
#![cfg(not(loom))]

use std::future::{Future, pending};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use zokio::runtime::Builder;
use zokio::task::JoinSet;

const WAIT_LIMIT: Duration = Duration::from_secs(30);

fn rt(workers: usize) -> zokio::Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

/// Counts the drops of the tokens it hands out.
#[derive(Clone, Default)]
struct Drops(Arc<AtomicUsize>);

struct Token(Drops);

impl Drop for Token {
    fn drop(&mut self) {
        (self.0).0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drops {
    fn token(&self) -> Token {
        Token(self.clone())
    }
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Runs `future` on `rt` with a deadline, so a lost wake fails the test.
fn block_on_bounded<F: Future>(rt: &zokio::Runtime, future: F) -> F::Output {
    rt.block_on(async {
        zokio::time::timeout(WAIT_LIMIT, future)
            .await
            .expect("timed out: a task was lost")
    })
}

#[test]
fn a_panic_in_poll_is_a_join_error_and_every_worker_survives() {
    let rt = rt(2);
    let drops = Drops::default();
    block_on_bounded(&rt, async {
        let mut set = JoinSet::new();
        for i in 0..1_000u32 {
            let token = drops.token();
            set.spawn(async move {
                let _token = token;
                // Panic at different points: first poll, after a yield,
                // after a timer.
                match i % 3 {
                    0 => {}
                    1 => zokio::task::yield_now().await,
                    _ => zokio::time::sleep(Duration::from_millis(1)).await,
                }
                if i % 2 == 0 {
                    panic!("task {i} fails");
                }
                i
            });
        }
        let (mut panics, mut sum) = (0, 0);
        while let Some(r) = set.join_next().await {
            match r {
                Ok(i) => sum += i,
                Err(e) => {
                    assert!(e.is_panic());
                    let msg = e.into_panic();
                    let msg = msg.downcast_ref::<String>().unwrap();
                    assert!(msg.starts_with("task ") && msg.ends_with(" fails"));
                    panics += 1;
                }
            }
        }
        assert_eq!(panics, 500);
        assert_eq!(sum, (0..1_000u32).filter(|i| i % 2 == 1).sum::<u32>());
    });
    assert_eq!(drops.count(), 1_000, "each future's state dropped once");
    // Both workers still run tasks: a pair that needs both at once.
    let meet = Arc::new(std::sync::Barrier::new(2));
    block_on_bounded(&rt, async {
        let a = {
            let meet = meet.clone();
            zokio::task::spawn_blocking(move || meet.wait())
        };
        let b = zokio::spawn(async move { meet.wait() });
        a.await.unwrap();
        b.await.unwrap();
    });
    assert_eq!(rt.metrics().num_workers(), 2);
}

#[test]
fn a_panic_in_block_on_reaches_the_caller_and_the_runtime_still_works() {
    let rt = rt(2);
    let caught = catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            zokio::time::sleep(Duration::from_millis(1)).await;
            panic!("in block_on")
        })
    }));
    assert!(caught.is_err());
    let n = block_on_bounded(&rt, async { zokio::spawn(async { 7 }).await.unwrap() });
    assert_eq!(n, 7);
}

/// A future whose `Drop` panics.
struct PanicOnDrop {
    ready: bool,
    dropped: Drops,
}

impl Future for PanicOnDrop {
    type Output = u32;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
        if self.ready {
            Poll::Ready(1)
        } else {
            Poll::Pending
        }
    }
}

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        (self.dropped.0).fetch_add(1, Ordering::SeqCst);
        if !std::thread::panicking() {
            panic!("drop fails");
        }
    }
}

#[test]
fn a_future_whose_drop_panics_after_completing_reports_a_panic() {
    let rt = rt(2);
    let dropped = Drops::default();
    let future = PanicOnDrop {
        ready: true,
        dropped: dropped.clone(),
    };
    let out = block_on_bounded(&rt, rt.spawn(future));
    // The output was produced, but dropping the future panicked: the
    // runtime reports the task as panicked and keeps going.
    let err = out.expect_err("the drop panic is reported");
    assert!(err.is_panic());
    assert_eq!(dropped.count(), 1);
    assert_eq!(block_on_bounded(&rt, rt.spawn(async { 3 })).unwrap(), 3);
}

#[test]
fn a_future_whose_drop_panics_on_abort_is_cancelled_and_the_runtime_survives() {
    let rt = rt(2);
    let dropped = Drops::default();
    let task = rt.spawn(PanicOnDrop {
        ready: false,
        dropped: dropped.clone(),
    });
    std::thread::sleep(Duration::from_millis(5));
    task.abort();
    let err = block_on_bounded(&rt, task).unwrap_err();
    assert!(err.is_cancelled() || err.is_panic(), "{err}");
    assert_eq!(dropped.count(), 1);
    assert_eq!(block_on_bounded(&rt, rt.spawn(async { 3 })).unwrap(), 3);
}

#[test]
fn a_future_whose_drop_panics_at_shutdown_does_not_stop_the_others_being_dropped() {
    let rt = rt(2);
    let dropped = Drops::default();
    let others = Drops::default();
    for _ in 0..10 {
        rt.spawn(PanicOnDrop {
            ready: false,
            dropped: dropped.clone(),
        });
        let token = others.token();
        rt.spawn(async move {
            let _token = token;
            pending::<()>().await
        });
    }
    std::thread::sleep(Duration::from_millis(5));
    // Shutdown must neither hang nor leave futures undropped; whether the
    // drop panics surface to this thread is what this test records.
    let shutdown = catch_unwind(AssertUnwindSafe(|| drop(rt)));
    assert_eq!(
        dropped.count(),
        10,
        "every panicking future was dropped once"
    );
    assert_eq!(others.count(), 10, "every other future was dropped once");
    assert!(
        shutdown.is_ok(),
        "drop panics at shutdown stay inside the runtime"
    );
}

/// Parks the waker of the task that polls it in `slot`, and never completes.
fn park_waker_in(slot: Arc<Mutex<Option<Waker>>>) -> impl Future<Output = ()> {
    std::future::poll_fn(move |cx| {
        *slot.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    })
}

#[test]
fn a_waker_that_outlives_its_runtime_is_harmless() {
    let slot = Arc::new(Mutex::new(None::<Waker>));
    let drops = Drops::default();
    let rt = rt(2);
    let token = drops.token();
    let task = rt.spawn({
        let slot = slot.clone();
        async move {
            let _token = token;
            park_waker_in(slot).await
        }
    });
    let start = std::time::Instant::now();
    while slot.lock().unwrap().is_none() {
        assert!(start.elapsed() < WAIT_LIMIT, "the task never ran");
        std::thread::sleep(Duration::from_millis(1));
    }
    drop(rt);
    assert_eq!(drops.count(), 1, "shutdown dropped the future");
    let waker = slot.lock().unwrap().take().unwrap();
    // Every waker operation after shutdown: no panic, no use after free
    // (the sanitizer and valgrind runs check the latter).
    let clone = waker.clone();
    waker.wake_by_ref();
    let foreign = std::thread::spawn(move || {
        clone.wake_by_ref();
        clone.wake();
    });
    foreign.join().unwrap();
    waker.wake();
    // The join handle outlived the runtime too: it reports cancellation.
    let err = zokio::block_on(task).unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(drops.count(), 1, "dropped exactly once");
}

#[test]
fn spawning_through_a_handle_after_shutdown_cancels_the_task_at_once() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    drop(rt);
    let drops = Drops::default();
    let token = drops.token();
    let task = handle.spawn(async move {
        let _token = token;
        1
    });
    let err = zokio::block_on(task).unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(
        drops.count(),
        1,
        "the refused future is dropped, not leaked"
    );
}

#[test]
fn abort_racing_completion_from_foreign_threads_loses_nothing() {
    let rt = rt(2);
    let drops = Drops::default();
    let mut tasks = Vec::new();
    for i in 0..2_000u32 {
        let token = drops.token();
        tasks.push(rt.spawn(async move {
            let _token = token;
            if i % 2 == 0 {
                zokio::task::yield_now().await;
            }
            i
        }));
    }
    let aborts: Vec<_> = tasks.iter().map(|t| t.abort_handle()).collect();
    let aborter = std::thread::spawn(move || {
        for a in aborts.iter().rev() {
            a.abort();
        }
    });
    aborter.join().unwrap();
    let (mut done, mut cancelled) = (0, 0);
    block_on_bounded(&rt, async {
        for (i, t) in tasks.into_iter().enumerate() {
            match t.await {
                Ok(v) => {
                    assert_eq!(v as usize, i);
                    done += 1;
                }
                Err(e) => {
                    assert!(e.is_cancelled());
                    cancelled += 1;
                }
            }
        }
    });
    assert_eq!(done + cancelled, 2_000);
    drop(rt);
    assert_eq!(drops.count(), 2_000);
}

#[test]
fn shutdown_timeout_returns_while_a_task_never_yields() {
    let rt = rt(1);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicBool::new(false));
    {
        let (stop, started) = (stop.clone(), started.clone());
        rt.spawn(async move {
            started.store(true, Ordering::SeqCst);
            // A task that never yields, bounded so the test cleans up.
            let t = std::time::Instant::now();
            while !stop.load(Ordering::SeqCst) && t.elapsed() < WAIT_LIMIT {
                std::hint::spin_loop();
            }
        });
    }
    let t = std::time::Instant::now();
    while !started.load(Ordering::SeqCst) {
        assert!(t.elapsed() < WAIT_LIMIT);
        std::thread::sleep(Duration::from_millis(1));
    }
    let t = std::time::Instant::now();
    rt.shutdown_timeout(Duration::from_millis(50));
    let waited = t.elapsed();
    stop.store(true, Ordering::SeqCst);
    assert!(
        waited < WAIT_LIMIT,
        "shutdown_timeout waited for the stuck task ({waited:?})"
    );
}
