//! The typed object pool.

use std::fmt;
use std::marker::PhantomData;
use std::mem::{ManuallyDrop, MaybeUninit};
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

use crate::shelf::{Limits, MAX_CLASSES, Shelf};

/// A pooled object with room for the free-list link in front of it.
#[repr(C)]
struct Node<T> {
    link: MaybeUninit<*mut u8>,
    value: T,
}

/// A pool of reusable objects of one type, with the buffer pool's structure:
/// an O(1) per-thread cache over a shared depot of batches, caps per thread
/// and in the depot.
///
/// [`take`](Pool::take) hands out a cached object, or a new one from `make`.
/// Dropping the [`Pooled`] guard runs `reset` on the object and caches it for
/// the next `take` (on the dropping thread). Objects beyond the caps are
/// dropped. Like [`BufPool`](crate::BufPool), a pool is used through a
/// `&'static` reference: make it a `static`.
///
/// ```
/// use zokio_mem::Pool;
///
/// static LINES: Pool<String> = Pool::new(String::new, String::clear);
///
/// let mut line = LINES.take();
/// line.push_str("a long line that needed a large allocation");
/// let capacity = line.capacity();
/// drop(line);
///
/// let line = LINES.take();
/// assert!(line.is_empty(), "reset cleared it");
/// assert_eq!(line.capacity(), capacity, "and kept its allocation");
/// ```
pub struct Pool<T: 'static> {
    shelf: Shelf,
    make: fn() -> T,
    reset: fn(&mut T),
    /// Pooled objects move between threads: the pool is `Sync` only for
    /// `T: Send` (see the impls below), not for `T: Sync`.
    _objects: PhantomData<*mut T>,
}

// SAFETY: the pool hands objects from the thread that dropped them to the
// thread that takes them, which is sound exactly when `T: Send`; the rest of
// the pool (depots under a mutex, fn pointers) is shareable.
unsafe impl<T: Send> Sync for Pool<T> {}
// SAFETY: as for `Sync`: moving the pool moves its cached objects.
unsafe impl<T: Send> Send for Pool<T> {}

impl<T: Send + 'static> Pool<T> {
    /// A pool that makes objects with `make` and readies returned ones with
    /// `reset`, keeping up to 64 per thread and 1024 in the depot.
    ///
    /// ```
    /// static BUFFERS: zokio_mem::Pool<Vec<u8>> = zokio_mem::Pool::new(Vec::new, Vec::clear);
    /// assert!(BUFFERS.take().is_empty());
    /// ```
    pub const fn new(make: fn() -> T, reset: fn(&mut T)) -> Pool<T> {
        Pool::with_caps(make, reset, 64, 1024)
    }

    /// A pool that keeps at most `per_thread` objects cached per thread and
    /// about `depot` (in whole batches) in the shared depot.
    ///
    /// ```
    /// use zokio_mem::Pool;
    ///
    /// static SMALL: Pool<u64> = Pool::with_caps(|| 0, |n| *n = 0, 2, 0);
    /// let taken: Vec<_> = (0..5).map(|_| SMALL.take()).collect();
    /// drop(taken);
    /// assert_eq!(SMALL.local_objects(), 2);
    /// assert_eq!(SMALL.depot_objects(), 0);
    /// ```
    pub const fn with_caps(
        make: fn() -> T,
        reset: fn(&mut T),
        per_thread: usize,
        depot: usize,
    ) -> Pool<T> {
        let mut limits = [Limits::NONE; MAX_CLASSES];
        limits[0] = Limits::new(per_thread, depot);
        Pool {
            shelf: Shelf::new(limits, release::<T>),
            make,
            reset,
            _objects: PhantomData,
        }
    }

    /// A cached object, or a new one.
    ///
    /// ```
    /// static COUNTERS: zokio_mem::Pool<u32> = zokio_mem::Pool::new(|| 0, |n| *n = 0);
    /// let mut n = COUNTERS.take();
    /// *n += 1;
    /// assert_eq!(*n, 1);
    /// ```
    #[inline]
    pub fn take(&'static self) -> Pooled<T> {
        let node = match self.shelf.take(0) {
            Some(block) => block.cast::<Node<T>>(),
            None => {
                let node = Box::new(Node {
                    link: MaybeUninit::uninit(),
                    value: (self.make)(),
                });
                NonNull::from(Box::leak(node))
            }
        };
        Pooled { node, pool: self }
    }

    /// How many objects this thread has cached.
    ///
    /// ```
    /// static POOL: zokio_mem::Pool<u8> = zokio_mem::Pool::new(|| 0, |_| {});
    /// drop(POOL.take());
    /// assert_eq!(POOL.local_objects(), 1);
    /// ```
    pub fn local_objects(&'static self) -> usize {
        self.shelf.local_blocks(0)
    }

    /// How many objects the shared depot holds.
    ///
    /// ```
    /// static POOL: zokio_mem::Pool<u8> = zokio_mem::Pool::new(|| 0, |_| {});
    /// assert_eq!(POOL.depot_objects(), 0);
    /// ```
    pub fn depot_objects(&self) -> usize {
        self.shelf.depot_blocks(0)
    }
}

impl<T> fmt::Debug for Pool<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool").finish_non_exhaustive()
    }
}

/// Drops a cached node and its object for good.
///
/// # Safety
///
/// `block` is a `Node<T>` leaked from a `Box` that nobody uses any more.
unsafe fn release<T>(_class: usize, block: NonNull<u8>) {
    // SAFETY: forwarded from the caller.
    drop(unsafe { Box::from_raw(block.cast::<Node<T>>().as_ptr()) });
}

/// An object taken from a [`Pool`]; it derefs to the object and goes back
/// to the pool (after the pool's `reset`) when dropped, on any thread.
///
/// ```
/// static POOL: zokio_mem::Pool<Vec<u32>> = zokio_mem::Pool::new(Vec::new, Vec::clear);
/// let mut v = POOL.take();
/// v.push(1);
/// let v = std::thread::spawn(move || v).join().unwrap();
/// assert_eq!(*v, [1]);
/// ```
pub struct Pooled<T: Send + 'static> {
    node: NonNull<Node<T>>,
    pool: &'static Pool<T>,
}

// SAFETY: a `Pooled<T>` owns its object like a `Box<T>` does.
unsafe impl<T: Send> Send for Pooled<T> {}
// SAFETY: shared access to the guard is shared access to the object.
unsafe impl<T: Send + Sync> Sync for Pooled<T> {}

impl<T: Send + 'static> Pooled<T> {
    /// Takes the object out of the pool's keeping for good.
    ///
    /// ```
    /// static POOL: zokio_mem::Pool<String> = zokio_mem::Pool::new(String::new, String::clear);
    /// let mut s = POOL.take();
    /// s.push_str("mine");
    /// let s: String = s.into_inner();
    /// assert_eq!(s, "mine");
    /// ```
    pub fn into_inner(self) -> T {
        let this = ManuallyDrop::new(self);
        // SAFETY: the node came from `Box::leak` and the guard, which owns
        // it, is forgotten: the box is rebuilt once.
        let node = unsafe { Box::from_raw(this.node.as_ptr()) };
        node.value
    }
}

impl<T: Send + 'static> Drop for Pooled<T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the guard owns the node; `reset` gets unique access.
        (self.pool.reset)(unsafe { &mut self.node.as_mut().value });
        // SAFETY: the node is a leaked `Box<Node<T>>` that `release::<T>`
        // frees, at least pointer-wide with its link word first, and the
        // guard gives it up here.
        unsafe { self.pool.shelf.put(0, self.node.cast()) };
    }
}

impl<T: Send + 'static> Deref for Pooled<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard owns the node, which holds an initialized object.
        unsafe { &self.node.as_ref().value }
    }
}

impl<T: Send + 'static> DerefMut for Pooled<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes the access unique.
        unsafe { &mut self.node.as_mut().value }
    }
}

impl<T: Send + fmt::Debug + 'static> fmt::Debug for Pooled<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn the_link_word_comes_before_the_object() {
        // The free-list link is written over the node's first word, which
        // must not be the object's.
        assert_eq!(std::mem::offset_of!(Node<u8>, link), 0);
        assert!(std::mem::offset_of!(Node<u8>, value) >= size_of::<*mut u8>());
    }
}
