//! A slab of wakers at one word each: the registry's storage for the tasks
//! that wait (see `owned`).
//!
//! A `Waker` is two words, a data pointer and a vtable pointer, and every
//! task of one future type has the same vtable. So the slab keeps wakers in
//! pages of `PAGE` slots that each hold wakers of one vtable only: the page
//! keeps the vtable once, each slot only the data pointer. A slot's index
//! (page and position) is what the task keeps to be removed in O(1).
//!
//! Each vtable has a list of its pages that have a free slot (`open`), so an
//! insert finds one at once however many kinds of task wait; a page that
//! empties leaves that list, and its slots go to the next page that any
//! vtable opens (one spare is kept, so a count that swings around a page
//! boundary does not allocate each time).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::mem::ManuallyDrop;
use std::task::{RawWakerVTable, Waker};

/// Slots per page: 4 KiB of data pointers.
pub(crate) const PAGE: usize = 512;

const WORDS: usize = PAGE / 64;

/// `free` when the page has no free slot.
const FULL: u16 = PAGE as u16;

/// A slot: a kept waker's data pointer, or the index of the next free slot
/// (as an address without provenance, never dereferenced).
type Slots = Box<[*const (); PAGE]>;

struct Page {
    /// The vtable of every waker in the page.
    vtable: &'static RawWakerVTable,
    slots: Slots,
    /// Which slots hold a waker (data pointers can be anything, null
    /// included, so occupancy is not read from the slots).
    occupied: [u64; WORDS],
    /// The first free slot, `FULL` if none.
    free: u16,
    used: u16,
    /// Where this page is in its vtable's `open` list, if it is there.
    open_at: Option<u32>,
}

/// Vtable addresses are distinct pointers: one multiply, folded, spreads them.
#[derive(Default)]
struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(self.0.rotate_left(8) ^ u64::from(byte));
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        let product = u128::from(n) * 0x9E37_79B9_7F4A_7C15;
        self.0 = (product as u64) ^ ((product >> 64) as u64);
    }
}

pub(crate) struct WakerSlab {
    /// Indexed by page number; `None` for a page number free for reuse.
    pages: Vec<Option<Page>>,
    vacant: Vec<u32>,
    /// Per vtable address: the numbers of its pages that have a free slot.
    open: HashMap<usize, Vec<u32>, BuildHasherDefault<AddrHasher>>,
    spare: Option<Slots>,
    /// Page numbers stay below this, so that every index fits the caller's key.
    max_pages: usize,
    len: usize,
}

// SAFETY: the raw pointers are the data halves of wakers the slab owns, and
// `Waker` is `Send`: moving the slab moves those wakers, nothing else.
unsafe impl Send for WakerSlab {}

fn new_slots() -> Slots {
    // Straight onto the heap: a 4 KiB array need not pass through the stack.
    vec![std::ptr::null::<()>(); PAGE]
        .into_boxed_slice()
        .try_into()
        .unwrap_or_else(|_| unreachable!("the vector has PAGE slots"))
}

impl Page {
    fn new(vtable: &'static RawWakerVTable, mut slots: Slots) -> Page {
        for (i, slot) in slots.iter_mut().enumerate() {
            *slot = std::ptr::without_provenance(i + 1);
        }
        Page {
            vtable,
            slots,
            occupied: [0; WORDS],
            free: 0,
            used: 0,
            open_at: None,
        }
    }

    fn is_occupied(&self, slot: usize) -> bool {
        self.occupied[slot / 64] & (1 << (slot % 64)) != 0
    }

    /// Takes the first free slot for `data`; the page has one.
    fn take(&mut self, data: *const ()) -> usize {
        let slot = usize::from(self.free);
        debug_assert!(slot < PAGE && !self.is_occupied(slot));
        // A free slot's content is the next free index, at most PAGE.
        self.free = self.slots[slot].addr() as u16;
        self.slots[slot] = data;
        self.occupied[slot / 64] |= 1 << (slot % 64);
        self.used += 1;
        slot
    }

    /// Frees an occupied slot and gives back its data pointer.
    fn give_back(&mut self, slot: usize) -> *const () {
        let data = self.slots[slot];
        self.slots[slot] = std::ptr::without_provenance(usize::from(self.free));
        self.free = slot as u16;
        self.occupied[slot / 64] &= !(1 << (slot % 64));
        self.used -= 1;
        data
    }

    /// Every waker in the page, given back whole.
    fn into_wakers(self, out: &mut Vec<Waker>) {
        for slot in 0..PAGE {
            if self.is_occupied(slot) {
                // An occupied slot holds the data pointer of a waker whose
                // ownership `insert` took (by not dropping it), and the page's
                // vtable is that waker's; the page is consumed here, so each
                // slot is read once.
                // SAFETY: rebuilding the waker once gives that ownership back.
                out.push(unsafe { Waker::new(self.slots[slot], self.vtable) });
            }
        }
    }
}

impl WakerSlab {
    /// A slab whose indices stay below `max_index` (at least one page).
    pub(crate) fn new(max_index: usize) -> WakerSlab {
        WakerSlab {
            pages: Vec::new(),
            vacant: Vec::new(),
            open: HashMap::default(),
            spare: None,
            max_pages: (max_index / PAGE).max(1),
            len: 0,
        }
    }

    /// Wakers kept now.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Keeps `waker`; returns its index, or gives it back if every index is taken.
    pub(crate) fn insert(&mut self, waker: Waker) -> Result<usize, Waker> {
        let vtable = waker.vtable();
        let key = std::ptr::from_ref(vtable).addr();
        let number = match self.open.get(&key).and_then(|list| list.last()) {
            Some(&number) => number,
            None => match self.open_page(vtable) {
                Some(number) => number,
                None => return Err(waker),
            },
        };
        let waker = ManuallyDrop::new(waker);
        let page = self.pages[number as usize]
            .as_mut()
            .unwrap_or_else(|| unreachable!("an open page is live"));
        let slot = page.take(waker.data());
        if page.free == FULL {
            self.close_page(number, key);
        }
        self.len += 1;
        Ok(number as usize * PAGE + slot)
    }

    /// Gives back the waker at `index`, if one is kept there.
    pub(crate) fn remove(&mut self, index: usize) -> Option<Waker> {
        let (number, slot) = (index / PAGE, index % PAGE);
        let page = self.pages.get_mut(number)?.as_mut()?;
        if !page.is_occupied(slot) {
            return None;
        }
        let was_full = page.free == FULL;
        let data = page.give_back(slot);
        let vtable = page.vtable;
        let emptied = page.used == 0;
        // The slot held the data pointer of a waker whose ownership `insert`
        // took, and the page's vtable is that waker's; the slot is free now.
        // SAFETY: so the waker is rebuilt exactly once, from its own parts.
        let waker = unsafe { Waker::new(data, vtable) };
        let key = std::ptr::from_ref(vtable).addr();
        let number = number as u32;
        if emptied {
            if !was_full {
                self.close_page(number, key);
            }
            let page = self.pages[number as usize].take();
            self.spare = page.map(|p| p.slots);
            self.vacant.push(number);
        } else if was_full {
            self.list_open(number, key);
        }
        self.len -= 1;
        Some(waker)
    }

    /// Empties the slab, giving back every waker it kept.
    pub(crate) fn drain_into(&mut self, out: &mut Vec<Waker>) {
        out.reserve(self.len);
        for page in std::mem::take(&mut self.pages).into_iter().flatten() {
            page.into_wakers(out);
        }
        self.vacant = Vec::new();
        self.open = HashMap::default();
        self.spare = None;
        self.len = 0;
    }

    /// A new page for `vtable`, listed open; `None` if no page number is left.
    fn open_page(&mut self, vtable: &'static RawWakerVTable) -> Option<u32> {
        let number = match self.vacant.pop() {
            Some(number) => number,
            None if self.pages.len() < self.max_pages => {
                self.pages.push(None);
                (self.pages.len() - 1) as u32
            }
            None => return None,
        };
        let slots = self.spare.take().unwrap_or_else(new_slots);
        self.pages[number as usize] = Some(Page::new(vtable, slots));
        self.list_open(number, std::ptr::from_ref(vtable).addr());
        Some(number)
    }

    fn list_open(&mut self, number: u32, key: usize) {
        let list = self.open.entry(key).or_default();
        if let Some(page) = self.pages[number as usize].as_mut() {
            page.open_at = Some(list.len() as u32);
            list.push(number);
        }
    }

    /// Takes page `number` out of its vtable's open list.
    fn close_page(&mut self, number: u32, key: usize) {
        let Some(at) = self.pages[number as usize]
            .as_mut()
            .and_then(|p| p.open_at.take())
        else {
            return;
        };
        let Some(list) = self.open.get_mut(&key) else {
            return;
        };
        list.swap_remove(at as usize);
        if let Some(&moved) = list.get(at as usize) {
            if let Some(page) = self.pages[moved as usize].as_mut() {
                page.open_at = Some(at);
            }
        } else if list.is_empty() {
            self.open.remove(&key);
        }
    }
}

impl Drop for WakerSlab {
    fn drop(&mut self) {
        let mut wakers = Vec::new();
        self.drain_into(&mut wakers);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    /// A waker of its own kind (vtable) that counts its wakes and its clones alive.
    struct Counter {
        wakes: AtomicUsize,
    }

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.wakes.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn counter() -> Arc<Counter> {
        Arc::new(Counter {
            wakes: AtomicUsize::new(0),
        })
    }

    /// Wakers of another vtable than `Counter`'s.
    struct Other;
    impl Wake for Other {
        fn wake(self: Arc<Self>) {}
    }

    #[test]
    fn insert_remove_gives_back_the_same_waker_and_reuses_slots() {
        let mut slab = WakerSlab::new(usize::MAX);
        let c = counter();
        let a = slab.insert(Waker::from(c.clone())).unwrap();
        let b = slab.insert(Waker::from(c.clone())).unwrap();
        assert_ne!(a, b);
        assert_eq!(slab.len(), 2);
        assert_eq!(Arc::strong_count(&c), 3, "the slab holds both references");
        slab.remove(a).unwrap().wake();
        assert_eq!(c.wakes.load(Ordering::Relaxed), 1);
        assert!(slab.remove(a).is_none(), "removed once only");
        assert_eq!(
            slab.insert(Waker::from(c.clone())).unwrap(),
            a,
            "slot reused"
        );
        drop(slab);
        assert_eq!(
            Arc::strong_count(&c),
            1,
            "dropping the slab drops its wakers"
        );
    }

    #[test]
    fn each_vtable_has_its_own_pages_and_all_come_back_at_close() {
        let mut slab = WakerSlab::new(usize::MAX);
        let c = counter();
        let o = Arc::new(Other);
        let mut mine = Vec::new();
        for i in 0..3 * PAGE {
            mine.push(slab.insert(Waker::from(c.clone())).unwrap());
            if i % 2 == 0 {
                let other = slab.insert(Waker::from(o.clone())).unwrap();
                assert_ne!(other / PAGE, mine[i] / PAGE, "no page mixes vtables");
            }
        }
        assert_eq!(slab.len(), 3 * PAGE + 3 * PAGE / 2);
        // Free a slot in the middle of a full page: the next insert uses it.
        let hole = mine[PAGE + 7];
        drop(slab.remove(hole));
        assert_eq!(slab.insert(Waker::from(c.clone())).unwrap(), hole);
        let mut all = Vec::new();
        slab.drain_into(&mut all);
        assert_eq!(all.len(), 3 * PAGE + 3 * PAGE / 2);
        all.iter().for_each(Waker::wake_by_ref);
        assert_eq!(c.wakes.load(Ordering::Relaxed), 3 * PAGE);
        drop(all);
        assert_eq!(Arc::strong_count(&c), 1);
        assert_eq!(Arc::strong_count(&o), 1);
        assert_eq!(slab.len(), 0);
    }

    #[test]
    fn an_emptied_page_is_given_to_whichever_vtable_needs_one() {
        let mut slab = WakerSlab::new(2 * PAGE);
        let c = counter();
        let first: Vec<_> = (0..PAGE)
            .map(|_| slab.insert(Waker::from(c.clone())).unwrap())
            .collect();
        let second = slab.insert(Waker::from(c.clone())).unwrap();
        assert_eq!(second / PAGE, 1);
        // Both pages are in use: the limit refuses a page for another vtable.
        let refused = slab.insert(Waker::from(Arc::new(Other)));
        assert!(refused.is_err(), "no page number is left");
        first
            .into_iter()
            .for_each(|i| drop(slab.remove(i).unwrap()));
        let other = slab.insert(Waker::from(Arc::new(Other))).unwrap();
        assert_eq!(other / PAGE, 0, "the emptied page went to the other vtable");
        assert_eq!(slab.len(), 2);
    }

    #[test]
    fn null_data_pointers_are_kept_too() {
        let mut slab = WakerSlab::new(usize::MAX);
        let i = slab.insert(Waker::noop().clone()).unwrap();
        assert_eq!(slab.len(), 1);
        assert!(slab.remove(i).is_some());
        assert!(slab.remove(i).is_none());
        assert!(
            slab.remove(10 * PAGE).is_none(),
            "an unknown index is no entry"
        );
    }

    #[test]
    fn a_count_swinging_at_a_page_boundary_reuses_the_spare() {
        let mut slab = WakerSlab::new(usize::MAX);
        let c = counter();
        let _full: Vec<_> = (0..PAGE)
            .map(|_| slab.insert(Waker::from(c.clone())).unwrap())
            .collect();
        for _ in 0..3 {
            let i = slab.insert(Waker::from(c.clone())).unwrap();
            assert_eq!(i / PAGE, 1);
            drop(slab.remove(i));
            assert!(slab.spare.is_some());
        }
        assert_eq!(slab.pages.len(), 2, "page numbers are reused as well");
    }
}
