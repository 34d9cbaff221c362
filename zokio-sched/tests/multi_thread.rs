//! Behaviour of the work-stealing scheduler through its public API.
#![cfg(not(loom))]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::task::{Context, Poll};
use std::time::Duration;

use zokio_core::ThreadParker;
use zokio_core::task::yield_now;
use zokio_sched::{Config, Handle, MultiThread};

mod support;
use support::{CountDrop, within};

fn runtime(workers: usize) -> MultiThread<ThreadParker> {
    let config = Config {
        worker_threads: workers,
        ..Config::default()
    };
    MultiThread::new(ThreadParker::new(), config).unwrap()
}

#[test]
fn zero_workers_is_an_error() {
    let config = Config {
        worker_threads: 0,
        ..Config::default()
    };
    let err = MultiThread::new(ThreadParker::new(), config).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let config = Config {
        max_blocking_threads: 0,
        ..Config::default()
    };
    assert!(MultiThread::new(ThreadParker::new(), config).is_err());
}

#[test]
fn a_worker_thread_that_cannot_start_is_an_error_not_a_panic() {
    within(20, || {
        let config = Config {
            worker_threads: 2,
            // No system can map a stack this large: the spawn fails.
            thread_stack_size: Some(1 << 60),
            ..Config::default()
        };
        assert!(MultiThread::new(ThreadParker::new(), config).is_err());
    });
}

#[test]
fn a_million_tasks_from_several_threads_all_complete() {
    within(60, || {
        let rt = runtime(2);
        let done = Arc::new(AtomicUsize::new(0));
        let spawners: Vec<_> = (0..4)
            .map(|_| {
                let handle = rt.handle();
                let done = done.clone();
                std::thread::spawn(move || {
                    let tasks = spawn_counters(&handle, 250_000, &done);
                    for task in tasks {
                        zokio_core::block_on(task).unwrap();
                    }
                })
            })
            .collect();
        for s in spawners {
            s.join().unwrap();
        }
        assert_eq!(done.load(Ordering::Relaxed), 1_000_000);
    });
}

#[test]
fn a_task_spawned_from_outside_wakes_a_parked_worker() {
    within(20, || {
        let rt = runtime(2);
        for _ in 0..200 {
            // Let the workers go to sleep, then spawn from this thread.
            std::thread::sleep(Duration::from_micros(200));
            let (tx, rx) = mpsc::channel();
            drop(rt.spawn(async move { tx.send(()).unwrap() }));
            rx.recv_timeout(Duration::from_secs(5))
                .expect("worker not woken");
        }
        assert!(rt.metrics().workers.iter().any(|w| w.parks > 0));
    });
}

#[test]
fn spawn_from_inside_a_worker() {
    within(20, || {
        let rt = runtime(3);
        let total = rt.block_on(rt.spawn(async {
            let inner: Vec<_> = (0..1000u64)
                .map(|i| zokio_sched::spawn(async move { i }))
                .collect();
            let mut sum = 0;
            for t in inner {
                sum += t.await.unwrap();
            }
            assert!(Handle::try_current().is_ok());
            assert!(zokio_core::context::is_in_runtime());
            sum
        }));
        assert_eq!(total.unwrap(), 999 * 1000 / 2);
    });
}

/// A future that wakes itself and stays pending for ever: the worst neighbour.
struct Spin(Arc<AtomicBool>);

impl Future for Spin {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.load(Ordering::Relaxed) {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn a_yielding_loop_does_not_starve_woken_tasks() {
    within(20, || {
        let rt = runtime(1);
        let stop = Arc::new(AtomicBool::new(false));
        let spinner = rt.spawn({
            let stop = stop.clone();
            async move {
                // Wakes a task from inside, then spins on the same worker.
                let (tx, rx) = async_oneshot();
                let woken = zokio_sched::spawn(rx);
                tx.send(7);
                let spin = Spin(stop.clone());
                spin.await;
                woken.await.unwrap()
            }
        });
        // A task woken from another thread must also get its turn.
        let (tx, rx) = async_oneshot();
        let remote = rt.spawn(rx);
        std::thread::sleep(Duration::from_millis(5));
        tx.send(9);
        assert_eq!(rt.block_on(remote).unwrap(), Ok(9));
        stop.store(true, Ordering::Relaxed);
        assert_eq!(rt.block_on(spinner).unwrap(), Ok(7));
    });
}

#[test]
fn yield_now_in_a_loop_lets_others_run() {
    within(20, || {
        let rt = runtime(1);
        let flag = Arc::new(AtomicBool::new(false));
        let yielder = rt.spawn({
            let flag = flag.clone();
            async move {
                let mut turns = 0u64;
                while !flag.load(Ordering::Relaxed) {
                    yield_now().await;
                    turns += 1;
                }
                turns
            }
        });
        let setter = rt.spawn({
            let flag = flag.clone();
            async move { flag.store(true, Ordering::Relaxed) }
        });
        rt.block_on(setter).unwrap();
        assert!(rt.block_on(yielder).unwrap() < u64::MAX);
    });
}

#[test]
fn panicking_tasks_leave_the_runtime_working() {
    within(20, || {
        let rt = runtime(2);
        for _ in 0..50 {
            let err = rt
                .block_on(rt.spawn(async { panic!("task panic") }))
                .unwrap_err();
            assert!(err.is_panic());
        }
        assert_eq!(rt.block_on(rt.spawn(async { 5 })).unwrap(), 5);
    });
}

#[test]
fn dropping_the_scheduler_drops_every_pending_future() {
    within(30, || {
        let rt = runtime(2);
        let dropped = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::new();
        for i in 0..100_000 {
            let guard = CountDrop(dropped.clone());
            let task = rt.spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            });
            // Keep some join handles, detach the others.
            if i % 2 == 0 {
                handles.push(task);
            }
        }
        // A task waiting on something held outside the runtime.
        let (_tx, rx) = async_oneshot::<u8>();
        let guard = CountDrop(dropped.clone());
        handles.push(rt.spawn(async move {
            let _guard = guard;
            let _ = rx.await;
        }));
        drop(rt);
        assert_eq!(dropped.load(Ordering::Relaxed), 100_001);
        for h in handles.into_iter().take(10) {
            assert!(zokio_core::block_on(h).unwrap_err().is_cancelled());
        }
    });
}

#[test]
fn spawning_after_shutdown_reports_cancelled() {
    let rt = runtime(1);
    let handle = rt.handle();
    drop(rt);
    let task = handle.spawn(async { 1 });
    assert!(zokio_core::block_on(task).unwrap_err().is_cancelled());
}

#[test]
fn shutdown_timeout_returns_with_a_stuck_blocking_task() {
    within(20, || {
        let rt = runtime(1);
        let (tx, rx) = mpsc::channel::<()>();
        let _stuck = rt.spawn_blocking(move || rx.recv_timeout(Duration::from_secs(5)));
        rt.shutdown_timeout(Duration::from_millis(50));
        drop(tx);
    });
}

#[test]
fn thread_hooks_and_context_run_on_workers() {
    within(20, || {
        let started = Arc::new(AtomicUsize::new(0));
        let contexts = Arc::new(AtomicUsize::new(0));
        let config = Config {
            worker_threads: 3,
            on_thread_start: Some(Arc::new({
                let started = started.clone();
                move || {
                    started.fetch_add(1, Ordering::Relaxed);
                }
            })),
            thread_context: Some(Arc::new({
                let contexts = contexts.clone();
                move || Box::new(CountDrop(contexts.clone())) as Box<dyn std::any::Any>
            })),
            ..Config::default()
        };
        let rt = MultiThread::new(ThreadParker::new(), config).unwrap();
        drop(rt);
        assert_eq!(started.load(Ordering::Relaxed), 3);
        assert_eq!(
            contexts.load(Ordering::Relaxed),
            3,
            "context values dropped at exit"
        );
    });
}

#[test]
fn block_on_inside_a_worker_panics_clearly() {
    let rt = runtime(1);
    let err = rt
        .block_on(rt.spawn(async { zokio_core::block_on(async {}) }))
        .unwrap_err();
    assert!(err.is_panic());
}

#[test]
fn metrics_count_polls_and_steals() {
    within(20, || {
        let rt = runtime(2);
        rt.block_on(async {
            let tasks: Vec<_> = (0..10_000)
                .map(|_| zokio_sched::spawn(async { yield_now().await }))
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        });
        // Counters are published when workers park; give them the chance.
        std::thread::sleep(Duration::from_millis(50));
        let metrics = rt.metrics();
        assert!(metrics.total_polls() >= 20_000, "{metrics:?}");
        assert_eq!(metrics.owned_tasks, 0);
    });
}

/// Remote spawns that reach a busy worker are taken in batches at its
/// injector checks, not one per check: tasks spawned together stay together
/// (they sit side by side in memory) and none waits a check per task ahead.
#[test]
fn a_busy_worker_takes_remote_spawns_in_batches() {
    within(20, || {
        let rt = runtime(1);
        let stop = Arc::new(AtomicBool::new(false));
        let spawned = Arc::new(AtomicBool::new(false));
        let busy = rt.spawn({
            let (stop, spawned) = (stop.clone(), spawned.clone());
            async move {
                // Holds the worker, without yielding, until all 200 spawns
                // are in: however slowly this thread spawns (under the
                // sanitizers it is slower than the worker), the worker's
                // next injector checks find them all waiting.
                while !spawned.load(Ordering::Acquire) {
                    std::hint::spin_loop();
                }
                while !stop.load(Ordering::Relaxed) {
                    yield_now().await;
                }
            }
        });
        // Let the worker take the busy task, so its ring is never empty.
        std::thread::sleep(Duration::from_millis(20));
        let tasks: Vec<_> = (0..200).map(|_| rt.spawn(async {})).collect();
        spawned.store(true, Ordering::Release);
        rt.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
        stop.store(true, Ordering::Relaxed);
        rt.block_on(busy).unwrap();
        // Counters are published when workers park; give them the chance.
        std::thread::sleep(Duration::from_millis(50));
        let pulls = rt.metrics().workers[0].injector_pulls;
        assert!(pulls < 50, "200 remote tasks took {pulls} injector pulls");
    });
}

/// More runnable tasks than a ring holds: the rings spill half at a time
/// into their spill queues and take the spilled tasks back, and every task
/// runs to the end, each of its polls counted once.
#[test]
fn tasks_spilled_by_full_rings_all_run_to_the_end() {
    within(30, || {
        let rt = runtime(2);
        let polls = Arc::new(AtomicUsize::new(0));
        let handle = rt.handle();
        let counted = polls.clone();
        rt.block_on(rt.spawn(async move {
            // Spawned from a worker, so they go to its ring, which spills.
            let tasks: Vec<_> = (0..2_000)
                .map(|_| {
                    let counted = counted.clone();
                    handle.spawn(async move {
                        for _ in 0..20 {
                            counted.fetch_add(1, Ordering::Relaxed);
                            yield_now().await;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        }))
        .unwrap();
        assert_eq!(polls.load(Ordering::Relaxed), 2_000 * 20);
        let metrics = assert_a_ring_spilled(&rt);
        assert_eq!(metrics.injector_depth, 0);
        assert_eq!(metrics.owned_tasks, 0);
    });
}

/// What a busy worker's ring spilled is its own, but a worker with nothing
/// else to run takes it. One worker is held by a blocker while the other
/// spawns 1,000 tasks (its ring holds 256: the rest spill) and is then held
/// too; once the blocker lets go, its worker runs 999 of them. The last one
/// spawned waits in the spawner's LIFO slot, which no other worker takes
/// from (as in Tokio).
#[test]
fn an_idle_worker_runs_what_a_held_workers_ring_spilled() {
    within(30, || {
        let rt = runtime(2);
        let ran = Arc::new(AtomicUsize::new(0));
        let (blocking, unblock) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let blocker = rt.spawn({
            let (blocking, unblock) = (blocking.clone(), unblock.clone());
            async move {
                blocking.store(true, Ordering::Release);
                while !unblock.load(Ordering::Acquire) {
                    std::hint::spin_loop();
                }
            }
        });
        while !blocking.load(Ordering::Acquire) {
            std::thread::sleep(Duration::from_millis(1));
        }
        // The blocker's worker is held: the other one takes this.
        let (spawned, release) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let handle = rt.handle();
        let holder = rt.spawn({
            let (ran, spawned, release) = (ran.clone(), spawned.clone(), release.clone());
            async move {
                let tasks = spawn_counters(&handle, 1_000, &ran);
                spawned.store(true, Ordering::Release);
                while !release.load(Ordering::Acquire) {
                    std::hint::spin_loop();
                }
                for task in tasks {
                    task.await.unwrap();
                }
            }
        });
        while !spawned.load(Ordering::Acquire) {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(ran.load(Ordering::Relaxed), 0, "both workers are held");
        unblock.store(true, Ordering::Release);
        while ran.load(Ordering::Relaxed) < 999 {
            std::thread::sleep(Duration::from_millis(1));
        }
        release.store(true, Ordering::Release);
        rt.block_on(blocker).unwrap();
        rt.block_on(holder).unwrap();
        assert_eq!(ran.load(Ordering::Relaxed), 1_000);
        assert_a_ring_spilled(&rt);
    });
}

/// Checks (once the workers published their counters) that some worker's
/// ring overflowed, and gives back the metrics read.
fn assert_a_ring_spilled(rt: &MultiThread<ThreadParker>) -> zokio_sched::Metrics {
    // Counters are published when workers park; give them the chance.
    std::thread::sleep(Duration::from_millis(50));
    let metrics = rt.metrics();
    let overflows: u64 = metrics.workers.iter().map(|w| w.overflows).sum();
    assert!(overflows > 0, "no ring ever spilled: {metrics:?}");
    metrics
}

/// Spawns `n` tasks onto `handle`, each adding one to `count`.
fn spawn_counters(
    handle: &Handle,
    n: usize,
    count: &Arc<AtomicUsize>,
) -> Vec<zokio_core::task::JoinHandle<()>> {
    (0..n)
        .map(|_| {
            let count = count.clone();
            handle.spawn(async move {
                count.fetch_add(1, Ordering::Relaxed);
            })
        })
        .collect()
}

/// A minimal oneshot for tests (avoids depending on a channel crate).
fn async_oneshot<T: Send + 'static>() -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = futures_lite_oneshot();
    (tx, rx)
}

use oneshot_impl::{Receiver, Sender, channel as futures_lite_oneshot};

mod oneshot_impl {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll, Waker};

    struct State<T> {
        value: Option<T>,
        waker: Option<Waker>,
        closed: bool,
    }

    pub struct Sender<T>(Arc<Mutex<State<T>>>);
    pub struct Receiver<T>(Arc<Mutex<State<T>>>);

    pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
        let state = Arc::new(Mutex::new(State {
            value: None,
            waker: None,
            closed: false,
        }));
        (Sender(state.clone()), Receiver(state))
    }

    impl<T> Sender<T> {
        pub fn send(self, value: T) {
            let waker = {
                let mut s = self.0.lock().unwrap();
                s.value = Some(value);
                s.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        }
    }

    impl<T> Drop for Sender<T> {
        fn drop(&mut self) {
            let waker = {
                let mut s = self.0.lock().unwrap();
                s.closed = true;
                s.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        }
    }

    impl<T> Future for Receiver<T> {
        type Output = Result<T, ()>;
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            let mut s = self.0.lock().unwrap();
            if let Some(v) = s.value.take() {
                return Poll::Ready(Ok(v));
            }
            if s.closed {
                return Poll::Ready(Err(()));
            }
            s.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// The order in which a receiver woken by a running task and a task spawned
/// just before the wake run, on one worker; `wake` makes the wake.
fn order_of_receiver_and_spawned(wake: fn(&std::task::Waker)) -> Vec<&'static str> {
    let rt = runtime(1);
    rt.block_on(rt.spawn(async move {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let parked = Arc::new(std::sync::Mutex::new(None::<std::task::Waker>));
        let receiver = zokio_sched::spawn({
            let (log, parked) = (log.clone(), parked.clone());
            let mut first = true;
            std::future::poll_fn(move |cx| {
                if std::mem::take(&mut first) {
                    log.lock().unwrap().push("parked");
                    *parked.lock().unwrap() = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                log.lock().unwrap().push("receiver");
                Poll::Ready(())
            })
        });
        while parked.lock().unwrap().is_none() {
            yield_now().await;
        }
        let queued = zokio_sched::spawn({
            let log = log.clone();
            async move { log.lock().unwrap().push("spawned") }
        });
        let waker = parked.lock().unwrap().take().unwrap();
        wake(&waker);
        receiver.await.unwrap();
        queued.await.unwrap();
        log.lock().unwrap().clone()
    }))
    .unwrap()
}

#[test]
fn a_wake_behind_queues_the_receiver_after_work_already_queued() {
    within(20, || {
        // A plain wake from a running task takes the LIFO slot and runs first.
        let plain = order_of_receiver_and_spawned(|w| w.wake_by_ref());
        assert_eq!(plain, ["parked", "receiver", "spawned"]);
        let behind = order_of_receiver_and_spawned(|w| {
            zokio_core::placement::wake_behind(|| w.wake_by_ref())
        });
        assert_eq!(behind, ["parked", "spawned", "receiver"]);
    });
}
