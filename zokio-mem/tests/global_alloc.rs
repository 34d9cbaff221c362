//! `PoolAlloc` as this test binary's global allocator: everything the test
//! harness, std and these tests allocate goes through it.
#![cfg(not(loom))]

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;

use zokio_mem::{BufPool, Pool, PoolAlloc};

#[global_allocator]
static ALLOC: PoolAlloc = PoolAlloc::new();

#[test]
fn collections_grow_shrink_and_move_between_threads() {
    let shared = Arc::new(Mutex::new(HashMap::new()));
    let (tx, rx) = mpsc::channel::<Vec<String>>();
    let workers: Vec<_> = (0..4)
        .map(|t| {
            let shared = shared.clone();
            let tx = tx.clone();
            thread::spawn(move || {
                let mut map = BTreeMap::new();
                for i in 0..5000u32 {
                    let s = format!("{t}-{i}-{}", "x".repeat((i % 40) as usize));
                    map.insert(i, s.clone());
                    if i % 7 == 0 {
                        map.remove(&(i / 2));
                    }
                    if i % 100 == 0 {
                        tx.send(vec![s; 10]).unwrap();
                    }
                }
                let total: usize = map.values().map(String::len).sum();
                shared.lock().unwrap().insert(t, total);
                for (i, s) in &map {
                    assert!(s.starts_with(&format!("{t}-{i}-")));
                }
            })
        })
        .collect();
    drop(tx);
    let mut received = 0;
    for batch in rx {
        assert!(batch.iter().all(|s| s == &batch[0]));
        received += batch.len();
    }
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(received, 4 * 50 * 10);
    assert_eq!(shared.lock().unwrap().len(), 4);
}

#[test]
fn boxes_strings_and_vecs_keep_their_contents_through_reallocation() {
    let mut v: Vec<Box<[u8]>> = Vec::new();
    for i in 0..2000usize {
        v.push(vec![(i % 251) as u8; i % 1500].into_boxed_slice());
    }
    let mut s = String::new();
    for i in 0..3000 {
        s.push(char::from(b'a' + (i % 26) as u8));
    }
    for (i, b) in v.iter().enumerate() {
        assert!(b.iter().all(|&x| x == (i % 251) as u8));
    }
    assert!(
        s.bytes()
            .enumerate()
            .all(|(i, c)| c == b'a' + (i % 26) as u8)
    );
    s.shrink_to(10);
}

#[test]
fn the_pools_work_on_top_of_it() {
    static OBJECTS: Pool<Vec<u8>> = Pool::new(Vec::new, Vec::clear);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            thread::spawn(|| {
                for i in 0..1000 {
                    let mut buf = BufPool::global().take(100 + i);
                    buf.fill(1);
                    let mut obj = OBJECTS.take();
                    obj.extend_from_slice(&buf);
                    assert_eq!(obj.len(), 100 + i);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}
