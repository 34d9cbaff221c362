//! The queue under every mpsc channel: a linked list of fixed blocks that
//! any number of senders push to and one receiver pops from, with no lock.
//!
//! # Positions
//!
//! Messages take positions 0, 1, 2, ... Every block holds `BLOCK_CAP`
//! slots and spans `LAP = BLOCK_CAP + 1` positions: the last position of each
//! lap is no slot but a marker meaning "this block is full and the next one
//! is being linked in". The tail word is `position << SHIFT | CLOSED`.
//!
//! # Pushing
//!
//! A sender reads the tail and the block it points into, then claims the
//! position with one compare-and-swap of the tail. The sender that claims a
//! block's last slot links in the next block before it writes its message:
//! it moves the tail past the marker (senders that saw the marker wait for
//! that, briefly) and stores the block's `next`. Then every sender writes its
//! message and sets its slot's `written` flag. A sender never reads a block
//! before its CAS succeeds, and a successful CAS means the tail had not moved
//! since it read the block pointer, so that pointer is the claimed slot's
//! block; the block stays alive until that slot is read.
//!
//! # Popping
//!
//! The receiver alone owns the head: a position and its block. A slot whose
//! `written` flag is set is read and the head moves on; at a marker the
//! receiver steps into the next block (which the writer of the last slot
//! linked in before writing it) and frees the old one, which no sender can
//! touch any more: every slot of it was written.
//!
//! # Closing
//!
//! Closing sets `CLOSED` in the tail: from then on no position can be
//! claimed, and a push hands its message back. The first closer records the
//! position where the queue closed; the receiver that reaches it (every
//! earlier position read) sees the queue closed and empty.

use crossbeam_utils::CachePadded;
use std::mem::MaybeUninit;
use std::ptr;

use zokio_core::sync::UnsafeCell;
use zokio_core::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

/// Positions per block (with the marker). Small under loom, so that models
/// cross blocks.
#[cfg(not(loom))]
const LAP: usize = 32;
#[cfg(loom)]
const LAP: usize = 3;
/// Message slots per block.
const BLOCK_CAP: usize = LAP - 1;
/// The tail holds `position << SHIFT`, with the low bit for `CLOSED`.
const SHIFT: usize = 1;
const CLOSED: usize = 1;
/// `closed_at` while the queue is open.
const OPEN: usize = usize::MAX;

struct Slot<T> {
    value: UnsafeCell<MaybeUninit<T>>,
    written: AtomicBool,
}

struct Block<T> {
    next: AtomicPtr<Block<T>>,
    slots: [Slot<T>; BLOCK_CAP],
}

impl<T> Block<T> {
    fn new() -> Box<Block<T>> {
        Box::new(Block {
            next: AtomicPtr::new(ptr::null_mut()),
            slots: std::array::from_fn(|_| Slot {
                value: UnsafeCell::new(MaybeUninit::uninit()),
                written: AtomicBool::new(false),
            }),
        })
    }
}

/// The receiver's place in the queue.
struct Head<T> {
    position: usize,
    block: *mut Block<T>,
}

/// What a pop found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Pop<T> {
    Value(T),
    /// Nothing queued.
    Empty,
    /// A sender claimed the next position and is writing it: a value is on
    /// its way (and that sender will wake the receiver).
    Busy,
    /// Closed, and everything sent before the close was popped.
    Closed,
}

pub(crate) struct Queue<T> {
    /// `position << SHIFT | CLOSED`: the next position to claim.
    tail: AtomicUsize,
    /// The block the tail position is in (or, at a marker, the one before).
    tail_block: AtomicPtr<Block<T>>,
    /// The position at which the queue closed, or `OPEN`.
    closed_at: AtomicUsize,
    /// Touched only by the receiver (through `pop`, whose caller is the one
    /// receiver) and by `Drop`; on a cache line of its own, so that a pop
    /// does not take the line senders claim positions on.
    head: CachePadded<UnsafeCell<Head<T>>>,
}

// Values move from senders to the receiver, so `T: Send` suffices;
// slots are handed from one thread to another by the protocol above (a
// value is written only by the sender that claimed its slot and read only
// by the receiver after `written`), and `head` only by the one receiver.
// SAFETY: by that protocol, `T: Send` is all a move needs.
unsafe impl<T: Send> Send for Queue<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send> Sync for Queue<T> {}

/// Waits a moment for another sender to link in the next block.
fn snooze(spins: &mut u32) {
    #[cfg(loom)]
    {
        let _ = spins;
        zokio_core::sync::thread::yield_now();
    }
    #[cfg(not(loom))]
    {
        if *spins < 6 {
            for _ in 0..(1 << *spins) {
                std::hint::spin_loop();
            }
            *spins += 1;
        } else {
            std::thread::yield_now();
        }
    }
}

impl<T> Queue<T> {
    pub(crate) fn new() -> Queue<T> {
        let first = Box::into_raw(Block::new());
        Queue {
            tail: AtomicUsize::new(0),
            tail_block: AtomicPtr::new(first),
            closed_at: AtomicUsize::new(OPEN),
            head: CachePadded::new(UnsafeCell::new(Head {
                position: 0,
                block: first,
            })),
        }
    }

    /// Queues `value`, or hands it back if the queue is closed.
    ///
    /// The `written` store is `SeqCst`: a receiver that announces it will
    /// sleep (a `SeqCst` store) and then looks at the slot either sees the
    /// value, or the sender's `SeqCst` load of that announcement after this
    /// store sees it and wakes the receiver.
    pub(crate) fn push(&self, value: T) -> Result<(), T> {
        let mut next_block: Option<Box<Block<T>>> = None;
        let mut spins = 0;
        let mut tail = self.tail.load(Ordering::Acquire);
        let mut block = self.tail_block.load(Ordering::Acquire);
        loop {
            if tail & CLOSED != 0 {
                return Err(value);
            }
            let offset = (tail >> SHIFT) % LAP;
            if offset == BLOCK_CAP {
                // The sender of the last slot is linking in the next block.
                snooze(&mut spins);
                tail = self.tail.load(Ordering::Acquire);
                block = self.tail_block.load(Ordering::Acquire);
                continue;
            }
            if offset + 1 == BLOCK_CAP && next_block.is_none() {
                // Allocated before the claim, so that the marker is held
                // for a few stores, not for an allocation.
                next_block = Some(Block::new());
            }
            let claimed = self.tail.compare_exchange_weak(
                tail,
                tail + (1 << SHIFT),
                Ordering::SeqCst,
                Ordering::Acquire,
            );
            match claimed {
                Ok(_) => break,
                Err(current) => {
                    tail = current;
                    block = self.tail_block.load(Ordering::Acquire);
                }
            }
        }
        let offset = (tail >> SHIFT) % LAP;
        if offset + 1 == BLOCK_CAP {
            let next = Box::into_raw(next_block.take().expect("allocated before the claim"));
            // SAFETY: the claim succeeded with the tail unchanged since
            // `block` was read, so `block` holds the claimed slot, which is
            // not written yet: the receiver cannot have freed it.
            unsafe { (*block).next.store(next, Ordering::Release) };
            self.tail_block.store(next, Ordering::Release);
            // Past the marker (keeping `CLOSED` if a close came meanwhile).
            self.tail.fetch_add(1 << SHIFT, Ordering::Release);
        }
        // SAFETY: as above, `block` is alive and its slot `offset` is ours
        // alone until `written` is set.
        let slot = unsafe { &(*block).slots[offset] };
        slot.value.with_mut(|cell| {
            // SAFETY: the slot is ours (above); nobody reads it before `written`.
            unsafe { (*cell).write(value) };
        });
        slot.written.store(true, Ordering::SeqCst);
        zokio_core::sync::seq_cst_handshake();
        Ok(())
    }

    /// Closes the queue. True for the first closer.
    pub(crate) fn close(&self) -> bool {
        let tail = self.tail.fetch_or(CLOSED, Ordering::SeqCst);
        if tail & CLOSED != 0 {
            return false;
        }
        // SeqCst: the receiver's sleep handshake orders its look at
        // `closed_at` against this store (see `RxWaker`).
        self.closed_at.store(tail >> SHIFT, Ordering::SeqCst);
        zokio_core::sync::seq_cst_handshake();
        true
    }

    /// Pops the oldest value.
    ///
    /// # Safety
    ///
    /// Only the queue's one receiver calls this, never two calls at once.
    pub(crate) unsafe fn pop(&self) -> Pop<T> {
        self.head.with_mut(|head| {
            // SAFETY: the caller is the one receiver: the head is ours.
            let head = unsafe { &mut *head };
            loop {
                let offset = head.position % LAP;
                if offset == BLOCK_CAP {
                    if self.closed_at.load(Ordering::Acquire) == head.position {
                        return Pop::Closed;
                    }
                    // The head block is alive (only we free blocks);
                    // its last slot was read, and its writer linked `next` in
                    // before writing it, so `next` is set and seen (Acquire
                    // on `written` then, and on `next` now).
                    // SAFETY: the head block is alive and its `next` published.
                    let next = unsafe { (*head.block).next.load(Ordering::Acquire) };
                    debug_assert!(!next.is_null());
                    // SAFETY: every slot of the old block was written and
                    // read: no sender or receiver touches it again.
                    drop(unsafe { Box::from_raw(head.block) });
                    head.block = next;
                    head.position += 1;
                    continue;
                }
                // SAFETY: the head block is alive (above).
                let slot = unsafe { &(*head.block).slots[offset] };
                if !slot.written.load(Ordering::SeqCst) {
                    if self.closed_at.load(Ordering::SeqCst) == head.position {
                        return Pop::Closed;
                    }
                    let claimed = self.tail.load(Ordering::Acquire) >> SHIFT;
                    return if claimed > head.position {
                        Pop::Busy
                    } else {
                        Pop::Empty
                    };
                }
                let value = slot.value.with(|cell| {
                    // SAFETY: `written` (Acquire) says the value is there,
                    // and only the receiver reads it, once.
                    unsafe { (*cell).assume_init_read() }
                });
                head.position += 1;
                return Pop::Value(value);
            }
        })
    }

    /// Values claimed and not yet popped (those being written included).
    ///
    /// # Safety
    ///
    /// As for `pop`: called by the receiver.
    pub(super) unsafe fn len(&self) -> usize {
        let tail = self.tail.load(Ordering::Acquire) >> SHIFT;
        // SAFETY: the caller is the receiver, the head's only user.
        let head = self.head.with(|head| unsafe { (*head).position });
        // Each lap spends one position on its marker.
        let slots = |position: usize| position - position / LAP;
        slots(tail).saturating_sub(slots(head))
    }
}

impl<T> Drop for Queue<T> {
    fn drop(&mut self) {
        // Every sender and the receiver are gone: no claim is in progress, so
        // each slot up to the tail was written.
        // SAFETY: `&mut self`: we are the only user of the queue.
        while let Pop::Value(value) = unsafe { self.pop() } {
            drop(value);
        }
        self.head.with_mut(|head| {
            // SAFETY: `&mut self`, as above.
            let mut block = unsafe { (*head).block };
            while !block.is_null() {
                // SAFETY: each block from the head on is alive, owned by the
                // queue, and linked once; a closed queue may have linked in
                // one block nobody wrote to.
                let next = unsafe { (*block).next.load(Ordering::Relaxed) };
                // SAFETY: as above; nothing points to the block any more.
                drop(unsafe { Box::from_raw(block) });
                block = next;
            }
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn pop<T>(queue: &Queue<T>) -> Pop<T> {
        // SAFETY: single-threaded test: this is the only receiver.
        unsafe { queue.pop() }
    }

    #[test]
    fn values_come_out_in_order_across_blocks() {
        let queue = Queue::new();
        for i in 0..(5 * LAP) {
            queue.push(i).unwrap();
        }
        // SAFETY: the test is the receiver.
        assert_eq!(unsafe { queue.len() }, 5 * LAP);
        for i in 0..(5 * LAP) {
            assert_eq!(pop(&queue), Pop::Value(i));
        }
        assert_eq!(pop(&queue), Pop::Empty);
        // SAFETY: as above.
        assert_eq!(unsafe { queue.len() }, 0);
    }

    #[test]
    fn a_closed_queue_drains_then_says_closed_and_refuses_pushes() {
        let queue = Queue::new();
        for i in 0..(BLOCK_CAP - 1) {
            queue.push(i).unwrap();
        }
        assert!(queue.close());
        assert!(!queue.close(), "only the first closer");
        assert_eq!(queue.push(99), Err(99));
        for i in 0..(BLOCK_CAP - 1) {
            assert_eq!(pop(&queue), Pop::Value(i));
        }
        assert_eq!(pop(&queue), Pop::Closed);
        assert_eq!(pop(&queue), Pop::Closed);
    }

    #[test]
    fn a_queue_closed_at_a_block_end_says_closed_there() {
        let queue = Queue::new();
        for i in 0..BLOCK_CAP {
            queue.push(i).unwrap();
        }
        queue.close();
        for i in 0..BLOCK_CAP {
            assert_eq!(pop(&queue), Pop::Value(i));
        }
        assert_eq!(pop(&queue), Pop::Closed);
    }

    #[test]
    fn dropping_the_queue_drops_every_queued_value_once() {
        let counter = std::sync::Arc::new(());
        let queue = Queue::new();
        for _ in 0..(3 * LAP + 1) {
            queue.push(counter.clone()).unwrap();
        }
        assert!(matches!(pop(&queue), Pop::Value(_)));
        queue.close();
        drop(queue);
        assert_eq!(std::sync::Arc::strong_count(&counter), 1);
    }

    #[test]
    fn many_senders_lose_nothing_and_keep_each_senders_order() {
        let queue = std::sync::Arc::new(Queue::new());
        let senders: Vec<_> = (0..4u64)
            .map(|s| {
                let queue = queue.clone();
                std::thread::spawn(move || {
                    for i in 0..20_000u64 {
                        queue.push((s, i)).unwrap();
                    }
                })
            })
            .collect();
        let mut next = [0u64; 4];
        let mut got = 0;
        while got < 80_000 {
            match pop(&queue) {
                Pop::Value((s, i)) => {
                    assert_eq!(i, next[s as usize], "sender {s} out of order");
                    next[s as usize] += 1;
                    got += 1;
                }
                Pop::Empty | Pop::Busy => std::hint::spin_loop(),
                Pop::Closed => unreachable!("nobody closed it"),
            }
        }
        for sender in senders {
            sender.join().unwrap();
        }
        assert_eq!(pop(&queue), Pop::Empty);
    }
}
