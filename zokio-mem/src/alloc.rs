//! The pooled global allocator front.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt;
use std::ptr::{self, NonNull};

use zokio_core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use crate::block::Batch;
use crate::depot::Depot;
use crate::local::FreeList;

/// Block sizes of the small classes: steps of 16 up to 128, then four
/// classes per doubling, so a block wastes at most a fifth of itself.
const CLASS_SIZES: [usize; CLASSES] = [
    16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024,
];
const CLASSES: usize = 20;

/// The largest block served from the caches.
pub(crate) const MAX_SMALL: usize = 1024;

/// The alignment every class block gets from the wrapped allocator; layouts
/// asking for more go straight to it.
const BLOCK_ALIGN: usize = 16;

/// Class of each size rounded up to 16, indexed by `(size + 15) / 16`.
const CLASS_OF_SIXTEENTHS: [u8; MAX_SMALL / 16 + 1] = {
    let mut table = [0u8; MAX_SMALL / 16 + 1];
    let mut i = 0;
    let mut class = 0;
    while i < table.len() {
        while CLASS_SIZES[class] < i * 16 {
            class += 1;
        }
        table[i] = class as u8;
        i += 1;
    }
    table
};

/// The most batches each class's depot keeps: with the batch sizes below,
/// at most about 512 KiB per class, 10 MiB over all classes.
const DEPOT_BATCHES: usize = 64;

/// The class serving `layout`, if any.
#[inline]
fn class_of(layout: Layout) -> Option<usize> {
    if layout.size() <= MAX_SMALL && layout.align() <= BLOCK_ALIGN {
        Some(CLASS_OF_SIXTEENTHS[layout.size().div_ceil(16)] as usize)
    } else {
        None
    }
}

/// The layout every block of `class` is allocated and freed with, whichever
/// path it takes, so that a block can always be freed straight to the
/// wrapped allocator.
#[inline]
fn block_layout(class: usize) -> Layout {
    // SAFETY: class sizes are non-zero multiples of 16, far below isize::MAX.
    unsafe { Layout::from_size_align_unchecked(CLASS_SIZES[class], BLOCK_ALIGN) }
}

/// Blocks per batch: about 8 KiB, between 16 and 128 blocks.
#[inline]
const fn batch_len(class: usize) -> usize {
    let n = 8192 / CLASS_SIZES[class];
    if n < 16 {
        16
    } else if n > 128 {
        128
    } else {
        n
    }
}

/// Blocks one thread keeps per class: two batches.
#[inline]
const fn thread_cap(class: usize) -> usize {
    2 * batch_len(class)
}

/// A thread's cache, in a `const`-initialized thread-local without a
/// destructor, so reaching it never allocates and always works, even while
/// the thread's other thread-locals are being destroyed.
struct ThreadCache {
    /// The `Core` of the `PoolAlloc` whose blocks the lists hold (null: none); a thread
    /// caches for one `PoolAlloc` at a time, others pass through.
    owner: Cell<*const ()>,
    state: Cell<State>,
    /// Empties the lists into the owner's depots at thread exit.
    flush: Cell<Option<FlushFn>>,
    lists: [FreeList; CLASSES],
}

/// `flush_thread::<A>`, with the `PoolAlloc<A>` as an untyped pointer.
type FlushFn = unsafe fn(*const (), &ThreadCache);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// The exit hook is not registered yet.
    New,
    /// Registering it; allocations meanwhile pass through.
    Registering,
    /// Registered: the cache can be claimed.
    Ready,
    /// The thread is exiting: everything passes through.
    Dead,
}

thread_local! {
    static CACHE: ThreadCache = const {
        ThreadCache {
            owner: Cell::new(ptr::null()),
            state: Cell::new(State::New),
            flush: Cell::new(None),
            lists: [const { FreeList::new() }; CLASSES],
        }
    };
    /// Registering this thread-local's destructor is what makes the thread
    /// flush its cache when it exits.
    static EXIT_HOOK: ExitHook = const { ExitHook };
}

struct ExitHook;

impl Drop for ExitHook {
    fn drop(&mut self) {
        CACHE.with(|cache| {
            cache.state.set(State::Dead);
            let owner = cache.owner.replace(ptr::null());
            if let Some(flush) = cache.flush.take() {
                if !owner.is_null() {
                    // SAFETY: `flush` is `flush_thread::<A>` for the `Core<A>`
                    // at `owner`, which the cache's reference keeps alive.
                    unsafe { flush(owner, cache) };
                }
            }
        });
    }
}

/// An opt-in global allocator front: per-thread caches of small blocks (16 B
/// to 1 KiB, in 20 size classes) over a wrapped allocator `A`, with shared
/// per-class depots that the caches trade batches with.
///
/// ```
/// use zokio_mem::PoolAlloc;
///
/// #[global_allocator]
/// static A: PoolAlloc = PoolAlloc::new();
///
/// let v: Vec<u64> = (0..10).collect(); // served by a thread cache
/// assert_eq!(v.iter().sum::<u64>(), 45);
/// ```
///
/// How it serves a layout:
///
/// - Size at most 1 KiB and alignment at most 16: from a class. The block's
///   class is found again from the `Layout` at `dealloc`, so blocks carry no
///   header. Every class block is allocated from `A` with the class size and
///   alignment 16, whichever path it takes.
/// - Anything else goes straight to `A`.
/// - `realloc` within one class returns the same pointer.
///
/// A block freed on another thread than the one that allocated it goes into
/// the freeing thread's cache: blocks of a class are interchangeable. Each
/// thread keeps at most two batches per class (a batch is about 8 KiB, 16 to
/// 128 blocks), and each class's depot at most 64 batches; beyond that,
/// blocks go back to `A`. When a thread exits, its cache goes to the depots
/// (or to `A`), and allocations made while the thread's thread-locals are
/// being destroyed go straight to `A`.
///
/// A thread caches for one `PoolAlloc` at a time (the first that allocates
/// on it); another `PoolAlloc` used on the same thread passes through to its
/// `A`.
///
/// The shared state (the depots) lives in a small control block allocated
/// from [`System`] on first use, with a clone of `A` to free blocks with: it
/// outlives the `PoolAlloc` for as long as some thread still caches blocks
/// for it, so a `PoolAlloc` that is not a `static` may be moved or dropped at
/// any time, and whatever its threads cache is freed when they exit. `A`'s
/// clones must be able to free each other's blocks (as `System`'s can).
pub struct PoolAlloc<A: GlobalAlloc + Clone = System> {
    inner: A,
    /// The control block, made on first use; null before.
    core: AtomicPtr<Core<A>>,
}

/// The shared half of a `PoolAlloc`, at a stable address.
struct Core<A> {
    inner: A,
    depots: [Depot; CLASSES],
    /// One for the `PoolAlloc`, one per thread whose cache it owns. The
    /// last one out frees the core and everything in its depots.
    refs: AtomicUsize,
}

impl<A: GlobalAlloc> Core<A> {
    /// Frees the blocks of a batch of `class` to `A`.
    fn free_batch(&self, class: usize, mut batch: Batch) {
        while let Some(block) = batch.pop() {
            // SAFETY: every class block was allocated from `A` (or a clone
            // of it) with this layout.
            unsafe { self.inner.dealloc(block.as_ptr(), block_layout(class)) };
        }
    }

    /// Empties `cache` into the depots, freeing what they refuse.
    fn flush(&self, cache: &ThreadCache) {
        for (class, list) in cache.lists.iter().enumerate() {
            while list.len() > 0 {
                let batch = list.take(batch_len(class));
                if let Err(batch) = self.depots[class].push(batch, DEPOT_BATCHES) {
                    self.free_batch(class, batch);
                }
            }
        }
    }

    /// Drops one reference; the last one frees the core.
    ///
    /// # Safety
    ///
    /// `core` is live and the caller holds one of its references, which it
    /// gives up.
    unsafe fn release(core: *const Core<A>) {
        // SAFETY: the caller's reference keeps the core alive until here.
        let this = unsafe { &*core };
        if this.refs.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        for (class, depot) in this.depots.iter().enumerate() {
            while let Some(batch) = depot.pop() {
                this.free_batch(class, batch);
            }
        }
        // SAFETY: no reference is left, so nobody else can reach the core;
        // it was written by `PoolAlloc::core` into a `System` allocation of
        // this layout.
        unsafe {
            core.cast_mut().drop_in_place();
            System.dealloc(core.cast_mut().cast(), Layout::new::<Core<A>>());
        }
    }
}

impl PoolAlloc<System> {
    /// A pool over the system allocator, usable as
    /// `#[global_allocator] static A: PoolAlloc = PoolAlloc::new();`.
    ///
    /// ```
    /// use std::alloc::{GlobalAlloc, Layout};
    ///
    /// static POOL: zokio_mem::PoolAlloc = zokio_mem::PoolAlloc::new();
    /// let layout = Layout::new::<[u8; 40]>();
    /// // SAFETY: the layout is not zero-sized, and the block is freed with it.
    /// unsafe {
    ///     let p = POOL.alloc(layout);
    ///     assert!(!p.is_null());
    ///     POOL.dealloc(p, layout);
    ///     assert_eq!(POOL.alloc(layout), p, "the block was cached");
    ///     POOL.dealloc(p, layout);
    /// }
    /// ```
    pub const fn new() -> PoolAlloc<System> {
        PoolAlloc::with_allocator(System)
    }
}

impl Default for PoolAlloc<System> {
    fn default() -> PoolAlloc<System> {
        PoolAlloc::new()
    }
}

impl<A: GlobalAlloc + Clone> PoolAlloc<A> {
    /// A pool over `inner`.
    ///
    /// ```
    /// use std::alloc::System;
    /// static POOL: zokio_mem::PoolAlloc<System> = zokio_mem::PoolAlloc::with_allocator(System);
    /// # let _ = &POOL;
    /// ```
    pub const fn with_allocator(inner: A) -> PoolAlloc<A> {
        PoolAlloc {
            inner,
            core: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// The wrapped allocator.
    ///
    /// ```
    /// let pool = zokio_mem::PoolAlloc::new();
    /// let _system: &std::alloc::System = pool.inner();
    /// ```
    pub fn inner(&self) -> &A {
        &self.inner
    }

    /// Blocks cached by this thread for this allocator, over all classes.
    ///
    /// ```
    /// static POOL: zokio_mem::PoolAlloc = zokio_mem::PoolAlloc::new();
    /// assert_eq!(POOL.local_blocks(), 0);
    /// ```
    pub fn local_blocks(&self) -> usize {
        let core = self.id();
        CACHE.with(|cache| {
            if !core.is_null() && cache.owner.get() == core {
                cache.lists.iter().map(FreeList::len).sum()
            } else {
                0
            }
        })
    }

    /// Blocks held by the shared depots, over all classes.
    ///
    /// ```
    /// static POOL: zokio_mem::PoolAlloc = zokio_mem::PoolAlloc::new();
    /// assert_eq!(POOL.depot_blocks(), 0);
    /// ```
    pub fn depot_blocks(&self) -> usize {
        let core = self.core.load(Ordering::Acquire);
        if core.is_null() {
            return 0;
        }
        // SAFETY: the `PoolAlloc`'s own reference keeps its core alive.
        unsafe { &*core }.depots.iter().map(Depot::blocks).sum()
    }

    /// The most blocks one thread and the depots may cache, over all classes.
    ///
    /// ```
    /// let (per_thread, depot) = zokio_mem::PoolAlloc::new().caps();
    /// assert!(per_thread > 0 && depot > per_thread);
    /// ```
    pub fn caps(&self) -> (usize, usize) {
        let per_thread = (0..CLASSES).map(thread_cap).sum();
        let depot = (0..CLASSES).map(|c| batch_len(c) * DEPOT_BATCHES).sum();
        (per_thread, depot)
    }

    /// The identity a thread cache records: the core's address (stable
    /// across moves of the `PoolAlloc`), null before the core exists.
    #[inline]
    fn id(&self) -> *const () {
        self.core.load(Ordering::Relaxed).cast_const().cast()
    }

    /// The core, made on first use. `None` if `System` cannot allocate it.
    #[cold]
    fn core(&self) -> Option<&Core<A>> {
        let mut core = self.core.load(Ordering::Acquire);
        if core.is_null() {
            let layout = Layout::new::<Core<A>>();
            // SAFETY: `Core` is not zero-sized.
            let fresh = unsafe { System.alloc(layout) }.cast::<Core<A>>();
            if fresh.is_null() {
                return None;
            }
            // SAFETY: `fresh` is a new allocation for one `Core<A>`.
            unsafe {
                fresh.write(Core {
                    inner: self.inner.clone(),
                    depots: [const { Depot::new() }; CLASSES],
                    refs: AtomicUsize::new(1),
                })
            };
            core = match self.core.compare_exchange(
                ptr::null_mut(),
                fresh,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => fresh,
                Err(theirs) => {
                    // Another thread made one first: ours was never shared.
                    // SAFETY: `fresh` was written above and is ours alone.
                    unsafe {
                        fresh.drop_in_place();
                        System.dealloc(fresh.cast(), layout);
                    }
                    theirs
                }
            };
        }
        // SAFETY: the `PoolAlloc`'s own reference keeps its core alive.
        Some(unsafe { &*core })
    }

    /// Makes this thread's cache ours, if it is free and can be flushed at
    /// thread exit.
    #[cold]
    fn claim<'a>(&'a self, cache: &ThreadCache) -> Option<&'a Core<A>> {
        let core = self.core()?;
        if cache.owner.get() == self.id() {
            return Some(core);
        }
        if cache.state.get() == State::New {
            // Registering the exit hook may allocate (std's fallback list):
            // those allocations see `Registering` and pass through.
            cache.state.set(State::Registering);
            let registered = EXIT_HOOK.try_with(|_| ()).is_ok();
            cache.state.set(if registered {
                State::Ready
            } else {
                State::Dead
            });
        }
        if cache.state.get() != State::Ready || !cache.owner.get().is_null() {
            return None;
        }
        core.refs.fetch_add(1, Ordering::Relaxed);
        cache.owner.set(self.id());
        cache.flush.set(Some(flush_thread::<A>));
        Some(core)
    }

    #[cold]
    #[inline(never)]
    unsafe fn alloc_slow(&self, class: usize) -> *mut u8 {
        let refilled = CACHE.with(|cache| {
            let core = self.claim(cache)?;
            let list = &cache.lists[class];
            Some(list.pop().or_else(|| {
                list.fill(core.depots[class].pop()?);
                list.pop()
            }))
        });
        let layout = block_layout(class);
        match refilled {
            Some(Some(block)) => return block.as_ptr(),
            // No cache on this thread: one block, straight from `A`.
            // SAFETY: class layouts are not zero-sized.
            None => return unsafe { self.inner.alloc(layout) },
            Some(None) => {}
        }
        // The cache and the depot are empty: make a batch at once, so the
        // next allocations of this class take the fast path. Each block is
        // allocated outside the thread-local access (`A` may re-enter).
        let id = self.id(); // read after `claim`, which may have made the core
        for _ in 1..batch_len(class) {
            // SAFETY: class layouts are not zero-sized.
            let Some(block) = NonNull::new(unsafe { self.inner.alloc(layout) }) else {
                break;
            };
            let kept = CACHE.with(|cache| {
                let list = &cache.lists[class];
                if cache.owner.get() == id && list.len() < thread_cap(class) {
                    // SAFETY: a fresh class block, handed to the list.
                    unsafe { list.push(block) };
                    true
                } else {
                    false
                }
            });
            if !kept {
                // SAFETY: allocated just above with this layout.
                unsafe { self.inner.dealloc(block.as_ptr(), layout) };
                break;
            }
        }
        // SAFETY: class layouts are not zero-sized.
        unsafe { self.inner.alloc(layout) }
    }

    #[cold]
    #[inline(never)]
    unsafe fn dealloc_slow(&self, class: usize, block: NonNull<u8>) {
        let surplus = CACHE.with(|cache| {
            let mut surplus = Batch::new();
            let Some(core) = self.claim(cache) else {
                // SAFETY: the caller gave the block up; it is a class block,
                // at least 16 bytes.
                unsafe { surplus.push(block) };
                return surplus;
            };
            let list = &cache.lists[class];
            // SAFETY: as above.
            unsafe { list.push(block) };
            if list.len() <= thread_cap(class) {
                return surplus;
            }
            let batch = list.take(batch_len(class));
            core.depots[class]
                .push(batch, DEPOT_BATCHES)
                .err()
                .unwrap_or(surplus)
        });
        // Freed outside the thread-local access: `A` may allocate re-entrantly.
        let mut surplus = surplus;
        while let Some(block) = surplus.pop() {
            // SAFETY: every class block was allocated from `A` with this layout.
            unsafe { self.inner.dealloc(block.as_ptr(), block_layout(class)) };
        }
    }
}

/// The thread-exit flush of a `PoolAlloc<A>`'s cache.
///
/// # Safety
///
/// `core` is the live `Core<A>` that owns `cache`, which holds a reference.
unsafe fn flush_thread<A: GlobalAlloc>(core: *const (), cache: &ThreadCache) {
    let core = core.cast::<Core<A>>();
    // SAFETY: the cache's reference keeps the core alive.
    unsafe { &*core }.flush(cache);
    // SAFETY: the cache gives its reference up.
    unsafe { Core::release(core) };
}

// Every block handed out is either a fresh `A` allocation of at least the
// layout's size and alignment (class blocks: the class size, alignment 16 >=
// the layout's), or such a block that was freed and cached.
// SAFETY: cached blocks are held by no one else (free lists and depots own them
// exclusively), and blocks go back to `A` with the layout they were made with.
unsafe impl<A: GlobalAlloc + Clone> GlobalAlloc for PoolAlloc<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class_of(layout) else {
            // SAFETY: forwarded from the caller.
            return unsafe { self.inner.alloc(layout) };
        };
        let id = self.id();
        let cached = CACHE.with(|cache| {
            // A cache owned by nobody has empty lists, so a null `id` pops nothing.
            if cache.owner.get() == id {
                cache.lists[class].pop()
            } else {
                None
            }
        });
        match cached {
            Some(block) => block.as_ptr(),
            // SAFETY: `class` is a valid class.
            None => unsafe { self.alloc_slow(class) },
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let Some(class) = class_of(layout) else {
            // SAFETY: forwarded from the caller: `ptr` came from `A` with `layout`.
            return unsafe { self.inner.dealloc(ptr, layout) };
        };
        // SAFETY: the caller passes a pointer this allocator returned.
        let block = unsafe { NonNull::new_unchecked(ptr) };
        let id = self.id();
        let cached = CACHE.with(|cache| {
            let list = &cache.lists[class];
            if !id.is_null() && cache.owner.get() == id && list.len() < thread_cap(class) {
                // SAFETY: the caller gives the block up; class blocks are at
                // least 16 bytes and 16-aligned.
                unsafe { list.push(block) };
                true
            } else {
                false
            }
        });
        if !cached {
            // SAFETY: the block is still ours to cache or free.
            unsafe { self.dealloc_slow(class, block) };
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if class_of(layout).is_none() {
            // SAFETY: forwarded from the caller.
            return unsafe { self.inner.alloc_zeroed(layout) };
        }
        // SAFETY: forwarded from the caller.
        let ptr = unsafe { self.alloc(layout) };
        if !ptr.is_null() {
            // SAFETY: the block holds at least `layout.size()` bytes.
            unsafe { ptr.write_bytes(0, layout.size()) };
        }
        ptr
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size`, rounded up to the
        // alignment, does not overflow isize.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (class_of(layout), class_of(new_layout)) {
            (Some(old), Some(new)) if old == new => ptr,
            // SAFETY: forwarded from the caller: `ptr` came from `A` with `layout`.
            (None, None) => unsafe { self.inner.realloc(ptr, layout, new_size) },
            _ => {
                // SAFETY: forwarded from the caller; `new_layout` is valid.
                let new = unsafe { self.alloc(new_layout) };
                if !new.is_null() {
                    // SAFETY: both blocks hold at least the smaller size and
                    // are distinct (the old one is still allocated).
                    unsafe { ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size)) };
                    // SAFETY: forwarded from the caller.
                    unsafe { self.dealloc(ptr, layout) };
                }
                new
            }
        }
    }
}

impl<A: GlobalAlloc + Clone> Drop for PoolAlloc<A> {
    /// Only a `PoolAlloc` that is not a `static` is ever dropped. This
    /// thread's cache is flushed now; other threads' caches keep the core
    /// alive until they exit, and the last one frees it.
    fn drop(&mut self) {
        let core = *self.core.get_mut();
        if core.is_null() {
            return;
        }
        let id: *const () = core.cast_const().cast();
        CACHE.with(|cache| {
            if cache.owner.get() == id {
                cache.owner.set(ptr::null());
                cache.flush.set(None);
                // SAFETY: our own reference keeps the core alive.
                unsafe { &*core }.flush(cache);
                // SAFETY: the cache held a reference, given up here.
                unsafe { Core::release(core) };
            }
        });
        // SAFETY: the `PoolAlloc`'s own reference, given up here.
        unsafe { Core::release(core) };
    }
}

impl<A: GlobalAlloc + Clone> fmt::Debug for PoolAlloc<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolAlloc")
            .field("depot_blocks", &self.depot_blocks())
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn every_size_maps_to_the_smallest_class_that_holds_it() {
        for size in 0..=MAX_SMALL {
            let layout = Layout::from_size_align(size, 8).unwrap();
            let class = class_of(layout).unwrap();
            assert!(CLASS_SIZES[class] >= size);
            assert!(class == 0 || CLASS_SIZES[class - 1] < size.max(1));
        }
        assert_eq!(
            class_of(Layout::from_size_align(MAX_SMALL + 1, 8).unwrap()),
            None
        );
        assert_eq!(class_of(Layout::from_size_align(64, 32).unwrap()), None);
    }

    #[test]
    fn caps_keep_a_batch_within_a_thread_cache() {
        for class in 0..CLASSES {
            assert!(batch_len(class) <= thread_cap(class));
            assert!(batch_len(class) <= u32::MAX as usize);
        }
    }
}
