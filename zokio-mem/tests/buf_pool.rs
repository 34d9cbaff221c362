//! `BufPool` through its public API: reuse on one thread and across threads,
//! caps, zeroing, `into_vec`, and a multi-threaded stress with content checks.
#![cfg(not(loom))]

use std::collections::BTreeSet;
use std::sync::mpsc;
use std::thread;

use zokio_mem::{BufPool, Caps, PooledBuf};

#[test]
fn a_returned_buffer_is_reused_without_zeroing() {
    static POOL: BufPool = BufPool::new();
    let mut buf = POOL.take(4000);
    assert_eq!((buf.len(), buf.capacity()), (4000, 4096));
    assert!(buf.iter().all(|&b| b == 0), "a new buffer is zeroed");
    buf.fill(0xAB);
    let addr = buf.as_ptr();
    drop(buf);

    let buf = POOL.take(4096);
    assert_eq!(buf.as_ptr(), addr);
    // The pool keeps its free-list link in the first word of a free buffer;
    // the rest is what the last user left.
    assert!(
        buf[8..4000].iter().all(|&b| b == 0xAB),
        "reuse does not zero"
    );
    drop(buf);

    let buf = POOL.take_zeroed(3000);
    assert_eq!(buf.as_ptr(), addr);
    assert_eq!(buf.len(), 3000);
    let mut buf = buf;
    buf.set_len(buf.capacity());
    assert!(
        buf.iter().all(|&b| b == 0),
        "take_zeroed zeroes the whole capacity"
    );
}

#[test]
fn each_size_class_is_separate() {
    static POOL: BufPool = BufPool::new();
    let small = POOL.take(512);
    let addr = small.as_ptr();
    drop(small);
    let large = POOL.take(513);
    assert_eq!(large.capacity(), 1024);
    assert_ne!(large.as_ptr(), addr);
    assert_eq!(POOL.local_buffers(512), 1);
    drop(large);
    assert_eq!(POOL.local_buffers(1024), 1);
}

#[test]
fn buffers_move_between_threads_through_the_depot() {
    // Threads keep 4 buffers of 4 KiB each; the depot up to 64.
    static POOL: BufPool = BufPool::with_caps(Caps {
        per_thread: 4 * 4096,
        depot: 64 * 4096,
    });
    let (tx, rx) = mpsc::channel::<PooledBuf>();
    let producer = thread::spawn(move || {
        // All 32 are taken before any is dropped: 32 distinct buffers.
        let bufs: Vec<PooledBuf> = (0..32).map(|_| POOL.take(4096)).collect();
        let addrs: BTreeSet<usize> = bufs.iter().map(|b| b.as_ptr() as usize).collect();
        for buf in bufs {
            tx.send(buf).unwrap();
        }
        addrs
    });
    let consumer = thread::spawn(move || {
        for buf in rx {
            drop(buf);
            // The dropping thread keeps at most its cap; the rest spills.
            assert!(POOL.local_buffers(4096) <= 4);
        }
    });
    let made = producer.join().unwrap();
    consumer.join().unwrap();
    assert_eq!(made.len(), 32);
    // The consumer's spills and its exit flush put all 32 in the depot.
    assert_eq!(POOL.depot_buffers(4096), 32);

    let reused = thread::spawn(|| {
        let bufs: Vec<PooledBuf> = (0..32).map(|_| POOL.take(4096)).collect();
        let addrs: BTreeSet<usize> = bufs.iter().map(|b| b.as_ptr() as usize).collect();
        drop(bufs);
        addrs
    })
    .join()
    .unwrap();
    assert_eq!(reused, made, "a third thread got the same 32 buffers back");
}

#[test]
fn caps_bound_what_is_kept() {
    static POOL: BufPool = BufPool::with_caps(Caps {
        per_thread: 8 * 1024,
        depot: 16 * 1024,
    });
    let (thread_cap, depot_cap) = POOL.caps_in_buffers(1024);
    assert_eq!((thread_cap, depot_cap), (8, 16));
    thread::spawn(move || {
        let bufs: Vec<PooledBuf> = (0..100).map(|_| POOL.take(1024)).collect();
        drop(bufs);
        assert_eq!(POOL.local_buffers(1024), thread_cap);
        assert!(POOL.depot_buffers(1024) <= depot_cap);
    })
    .join()
    .unwrap();
    // After the thread's exit flush the depot is full, never over.
    assert_eq!(POOL.depot_buffers(1024), depot_cap);
}

#[test]
fn into_vec_hands_over_the_allocation() {
    static POOL: BufPool = BufPool::new();
    let mut buf = POOL.take(10);
    buf.copy_from_slice(b"0123456789");
    let addr = buf.as_ptr();
    let mut vec = buf.into_vec();
    assert_eq!(vec.as_ptr(), addr);
    assert_eq!((vec.len(), vec.capacity()), (10, 512));
    vec.extend_from_slice(&[1; 1000]); // a real Vec: it can grow and be freed
    assert_eq!(&vec[..10], b"0123456789");
    assert_eq!(POOL.local_buffers(512), 0, "the buffer left the pool");
}

#[test]
fn buffers_above_the_largest_class_are_not_pooled() {
    static POOL: BufPool = BufPool::new();
    let big = POOL.take(BufPool::MAX_SIZE + 1);
    assert_eq!(big.capacity(), BufPool::MAX_SIZE + 1);
    assert!(big.iter().all(|&b| b == 0));
    drop(big);
    assert_eq!(POOL.local_buffers(BufPool::MAX_SIZE + 1), 0);
    let largest = POOL.take(BufPool::MAX_SIZE);
    drop(largest);
    assert_eq!(POOL.local_buffers(BufPool::MAX_SIZE), 1);
}

#[test]
fn a_thread_using_many_pools_still_works_without_caches() {
    static POOLS: [BufPool; 12] = [const { BufPool::new() }; 12];
    thread::spawn(|| {
        for pool in &POOLS {
            let mut buf = pool.take(600);
            buf.fill(1);
            drop(buf);
        }
        // The first pools got this thread's cache slots; the last ones did
        // not, and freed their buffer instead of keeping it.
        assert_eq!(POOLS[0].local_buffers(600), 1);
        assert_eq!(POOLS[11].local_buffers(600), 0);
        assert_eq!(POOLS[11].take(600).len(), 600);
    })
    .join()
    .unwrap();
}

#[test]
#[should_panic(expected = "exceeds the capacity")]
fn set_len_beyond_capacity_is_refused() {
    BufPool::global().take(10).set_len(513);
}

#[test]
fn no_buffer_is_handed_out_twice_under_concurrency() {
    // Every holder stamps its buffer with its own tag and checks the stamp
    // before returning it: a buffer given to two holders at once would fail.
    static POOL: BufPool = BufPool::with_caps(Caps {
        per_thread: 16 * 1024,
        depot: 64 * 1024,
    });
    let (tx, rx) = mpsc::sync_channel::<(PooledBuf, u8)>(64);
    let workers: Vec<_> = (0..4u8)
        .map(|t| {
            let tx = tx.clone();
            thread::spawn(move || {
                let mut rng = 0x9E37_79B9u32.wrapping_mul(u32::from(t) + 1);
                let mut held: Vec<(PooledBuf, u8)> = Vec::new();
                for i in 0..4000u32 {
                    rng ^= rng << 13;
                    rng ^= rng >> 17;
                    rng ^= rng << 5;
                    if rng % 3 != 0 || held.is_empty() {
                        let len = 1 + (rng as usize % 16000);
                        let tag = (t * 64).wrapping_add(i as u8);
                        let mut buf = POOL.take(len);
                        buf.fill(tag);
                        held.push((buf, tag));
                    } else {
                        let (buf, tag) = held.swap_remove(rng as usize % held.len());
                        assert!(
                            buf.iter().all(|&b| b == tag),
                            "buffer shared by two holders"
                        );
                        if rng % 2 == 0 {
                            tx.send((buf, tag)).unwrap(); // dropped on the checker thread
                        }
                    }
                }
                for (buf, tag) in held {
                    assert!(
                        buf.iter().all(|&b| b == tag),
                        "buffer shared by two holders"
                    );
                }
            })
        })
        .collect();
    drop(tx);
    let checker = thread::spawn(move || {
        for (buf, tag) in rx {
            assert!(
                buf.iter().all(|&b| b == tag),
                "buffer shared by two holders"
            );
        }
    });
    for worker in workers {
        worker.join().unwrap();
    }
    checker.join().unwrap();
    assert!(POOL.depot_buffers(16 * 1024) <= POOL.caps_in_buffers(16 * 1024).1);
}
