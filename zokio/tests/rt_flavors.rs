//! One `zokio::Runtime` type for both flavors, as Tokio's: what a user
//! writing `fn build_rt() -> Runtime` relies on. Tokio has no test file for
//! it (its types are one by construction); these are Zokio's own.
#![cfg(not(loom))]

use std::sync::{Arc, Barrier};
use std::time::Duration;

use zokio::runtime::{Builder, RuntimeFlavor};

fn build_rt(current_thread: bool) -> zokio::Runtime {
    let mut builder = if current_thread {
        Builder::new_current_thread()
    } else {
        Builder::new_multi_thread()
    };
    builder.worker_threads(2).enable_all().build().unwrap()
}

fn assert_send_sync<T: Send + Sync + 'static>() {}

#[test]
fn the_runtime_and_its_handle_are_send_and_sync() {
    assert_send_sync::<zokio::Runtime>();
    assert_send_sync::<zokio::runtime::Handle>();
}

#[test]
fn one_function_builds_either_flavor() {
    for current in [true, false] {
        let rt = build_rt(current);
        let flavor = rt.handle().runtime_flavor();
        let expected = if current {
            RuntimeFlavor::CurrentThread
        } else {
            RuntimeFlavor::MultiThread
        };
        assert_eq!(flavor, expected);
        let n = rt.block_on(async {
            zokio::time::sleep(Duration::from_millis(1)).await;
            zokio::spawn(async { 40 }).await.unwrap() + 2
        });
        assert_eq!(n, 42);
    }
}

#[test]
fn a_current_thread_runtime_moves_to_another_thread() {
    let rt = build_rt(true);
    let task = rt.spawn(async { 7 });
    let n = std::thread::spawn(move || rt.block_on(task).unwrap())
        .join()
        .unwrap();
    assert_eq!(n, 7);
}

#[test]
fn a_current_thread_runtime_serves_block_on_from_two_threads_at_once() {
    let rt = Arc::new(build_rt(true));
    let (tx, rx) = zokio::sync::oneshot::channel::<u32>();
    let barrier = Arc::new(Barrier::new(2));
    // The first thread holds the core while it waits for the second's value.
    let first = {
        let rt = rt.clone();
        let barrier = barrier.clone();
        std::thread::spawn(move || {
            rt.block_on(async move {
                barrier.wait();
                zokio::time::timeout(Duration::from_secs(10), rx).await
            })
        })
    };
    barrier.wait();
    // The second polls its own future (and its spawned task runs on the
    // thread holding the core).
    let second = rt.block_on(async move {
        let task = zokio::spawn(async { 5 });
        let v = zokio::time::timeout(Duration::from_secs(10), task).await;
        tx.send(v.unwrap().unwrap()).unwrap();
        zokio::time::sleep(Duration::from_millis(1)).await;
        9
    });
    assert_eq!(second, 9);
    assert_eq!(first.join().unwrap().unwrap().unwrap(), 5);
}

#[test]
fn the_core_passes_to_a_waiting_block_on_when_the_holder_returns() {
    let rt = Arc::new(build_rt(true));
    let barrier = Arc::new(Barrier::new(2));
    let first = {
        let rt = rt.clone();
        let barrier = barrier.clone();
        std::thread::spawn(move || {
            rt.block_on(async move {
                barrier.wait();
                std::thread::sleep(Duration::from_millis(20));
            })
        })
    };
    barrier.wait();
    // Needs the tasks run: only possible once this thread holds the core.
    let n = rt.block_on(async {
        let mut sum = 0;
        for i in 0..10 {
            sum += zokio::time::timeout(Duration::from_secs(10), zokio::spawn(async move { i }))
                .await
                .unwrap()
                .unwrap();
        }
        sum
    });
    first.join().unwrap();
    assert_eq!(n, 45);
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

#[test]
fn a_nested_block_on_panics_with_tokios_message_on_both_flavors() {
    for current in [true, false] {
        let rt = build_rt(current);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async { rt.block_on(async {}) })
        }));
        let message = panic_message(result.unwrap_err());
        assert!(
            message.contains("Cannot start a runtime from within a runtime"),
            "{message}"
        );
        // The runtime still works after the panic.
        assert_eq!(rt.block_on(async { 3 }), 3);
    }
}

#[test]
fn dropping_a_runtime_inside_a_task_panics_with_tokios_message() {
    let outer = build_rt(false);
    let err = outer
        .block_on(outer.spawn(async {
            let inner = build_rt(true);
            drop(inner);
        }))
        .unwrap_err();
    let message = panic_message(err.into_panic());
    assert!(message.contains("Cannot drop a runtime"), "{message}");
    // Shutting down on purpose is allowed there.
    outer
        .block_on(outer.spawn(async { build_rt(true).shutdown_background() }))
        .unwrap();
}
