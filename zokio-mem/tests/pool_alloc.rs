//! `PoolAlloc` called directly through `GlobalAlloc`: a randomized
//! multi-threaded alloc/free/realloc workload that checks every byte, cross-
//! thread frees, caps, thread exit, and the pass-through paths.
#![cfg(not(loom))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::mpsc;
use std::thread;

use zokio_mem::PoolAlloc;

/// A live allocation and the byte it is filled with.
struct Block {
    ptr: *mut u8,
    layout: Layout,
    fill: u8,
}

// SAFETY: a `Block` is an exclusively owned allocation, freed once.
unsafe impl Send for Block {}

impl Block {
    fn new(pool: &PoolAlloc, layout: Layout, fill: u8) -> Block {
        // SAFETY: the layouts used here are never zero-sized.
        let ptr = unsafe { pool.alloc(layout) };
        assert!(!ptr.is_null());
        assert_eq!(
            ptr as usize % layout.align(),
            0,
            "misaligned for {layout:?}"
        );
        // SAFETY: the allocation holds `layout.size()` bytes.
        unsafe { ptr.write_bytes(fill, layout.size()) };
        Block { ptr, layout, fill }
    }

    fn check(&self, len: usize) {
        // SAFETY: the allocation holds at least `len` initialized bytes.
        let bytes = unsafe { std::slice::from_raw_parts(self.ptr, len) };
        assert!(
            bytes.iter().all(|&b| b == self.fill),
            "a block was overwritten: two owners"
        );
    }

    fn free(self, pool: &PoolAlloc) {
        self.check(self.layout.size());
        // SAFETY: allocated from `pool` with this layout, freed once.
        unsafe { pool.dealloc(self.ptr, self.layout) };
    }

    fn realloc(&mut self, pool: &PoolAlloc, new_size: usize, fill: u8) {
        self.check(self.layout.size());
        // SAFETY: allocated from `pool` with this layout; `new_size` is not zero.
        let ptr = unsafe { pool.realloc(self.ptr, self.layout, new_size) };
        assert!(!ptr.is_null());
        let kept = self.layout.size().min(new_size);
        self.ptr = ptr;
        self.check(kept);
        self.layout = Layout::from_size_align(new_size, self.layout.align()).unwrap();
        // SAFETY: the allocation now holds `new_size` bytes.
        unsafe { ptr.write_bytes(fill, new_size) };
        self.fill = fill;
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn layout(&mut self) -> Layout {
        // Mostly small (pooled), sometimes large or over-aligned (pass-through).
        let size = match self.below(10) {
            0 => 1025 + self.below(8000) as usize,
            _ => 1 + self.below(1024) as usize,
        };
        let align = [1, 2, 8, 16, 16, 32, 64][self.below(7) as usize];
        Layout::from_size_align(size, align).unwrap()
    }
}

#[test]
fn randomized_multi_threaded_workload_keeps_every_byte() {
    static POOL: PoolAlloc = PoolAlloc::new();
    let threads = 4;
    let (senders, receivers): (Vec<_>, Vec<_>) =
        (0..threads).map(|_| mpsc::channel::<Block>()).unzip();
    let workers: Vec<_> = receivers
        .into_iter()
        .enumerate()
        .map(|(t, rx)| {
            let peer = senders[(t + 1) % threads].clone();
            thread::spawn(move || {
                let mut rng = Rng(0x2545_F491_4F6C_DD1D ^ ((t as u64 + 1) * 0x9E37_79B9));
                let mut live: Vec<Block> = Vec::new();
                for i in 0..20_000u32 {
                    let fill = (i as u8) ^ (t as u8 * 61);
                    match rng.below(8) {
                        0..=3 => live.push(Block::new(&POOL, rng.layout(), fill)),
                        4 | 5 if !live.is_empty() => {
                            let n = rng.below(live.len() as u64) as usize;
                            live.swap_remove(n).free(&POOL);
                        }
                        6 if !live.is_empty() => {
                            let n = rng.below(live.len() as u64) as usize;
                            let new_size = rng.layout().size();
                            live[n].realloc(&POOL, new_size, fill);
                        }
                        7 if !live.is_empty() => {
                            // Freed by the next thread, not the allocating one.
                            let n = rng.below(live.len() as u64) as usize;
                            peer.send(live.swap_remove(n)).unwrap();
                        }
                        _ => {}
                    }
                    while let Ok(block) = rx.try_recv() {
                        block.free(&POOL);
                    }
                    if live.len() > 500 {
                        live.drain(..250).for_each(|b| b.free(&POOL));
                    }
                }
                drop(peer);
                for block in live {
                    block.free(&POOL);
                }
                rx
            })
        })
        .collect();
    drop(senders);
    let receivers: Vec<_> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    for rx in receivers {
        for block in rx.try_iter() {
            block.free(&POOL);
        }
    }
    let (_, depot_cap) = POOL.caps();
    assert!(POOL.depot_blocks() <= depot_cap);
}

#[test]
fn realloc_within_a_class_keeps_the_pointer() {
    static POOL: PoolAlloc = PoolAlloc::new();
    let layout = Layout::from_size_align(100, 8).unwrap();
    let mut block = Block::new(&POOL, layout, 7);
    let ptr = block.ptr;
    block.realloc(&POOL, 112, 8); // 100 and 112 share the 112-byte class
    assert_eq!(block.ptr, ptr);
    block.realloc(&POOL, 500, 9); // another class: moved, prefix kept
    assert_ne!(block.ptr, ptr);
    block.realloc(&POOL, 5000, 10); // to the wrapped allocator
    block.realloc(&POOL, 9000, 11); // realloc'ed by it
    block.realloc(&POOL, 16, 12); // and back to a class
    block.free(&POOL);
}

#[test]
fn freed_blocks_are_reused_and_zeroed_on_request() {
    static POOL: PoolAlloc = PoolAlloc::new();
    let layout = Layout::from_size_align(48, 16).unwrap();
    let first = Block::new(&POOL, layout, 0xEE);
    let ptr = first.ptr;
    first.free(&POOL);
    // SAFETY: a valid non-zero layout; the block is freed below.
    unsafe {
        let again = POOL.alloc_zeroed(layout);
        assert_eq!(again, ptr);
        assert!(
            std::slice::from_raw_parts(again, 48)
                .iter()
                .all(|&b| b == 0)
        );
        POOL.dealloc(again, layout);
    }
}

#[test]
fn caps_bound_each_thread_and_the_depot() {
    static POOL: PoolAlloc = PoolAlloc::new();
    let (thread_cap, depot_cap) = POOL.caps();
    thread::spawn(move || {
        let layout = Layout::new::<[u8; 32]>();
        let blocks: Vec<Block> = (0..20_000).map(|_| Block::new(&POOL, layout, 1)).collect();
        blocks.into_iter().for_each(|b| b.free(&POOL));
        let local = POOL.local_blocks();
        assert!(
            local > 0 && local <= thread_cap,
            "{local} cached, cap {thread_cap}"
        );
        assert!(POOL.depot_blocks() <= depot_cap);
        // 20,000 blocks of one class are more than its caps: the rest went back.
        assert!(local + POOL.depot_blocks() < 20_000);
    })
    .join()
    .unwrap();
}

#[test]
fn thread_exit_returns_the_cache_to_the_depot() {
    static POOL: PoolAlloc = PoolAlloc::new();
    let layout = Layout::new::<[u64; 8]>();
    let cached = thread::spawn(move || {
        let blocks: Vec<Block> = (0..10).map(|_| Block::new(&POOL, layout, 3)).collect();
        blocks.into_iter().for_each(|b| b.free(&POOL));
        // A miss with an empty depot allocates a whole batch at once.
        assert!(POOL.local_blocks() >= 10);
        POOL.local_blocks()
    })
    .join()
    .unwrap();
    assert_eq!(
        POOL.depot_blocks(),
        cached,
        "the exit flush moved every cached block"
    );
    // Another thread refills from the depot: the same blocks serve it.
    thread::spawn(move || {
        let block = Block::new(&POOL, layout, 4);
        assert!(POOL.depot_blocks() < cached);
        assert_eq!(POOL.local_blocks() + POOL.depot_blocks() + 1, cached);
        block.free(&POOL);
    })
    .join()
    .unwrap();
}

#[test]
fn a_second_allocator_on_a_thread_passes_through() {
    static FIRST: PoolAlloc = PoolAlloc::new();
    static SECOND: PoolAlloc<System> = PoolAlloc::with_allocator(System);
    thread::spawn(|| {
        let layout = Layout::new::<[u8; 64]>();
        Block::new(&FIRST, layout, 1).free(&FIRST);
        assert!(FIRST.local_blocks() >= 1);
        Block::new(&SECOND, layout, 2).free(&SECOND);
        assert_eq!(
            SECOND.local_blocks(),
            0,
            "the thread's cache belongs to FIRST"
        );
        assert_eq!(SECOND.depot_blocks(), 0);
    })
    .join()
    .unwrap();
}

#[test]
fn an_allocator_may_move_and_be_dropped_while_another_thread_caches_for_it() {
    let layout = Layout::new::<[u8; 200]>();
    let pool = PoolAlloc::new();
    let blocks: Vec<Block> = (0..600).map(|_| Block::new(&pool, layout, 5)).collect();
    blocks.into_iter().for_each(|b| b.free(&pool));
    let cached = pool.local_blocks();
    assert!(cached > 0 && pool.depot_blocks() > 0);
    // A move keeps the allocator's identity: the cache is still its own.
    let pool = std::sync::Arc::new(pool);
    assert_eq!(pool.local_blocks(), cached);

    let (ready_tx, ready_rx) = mpsc::channel();
    let (exit_tx, exit_rx) = mpsc::channel::<()>();
    let other = thread::spawn({
        let pool = pool.clone();
        move || {
            let blocks: Vec<Block> = (0..50).map(|_| Block::new(&pool, layout, 6)).collect();
            blocks.into_iter().for_each(|b| b.free(&pool));
            assert!(pool.local_blocks() >= 50);
            drop(pool);
            ready_tx.send(()).unwrap();
            // Exits after the allocator is gone: its exit flush frees the
            // blocks it still caches (ASan would see a leak or a bad free).
            exit_rx.recv().unwrap();
        }
    });
    ready_rx.recv().unwrap();
    drop(pool); // the last `Arc`: the allocator is dropped here
    exit_tx.send(()).unwrap();
    other.join().unwrap();
}
