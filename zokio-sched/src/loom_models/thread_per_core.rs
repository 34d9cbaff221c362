//! The thread-per-core outside-spawn inbox: a task spawned from another
//! thread onto a worker (round-robin pick, push into the worker's remote
//! queue, run-state check, unpark) reaches the worker as it falls asleep,
//! and a spawn racing the worker's shutdown is dropped exactly once (by the
//! worker's drains or by the spawner), never stranded in the queue. The
//! worker and handle code are the real ones; the queue's atomics, the
//! parker and the run state are loom's.

use std::future::Future;
use std::task::Poll;

use concurrent_queue::ConcurrentQueue;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::thread;
use zokio_core::context::Handles;
use zokio_core::task::Builder;
use zokio_core::{Driver, ThreadParker, Unpark};

use crate::blocking::BlockingPool;
use crate::config::Config;
use crate::current_thread::shared as current;
use crate::metrics::WorkerCounters;
use crate::owned::OwnedTasks;
use crate::shutdown::RunState;
use crate::thread_per_core::{Shared, spawn_on};

/// One worker's scheduler state, its driver's unpark being `unpark`.
fn worker(unpark: impl Fn() + Send + Sync + 'static) -> Arc<current::Shared> {
    Arc::new(current::Shared {
        id: crate::id::next(),
        state: RunState::new(),
        remote: ConcurrentQueue::unbounded(),
        unpark: Box::new(unpark),
        owned: OwnedTasks::new(1),
        blocking: BlockingPool::new(&Config::default()),
        owns_blocking: false,
        counters: WorkerCounters::default(),
        poll_marks: None,
        records: None,
        layers: Handles::new(),
    })
}

fn runtime(worker: &Arc<current::Shared>) -> Arc<Shared> {
    Arc::new(Shared::new(
        vec![worker.clone()],
        Handles::new(),
        worker.blocking.clone(),
    ))
}

/// Counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_task_spawned_from_outside_as_the_worker_falls_asleep_runs() {
    loom::model(|| {
        let mut parker = ThreadParker::new();
        let unparker = parker.unparker();
        let worker = worker(move || unparker.unpark());
        let rt = runtime(&worker);
        let ran = Arc::new(AtomicBool::new(false));
        let spawner = {
            let (rt, ran) = (rt.clone(), ran.clone());
            thread::spawn(move || {
                let handle = spawn_on(rt.pick(), Builder::new(), async move {
                    ran.store(true, Ordering::SeqCst);
                });
                drop(handle);
            })
        };
        // The worker's loop: its queue, else sleep in the driver. Deadlocks
        // (and loom reports it) if the spawn's unpark were lost.
        while !ran.load(Ordering::SeqCst) {
            match worker.remote.pop() {
                Ok(task) => {
                    worker.owned.run(task, 0);
                }
                Err(_) => parker.park(None),
            }
        }
        spawner.join().unwrap();
    });
}

#[test]
fn a_spawn_racing_shutdown_is_dropped_once_and_never_stranded() {
    loom::model(|| {
        let worker = worker(|| {});
        let rt = runtime(&worker);
        let drops = Arc::new(AtomicUsize::new(0));
        let spawner = {
            let (rt, drops) = (rt.clone(), drops.clone());
            thread::spawn(move || {
                let counted = Counted(drops);
                spawn_on(rt.pick(), Builder::new(), async move {
                    let _counted = counted;
                    std::future::pending::<()>().await;
                })
            })
        };
        // The worker's shutdown steps that touch the inbox.
        worker.state.close();
        while let Ok(task) = worker.remote.pop() {
            drop(task);
        }
        worker.state.mark_closed();
        while let Ok(task) = worker.remote.pop() {
            drop(task);
        }
        let mut handle = spawner.join().unwrap();
        assert!(worker.remote.is_empty(), "a task was stranded in the inbox");
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match std::pin::Pin::new(&mut handle).poll(&mut cx) {
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            other => panic!("the handle should report a cancel: {other:?}"),
        }
    });
}
