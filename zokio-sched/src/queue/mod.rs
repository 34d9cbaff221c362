//! A worker's run queue: a fixed ring with one owner and many stealers.
//!
//! The owner pushes at the tail and pops at the head; stealers take half of
//! the ring from the head. The head is two `u32` indices packed in one
//! `AtomicU64`: `real` (the next task to hand out) and `steal` (the start of
//! a batch a stealer has claimed but not finished copying). A steal claims
//! its batch with one compare-and-swap that moves `real` past it, copies the
//! tasks out, then moves `steal` up to `real` to release the slots. While
//! `steal != real` no other stealer may start, and the owner does not reuse
//! the claimed slots (it counts free space from `steal`).
//!
//! The two roles are two types. [`LocalQueue`] is the owner's: pushing and
//! popping take `&mut self`, and there is one per ring, so the borrow checker
//! rules out a second producer. [`Stealer`] is shared with every other
//! worker. The protocol's `unsafe` stays inside this module.

use std::mem::MaybeUninit;
use std::ptr::NonNull;

use zokio_core::sync::Arc;
use zokio_core::sync::UnsafeCell;
use zokio_core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use zokio_core::task::Runnable;

/// The owner's end of a fixed-capacity ring of runnable tasks; see
/// [`Stealer`] for the other end.
///
/// `N` must be a power of two, at least 2. The multi-thread scheduler uses 256.
pub(crate) struct LocalQueue<const N: usize> {
    ring: Arc<Ring<N>>,
}

/// Takes tasks from another worker's [`LocalQueue`]. Shared by all workers.
pub(crate) struct Stealer<const N: usize> {
    ring: Arc<Ring<N>>,
}

/// The ring both ends share, on lines of its own: the workers' rings are
/// allocated side by side when the runtime starts, and their heads and
/// tails are written on every push and pop. Unpadded, two workers' rings
/// could share a line or the adjacent line the prefetcher pairs with it,
/// depending on the heap's layout: `mixed_service` ran 25% slower in the
/// runs where they did.
#[repr(align(128))]
struct Ring<const N: usize> {
    /// `(steal << 32) | real`.
    head: AtomicU64,
    /// Written by the owner only.
    tail: AtomicU32,
    buffer: Box<[UnsafeCell<MaybeUninit<NonNull<()>>>]>,
}

// SAFETY: the slots hold `Runnable` pointers (which are `Send`); which thread
// may read or write a slot is decided by the head/tail protocol above.
unsafe impl<const N: usize> Send for Ring<N> {}
// SAFETY: as for `Send`: concurrent access is through atomics, and each slot
// is read only by the thread that claimed it with a CAS on `head`, and
// written only by the owner, whose `LocalQueue` is unique and `&mut`.
unsafe impl<const N: usize> Sync for Ring<N> {}

const MASK_BITS: u32 = 32;

fn unpack(head: u64) -> (u32, u32) {
    ((head >> MASK_BITS) as u32, head as u32)
}

fn pack(steal: u32, real: u32) -> u64 {
    ((steal as u64) << MASK_BITS) | real as u64
}

/// A new, empty ring of capacity `N`: the owner's end and the stealers' end.
pub(crate) fn local_queue<const N: usize>() -> (LocalQueue<N>, Stealer<N>) {
    let ring = Arc::new(Ring::new());
    (LocalQueue { ring: ring.clone() }, Stealer { ring })
}

impl<const N: usize> LocalQueue<N> {
    /// Tasks in the queue.
    pub(crate) fn len(&self) -> usize {
        self.ring.len()
    }

    /// True if the queue holds no task.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Slots that may still be filled without overflowing.
    pub(crate) fn free_slots(&self) -> usize {
        let (steal, _) = unpack(self.ring.head.load(Ordering::Acquire));
        let tail = self.ring.tail.load(Ordering::Relaxed);
        N - tail.wrapping_sub(steal) as usize
    }

    /// Pushes `task` at the back. When the ring is full, half of it plus
    /// `task` go to `overflow` in one batch (oldest first).
    pub(crate) fn push_back(
        &mut self,
        task: Runnable,
        overflow: &mut dyn FnMut(&mut dyn Iterator<Item = Runnable>),
    ) {
        // SAFETY: `&mut self` on the ring's only `LocalQueue`: we are its owner.
        unsafe { self.ring.push_back(task, overflow) }
    }

    /// Pops the task at the front.
    pub(crate) fn pop(&mut self) -> Option<Runnable> {
        // SAFETY: as in `push_back`.
        unsafe { self.ring.pop() }
    }
}

impl<const N: usize> Stealer<N> {
    /// Tasks in the queue (a snapshot).
    pub(crate) fn len(&self) -> usize {
        self.ring.len()
    }

    /// True if the queue holds no task (a snapshot).
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Steals half of this queue's tasks into `dst` and returns one of them
    /// to run now. `None` if this queue is empty, another steal from it is in
    /// progress, `dst` is more than half full, or `dst` is this very queue.
    pub(crate) fn steal_into(&self, dst: &mut LocalQueue<N>) -> Option<Runnable> {
        if Arc::ptr_eq(&self.ring, &dst.ring) {
            return None;
        }
        // SAFETY: `&mut dst` on its ring's only `LocalQueue` makes us its
        // owner, and it is not the ring we steal from.
        unsafe { self.ring.steal_into(&dst.ring) }
    }
}

impl<const N: usize> Ring<N> {
    const MASK: u32 = {
        assert!(N.is_power_of_two() && N >= 2 && N <= 1 << 30);
        (N - 1) as u32
    };

    fn new() -> Self {
        let _ = Self::MASK;
        Ring {
            head: AtomicU64::new(0),
            tail: AtomicU32::new(0),
            buffer: (0..N)
                .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
                .collect(),
        }
    }

    fn len(&self) -> usize {
        let (_, real) = unpack(self.head.load(Ordering::Acquire));
        let tail = self.tail.load(Ordering::Acquire);
        tail.wrapping_sub(real) as usize
    }

    fn write(&self, index: u32, task: Runnable) {
        let slot = &self.buffer[(index & Self::MASK) as usize];
        // SAFETY (of the caller's write): the slot lies in `tail..steal + N`,
        // which no stealer reads until `tail` is published past it.
        slot.with_mut(|p| {
            // SAFETY: see above; `p` is valid for writes.
            unsafe { (*p).write(task.into_raw()) };
        });
    }

    /// # Safety
    ///
    /// The caller claimed slot `index` with a CAS on `head` (or owns it), and
    /// it holds a task written before `tail` was published past it.
    unsafe fn read(&self, index: u32) -> Runnable {
        let slot = &self.buffer[(index & Self::MASK) as usize];
        // SAFETY: forwarded: the slot is initialized and claimed by us alone;
        // its pointer came from `Runnable::into_raw` and is taken back once.
        slot.with(|p| unsafe { Runnable::from_raw((*p).assume_init()) })
    }

    /// See [`LocalQueue::push_back`].
    ///
    /// # Safety
    ///
    /// Called by the owner only: one thread at a time, the same one that
    /// calls `pop`, `push_back` and `steal_into` with this ring as destination.
    unsafe fn push_back(
        &self,
        mut task: Runnable,
        overflow: &mut dyn FnMut(&mut dyn Iterator<Item = Runnable>),
    ) {
        loop {
            let head = self.head.load(Ordering::Acquire);
            let (steal, real) = unpack(head);
            let tail = self.tail.load(Ordering::Relaxed);
            if (tail.wrapping_sub(steal) as usize) < N {
                self.write(tail, task);
                self.tail.store(tail.wrapping_add(1), Ordering::Release);
                return;
            }
            if steal != real {
                // A stealer is freeing slots right now: the queue is not
                // really full, so spill just this task rather than wait.
                overflow(&mut std::iter::once(task));
                return;
            }
            // SAFETY: the caller is the owner.
            match unsafe { self.push_overflow(task, real, tail, overflow) } {
                Ok(()) => return,
                // A stealer took tasks in the meantime: there is room now.
                Err(back) => task = back,
            }
        }
    }

    /// Claims the older half of a full ring with one CAS and hands it to
    /// `overflow` with `task`.
    ///
    /// # Safety
    ///
    /// Owner only.
    unsafe fn push_overflow(
        &self,
        task: Runnable,
        head: u32,
        tail: u32,
        overflow: &mut dyn FnMut(&mut dyn Iterator<Item = Runnable>),
    ) -> Result<(), Runnable> {
        let half = (N / 2) as u32;
        debug_assert_eq!(tail.wrapping_sub(head) as usize, N);
        let claimed = head.wrapping_add(half);
        if self
            .head
            .compare_exchange(
                pack(head, head),
                pack(claimed, claimed),
                Ordering::Release,
                Ordering::Relaxed,
            )
            .is_err()
        {
            return Err(task);
        }
        let mut batch = (0..half)
            // SAFETY: the CAS above made slots `head..head + half` ours; they
            // were all written before the owner (us) published `tail`.
            .map(|i| unsafe { self.read(head.wrapping_add(i)) })
            .chain(std::iter::once(task));
        overflow(&mut batch);
        // Whatever `overflow` left unconsumed is dropped (cancelled) here
        // rather than leaked; the scheduler's overflow always takes it all.
        batch.for_each(drop);
        Ok(())
    }

    /// See [`LocalQueue::pop`].
    ///
    /// # Safety
    ///
    /// Owner only.
    unsafe fn pop(&self) -> Option<Runnable> {
        let mut head = self.head.load(Ordering::Acquire);
        let index = loop {
            let (steal, real) = unpack(head);
            let tail = self.tail.load(Ordering::Relaxed);
            if real == tail {
                return None;
            }
            let next_real = real.wrapping_add(1);
            // With no steal in progress both halves move together.
            let next = if steal == real {
                pack(next_real, next_real)
            } else {
                pack(steal, next_real)
            };
            match self
                .head
                .compare_exchange(head, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break real,
                Err(actual) => head = actual,
            }
        };
        // SAFETY: the CAS moved `real` past `index`, so the slot is ours.
        Some(unsafe { self.read(index) })
    }

    /// See [`Stealer::steal_into`].
    ///
    /// # Safety
    ///
    /// The caller is `dst`'s owner, and `dst` is not `self`.
    unsafe fn steal_into(&self, dst: &Ring<N>) -> Option<Runnable> {
        let dst_tail = dst.tail.load(Ordering::Relaxed);
        let (dst_steal, _) = unpack(dst.head.load(Ordering::Acquire));
        if dst_tail.wrapping_sub(dst_steal) as usize > N / 2 {
            return None;
        }
        // SAFETY: forwarded.
        let n = unsafe { self.steal_batch(dst, dst_tail) };
        if n == 0 {
            return None;
        }
        let n = n - 1;
        // SAFETY: `steal_batch` wrote slot `dst_tail + n` of `dst`, which
        // nobody else reads until `dst.tail` is published past it; we do not.
        let task = unsafe { dst.read(dst_tail.wrapping_add(n)) };
        if n > 0 {
            dst.tail.store(dst_tail.wrapping_add(n), Ordering::Release);
        }
        Some(task)
    }

    /// Moves half of this queue into `dst` starting at `dst_tail`, without
    /// publishing `dst`'s tail. Returns how many tasks moved.
    ///
    /// # Safety
    ///
    /// As for `steal_into`; `dst` has room for half of `N` at `dst_tail`.
    unsafe fn steal_batch(&self, dst: &Ring<N>, dst_tail: u32) -> u32 {
        let mut prev = self.head.load(Ordering::Acquire);
        let (first, n) = loop {
            let (steal, real) = unpack(prev);
            if steal != real {
                return 0; // another stealer is at work
            }
            let tail = self.tail.load(Ordering::Acquire);
            let available = tail.wrapping_sub(real);
            let n = available - available / 2;
            if n == 0 {
                return 0;
            }
            let next = pack(steal, real.wrapping_add(n));
            match self
                .head
                .compare_exchange(prev, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break (real, n),
                Err(actual) => prev = actual,
            }
        };
        for i in 0..n {
            // SAFETY: the CAS claimed `first..first + n`; their writes happened
            // before the `tail` we read with Acquire.
            let task = unsafe { self.read(first.wrapping_add(i)) };
            dst.write(dst_tail.wrapping_add(i), task);
        }
        // Release the claimed slots to the owner: `steal` catches up with
        // `real`, which the owner may have moved meanwhile.
        let mut prev = self.head.load(Ordering::Acquire);
        loop {
            let (_, real) = unpack(prev);
            match self.head.compare_exchange(
                prev,
                pack(real, real),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return n,
                Err(actual) => prev = actual,
            }
        }
    }
}

impl<const N: usize> Drop for Ring<N> {
    fn drop(&mut self) {
        // Tasks still queued are cancelled (dropped), not leaked.
        // SAFETY: `&mut self`: both ends are gone, no owner or stealer is left.
        while let Some(task) = unsafe { self.pop() } {
            drop(task);
        }
    }
}

impl<const N: usize> std::fmt::Debug for LocalQueue<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalQueue")
            .field("len", &self.len())
            .field("capacity", &N)
            .finish()
    }
}

impl<const N: usize> std::fmt::Debug for Stealer<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stealer").field("len", &self.len()).finish()
    }
}

#[cfg(all(test, not(loom)))]
mod model;

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::{Arc, Mutex};

    fn task(counter: &Arc<AtomicUsize>) -> Runnable {
        let counter = counter.clone();
        let (runnable, handle) = zokio_core::task::spawn(
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
            },
            |_, _| {},
        );
        drop(handle);
        runnable
    }

    #[test]
    fn rings_made_side_by_side_start_on_blocks_of_their_own() {
        // As a runtime makes its workers' rings: one after the other.
        let queues: Vec<_> = (0..4).map(|_| local_queue::<256>()).collect();
        for (queue, _) in &queues {
            let at = zokio_core::sync::Arc::as_ptr(&queue.ring) as usize;
            // Head and tail sit at the start of a 128-byte block that holds
            // nothing of another ring (or of the next allocation).
            assert_eq!(at % 128, 0, "a ring at {at:#x}");
            assert!(std::mem::size_of::<Ring<256>>() <= 128);
        }
    }

    #[test]
    fn fifo_order_and_overflow_moves_half() {
        let ran = Arc::new(AtomicUsize::new(0));
        let (mut q, _stealer) = local_queue::<8>();
        let spilled = Mutex::new(Vec::new());
        let mut overflow = |batch: &mut dyn Iterator<Item = Runnable>| {
            spilled.lock().unwrap().extend(batch);
        };
        for _ in 0..9 {
            q.push_back(task(&ran), &mut overflow);
        }
        assert_eq!(
            spilled.lock().unwrap().len(),
            5,
            "half of 8, plus the new task"
        );
        assert_eq!(q.len(), 4);
        assert_eq!(q.free_slots(), 4);
        while let Some(t) = q.pop() {
            t.run();
        }
        for t in spilled.into_inner().unwrap() {
            t.run();
        }
        assert_eq!(ran.load(Ordering::Relaxed), 9);
    }

    #[test]
    fn steal_takes_half() {
        let ran = Arc::new(AtomicUsize::new(0));
        let (mut a, steal_a) = local_queue::<16>();
        let (mut b, steal_b) = local_queue::<16>();
        for _ in 0..7 {
            a.push_back(task(&ran), &mut |_| unreachable!());
        }
        let got = steal_a.steal_into(&mut b).unwrap();
        got.run();
        assert_eq!(a.len(), 3);
        assert_eq!(b.len(), 3);
        // Half of b's 3 comes back: one to run, one queued.
        steal_b.steal_into(&mut a).unwrap().run();
        assert_eq!((a.len(), b.len()), (4, 1));
        assert!(
            steal_a.steal_into(&mut a).is_none(),
            "a queue never steals from itself"
        );
    }

    #[test]
    fn dropping_a_queue_cancels_its_tasks() {
        let (mut q, stealer) = local_queue::<4>();
        let (t, handle) = zokio_core::task::spawn(async {}, |_, _| {});
        q.push_back(t, &mut |_| unreachable!());
        drop(q);
        assert!(!handle.is_finished(), "the stealer's end still holds it");
        drop(stealer);
        let err = zokio_core::block_on(handle).unwrap_err();
        assert!(err.is_cancelled());
    }
}
