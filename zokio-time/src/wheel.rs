//! The hierarchical timing wheel: 6 levels of 64 slots, 1 ms per level-0 slot.
//!
//! Level `L` covers `64^(L+1)` ms in 64 slots of `64^L` ms each, so the wheel
//! spans `64^6` ms (about 2.2 years) from its current time. An entry goes in
//! the lowest level whose current rotation contains its deadline; when time
//! reaches a slot of a higher level its entries are taken out and filed again
//! lower down (a cascade), until they reach level 0 and fire.
//!
//! Two extra lists complete it. `due` holds entries whose deadline falls in
//! the millisecond the wheel has reached but not yet passed: the wheel has
//! 1 ms slots, yet fires each timer at its exact nanosecond deadline, which
//! is what makes a short sleep precise. `pending` holds entries taken out of
//! expired slots while they are being fired or re-filed, so that firing can
//! drop the lock between batches of wakers and an entry cancelled meanwhile
//! is unlinked from a list like any other.
//!
//! Every list is circular and doubly linked through the entries themselves
//! (see [`Links`]), so inserting and unlinking are O(1) and allocate nothing.
//! An entry whose deadline is beyond the wheel's span is filed at the span's
//! edge and re-filed when the wheel gets there; only deadlines more than
//! about 584 years after the driver started are clamped.

use std::cell::UnsafeCell;
use std::ptr;
use std::task::Waker;

use crate::entry::{Links, TimerEntry};

/// Levels in the wheel.
const LEVELS: usize = 6;
/// Slots per level; also the fan-out between levels.
const SLOTS: usize = 64;
const SLOT_BITS: u32 = 6;
/// The wheel's span in ms: `64^6`.
const SPAN_MS: u64 = 1 << (SLOT_BITS as u64 * LEVELS as u64);
/// How far past the wheel's last turn (ms) an armed deadline is checked
/// against the clock, so that one already reached completes at once. The
/// wheel turns whenever its driver parks, so on a runtime with work this
/// covers the time since then; a sleep this short waits for far longer
/// than the clock read costs.
const PAST_WINDOW_MS: u64 = 16;
/// Nanoseconds per level-0 slot.
pub(crate) const NS_PER_MS: u64 = 1_000_000;

const DUE: usize = LEVELS * SLOTS;
const PENDING: usize = DUE + 1;
const HEADS: usize = PENDING + 1;

/// A few wakers gathered under the lock, to be woken once it is released.
pub(crate) struct WakeBatch {
    wakers: [Option<Waker>; 32],
    len: usize,
}

impl WakeBatch {
    pub(crate) fn new() -> WakeBatch {
        WakeBatch {
            wakers: Default::default(),
            len: 0,
        }
    }

    fn push(&mut self, waker: Waker) {
        self.wakers[self.len] = Some(waker);
        self.len += 1;
    }

    /// Wakers gathered and not yet woken.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn is_full(&self) -> bool {
        self.len == self.wakers.len()
    }

    /// Wakes every gathered waker. Call with no lock held: a waker may run
    /// arbitrary code, such as scheduling a task that arms a timer.
    pub(crate) fn wake_all(&mut self) {
        for waker in &mut self.wakers[..self.len] {
            if let Some(waker) = waker.take() {
                waker.wake();
            }
        }
        self.len = 0;
    }
}

/// One shard's wheel. Lives behind that shard's lock, at a fixed address
/// (list heads are pointed to by entries).
pub(crate) struct Wheel {
    heads: Box<[UnsafeCell<Links>]>,
    /// Bit `s` of `occupied[l]` is set when slot `s` of level `l` may hold
    /// entries. Cancelling leaves the bit; finding the slot empty clears it.
    occupied: [u64; LEVELS],
    /// The ms the wheel has advanced to.
    elapsed: u64,
    /// No entry in `due` has an earlier deadline (ns).
    due_min: u64,
    /// Entries linked in any list.
    len: usize,
    shutdown: bool,
}

// SAFETY: the raw pointers in `heads` and in linked entries are only followed
// by the thread holding the shard lock that owns this wheel.
unsafe impl Send for Wheel {}

impl Wheel {
    pub(crate) fn new() -> Wheel {
        Wheel {
            heads: (0..HEADS)
                .map(|_| UnsafeCell::new(Links::unlinked()))
                .collect(),
            occupied: [0; LEVELS],
            elapsed: 0,
            due_min: u64::MAX,
            len: 0,
            shutdown: false,
        }
    }

    /// Entries currently armed in this wheel.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown
    }

    /// Whether `deadline` (ns) may have been reached already: it is at most
    /// `PAST_WINDOW_MS` after the ms the wheel last advanced to. Deadlines
    /// further out were in the future at the wheel's last turn, and are
    /// filed without a clock read (the caller reads the clock for these).
    #[inline]
    pub(crate) fn may_be_due(&self, deadline: u64) -> bool {
        deadline / NS_PER_MS <= self.elapsed + PAST_WINDOW_MS
    }

    #[inline]
    fn head(&self, index: usize) -> *mut Links {
        self.heads[index].get()
    }

    /// Files `entry`, which must be unlinked, at `deadline` (ns).
    #[inline]
    pub(crate) fn insert(&mut self, entry: &TimerEntry, deadline: u64) {
        let when = deadline / NS_PER_MS;
        let head = if when <= self.elapsed {
            self.due_min = self.due_min.min(deadline);
            DUE
        } else {
            let when = when.min(self.elapsed + SPAN_MS - 1);
            let level = level_for(self.elapsed, when);
            let slot = slot_for(when, level);
            self.occupied[level] |= 1 << slot;
            level * SLOTS + slot
        };
        // SAFETY: we hold the shard lock (`&mut self`), `entry` is unlinked
        // and pinned (its owner unlinks it under this lock before it moves or
        // drops), and the head lives as long as the wheel.
        unsafe { push_back(self.head(head), entry.links_ptr()) };
        self.len += 1;
    }

    /// Unlinks `entry` if it is linked in this wheel; true if it was.
    #[inline]
    pub(crate) fn remove(&mut self, entry: &TimerEntry) -> bool {
        let links = entry.links_ptr();
        // SAFETY: under the shard lock; a linked entry's neighbours are live
        // entries or heads of this wheel.
        unsafe {
            if (*links).next.is_null() {
                return false;
            }
            unlink(links);
        }
        self.len -= 1;
        true
    }

    /// The earliest time (ns) at which `process` has something to do.
    pub(crate) fn next_wake(&mut self) -> Option<u64> {
        let slot = self
            .next_expiration()
            .map(|(_, _, ms)| ms.saturating_mul(NS_PER_MS));
        // SAFETY: under the shard lock.
        let due = (!unsafe { is_empty(self.head(DUE)) }).then_some(self.due_min);
        match (slot, due) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The first non-empty slot to expire: `(level, slot, start ms)`.
    fn next_expiration(&mut self) -> Option<(usize, usize, u64)> {
        for level in 0..LEVELS {
            while self.occupied[level] != 0 {
                let shift = SLOT_BITS * level as u32;
                let slot_range = 1u64 << shift;
                let level_range = slot_range << SLOT_BITS;
                let now_slot = (self.elapsed >> shift) as u32 % SLOTS as u32;
                let zeros = self.occupied[level].rotate_right(now_slot).trailing_zeros();
                let slot = ((zeros + now_slot) % SLOTS as u32) as usize;
                // SAFETY: under the shard lock.
                if unsafe { is_empty(self.head(level * SLOTS + slot)) } {
                    // Every entry there was cancelled.
                    self.occupied[level] &= !(1 << slot);
                    continue;
                }
                let level_start = self.elapsed & !(level_range - 1);
                let mut start = level_start + slot as u64 * slot_range;
                if start <= self.elapsed {
                    // Only the top level wraps around (deadlines at its edge).
                    start += level_range;
                }
                return Some((level, slot, start));
            }
        }
        None
    }

    /// Advances the wheel to `now` (ns), firing what is due into `batch`.
    /// Returns false when the batch filled up first: wake it with the lock
    /// released and call again.
    pub(crate) fn process(&mut self, now: u64, batch: &mut WakeBatch) -> bool {
        let now_ms = now / NS_PER_MS;
        loop {
            if !self.drain_pending(now, batch) {
                return false;
            }
            match self.next_expiration() {
                Some((level, slot, start)) if start <= now_ms => {
                    self.elapsed = self.elapsed.max(start);
                    self.occupied[level] &= !(1 << slot);
                    // SAFETY: under the shard lock; both are heads of this wheel.
                    unsafe { splice(self.head(level * SLOTS + slot), self.head(PENDING)) };
                    continue;
                }
                _ => {}
            }
            self.elapsed = self.elapsed.max(now_ms);
            // SAFETY: under the shard lock.
            if self.due_min <= now && !unsafe { is_empty(self.head(DUE)) } {
                self.due_min = u64::MAX;
                // SAFETY: under the shard lock; both are heads of this wheel.
                unsafe { splice(self.head(DUE), self.head(PENDING)) };
                continue;
            }
            return true;
        }
    }

    /// Fires or re-files every entry in `pending`; false if `batch` filled.
    fn drain_pending(&mut self, now: u64, batch: &mut WakeBatch) -> bool {
        loop {
            // SAFETY: under the shard lock; `pending` holds live entries
            // (an entry is unlinked under this lock before it is dropped).
            let Some(links) = (unsafe { pop_front(self.head(PENDING)) }) else {
                return true;
            };
            self.len -= 1;
            // SAFETY: every non-head node in the wheel's lists is an entry's links.
            let entry = unsafe { TimerEntry::from_links(links) };
            match entry.fire_if_due(now) {
                Ok(()) => {
                    // The owner cannot drop the entry before we release the
                    // lock, so taking the waker after firing is sound.
                    if let Some(waker) = entry.waker.take() {
                        batch.push(waker);
                        if batch.is_full() {
                            return false;
                        }
                    }
                }
                Err(deadline) => self.insert(entry, deadline),
            }
        }
    }

    /// Fires every entry regardless of its deadline and refuses new ones
    /// (driver shutdown). Returns false when `batch` filled first.
    pub(crate) fn fire_all(&mut self, batch: &mut WakeBatch) -> bool {
        self.shutdown = true;
        for index in 0..PENDING {
            // SAFETY: under the shard lock; both are heads of this wheel.
            unsafe { splice(self.head(index), self.head(PENDING)) };
        }
        self.occupied = [0; LEVELS];
        loop {
            // SAFETY: as in `drain_pending`.
            let Some(links) = (unsafe { pop_front(self.head(PENDING)) }) else {
                return true;
            };
            self.len -= 1;
            // SAFETY: every non-head node in the wheel's lists is an entry's links.
            let entry = unsafe { TimerEntry::from_links(links) };
            entry.fire_now();
            if let Some(waker) = entry.waker.take() {
                batch.push(waker);
                if batch.is_full() {
                    return false;
                }
            }
        }
    }
}

/// The level an entry due at `when` (ms) goes in, seen from `elapsed`: the
/// lowest whose current rotation contains `when`.
#[inline]
fn level_for(elapsed: u64, when: u64) -> usize {
    let mut masked = (elapsed ^ when) | (SLOTS as u64 - 1);
    if masked >= SPAN_MS {
        masked = SPAN_MS - 1;
    }
    let significant = 63 - masked.leading_zeros() as usize;
    significant / SLOT_BITS as usize
}

#[inline]
fn slot_for(when: u64, level: usize) -> usize {
    ((when >> (SLOT_BITS * level as u32)) % SLOTS as u64) as usize
}

// The list primitives. A head with null pointers is an empty list that has
// never been used; a used empty head points to itself.

/// # Safety
/// `head` must be a live head; the caller holds the lock guarding the list.
unsafe fn is_empty(head: *mut Links) -> bool {
    // SAFETY: the caller guarantees `head` is live and the list is ours.
    let next = unsafe { (*head).next };
    next.is_null() || ptr::eq(next, head)
}

/// # Safety
/// `head` must be a live head, `node` live and unlinked; lock held.
#[inline]
unsafe fn push_back(head: *mut Links, node: *mut Links) {
    // SAFETY: the caller guarantees both are live and the list is ours.
    unsafe {
        if (*head).next.is_null() {
            (*head).next = head;
            (*head).prev = head;
        }
        let tail = (*head).prev as *mut Links;
        (*node).prev = tail;
        (*node).next = head;
        (*tail).next = node;
        (*head).prev = node;
    }
}

/// # Safety
/// `node` must be live and linked into a list whose lock is held.
#[inline]
unsafe fn unlink(node: *mut Links) {
    // SAFETY: a linked node's neighbours are live (entries unlink before they
    // drop, heads live with the wheel); the caller holds the list's lock.
    unsafe {
        let prev = (*node).prev as *mut Links;
        let next = (*node).next as *mut Links;
        (*prev).next = next;
        (*next).prev = prev;
        (*node).prev = ptr::null();
        (*node).next = ptr::null();
    }
}

/// # Safety
/// `head` must be a live head; lock held.
unsafe fn pop_front(head: *mut Links) -> Option<*const Links> {
    // SAFETY: the caller guarantees `head` is live and the list is ours.
    unsafe {
        if is_empty(head) {
            return None;
        }
        let first = (*head).next as *mut Links;
        unlink(first);
        Some(first)
    }
}

/// Moves every node of `from` to the end of `to`.
///
/// # Safety
/// Both must be live heads of lists guarded by the same held lock.
unsafe fn splice(from: *mut Links, to: *mut Links) {
    // SAFETY: the caller guarantees both heads are live and the lists ours.
    unsafe {
        if is_empty(from) {
            return;
        }
        if (*to).next.is_null() {
            (*to).next = to;
            (*to).prev = to;
        }
        let first = (*from).next as *mut Links;
        let last = (*from).prev as *mut Links;
        let tail = (*to).prev as *mut Links;
        (*tail).next = first;
        (*first).prev = tail;
        (*last).next = to;
        (*to).prev = last;
        (*from).next = from;
        (*from).prev = from;
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::entry::FIRED;

    fn entries(n: usize) -> Vec<TimerEntry> {
        (0..n).map(|_| TimerEntry::new(0)).collect()
    }

    fn arm(wheel: &mut Wheel, entry: &TimerEntry, deadline_ns: u64) {
        entry
            .state
            .store(deadline_ns, zokio_core::sync::atomic::Ordering::Relaxed);
        wheel.insert(entry, deadline_ns);
    }

    fn fired(entry: &TimerEntry) -> bool {
        entry
            .state
            .load(zokio_core::sync::atomic::Ordering::Relaxed)
            == FIRED
    }

    #[test]
    fn levels_cover_their_ranges() {
        assert_eq!(level_for(0, 1), 0);
        assert_eq!(level_for(0, 63), 0);
        assert_eq!(level_for(0, 64), 1);
        assert_eq!(level_for(0, 4095), 1);
        assert_eq!(level_for(0, 4096), 2);
        assert_eq!(level_for(0, SPAN_MS - 1), LEVELS - 1);
        assert_eq!(level_for(SPAN_MS - 1, SPAN_MS + 5), LEVELS - 1);
    }

    #[test]
    fn fires_each_entry_at_or_after_its_deadline_only() {
        let mut wheel = Wheel::new();
        let es = entries(6);
        let deadlines_ms = [1u64, 2, 63, 64, 70, 5000];
        for (e, d) in es.iter().zip(deadlines_ms) {
            arm(&mut wheel, e, d * NS_PER_MS + 10);
        }
        assert_eq!(wheel.len(), 6);
        let mut batch = WakeBatch::new();
        for now_ms in 0..6000u64 {
            assert!(wheel.process(now_ms * NS_PER_MS + 5, &mut batch));
            for (e, d) in es.iter().zip(deadlines_ms) {
                assert_eq!(fired(e), now_ms > d, "deadline {d} ms at {now_ms} ms");
            }
        }
        assert_eq!(wheel.len(), 0);
    }

    #[test]
    fn next_wake_is_the_exact_deadline_within_the_current_ms() {
        let mut wheel = Wheel::new();
        let e = entries(1);
        arm(&mut wheel, &e[0], 3 * NS_PER_MS + 400_000);
        assert_eq!(wheel.next_wake(), Some(3 * NS_PER_MS));
        let mut batch = WakeBatch::new();
        assert!(wheel.process(3 * NS_PER_MS + 100, &mut batch));
        assert!(!fired(&e[0]));
        assert_eq!(wheel.next_wake(), Some(3 * NS_PER_MS + 400_000));
        assert!(wheel.process(3 * NS_PER_MS + 400_000, &mut batch));
        assert!(fired(&e[0]));
        assert_eq!(wheel.next_wake(), None);
    }

    #[test]
    fn removed_entries_leave_nothing_behind() {
        let mut wheel = Wheel::new();
        let es = entries(1000);
        for (i, e) in es.iter().enumerate() {
            arm(&mut wheel, e, (i as u64 * 7919 % 100_000 + 1) * NS_PER_MS);
        }
        for e in &es {
            assert!(wheel.remove(e));
            assert!(!wheel.remove(e));
        }
        assert_eq!(wheel.len(), 0);
        assert_eq!(wheel.next_wake(), None, "stale slot bits are cleared");
    }

    #[test]
    fn far_deadlines_are_refiled_not_fired_early() {
        let mut wheel = Wheel::new();
        let e = entries(1);
        let deadline = (SPAN_MS + 10) * NS_PER_MS;
        arm(&mut wheel, &e[0], deadline);
        let mut batch = WakeBatch::new();
        let mut now = 0;
        while let Some(next) = wheel.next_wake() {
            assert!(!fired(&e[0]));
            now = next.max(now);
            assert!(wheel.process(now, &mut batch));
        }
        assert!(fired(&e[0]));
        assert_eq!(now, deadline);
    }
}
