//! Heap bytes per spawned task, counted by a global allocator that counts only
//! on the measuring thread while measuring; and the auto traits the facade
//! relies on.
#![cfg(not(loom))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;

use zokio_core::ThreadParker;
use zokio_core::task::{Runnable, ScheduleHint};
use zokio_sched::{Config, CurrentThread, Handle, MultiThread};

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

/// async-task's `std` feature adds 16 bytes to every task (a panic flag in
/// the header, a panic payload beside the output). Cargo unifies features, and
/// this crate's dev-dependencies (async-executor, the benchmark's peer) switch
/// it on in this test's build, though a Zokio user's build does not have it
/// (zokio-core's own `task_size` test measures that build).
const ASYNC_TASK_STD: usize = 16;

fn counted<R>(f: impl FnOnce() -> R) -> (R, usize) {
    BYTES.with(|b| b.set(0));
    COUNTING.with(|c| c.set(true));
    let r = f();
    COUNTING.with(|c| c.set(false));
    (r, BYTES.with(Cell::get))
}

/// A bare zokio-core task with a pointer-sized schedule handle, as both
/// schedulers use: what a scheduled task may cost at most.
fn bare_task_bytes() -> usize {
    let handle = Arc::new(());
    let schedule = move |task: Runnable, _: ScheduleHint| {
        let _keep = &handle;
        drop(task);
    };
    let (task, bytes) = counted(|| zokio_core::task::spawn(std::future::pending::<()>(), schedule));
    drop(task);
    bytes
}

fn assert_no_overhead(scheduler: &str, bytes: usize) {
    let bare = bare_task_bytes();
    assert!(
        bytes <= bare,
        "{scheduler}: a scheduled pending() task takes {bytes} bytes, a bare one {bare}"
    );
    // The `tracing` feature keeps a span (and a waker cache) in every task,
    // by design; the size promise is for the build without it.
    assert!(
        cfg!(feature = "tracing") || bytes <= 56 + ASYNC_TASK_STD,
        "{scheduler}: a scheduled pending() task takes {bytes} bytes"
    );
}

#[test]
fn a_pending_task_on_the_current_thread_scheduler_is_one_allocation_of_at_most_56_bytes() {
    let rt = CurrentThread::new(ThreadParker::new(), Config::default()).unwrap();
    // Warm up thread-locals and the remote queue's first block (outside
    // `block_on` a spawn goes there); 64 warm-up spawns make the measured one
    // land inside an existing block.
    let handles: Vec<_> = (0..64)
        .map(|_| rt.spawn(std::future::pending::<()>()))
        .collect();
    let (handle, bytes) = counted(|| rt.spawn(std::future::pending::<()>()));
    assert_no_overhead("current-thread", bytes);
    drop((handle, handles));
}

#[test]
fn a_pending_task_on_the_multi_thread_scheduler_is_one_allocation_of_at_most_56_bytes() {
    let rt = MultiThread::new(
        ThreadParker::new(),
        Config {
            worker_threads: 1,
            ..Config::default()
        },
    )
    .unwrap();
    // Measured on a worker, where a spawn goes to the LIFO slot and the ring
    // (fixed-size: no allocation), so only the task itself is counted.
    let bytes = rt.block_on(rt.spawn(async {
        // Warm up the worker's thread-locals.
        drop(zokio_sched::spawn(std::future::pending::<()>()));
        counted(|| zokio_sched::spawn(std::future::pending::<()>())).1
    }));
    assert_no_overhead("multi-thread", bytes.unwrap());
}

#[test]
fn handles_and_the_multi_thread_scheduler_cross_threads() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<Handle>();
    send_sync::<MultiThread<ThreadParker>>();
    send_sync::<zokio_sched::Metrics>();
}
