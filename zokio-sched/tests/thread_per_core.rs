//! The thread-per-core scheduler through its public API: placement (a spawn
//! from outside goes round-robin or to a chosen worker, a spawn on a worker
//! stays there, `!Send` tasks run on their worker), join, abort, panics as
//! `JoinError` with the worker alive, the shared blocking pool, and shutdown
//! dropping every future on every worker. The timer and socket cases are in
//! zokio/tests/rt_tpc.rs, through the facade's driver stack.
#![cfg(not(loom))]

use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::ThreadId;
use std::time::Duration;

use zokio_core::ThreadParker;
use zokio_sched::{Config, Flavor, Handle, ThreadPerCore, current_worker};

mod support;
use support::within;

fn rt(workers: usize) -> ThreadPerCore {
    ThreadPerCore::new(
        Config {
            worker_threads: workers,
            ..Config::default()
        },
        |_| Ok((ThreadParker::new(), Default::default())),
    )
    .unwrap()
}

/// Counts drops, wherever the future is.
struct OnDrop(Arc<AtomicUsize>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn spawns_from_outside_go_round_robin() {
    within(30, || {
        let rt = rt(3);
        let workers: Vec<_> = (0..6)
            .map(|_| rt.spawn(async { current_worker().unwrap() }))
            .collect();
        let seen: Vec<usize> = rt.block_on(async {
            let mut seen = Vec::new();
            for w in workers {
                seen.push(w.await.unwrap());
            }
            seen
        });
        let mut counts = [0; 3];
        seen.iter().for_each(|&w| counts[w] += 1);
        assert_eq!(counts, [2, 2, 2], "seen: {seen:?}");
    });
}

#[test]
fn spawn_on_runs_on_the_chosen_worker_and_a_bad_index_is_an_error() {
    within(30, || {
        let rt = rt(2);
        for w in [0, 1, 1, 0] {
            let task = rt.spawn_on(w, async { current_worker() }).unwrap();
            assert_eq!(rt.block_on(task).unwrap(), Some(w));
        }
        let err = rt.spawn_on(2, async {}).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("no worker 2"), "{err}");
        let err = rt.handle().spawn_on(9, async {}).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    });
}

#[test]
fn a_spawn_on_a_worker_stays_on_that_worker() {
    within(30, || {
        let rt = rt(2);
        let task = rt
            .spawn_on(1, async {
                let me = std::thread::current().id();
                let children: Vec<_> = (0..20)
                    .map(|_| zokio_sched::spawn(async { std::thread::current().id() }))
                    .collect();
                let mut all_here = true;
                for child in children {
                    all_here &= child.await.unwrap() == me;
                }
                let there = Handle::current().spawn_on(0, async { current_worker() });
                assert_eq!(there.unwrap().await.unwrap(), Some(0));
                (all_here, Handle::current().flavor())
            })
            .unwrap();
        assert_eq!(rt.block_on(task).unwrap(), (true, Flavor::ThreadPerCore));
        assert_eq!(rt.handle().flavor(), Flavor::ThreadPerCore);
        assert_eq!(rt.handle().num_workers(), 2);
    });
}

#[test]
fn a_not_send_task_stays_on_its_worker() {
    within(30, || {
        let rt = rt(2);
        let task = rt
            .spawn_on(0, async {
                let me = std::thread::current().id();
                let local = zokio_sched::spawn_local(async move {
                    let rc = Rc::new(std::cell::Cell::new(0));
                    let mut threads: Vec<ThreadId> = Vec::new();
                    for _ in 0..10 {
                        threads.push(std::thread::current().id());
                        rc.set(rc.get() + 1);
                        zokio_core::task::yield_now().await;
                    }
                    (threads, rc.get())
                });
                let (threads, count) = local.await.unwrap();
                (threads.iter().all(|t| *t == me), count)
            })
            .unwrap();
        assert_eq!(rt.block_on(task).unwrap(), (true, 10));
    });
}

#[test]
fn a_panic_is_a_join_error_and_the_worker_lives() {
    within(30, || {
        let rt = rt(2);
        let boom = rt.spawn_on(1, async { panic!("boom") }).unwrap();
        let err = rt.block_on(boom).unwrap_err();
        assert!(err.is_panic());
        let after = rt.spawn_on(1, async { current_worker() }).unwrap();
        assert_eq!(rt.block_on(after).unwrap(), Some(1));
    });
}

#[test]
fn abort_cancels_a_task_on_a_worker_and_drops_its_future() {
    within(30, || {
        let rt = rt(2);
        let drops = Arc::new(AtomicUsize::new(0));
        let guard = OnDrop(drops.clone());
        let task = rt
            .spawn_on(1, async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            })
            .unwrap();
        task.abort();
        let err = rt.block_on(task).unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn shutdown_drops_every_future_on_every_worker_on_its_own_thread() {
    within(30, || {
        let rt = rt(2);
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = std::sync::mpsc::channel();
        for w in 0..2 {
            for _ in 0..5 {
                let guard = OnDrop(drops.clone());
                let _ = rt.spawn_on(w, async move {
                    let _guard = guard;
                    std::future::pending::<()>().await;
                });
            }
            // A `!Send` task on each worker, dropped where it lives.
            let (drops, tx) = (drops.clone(), tx.clone());
            let started = rt
                .spawn_on(w, async move {
                    struct Local {
                        _not_send: Rc<()>,
                        _counted: OnDrop,
                        tx: std::sync::mpsc::Sender<bool>,
                        home: ThreadId,
                    }
                    impl Drop for Local {
                        fn drop(&mut self) {
                            let _ = self.tx.send(std::thread::current().id() == self.home);
                        }
                    }
                    let local = Local {
                        _not_send: Rc::new(()),
                        _counted: OnDrop(drops),
                        tx,
                        home: std::thread::current().id(),
                    };
                    drop(zokio_sched::spawn_local(async move {
                        let _local = local;
                        std::future::pending::<()>().await;
                    }));
                })
                .unwrap();
            rt.block_on(started).unwrap();
        }
        // Let each worker poll its tasks once (they wait forever).
        std::thread::sleep(Duration::from_millis(50));
        drop(tx);
        drop(rt);
        assert_eq!(drops.load(Ordering::SeqCst), 12);
        let same_thread: Vec<bool> = rx.iter().collect();
        assert_eq!(same_thread, vec![true, true]);
    });
}

#[test]
fn a_spawn_after_shutdown_is_cancelled() {
    within(30, || {
        let rt = rt(2);
        let handle = rt.handle();
        rt.shutdown_timeout(Duration::from_secs(5));
        let task = handle.spawn(async { 1 });
        let err = zokio_core::block_on(task).unwrap_err();
        assert!(err.is_cancelled());
    });
}

#[test]
fn the_blocking_pool_is_shared_and_enters_the_runtime() {
    within(30, || {
        let rt = rt(2);
        let jobs: Vec<_> = (0..2)
            .map(|w| {
                rt.spawn_on(w, async {
                    zokio_sched::spawn_blocking(|| {
                        let inner = zokio_sched::spawn(async { 2 });
                        zokio_core::block_on(inner).unwrap() * 21
                    })
                    .await
                    .unwrap()
                })
                .unwrap()
            })
            .collect();
        let total: u32 = rt.block_on(async {
            let mut total = 0;
            for job in jobs {
                total += job.await.unwrap();
            }
            total
        });
        assert_eq!(total, 84);
        assert!(rt.metrics().blocking.threads >= 1);
    });
}

#[test]
fn block_on_spawns_round_robin_and_joins() {
    within(30, || {
        let rt = rt(2);
        let n = rt.block_on(async {
            let a = zokio_sched::spawn(async { current_worker().unwrap() });
            let b = zokio_sched::spawn(async { current_worker().unwrap() });
            let (a, b) = (a.await.unwrap(), b.await.unwrap());
            assert_ne!(a, b);
            a + b
        });
        assert_eq!(n, 1);
        assert_eq!(rt.metrics().workers.len(), 2);
    });
}

#[test]
fn zero_workers_is_an_error() {
    let err = ThreadPerCore::new(
        Config {
            worker_threads: 0,
            ..Config::default()
        },
        |_| Ok((ThreadParker::new(), Default::default())),
    )
    .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn a_driver_that_fails_to_start_fails_the_build() {
    let err = ThreadPerCore::new(
        Config {
            worker_threads: 2,
            ..Config::default()
        },
        |i| match i {
            0 => Ok((ThreadParker::new(), Default::default())),
            _ => Err(std::io::Error::other("no driver for worker 1")),
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("worker 1"));
}
