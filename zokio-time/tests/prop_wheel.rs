//! Model-based property test of the timing wheel, through the public API:
//! random sleeps, resets, drops and advances of a paused clock, checked after
//! every step against a `BTreeMap` of deadlines (which sleeps have fired,
//! which were woken, how many are armed).
#![cfg(not(loom))]

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use proptest::prelude::*;
use zokio_core::ThreadParker;
use zokio_time::{Instant, Sleep, TimeDriver};

#[derive(Default)]
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// A new sleep this far from now, polled once.
    Sleep(Duration),
    /// Reset the `n % live`th sleep to this far from now, then poll it.
    Reset(usize, Duration),
    /// Drop the `n % live`th sleep (a cancel).
    Drop(usize),
    /// Move the paused clock forward.
    Advance(Duration),
}

/// Durations at every scale the wheel has: within the current millisecond,
/// within level 0, across levels, and days away.
fn span() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0..2_000_000u64).prop_map(Duration::from_nanos),
        (0..70u64).prop_map(Duration::from_millis),
        (0..300_000u64).prop_map(Duration::from_millis),
        (0..20_000_000u64).prop_map(Duration::from_millis),
        (0..400_000u64).prop_map(Duration::from_secs),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => span().prop_map(Op::Sleep),
        2 => (any::<usize>(), span()).prop_map(|(n, d)| Op::Reset(n, d)),
        1 => any::<usize>().prop_map(Op::Drop),
        3 => span().prop_map(Op::Advance),
        1 => Just(Op::Advance(Duration::ZERO)),
    ]
}

struct Live {
    id: u32,
    sleep: Pin<Box<Sleep>>,
    wakes: Arc<Counter>,
    waker: Waker,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn the_wheel_matches_a_btreemap_of_deadlines(ops in proptest::collection::vec(op(), 1..120)) {
        let driver = TimeDriver::new(ThreadParker::new());
        let handle = driver.handle();
        let _guard = handle.enter();
        handle.pause();

        // The model: deadline -> ids of the live sleeps due then.
        let mut model: BTreeMap<(Instant, u32), ()> = BTreeMap::new();
        let mut live: Vec<Live> = Vec::new();
        let mut next_id = 0u32;
        let mut overdue: BTreeSet<u32> = BTreeSet::new();

        for op in ops {
            let now = handle.now();
            match op {
                Op::Sleep(d) => {
                    let wakes = Arc::new(Counter::default());
                    let waker = Waker::from(wakes.clone());
                    let mut sleep = Box::pin(zokio_time::sleep(d));
                    let ready = sleep.as_mut().poll(&mut Context::from_waker(&waker)).is_ready();
                    prop_assert_eq!(ready, d.is_zero(), "a new sleep of {:?}", d);
                    model.insert((now + d, next_id), ());
                    live.push(Live { id: next_id, sleep, wakes, waker });
                    next_id += 1;
                }
                Op::Reset(n, d) if !live.is_empty() => {
                    let i = n % live.len();
                    let entry = &mut live[i];
                    let old = entry.sleep.deadline();
                    prop_assert!(model.remove(&(old, entry.id)).is_some());
                    entry.sleep.as_mut().reset(now + d);
                    let ready = entry
                        .sleep
                        .as_mut()
                        .poll(&mut Context::from_waker(&entry.waker))
                        .is_ready();
                    // A sleep reset to a deadline already reached may stay
                    // pending until the wheel's next turn (the next
                    // advance, or the driver's next park): the model lets it
                    // be overdue until then, and no longer.
                    prop_assert!(!ready || d.is_zero(), "reset {:?} -> {:?} was ready", old, d);
                    if !ready && d.is_zero() {
                        overdue.insert(entry.id);
                    } else {
                        overdue.remove(&entry.id);
                    }
                    model.insert((now + d, entry.id), ());
                }
                Op::Drop(n) if !live.is_empty() => {
                    let entry = live.swap_remove(n % live.len());
                    overdue.remove(&entry.id);
                    prop_assert!(model.remove(&(entry.sleep.deadline(), entry.id)).is_some());
                }
                Op::Advance(d) => {
                    let before: Vec<usize> = live.iter().map(|l| l.wakes.0.load(Ordering::SeqCst)).collect();
                    let pending: Vec<bool> = live.iter().map(|l| !l.sleep.is_elapsed()).collect();
                    handle.advance(d);
                    overdue.clear();
                    let now = handle.now();
                    for (k, l) in live.iter().enumerate() {
                        let due = l.sleep.deadline() <= now;
                        if pending[k] && due {
                            prop_assert!(
                                l.wakes.0.load(Ordering::SeqCst) > before[k],
                                "sleep {} fired by an advance without a wake", l.id
                            );
                        }
                    }
                }
                Op::Reset(..) | Op::Drop(_) => {}
            }
            // After every step: exactly the sleeps whose deadline has passed
            // have fired, and the rest are armed.
            let now = handle.now();
            let due: Vec<u32> = model
                .range(..=(now, u32::MAX))
                .map(|((_, id), _)| *id)
                .filter(|id| !overdue.contains(id))
                .collect();
            for l in &live {
                prop_assert_eq!(
                    l.sleep.is_elapsed(),
                    due.contains(&l.id),
                    "sleep {} with deadline {:?}, now {:?}", l.id, l.sleep.deadline(), now
                );
            }
            prop_assert_eq!(handle.armed_timers(), live.len() - due.len());
        }
        drop(live);
        prop_assert_eq!(handle.armed_timers(), 0, "dropping every sleep disarms it");
    }
}
