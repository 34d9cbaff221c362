//! `Pool<T>` through its public API: reset, reuse, caps, cross-thread return,
//! and objects that use pools in their own destructors.
#![cfg(not(loom))]

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use zokio_mem::{BufPool, Pool, Pooled, PooledBuf};

#[test]
fn returned_objects_are_reset_and_reused() {
    static POOL: Pool<Vec<u32>> = Pool::new(Vec::new, Vec::clear);
    let mut v = POOL.take();
    v.extend(0..100);
    let addr = v.as_ptr();
    drop(v);
    let v = POOL.take();
    assert!(v.is_empty());
    assert_eq!(v.as_ptr(), addr, "the object kept its allocation");
    assert!(v.into_inner().capacity() >= 100);
    assert_eq!(
        POOL.local_objects(),
        0,
        "into_inner took it out of the pool"
    );
}

/// Counts live objects, to show that objects beyond the caps are dropped.
struct Tracked;
static LIVE: AtomicUsize = AtomicUsize::new(0);
impl Tracked {
    fn new() -> Tracked {
        LIVE.fetch_add(1, Ordering::SeqCst);
        Tracked
    }
}
impl Drop for Tracked {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

#[test]
fn caps_drop_what_they_cannot_keep() {
    static POOL: Pool<Tracked> = Pool::with_caps(Tracked::new, |_| {}, 4, 8);
    thread::spawn(|| {
        let objects: Vec<Pooled<Tracked>> = (0..50).map(|_| POOL.take()).collect();
        assert_eq!(LIVE.load(Ordering::SeqCst), 50);
        drop(objects);
        assert_eq!(POOL.local_objects(), 4);
        assert!(POOL.depot_objects() <= 8);
        assert_eq!(LIVE.load(Ordering::SeqCst), 4 + POOL.depot_objects());
    })
    .join()
    .unwrap();
    // The thread's exit flushed its 4 into the depot, which keeps at most 8.
    assert_eq!(POOL.depot_objects(), 8);
    assert_eq!(LIVE.load(Ordering::SeqCst), 8);
}

#[test]
fn objects_return_from_other_threads_and_are_reused_there() {
    static POOL: Pool<[u64; 4]> = Pool::with_caps(|| [0; 4], |a| *a = [0; 4], 8, 64);
    let objects: Vec<Pooled<[u64; 4]>> = (0..16).map(|_| POOL.take()).collect();
    let made: BTreeSet<usize> = objects.iter().map(|o| o.as_ptr() as usize).collect();
    let reused = thread::spawn(move || {
        drop(objects); // 8 kept here, 8 spilled to the depot
        let again: Vec<Pooled<[u64; 4]>> = (0..16).map(|_| POOL.take()).collect();
        again
            .iter()
            .map(|o| o.as_ptr() as usize)
            .collect::<BTreeSet<usize>>()
    })
    .join()
    .unwrap();
    assert_eq!(reused, made);
}

#[test]
fn pooled_objects_may_hold_pooled_buffers_through_thread_exit() {
    // The pool's objects own buffers of another pool; flushing them at
    // thread exit runs buffer drops while the thread's caches are going
    // away. Nothing may be lost or freed twice (the suite runs under ASan).
    static BUFS: BufPool = BufPool::new();
    static FRAMES: Pool<Vec<PooledBuf>> = Pool::with_caps(Vec::new, |_| {}, 2, 0);
    for _ in 0..3 {
        thread::spawn(|| {
            let frames: Vec<_> = (0..5)
                .map(|_| {
                    let mut frame = FRAMES.take();
                    frame.push(BUFS.take(1000));
                    frame
                })
                .collect();
            drop(frames);
        })
        .join()
        .unwrap();
    }
    assert_eq!(FRAMES.depot_objects(), 0);
}
