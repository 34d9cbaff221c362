//! `task::id` / `try_id`: which task a thread is running, as Tokio's
//! `task_id.rs` tests check it, on the bare task layer.
#![cfg(not(loom))]

use std::sync::{Arc, Mutex};

use zokio_core::sync::atomic::AtomicBool;
use zokio_core::task::{Id, spawn, try_id};

#[test]
fn no_task_outside_a_run_or_after_it() {
    assert_eq!(try_id(), None);
    let (runnable, handle) = spawn(async { try_id() }, |_, _| {});
    let id = runnable.id();
    runnable.run();
    assert_eq!(try_id(), None, "the run put the context back");
    assert_eq!(zokio_core::block_on(handle).unwrap(), Some(id));
    assert!(std::panic::catch_unwind(zokio_core::task::id).is_err());
}

#[test]
fn a_run_nested_in_a_poll_sees_its_own_task_then_the_outer_one_again() {
    let (inner, inner_handle) = spawn(async { try_id() }, |_, _| {});
    let inner_id = inner.id();
    let inner = Mutex::new(Some(inner));
    let (outer, outer_handle) = spawn(
        async move {
            let before = try_id();
            inner.lock().unwrap().take().unwrap().run();
            (before, try_id())
        },
        |_, _| {},
    );
    let outer_id = outer.id();
    outer.run();
    assert_eq!(zokio_core::block_on(inner_handle).unwrap(), Some(inner_id));
    assert_eq!(
        zokio_core::block_on(outer_handle).unwrap(),
        (Some(outer_id), Some(outer_id))
    );
}

/// Records `try_id()` when dropped.
struct SeeIdOnDrop(Arc<Mutex<Option<Option<Id>>>>);

impl Drop for SeeIdOnDrop {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = Some(try_id());
    }
}

#[test]
fn a_future_dropped_by_a_cancelling_run_sees_its_task() {
    let seen = Arc::new(Mutex::new(None));
    let guard = SeeIdOnDrop(seen.clone());
    let (runnable, handle) = spawn(
        async move {
            let _guard = guard;
            std::future::pending::<()>().await
        },
        |_, _| {},
    );
    let id = runnable.id();
    let closed = AtomicBool::new(true);
    let report = runnable.run_unless_closed(&closed);
    assert!(!report.finished_after_wait, "it never waited");
    assert_eq!(*seen.lock().unwrap(), Some(Some(id)));
    assert!(zokio_core::block_on(handle).unwrap_err().is_cancelled());
}
