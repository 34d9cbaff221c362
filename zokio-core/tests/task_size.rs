//! Heap bytes per spawned task, counted by a global allocator that counts only
//! on the measuring thread while measuring.
//!
//! The size depends on async-task's `std` feature, which adds a panic flag to
//! every header and a panic payload to every output slot (16 bytes here).
//! zokio-core turns it off, but cargo unifies features over the whole build:
//! any crate in the graph that enables it (async-executor does) makes every
//! task bigger. In a workspace-wide test run the dev-dependencies of other
//! crates do exactly that, so these tests are ignored there and run by
//! `cargo xtask ci` in zokio-core's own graph:
//! `cargo test -p zokio-core --test task_size -- --ignored`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;

use zokio_core::task::{Runnable, ScheduleHint, spawn};

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static BYTES: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to `System`; the bookkeeping touches only const-initialized
// thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            BYTES.with(|b| b.set(b.get() + layout.size()));
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn counted<R>(f: impl FnOnce() -> R) -> (R, usize) {
    BYTES.with(|b| b.set(0));
    COUNTING.with(|c| c.set(true));
    let r = f();
    COUNTING.with(|c| c.set(false));
    (r, BYTES.with(Cell::get))
}

/// A pointer-sized scheduler handle, as real schedulers use.
#[derive(Clone)]
struct Handle(#[allow(dead_code)] Arc<()>);

impl zokio_core::Schedule for Handle {
    fn schedule(&self, task: Runnable, _: ScheduleHint) {
        drop(task);
    }
}

#[test]
#[ignore = "needs async-task without `std`; cargo xtask ci runs it with `-p zokio-core -- --ignored`"]
fn a_pending_task_fits_in_56_bytes() {
    let handle = Handle(Arc::new(()));
    let (tasks, bytes) = counted(|| {
        (0..1000)
            .map(|_| spawn(std::future::pending::<()>(), handle.clone()))
            .collect::<Vec<_>>()
    });
    let vec_bytes = 1000 * std::mem::size_of::<(Runnable, zokio_core::task::JoinHandle<()>)>();
    let per_task = (bytes - vec_bytes) / 1000;
    assert!(
        per_task <= 56,
        "a pending() task takes {per_task} heap bytes"
    );
    drop(tasks);
}

#[test]
#[ignore = "needs async-task without `std`; cargo xtask ci runs it with `-p zokio-core -- --ignored`"]
fn a_named_task_pays_for_its_name_out_of_line() {
    let handle = Handle(Arc::new(()));
    let ((_r, _h), bytes) = counted(|| {
        zokio_core::task::Builder::new()
            .name("conn")
            .spawn(std::future::pending::<()>(), handle.clone())
    });
    assert!(
        bytes > 56 && bytes <= 56 + 32 + 8,
        "named task took {bytes} bytes"
    );
}
