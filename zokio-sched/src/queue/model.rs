//! Model-based property test of the ring queue: random push, pop and steal
//! sequences over two rings, checked step by step against two `VecDeque`s.

use std::collections::VecDeque;

use proptest::prelude::*;
use zokio_core::task::Runnable;

use super::local_queue;

/// Small enough that pushes overflow and steals meet a full destination.
const N: usize = 8;

#[derive(Debug, Clone)]
enum Op {
    Push(usize),
    Pop(usize),
    /// Steal from queue `.0` into the other one.
    Steal(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..2usize).prop_map(Op::Push),
        2 => (0..2usize).prop_map(Op::Pop),
        1 => (0..2usize).prop_map(Op::Steal),
    ]
}

/// A task that returns `id` when run.
fn task(id: u32) -> (Runnable, zokio_core::task::JoinHandle<u32>) {
    zokio_core::task::spawn(async move { id }, |_, _| {})
}

/// Runs `runnable` and returns the id its task was made with.
fn run(runnable: Runnable, handles: &mut [Option<zokio_core::task::JoinHandle<u32>>]) -> u32 {
    // Which handle belongs to it is not known yet: run it, then find the
    // finished handle (exactly one newly finished).
    runnable.run();
    let finished: Vec<usize> = handles
        .iter()
        .enumerate()
        .filter(|(_, h)| h.as_ref().is_some_and(|h| h.is_finished()))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(finished.len(), 1, "running one task finished {finished:?}");
    let handle = handles[finished[0]].take().unwrap();
    zokio_core::block_on(handle).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn local_queue_matches_a_vecdeque_model(ops in proptest::collection::vec(op(), 1..200)) {
        let (a, steal_a) = local_queue::<N>();
        let (b, steal_b) = local_queue::<N>();
        let mut queues = [a, b];
        let stealers = [steal_a, steal_b];
        let mut model: [VecDeque<u32>; 2] = [VecDeque::new(), VecDeque::new()];
        let mut handles = Vec::new();
        let mut next = 0u32;
        for op in ops {
            match op {
                Op::Push(q) => {
                    let (runnable, handle) = task(next);
                    handles.push(Some(handle));
                    let mut spilled = Vec::new();
                    queues[q].push_back(runnable, &mut |batch| spilled.extend(batch));
                    // Model: a full ring spills its older half, then the new task.
                    let mut expect = Vec::new();
                    if model[q].len() == N {
                        expect.extend(model[q].drain(..N / 2));
                        expect.push(next);
                    } else {
                        model[q].push_back(next);
                    }
                    let got: Vec<u32> = spilled.into_iter().map(|r| run(r, &mut handles)).collect();
                    prop_assert_eq!(&got, &expect);
                    next += 1;
                }
                Op::Pop(q) => {
                    let got = queues[q].pop().map(|r| run(r, &mut handles));
                    prop_assert_eq!(got, model[q].pop_front());
                }
                Op::Steal(src) => {
                    let dst = 1 - src;
                    let got = stealers[src]
                        .steal_into(&mut queues[dst])
                        .map(|r| run(r, &mut handles));
                    // Model: nothing if the destination is more than half
                    // full or the source empty; else the older half (rounded
                    // up) moves, and the last of it is handed back to run.
                    let expect = if model[dst].len() > N / 2 || model[src].is_empty() {
                        None
                    } else {
                        let n = model[src].len() - model[src].len() / 2;
                        let mut moved: Vec<u32> = model[src].drain(..n).collect();
                        let last = moved.pop();
                        model[dst].extend(moved);
                        last
                    };
                    prop_assert_eq!(got, expect);
                }
            }
            for q in 0..2 {
                prop_assert_eq!(queues[q].len(), model[q].len());
                prop_assert_eq!(queues[q].free_slots(), N - model[q].len());
            }
        }
        // Drain both and check nothing is lost or duplicated.
        for q in 0..2 {
            while let Some(r) = queues[q].pop() {
                prop_assert_eq!(Some(run(r, &mut handles)), model[q].pop_front());
            }
            prop_assert!(model[q].is_empty());
        }
        prop_assert!(handles.iter().all(Option::is_none), "every task ran once");
    }
}
