//! Port of tokio/tests/task_builder.rs to Zokio. Tokio's `spawn_local` tests
//! run in a `LocalSet` or a local runtime; Zokio's `spawn_local` runs on the
//! current-thread runtime, so they use that. Outside a runtime, Zokio's
//! `Builder::spawn` returns an error (Tokio's panics).
#![cfg(not(loom))]

use std::rc::Rc;

use zokio::task::Builder;

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
    let result = Builder::new()
        .spawn_local(async { "task executed" })
        .unwrap()
        .await;

    assert_eq!(result.unwrap(), "task executed");
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic = "`spawn_local` was called outside `CurrentThread::block_on`"]
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
    let result = Builder::new()
        .name("name")
        .spawn_local(async move { unsend_data })
        .unwrap()
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
    let result = Builder::new()
        .spawn_local(async move { unsend_data })
        .unwrap()
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
