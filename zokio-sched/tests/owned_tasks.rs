//! The owned-task registry through the schedulers' public API: tasks record
//! their first wait from inside their runs, on whichever worker polls them,
//! while other threads wake them, other workers finish them, and the
//! scheduler shuts down.
#![cfg(not(loom))]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::task::{Poll, Waker};
use std::time::Duration;

use zokio_core::ThreadParker;
use zokio_sched::{Config, CurrentThread, MultiThread};

mod support;
use support::{CountDrop, within};

fn runtime(workers: usize) -> MultiThread<ThreadParker> {
    let config = Config {
        worker_threads: workers,
        ..Config::default()
    };
    MultiThread::new(ThreadParker::new(), config).unwrap()
}

/// A task that hands its waker to `out` in its first poll and finishes in
/// its second.
fn wait_once(
    out: mpsc::Sender<Waker>,
    guard: CountDrop,
) -> impl std::future::Future<Output = ()> + Send {
    let mut handed = false;
    std::future::poll_fn(move |cx| {
        let _keep = &guard;
        if std::mem::replace(&mut handed, true) {
            Poll::Ready(())
        } else {
            // The receiver may be gone (the waking thread has stopped).
            let _ = out.send(cx.waker().clone());
            Poll::Pending
        }
    })
}

/// Tasks woken from another thread the moment their first poll hands the
/// waker out (before their wait is recorded), finished on any worker: the
/// registry ends empty and every task completes.
#[test]
fn tasks_woken_during_their_first_wait_finish_and_leave_nothing() {
    within(60, || {
        const TASKS: usize = 20_000;
        let rt = runtime(2);
        let (tx, rx) = mpsc::channel::<Waker>();
        let waking = std::thread::spawn(move || {
            for waker in rx {
                waker.wake();
            }
        });
        let dropped = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..TASKS)
            .map(|_| rt.spawn(wait_once(tx.clone(), CountDrop(dropped.clone()))))
            .collect();
        drop(tx);
        for handle in handles {
            rt.block_on(handle).unwrap();
        }
        waking.join().unwrap();
        assert_eq!(dropped.load(Ordering::Relaxed), TASKS);
        assert_eq!(
            rt.metrics().owned_tasks,
            0,
            "a finished task stayed recorded"
        );
    });
}

/// Shutdown at an arbitrary moment while workers record first waits and
/// another thread wakes tasks that workers then finish: every future is
/// dropped exactly once, finished or cancelled, none leaks.
#[test]
fn shutdown_in_the_middle_of_first_waits_drops_every_future_once() {
    within(120, || {
        for round in 0..20u64 {
            const TASKS: usize = 2_000;
            let rt = runtime(2);
            let (tx, rx) = mpsc::channel::<Waker>();
            // Wakes half of the tasks (the others wait for ever), slowly
            // enough that shutdown finds some woken, some waiting.
            let waking = std::thread::spawn(move || {
                for (i, waker) in rx.into_iter().enumerate() {
                    if i % 2 == 0 {
                        waker.wake();
                    }
                }
            });
            let dropped = Arc::new(AtomicUsize::new(0));
            let handles: Vec<_> = (0..TASKS)
                .map(|_| rt.spawn(wait_once(tx.clone(), CountDrop(dropped.clone()))))
                .collect();
            drop(tx);
            std::thread::sleep(Duration::from_micros(100 * round));
            drop(rt);
            // The waking thread ends when every task's sender is gone, that
            // is when every future has been dropped: a future that shutdown
            // never drops hangs here, and `within` fails the test. (Joined
            // before counting: a wake from this outside thread that races
            // the shutdown can leave the drop of its task to this thread,
            // just after `drop(rt)` returns.)
            waking.join().unwrap();
            assert_eq!(dropped.load(Ordering::Relaxed), TASKS, "round {round}");
            for handle in handles {
                // Completed before the shutdown, or cancelled by it.
                let _ = zokio_core::block_on(handle);
            }
        }
    });
}

/// The current-thread scheduler keeps the same registry: a task waiting on
/// something held outside is dropped by shutdown, one that finished is gone.
#[test]
fn the_current_thread_scheduler_drops_its_waiting_tasks() {
    within(30, || {
        let rt = CurrentThread::new(ThreadParker::new(), Config::default()).unwrap();
        let dropped = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel::<Waker>();
        let waiting = rt.spawn(wait_once(tx.clone(), CountDrop(dropped.clone())));
        let finishing = rt.spawn(wait_once(tx, CountDrop(dropped.clone())));
        // Both tasks run their first polls while `block_on` yields.
        while rt.metrics().owned_tasks < 2 {
            rt.block_on(zokio_core::task::yield_now());
        }
        let _first = rx.recv().unwrap();
        rx.recv().unwrap().wake();
        rt.block_on(finishing).unwrap();
        assert_eq!(rt.metrics().owned_tasks, 1);
        drop(rt);
        assert_eq!(dropped.load(Ordering::Relaxed), 2);
        assert!(zokio_core::block_on(waiting).unwrap_err().is_cancelled());
    });
}
