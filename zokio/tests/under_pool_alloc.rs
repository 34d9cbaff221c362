//! The runtime's own behaviour tests again, with zokio-mem's `PoolAlloc` as
//! the global allocator: every allocation of the runtime, its tasks and the
//! tests (spawn, I/O, timers, shutdown, faults, stress) goes through the
//! pooled front, including frees on other threads than the allocating one.
#![cfg(not(loom))]

#[global_allocator]
static ALLOC: zokio::mem::PoolAlloc = zokio::mem::PoolAlloc::new();

#[path = "faults.rs"]
mod faults;
#[path = "runtime.rs"]
mod runtime;
#[path = "stress.rs"]
mod stress;
#[path = "sync_and_future.rs"]
mod sync_and_future;

#[test]
fn the_pooled_allocator_serves_this_binary() {
    // A freed small block lands in this thread's cache of the global
    // allocator, and the next allocation of its class takes it back out.
    let block = Box::new([7u8; 48]);
    let cached = ALLOC.local_blocks();
    drop(block);
    assert_eq!(ALLOC.local_blocks(), cached + 1);
    let again = Box::new([9u8; 48]);
    assert_eq!(ALLOC.local_blocks(), cached);
    drop(again);
}
