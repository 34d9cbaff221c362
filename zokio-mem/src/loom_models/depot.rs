//! loom models of the depot: batches pushed and popped from several threads
//! are neither lost nor handed out twice, and the limit holds.

use std::collections::BTreeSet;
use std::ptr::NonNull;

use crate::{Batch, Depot};
use zokio_core::sync::{Arc, model, thread};

/// A batch of `n` fresh blocks, and their addresses.
fn batch_of(n: usize) -> (Batch, BTreeSet<usize>) {
    let mut batch = Batch::new();
    let mut addrs = BTreeSet::new();
    for _ in 0..n {
        let block = NonNull::from(Box::leak(Box::new(0usize))).cast::<u8>();
        addrs.insert(block.as_ptr() as usize);
        // SAFETY: a fresh pointer-wide allocation nobody else uses.
        unsafe { batch.push(block) };
    }
    (batch, addrs)
}

/// Empties a batch and returns its blocks' addresses. The blocks are freed
/// only at the end of the model ([`free`]), so that no address is reused
/// while the test tells blocks apart by address.
fn drain(mut batch: Batch) -> BTreeSet<usize> {
    let mut addrs = BTreeSet::new();
    while let Some(block) = batch.pop() {
        assert!(
            addrs.insert(block.as_ptr() as usize),
            "a block twice in one batch"
        );
    }
    addrs
}

/// Frees the blocks at `addrs`.
fn free(addrs: BTreeSet<usize>) {
    for addr in addrs {
        // SAFETY: every block was made by `batch_of` from a `Box<usize>` and
        // is freed once, here.
        drop(unsafe { Box::from_raw(addr as *mut usize) });
    }
}

/// Pops every batch left in the depot.
fn drain_depot(depot: &Depot) -> BTreeSet<usize> {
    let mut addrs = BTreeSet::new();
    while let Some(batch) = depot.pop() {
        for addr in drain(batch) {
            assert!(addrs.insert(addr), "a block handed out twice");
        }
    }
    addrs
}

#[test]
fn racing_pushes_respect_the_limit() {
    model(|| {
        let depot = Arc::new(Depot::new());
        let pusher = |depot: Arc<Depot>| {
            let (batch, addrs) = batch_of(2);
            let refused = depot.push(batch, 1).err().map(drain);
            (addrs, refused)
        };
        let other = thread::spawn({
            let depot = depot.clone();
            move || pusher(depot)
        });
        let (mine, my_refused) = pusher(depot.clone());
        let (theirs, their_refused) = other.join().unwrap();
        let all: BTreeSet<usize> = mine.union(&theirs).copied().collect();

        // Exactly one push fits; the other batch comes back whole.
        let stored = match (my_refused, their_refused) {
            (Some(r), None) => {
                assert_eq!(r, mine);
                theirs
            }
            (None, Some(r)) => {
                assert_eq!(r, theirs);
                mine
            }
            other => panic!("limit 1 let {other:?} through"),
        };

        assert_eq!(depot.batches(), 1);
        assert_eq!(drain_depot(&depot), stored);
        free(all);
    });
}

#[test]
fn a_batch_moves_between_threads_intact() {
    model(|| {
        let depot = Arc::new(Depot::new());
        let (batch, addrs) = batch_of(3);
        let producer = thread::spawn({
            let depot = depot.clone();
            move || assert!(depot.push(batch, 4).is_ok())
        });
        // The consumer sees nothing or the whole batch, never part of it.
        let mut seen = BTreeSet::new();
        if let Some(batch) = depot.pop() {
            assert_eq!(batch.len(), 3);
            seen = drain(batch);
        }
        producer.join().unwrap();
        seen.extend(drain_depot(&depot));
        assert_eq!(seen, addrs);
        free(seen);
    });
}

#[test]
fn concurrent_push_and_pop_lose_and_duplicate_nothing() {
    model(|| {
        let depot = Arc::new(Depot::new());
        let (first, mut all) = batch_of(1);
        assert!(depot.push(first, 8).is_ok());
        let worker = |depot: Arc<Depot>| {
            let (batch, addrs) = batch_of(1);
            assert!(depot.push(batch, 8).is_ok());
            let got = depot.pop().map(drain).unwrap_or_default();
            (addrs, got)
        };
        let other = thread::spawn({
            let depot = depot.clone();
            move || worker(depot)
        });
        let (mine, my_got) = worker(depot.clone());
        let (theirs, their_got) = other.join().unwrap();
        all.extend(mine);
        all.extend(theirs);

        assert!(
            my_got.is_disjoint(&their_got),
            "two threads popped one batch"
        );
        let mut seen = my_got;
        seen.extend(their_got);
        for addr in drain_depot(&depot) {
            assert!(seen.insert(addr), "a popped batch is still in the depot");
        }
        assert_eq!(seen, all);
        free(seen);
    });
}
