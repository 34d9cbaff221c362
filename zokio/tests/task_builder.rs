//! Port of tokio/tests/task_builder.rs to Zokio (all 9 of its tests). Tokio's
//! `spawn_local_on_local_runtime` uses its unstable local runtime, which
//! Zokio has not: it runs in a `LocalSet` here. Outside a runtime, Zokio's
//! `Builder::spawn` returns an error (Tokio's panics).
#![cfg(not(loom))]

use std::rc::Rc;

use zokio::task::{Builder, LocalSet};

#[zokio::test]
async fn spawn_with_name() {
    let result = Builder::new()
        .name("name")
        .spawn(async { "task executed" })
        .unwrap()
        .await;

    assert_eq!(result.unwrap(), "task executed");
}

#[zokio::test]
async fn spawn_local_on_local_runtime() {
    let result = LocalSet::new()
        .run_until(async {
            Builder::new()
                .spawn_local(async { "task executed" })
                .unwrap()
                .await
        })
        .await;

    assert_eq!(result.unwrap(), "task executed");
}

#[zokio::test]
#[should_panic = "`spawn_local` called from outside of a `task::LocalSet`"]
async fn spawn_local_panics_outside_local_set_or_local_runtime() {
    let _ = Builder::new()
        .spawn_local(async { "task executed" })
        .unwrap()
        .await;
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic = "`spawn_local` called from outside of a `task::LocalSet`"]
async fn spawn_local_panics_in_multi_thread_runtime() {
    let _ = Builder::new()
        .spawn_local(async { "task executed" })
        .unwrap()
        .await;
}

#[zokio::test]
async fn spawn_blocking_with_name() {
    let result = Builder::new()
        .name("name")
        .spawn_blocking(|| "task executed")
        .unwrap()
        .await;

    assert_eq!(result.unwrap(), "task executed");
}

#[zokio::test]
async fn spawn_local_with_name() {
    let unsend_data = Rc::new("task executed");
    let result = LocalSet::new()
        .run_until(async move {
            Builder::new()
                .name("name")
                .spawn_local(async move { unsend_data })
                .unwrap()
                .await
        })
        .await;

    assert_eq!(*result.unwrap(), "task executed");
}

#[zokio::test]
async fn spawn_without_name() {
    let result = Builder::new()
        .spawn(async { "task executed" })
        .unwrap()
        .await;

    assert_eq!(result.unwrap(), "task executed");
}

#[zokio::test]
async fn spawn_blocking_without_name() {
    let result = Builder::new()
        .spawn_blocking(|| "task executed")
        .unwrap()
        .await;

    assert_eq!(result.unwrap(), "task executed");
}

#[zokio::test]
async fn spawn_local_without_name() {
    let unsend_data = Rc::new("task executed");
    let result = LocalSet::new()
        .run_until(async move {
            Builder::new()
                .spawn_local(async move { unsend_data })
                .unwrap()
                .await
        })
        .await;

    assert_eq!(*result.unwrap(), "task executed");
}

#[test]
fn spawn_outside_a_runtime_is_an_error_not_a_panic() {
    let err = Builder::new().name("orphan").spawn(async {}).unwrap_err();
    assert!(err.to_string().contains("no zokio runtime"), "{err}");
    assert!(Builder::new().spawn_blocking(|| ()).is_err());
}

#[test]
fn spawn_on_a_handle_from_another_thread() {
    let rt = zokio::Runtime::new().unwrap();
    let handle = rt.handle().clone();
    let task = std::thread::spawn(move || {
        Builder::new()
            .name("remote")
            .spawn_on(async { zokio::task::id() }, &handle)
            .unwrap()
    })
    .join()
    .unwrap();
    let id = task.id();
    assert_eq!(rt.block_on(task).unwrap(), id);
}
