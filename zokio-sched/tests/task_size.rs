//! Heap bytes per spawned task, counted by a global allocator that counts only
//! on the measuring thread while measuring; and the auto traits the facade
//! relies on.
#![cfg(not(loom))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use zokio_core::ThreadParker;
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

#[test]
fn a_spawned_pending_task_is_one_allocation_of_at_most_80_bytes() {
    let rt = CurrentThread::new(ThreadParker::new(), Config::default()).unwrap();
    // Warm up thread-locals and the queue's first blocks.
    drop(rt.spawn(std::future::pending::<()>()));
    let handles: Vec<_> = (0..64)
        .map(|_| rt.spawn(std::future::pending::<()>()))
        .collect();
    BYTES.with(|b| b.set(0));
    COUNTING.with(|c| c.set(true));
    let handle = rt.spawn(std::future::pending::<()>());
    COUNTING.with(|c| c.set(false));
    let bytes = BYTES.with(Cell::get);
    // zokio-core's 64 bytes for a pointer-sized schedule handle, plus the
    // 16-byte ownership tracker that lets shutdown cancel waiting tasks.
    // (The remote queue may add a block now and then; 64 warm-up spawns
    // make this spawn land inside an existing block.)
    assert!(bytes <= 80, "{bytes} bytes");
    drop((handle, handles));
}

#[test]
fn handles_and_the_multi_thread_scheduler_cross_threads() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<Handle>();
    send_sync::<MultiThread<ThreadParker>>();
    send_sync::<zokio_sched::Metrics>();
}
