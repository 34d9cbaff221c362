//! Behaviour of the current-thread scheduler through its public API.
#![cfg(not(loom))]

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use zokio_core::ThreadParker;
use zokio_core::task::yield_now;
use zokio_sched::{Config, CurrentThread, Handle, LocalSet};

mod support;
use support::{CountDrop, within};

fn runtime() -> CurrentThread<ThreadParker> {
    CurrentThread::new(ThreadParker::new(), Config::default()).unwrap()
}

#[test]
fn runs_spawned_and_local_tasks_on_this_thread() {
    let rt = runtime();
    let set = LocalSet::new();
    let me = std::thread::current().id();
    let counter = Rc::new(Cell::new(0));
    let local = set.spawn_local({
        let counter = counter.clone();
        async move {
            counter.set(counter.get() + 1);
            std::thread::current().id()
        }
    });
    let sent = rt.spawn(async { std::thread::current().id() });
    assert_eq!(rt.block_on(set.run_until(local)).unwrap(), me);
    assert_eq!(rt.block_on(sent).unwrap(), me);
    assert_eq!(counter.get(), 1);
}

#[test]
fn wakes_and_spawns_from_other_threads_unpark_it() {
    within(20, || {
        let rt = runtime();
        let handle = rt.handle();
        let n = rt.block_on(async move {
            let (tx, rx) = mpsc::channel();
            let spawner = std::thread::spawn(move || {
                for i in 0..1000u64 {
                    tx.send(handle.spawn(async move { i })).unwrap();
                    if i % 100 == 0 {
                        std::thread::sleep(Duration::from_micros(100));
                    }
                }
            });
            let mut sum = 0;
            for task in rx {
                sum += task.await.unwrap();
            }
            spawner.join().unwrap();
            sum
        });
        assert_eq!(n, 999 * 1000 / 2);
    });
}

#[test]
fn remote_work_is_served_while_local_work_is_plentiful() {
    within(20, || {
        let rt = runtime();
        let handle = rt.handle();
        let set = LocalSet::new();
        let served = rt.block_on(set.run_until(async move {
            // Two local tasks that keep yielding: local work never runs out.
            let stop = Rc::new(Cell::new(false));
            for _ in 0..2 {
                let stop = stop.clone();
                zokio_sched::spawn_local(async move {
                    while !stop.get() {
                        yield_now().await;
                    }
                });
            }
            let remote = std::thread::spawn(move || handle.spawn(async { 3 }))
                .join()
                .unwrap();
            let v = remote.await.unwrap();
            stop.set(true);
            v
        }));
        assert_eq!(served, 3);
    });
}

#[test]
fn dropping_it_and_a_local_set_drops_every_future() {
    let rt = runtime();
    let set = LocalSet::new();
    let dropped = Arc::new(AtomicUsize::new(0));
    for i in 0..1000 {
        let guard = CountDrop(dropped.clone());
        if i % 2 == 0 {
            drop(rt.spawn(async move {
                let _g = guard;
                std::future::pending::<()>().await
            }));
        } else {
            let not_send = Rc::new(guard);
            drop(set.spawn_local(async move {
                let _g = not_send;
                std::future::pending::<()>().await
            }));
        }
    }
    rt.block_on(set.run_until(yield_now()));
    drop(rt);
    assert_eq!(dropped.load(Ordering::Relaxed), 500);
    drop(set);
    assert_eq!(dropped.load(Ordering::Relaxed), 1000);
}

#[test]
fn panics_are_delivered_and_it_keeps_working() {
    let rt = runtime();
    let err = rt.block_on(rt.spawn(async { panic!("boom") })).unwrap_err();
    assert!(err.is_panic());
    assert_eq!(rt.block_on(async { 4 }), 4);
}

#[test]
fn nested_block_on_panics_clearly() {
    let rt = runtime();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { rt.block_on(async {}) })
    }));
    let payload = result.unwrap_err();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap();
    assert!(message.contains("within a runtime"), "{message}");
}

#[test]
fn spawn_local_outside_a_local_set_panics() {
    let result = std::panic::catch_unwind(|| zokio_sched::spawn_local(async {}));
    assert!(result.is_err());
}

#[test]
fn handle_current_inside_block_on() {
    let rt = runtime();
    let same = rt.block_on(async { Handle::current() });
    assert!(same.ptr_eq(&rt.handle()));
    assert!(Handle::try_current().is_err());
}

#[test]
fn spawn_after_shutdown_is_cancelled() {
    let rt = runtime();
    let handle = rt.handle();
    rt.shutdown_timeout(Duration::from_secs(1));
    let task = handle.spawn(async {});
    assert!(zokio_core::block_on(task).unwrap_err().is_cancelled());
}
