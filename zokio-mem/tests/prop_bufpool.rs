//! Model-based property test of `BufPool` against a simple allocator model:
//! live buffers never overlap and keep their contents, a reused buffer is one
//! that was given back in the same class, and the per-thread cache and the
//! depot move as their caps say.
#![cfg(not(loom))]

use std::collections::BTreeSet;

use proptest::prelude::*;
use zokio_mem::{BufPool, Caps, PooledBuf};

#[derive(Debug, Clone)]
enum Op {
    Take(usize),
    TakeZeroed(usize),
    /// Drop the `n % live`th buffer on this thread.
    Drop(usize),
    /// Drop it on a short-lived thread (whose cache goes to the depot).
    DropElsewhere(usize),
}

fn len() -> impl Strategy<Value = usize> {
    prop_oneof![
        16 => 0..=4096usize,
        1 => Just(BufPool::MAX_SIZE + 1),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => len().prop_map(Op::Take),
        1 => len().prop_map(Op::TakeZeroed),
        4 => any::<usize>().prop_map(Op::Drop),
        1 => any::<usize>().prop_map(Op::DropElsewhere),
    ]
}

fn caps() -> impl Strategy<Value = Caps> {
    (0..=8usize, 0..=16usize).prop_map(|(t, d)| Caps {
        per_thread: t * 512,
        depot: d * 512,
    })
}

fn class_size(len: usize) -> usize {
    len.max(BufPool::MIN_SIZE).next_power_of_two()
}

/// The byte a live buffer is filled with (after the pool's link word).
fn stamp(id: u32) -> u8 {
    (id % 251) as u8 + 1
}

struct Live {
    id: u32,
    buf: PooledBuf,
}

/// How much of each buffer is stamped and checked (all of a pooled one; the
/// head of an unpooled megabyte, to keep debug runs short).
const STAMPED: usize = 4096;

fn check_intact(l: &Live) -> bool {
    l.buf
        .iter()
        .take(STAMPED)
        .skip(8)
        .all(|&b| b == stamp(l.id))
}

fn run_case(pool: &'static BufPool, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut live: Vec<Live> = Vec::new();
    // Addresses given back and not handed out since, per class size: the
    // only ones a take may reuse.
    let mut given_back: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut next = 0u32;
    for op in ops {
        match op {
            Op::Take(len) | Op::TakeZeroed(len) => {
                let zeroed = matches!(op, Op::TakeZeroed(_));
                let pooled = len <= BufPool::MAX_SIZE;
                let size = if pooled { class_size(len) } else { len };
                let (local, depot) = (pool.local_buffers(size), pool.depot_buffers(size));
                let mut buf = if zeroed {
                    pool.take_zeroed(len)
                } else {
                    pool.take(len)
                };
                prop_assert_eq!(buf.len(), len);
                prop_assert_eq!(buf.capacity(), size);
                if zeroed {
                    buf.set_len(size.min(STAMPED));
                    prop_assert!(buf.iter().all(|&b| b == 0));
                    buf.set_len(len);
                }
                let addr = buf.as_ptr() as usize;
                if pooled && (local > 0 || depot > 0) {
                    prop_assert!(
                        given_back.remove(&(size, addr)),
                        "a reused buffer of {} was never given back in its class",
                        size
                    );
                    if local > 0 {
                        prop_assert_eq!(pool.local_buffers(size), local - 1);
                        prop_assert_eq!(pool.depot_buffers(size), depot);
                    } else {
                        prop_assert!(pool.depot_buffers(size) < depot, "refilled from the depot");
                    }
                } else {
                    // A fresh allocation may reuse an address the pool
                    // released to the allocator.
                    given_back.remove(&(size, addr));
                }
                // No live buffer overlaps the new one.
                for l in &live {
                    let (a, b) = (
                        l.buf.as_ptr() as usize,
                        l.buf.as_ptr() as usize + l.buf.capacity(),
                    );
                    prop_assert!(addr + size <= a || b <= addr, "buffers overlap");
                }
                let id = next;
                next += 1;
                let stamped = buf.len().min(STAMPED);
                buf[..stamped].fill(stamp(id));
                live.push(Live { id, buf });
            }
            Op::Drop(n) | Op::DropElsewhere(n) if !live.is_empty() => {
                let l = live.swap_remove(n % live.len());
                prop_assert!(
                    check_intact(&l),
                    "buffer {} was overwritten while live",
                    l.id
                );
                let size = l.buf.capacity();
                let pooled = size <= BufPool::MAX_SIZE;
                given_back.insert((size, l.buf.as_ptr() as usize));
                if matches!(op, Op::DropElsewhere(_)) {
                    std::thread::spawn(move || drop(l)).join().unwrap();
                } else if pooled {
                    let (local, depot) = (pool.local_buffers(size), pool.depot_buffers(size));
                    let (thread_cap, _) = pool.caps_in_buffers(size);
                    drop(l);
                    if local < thread_cap {
                        prop_assert_eq!(pool.local_buffers(size), local + 1);
                        prop_assert_eq!(pool.depot_buffers(size), depot);
                    }
                } else {
                    drop(l);
                }
            }
            Op::Drop(_) | Op::DropElsewhere(_) => {}
        }
        for size in [512, 1024, 2048, 4096] {
            let (thread_cap, depot_cap) = pool.caps_in_buffers(size);
            prop_assert!(pool.local_buffers(size) <= thread_cap);
            prop_assert!(pool.depot_buffers(size) <= depot_cap);
        }
    }
    for l in &live {
        prop_assert!(
            check_intact(l),
            "buffer {} was overwritten while live",
            l.id
        );
    }
    Ok(())
}

/// Every case's pool, for the life of the process.
static CASE_POOLS: std::sync::Mutex<Vec<&'static BufPool>> = std::sync::Mutex::new(Vec::new());

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn buf_pool_matches_an_allocator_model(caps in caps(), ops in proptest::collection::vec(op(), 1..150)) {
        // A pool of its own per case (leaked: pools are `'static`, and kept
        // in a registry so the leak is deliberate and stays reachable), used
        // on a thread of its own, whose caches start empty and go to the
        // depot when it exits.
        let pool: &'static BufPool = Box::leak(Box::new(BufPool::with_caps(caps)));
        CASE_POOLS.lock().unwrap().push(pool);
        std::thread::spawn(move || run_case(pool, ops)).join().unwrap()?;
        for size in [512, 1024, 2048, 4096] {
            prop_assert!(pool.depot_buffers(size) <= pool.caps_in_buffers(size).1);
        }
    }
}
