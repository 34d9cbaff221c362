//! The buffer pool: byte buffers in power-of-two size classes.

use std::alloc::{self, Layout};
use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;
use std::slice;

use crate::shelf::{Limits, MAX_CLASSES, Shelf};

/// The smallest buffer class, in bytes.
const MIN_SHIFT: u32 = 9;

/// How much a [`BufPool`] may keep cached, per size class, in bytes.
///
/// A thread keeps at most `per_thread` bytes of each class (and at least one
/// buffer), and the shared depot at most about `depot` bytes (in whole
/// batches, at most 64 of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Bytes of one size class that one thread may keep cached.
    pub per_thread: usize,
    /// Bytes of one size class that the shared depot may keep.
    pub depot: usize,
}

impl Caps {
    /// 256 KiB per thread and 4 MiB in the depot, for each size class.
    pub const DEFAULT: Caps = Caps {
        per_thread: 256 << 10,
        depot: 4 << 20,
    };
}

impl Default for Caps {
    fn default() -> Caps {
        Caps::DEFAULT
    }
}

/// A pool of byte buffers in power-of-two size classes, from
/// [`MIN_SIZE`](BufPool::MIN_SIZE) (512 B) to [`MAX_SIZE`](BufPool::MAX_SIZE)
/// (1 MiB).
///
/// [`take`](BufPool::take) and dropping a [`PooledBuf`] are O(1) pops and
/// pushes on a per-thread cache; the cache trades whole batches with a shared
/// [`Depot`](crate::Depot) when it runs empty or passes its cap. A buffer
/// dropped on another thread goes into that thread's cache. Reuse does not
/// zero a buffer unless [`take_zeroed`](BufPool::take_zeroed) asks: a
/// reused buffer's bytes are unspecified (what the last user left, except the
/// first word, where the pool kept its free-list link). A new buffer is
/// zeroed once, when it is allocated, so every byte is always initialized.
///
/// A pool is used through a `&'static` reference, so that buffers can outlive
/// any scope and go back from any thread: make it a `static` (its constructor
/// is `const`) or use the process-wide [`BufPool::global`].
///
/// ```
/// use zokio_mem::{BufPool, Caps};
///
/// static POOL: BufPool = BufPool::with_caps(Caps { per_thread: 64 << 10, depot: 1 << 20 });
///
/// let mut buf = POOL.take(1000);
/// assert_eq!(buf.len(), 1000);
/// assert_eq!(buf.capacity(), 1024);
/// buf[..5].copy_from_slice(b"hello");
/// let first = buf.as_ptr();
/// drop(buf);
///
/// // The same buffer comes back (not zeroed).
/// let again = POOL.take(600);
/// assert_eq!(again.as_ptr(), first);
/// ```
pub struct BufPool {
    shelf: Shelf,
}

static GLOBAL: BufPool = BufPool::new();

impl BufPool {
    /// The smallest buffer capacity.
    pub const MIN_SIZE: usize = 1 << MIN_SHIFT;
    /// The largest pooled buffer capacity. Larger buffers can be taken, but
    /// are allocated and freed each time.
    pub const MAX_SIZE: usize = 1 << (MIN_SHIFT as usize + MAX_CLASSES - 1);

    /// A pool with the [default caps](Caps::DEFAULT).
    ///
    /// ```
    /// static POOL: zokio_mem::BufPool = zokio_mem::BufPool::new();
    /// assert_eq!(POOL.take(4096).capacity(), 4096);
    /// ```
    pub const fn new() -> BufPool {
        BufPool::with_caps(Caps::DEFAULT)
    }

    /// A pool with the given caps.
    ///
    /// ```
    /// use zokio_mem::{BufPool, Caps};
    ///
    /// // A pool that keeps nothing in its depot.
    /// static POOL: BufPool = BufPool::with_caps(Caps { per_thread: 8192, depot: 0 });
    /// drop(POOL.take(4096));
    /// assert_eq!(POOL.depot_buffers(4096), 0);
    /// ```
    pub const fn with_caps(caps: Caps) -> BufPool {
        let mut limits = [Limits::NONE; MAX_CLASSES];
        let mut class = 0;
        while class < MAX_CLASSES {
            let size = class_size(class);
            limits[class] = Limits::new(caps.per_thread / size, caps.depot / size);
            class += 1;
        }
        BufPool {
            shelf: Shelf::new(limits, release),
        }
    }

    /// The process-wide pool, with the default caps.
    ///
    /// ```
    /// let buf = zokio_mem::BufPool::global().take(4096);
    /// assert_eq!(buf.len(), 4096);
    /// ```
    pub fn global() -> &'static BufPool {
        &GLOBAL
    }

    /// A buffer of `len` bytes, from the smallest class that holds it. Its
    /// contents are unspecified: zeros if it is new, old bytes if reused.
    ///
    /// A `len` above [`MAX_SIZE`](BufPool::MAX_SIZE) gets a buffer of exactly
    /// `len` bytes that is freed, not pooled, when dropped.
    ///
    /// # Panics
    ///
    /// If `len` exceeds `isize::MAX` (as `Vec` does); aborts if the
    /// allocator fails.
    ///
    /// ```
    /// let buf = zokio_mem::BufPool::global().take(100);
    /// assert_eq!((buf.len(), buf.capacity()), (100, 512));
    /// ```
    #[inline]
    pub fn take(&'static self, len: usize) -> PooledBuf {
        let Some(class) = class_of(len) else {
            return PooledBuf {
                ptr: allocate(len),
                len,
                cap: len,
                pool: self,
            };
        };
        let cap = class_size(class);
        let ptr = self.shelf.take(class).unwrap_or_else(|| allocate(cap));
        PooledBuf {
            ptr,
            len,
            cap,
            pool: self,
        }
    }

    /// Like [`take`](BufPool::take), with every byte of the buffer's
    /// capacity set to zero.
    ///
    /// ```
    /// let pool = zokio_mem::BufPool::global();
    /// let mut dirty = pool.take(4096);
    /// dirty.fill(7);
    /// drop(dirty);
    /// assert!(pool.take_zeroed(4096).iter().all(|&b| b == 0));
    /// ```
    pub fn take_zeroed(&'static self, len: usize) -> PooledBuf {
        let mut buf = self.take(len);
        // SAFETY: `ptr` is valid for `cap` bytes that the buffer owns.
        unsafe { buf.ptr.as_ptr().write_bytes(0, buf.cap) };
        buf.len = len;
        buf
    }

    /// How many buffers of `size`'s class this thread has cached.
    ///
    /// ```
    /// use zokio_mem::BufPool;
    ///
    /// static POOL: BufPool = BufPool::new();
    /// drop(POOL.take(3000));
    /// assert_eq!(POOL.local_buffers(4096), 1);
    /// ```
    pub fn local_buffers(&'static self, size: usize) -> usize {
        class_of(size).map_or(0, |class| self.shelf.local_blocks(class))
    }

    /// How many buffers of `size`'s class the shared depot holds.
    ///
    /// ```
    /// static POOL: zokio_mem::BufPool = zokio_mem::BufPool::new();
    /// assert_eq!(POOL.depot_buffers(4096), 0);
    /// ```
    pub fn depot_buffers(&self, size: usize) -> usize {
        class_of(size).map_or(0, |class| self.shelf.depot_blocks(class))
    }

    /// The most buffers of `size`'s class that one thread keeps, and the most
    /// the depot keeps: the caps in buffers.
    ///
    /// ```
    /// use zokio_mem::{BufPool, Caps};
    ///
    /// static POOL: BufPool = BufPool::with_caps(Caps { per_thread: 16384, depot: 32768 });
    /// assert_eq!(POOL.caps_in_buffers(4096), (4, 8));
    /// ```
    pub fn caps_in_buffers(&self, size: usize) -> (usize, usize) {
        class_of(size).map_or((0, 0), |class| {
            let limits = self.shelf.limits(class);
            (limits.thread_cap(), limits.depot_cap())
        })
    }
}

impl Default for BufPool {
    fn default() -> BufPool {
        BufPool::new()
    }
}

impl fmt::Debug for BufPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufPool").finish_non_exhaustive()
    }
}

/// The class of a buffer of `len` bytes, if it is pooled.
#[inline]
fn class_of(len: usize) -> Option<usize> {
    if len > BufPool::MAX_SIZE {
        return None;
    }
    let bits = usize::BITS - len.saturating_sub(1).leading_zeros();
    Some(bits.saturating_sub(MIN_SHIFT) as usize)
}

/// The class of a buffer's capacity: pooled capacities are exactly their
/// class size (a power of two), so this is cheaper than [`class_of`].
#[inline]
fn class_of_capacity(cap: usize) -> Option<usize> {
    (cap <= BufPool::MAX_SIZE).then(|| (cap.trailing_zeros() - MIN_SHIFT) as usize)
}

const fn class_size(class: usize) -> usize {
    1 << (MIN_SHIFT as usize + class)
}

/// A new zeroed buffer of `cap` bytes, allocated as a `Vec<u8>` would be (so
/// that [`PooledBuf::into_vec`] can hand it over).
/// `cap` is never zero: the smallest class is 512 B and unpooled buffers are
/// larger than the largest.
fn allocate(cap: usize) -> NonNull<u8> {
    let layout = Layout::array::<u8>(cap).expect("zokio-mem: buffer length exceeds isize::MAX");
    // SAFETY: the layout's size is not zero.
    let ptr = unsafe { alloc::alloc_zeroed(layout) };
    NonNull::new(ptr).unwrap_or_else(|| alloc::handle_alloc_error(layout))
}

/// Frees a buffer of `class` for good.
///
/// # Safety
///
/// `block` came from `allocate(class_size(class))` and is no longer used.
unsafe fn release(class: usize, block: NonNull<u8>) {
    // SAFETY: the class sizes are valid array layouts (at most 1 MiB).
    let layout = unsafe { Layout::from_size_align_unchecked(class_size(class), 1) };
    // SAFETY: `allocate` made the block with this layout.
    unsafe { alloc::dealloc(block.as_ptr(), layout) };
}

/// A byte buffer from a [`BufPool`]; it goes back to its pool when dropped,
/// on whatever thread that happens.
///
/// It derefs to `[u8]` of its length, which [`set_len`](PooledBuf::set_len) may change up to
/// its [`capacity`](PooledBuf::capacity) (the bytes past `len` are always
/// initialized, so this is safe), and it can be turned into a `Vec<u8>`
/// without copying.
///
/// ```
/// let mut buf = zokio_mem::BufPool::global().take(5);
/// buf.copy_from_slice(b"hello");
/// let vec: Vec<u8> = buf.into_vec();
/// assert_eq!(vec, b"hello");
/// assert_eq!(vec.capacity(), 512);
/// ```
pub struct PooledBuf {
    ptr: NonNull<u8>,
    len: usize,
    cap: usize,
    pool: &'static BufPool,
}

// SAFETY: a `PooledBuf` owns its bytes exclusively, like a `Vec<u8>`, and its
// pool is `Sync`: returning the buffer from another thread is the design.
unsafe impl Send for PooledBuf {}
// SAFETY: shared access only reads the bytes.
unsafe impl Sync for PooledBuf {}

impl PooledBuf {
    /// The size of the buffer's allocation: its class size, or its length
    /// for a buffer too large to pool.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Sets the visible length. Bytes uncovered by growing hold whatever was
    /// there (zeros in a new buffer, old data in a reused one).
    ///
    /// # Panics
    ///
    /// If `len` exceeds the capacity.
    ///
    /// ```
    /// let mut buf = zokio_mem::BufPool::global().take(0);
    /// buf.set_len(buf.capacity());
    /// assert_eq!(buf.len(), 512);
    /// ```
    pub fn set_len(&mut self, len: usize) {
        assert!(
            len <= self.cap,
            "PooledBuf::set_len: {len} exceeds the capacity {}",
            self.cap
        );
        self.len = len;
    }

    /// Turns the buffer into a `Vec<u8>` with the same length, capacity and
    /// allocation, which leaves the pool for good.
    ///
    /// ```
    /// let buf = zokio_mem::BufPool::global().take_zeroed(3);
    /// assert_eq!(buf.into_vec(), vec![0, 0, 0]);
    /// ```
    pub fn into_vec(self) -> Vec<u8> {
        let buf = ManuallyDrop::new(self);
        // SAFETY: the allocation was made by the global allocator with the
        // layout of `[u8; cap]`, all `cap` bytes are initialized, `len <= cap`,
        // and `ManuallyDrop` keeps it from going back to the pool.
        unsafe { Vec::from_raw_parts(buf.ptr.as_ptr(), buf.len, buf.cap) }
    }
}

impl Drop for PooledBuf {
    #[inline]
    fn drop(&mut self) {
        match class_of_capacity(self.cap) {
            // SAFETY: a pooled buffer's capacity is its class size, and the
            // buffer is no longer used.
            Some(class) => unsafe { self.pool.shelf.put(class, self.ptr) },
            None => {
                // SAFETY: `allocate(cap)` made this too-large buffer with this layout.
                unsafe {
                    alloc::dealloc(
                        self.ptr.as_ptr(),
                        Layout::from_size_align_unchecked(self.cap, 1),
                    )
                }
            }
        }
    }
}

impl Deref for PooledBuf {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        // SAFETY: `ptr` is valid for `cap >= len` initialized bytes we own.
        unsafe { slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl DerefMut for PooledBuf {
    #[inline]
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`, and `&mut self` makes the access unique.
        unsafe { slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl AsRef<[u8]> for PooledBuf {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl AsMut<[u8]> for PooledBuf {
    fn as_mut(&mut self) -> &mut [u8] {
        self
    }
}

impl From<PooledBuf> for Vec<u8> {
    fn from(buf: PooledBuf) -> Vec<u8> {
        buf.into_vec()
    }
}

impl fmt::Debug for PooledBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PooledBuf")
            .field("len", &self.len)
            .field("capacity", &self.cap)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn classes_are_the_smallest_power_of_two_that_fits() {
        assert_eq!(class_of(0), Some(0));
        assert_eq!(class_of(1), Some(0));
        assert_eq!(class_of(512), Some(0));
        assert_eq!(class_of(513), Some(1));
        assert_eq!(class_of(4096), Some(3));
        assert_eq!(class_of(4097), Some(4));
        assert_eq!(class_of(BufPool::MAX_SIZE), Some(MAX_CLASSES - 1));
        assert_eq!(class_of(BufPool::MAX_SIZE + 1), None);
        assert_eq!(class_of_capacity(BufPool::MAX_SIZE + 1), None);
        for class in 0..MAX_CLASSES {
            assert_eq!(class_of(class_size(class)), Some(class));
            assert_eq!(class_of_capacity(class_size(class)), Some(class));
        }
    }
}
