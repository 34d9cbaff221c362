//! Pooled memory for [Zokio](https://docs.rs/zokio): a buffer pool, a typed
//! object pool and an opt-in pooled global allocator.
//!
//! # The model
//!
//! All three are one structure. Memory comes in **size classes**; a freed
//! block of a class is interchangeable with any other of that class, so
//! instead of going back to the allocator it is kept for the next request.
//!
//! - Each thread keeps a **cache**: one free list per class, linked through
//!   the free blocks themselves (a block's first word points to the next), so
//!   taking and returning is an O(1) pop or push with no lock, no atomic and
//!   no memory of its own.
//! - Caches trade with a shared **[`Depot`]** per class, in whole
//!   **[`Batch`]es**: a cache that runs empty refills with one batch, and a
//!   cache that passes its cap spills one. The depot holds its lock only to
//!   move one batch pointer, so the shared structure is touched once per
//!   batch, not per block.
//! - Everything is **capped**: a thread keeps at most its cap per class, the
//!   depot at most its cap per class; beyond that, memory goes back to the
//!   allocator. When a thread exits, its cache goes to the depot.
//! - A block freed on another thread goes into *that* thread's cache: a
//!   producer/consumer pair moves blocks through the depot in batches.
//!
//! Reuse does not zero memory (that is where most of the saving is over a
//! zeroed allocation) unless asked.
//!
//! # The three fronts
//!
//! - [`BufPool`]: byte buffers of 512 B to 1 MiB in power-of-two classes,
//!   handed out as [`PooledBuf`] (derefs to `[u8]`, goes back on drop from any
//!   thread, turns into a `Vec<u8>` without a copy).
//! - [`Pool<T>`]: reusable objects of one type, handed out as [`Pooled<T>`],
//!   with a reset hook run when they come back.
//! - [`PoolAlloc`]: a `GlobalAlloc` that serves small layouts (up to 1 KiB,
//!   alignment up to 16) from per-thread caches over a wrapped allocator:
//!   `#[global_allocator] static A: PoolAlloc = PoolAlloc::new();`.
//!
//! Pools are used through `&'static` references (make them `static`s; their
//! constructors are `const`), which is what lets a buffer or object go back
//! to its pool from any thread with no reference count.
//!
//! ```
//! use zokio_mem::{BufPool, Pool};
//!
//! static RECORDS: Pool<Vec<u32>> = Pool::new(Vec::new, Vec::clear);
//!
//! let mut buf = BufPool::global().take(4096);
//! buf[0] = 1;
//! let mut record = RECORDS.take();
//! record.push(u32::from(buf[0]));
//! std::thread::spawn(move || drop((buf, record))).join().unwrap();
//! ```
//!
//! The depot's lock is the only shared synchronization; it is built on
//! [`zokio_core::sync`] so that loom checks it (`src/loom_models/depot.rs`).

mod block;
mod depot;

#[cfg(not(loom))]
mod alloc;
#[cfg(not(loom))]
mod buf;
#[cfg(not(loom))]
mod local;
#[cfg(not(loom))]
mod pool;
#[cfg(not(loom))]
mod shelf;

#[cfg(all(test, loom))]
mod loom_models;

pub use block::Batch;
pub use depot::{DEPOT_SLOTS, Depot};

#[cfg(not(loom))]
pub use alloc::PoolAlloc;
#[cfg(not(loom))]
pub use buf::{BufPool, Caps, PooledBuf};
#[cfg(not(loom))]
pub use pool::{Pool, Pooled};
