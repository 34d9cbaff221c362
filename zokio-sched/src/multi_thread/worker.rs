//! One worker thread's loop: run local work, look at the injector now and
//! then, steal when idle, park when there is nothing anywhere.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use zokio_core::context::{self, Handles};
use zokio_core::sync::Arc;
use zokio_core::sync::atomic::{Ordering, fence};
use zokio_core::task::Runnable;
use zokio_core::{Driver, ThreadParker};

use super::lend::Lend;
use super::shared::{Parts, RING, Shared, WorkerContext};
use crate::driver_cell::DriverCell;
use crate::dump::worker::WorkerRecords;
use crate::lifo::{LifoNext, LifoSlot};
use crate::metrics::LocalCounts;
use crate::poll_mark::WorkerMark;
use crate::queue::LocalQueue;

/// Everything a worker thread starts with.
pub(super) struct Start<D> {
    pub(super) shared: Arc<Shared>,
    pub(super) index: usize,
    pub(super) parker: ThreadParker,
    pub(super) queue: LocalQueue<RING>,
    pub(super) driver: Arc<DriverCell<D>>,
    /// The runtime's context, entered for the thread's life.
    pub(super) context: Handles,
}

/// What only the worker's own thread touches.
struct Core<D> {
    index: usize,
    /// Ticks left until the next look at the injector (a countdown rather
    /// than a modulo: no division on the hot path).
    ticks_to_interval: u32,
    /// Ticks left until the next driver poll (`event_interval`).
    ticks_to_event: u32,
    is_searching: bool,
    rng: u64,
    counts: LocalCounts,
    driver: Arc<DriverCell<D>>,
    /// Set on a `block_in_place` stand-in: the loan it runs the worker on.
    lend: Option<Arc<Lend<Parts>>>,
    /// When the worker last started running (it read the clock at unpark).
    busy_since: std::time::Instant,
    /// This worker's poll mark, if the scheduler keeps them.
    mark: Option<WorkerMark>,
    /// A batch taken from the injector or a spill queue on its way into the
    /// ring, kept for its allocation.
    pulled: Vec<Runnable>,
}

pub(super) fn run<D: Driver>(start: Start<D>) {
    let Start {
        shared,
        index,
        parker,
        queue,
        driver,
        context,
    } = start;
    let runtime = context::enter_runtime();
    let entered = context.enter();
    let cx = WorkerContext {
        shared: shared.clone(),
        index,
        lifo: LifoSlot::new(),
        queue: RefCell::new(queue),
        in_driver: Cell::new(false),
        placing: Cell::new(false),
        handed_off: Cell::new(0),
        overflows: Cell::new(0),
        local_schedules: Cell::new(0),
        parker: RefCell::new(parker),
        records: shared.records.clone().map(WorkerRecords::new),
    };
    let mut core = Core::new(&shared, index, driver, None);
    let in_records = cx.records.as_ref().map(WorkerRecords::enter);
    context::set_worker(&cx, || {
        shared.cpus.note(index);
        core.run(&shared, &cx);
        // Shutting down: cancel what is still queued here, on this thread. A
        // dropped future may wake others into the ring, so loop until it
        // stays empty (the ring is borrowed only to pop, not while a task drops).
        loop {
            let task = cx.lifo.take().or_else(|| cx.queue.borrow_mut().pop());
            match task.or_else(|| shared.remotes[index].inbox.pop()) {
                Some(task) => drop(task),
                None => break,
            }
        }
        core.publish(&shared, &cx);
    });
    drop(in_records);
    drop(cx);
    drop(core);
    drop(entered);
    drop(runtime);
    let mut alive = shared.alive.lock().unwrap_or_else(|e| e.into_inner());
    *alive -= 1;
    if *alive == 0 {
        shared.exited.notify_all();
    }
}

/// Runs worker `index` on this (blocking-pool) thread with the parts `lend`
/// offers, until the lender reclaims them or the runtime shuts down; then
/// hands them back. See `block_in_place`.
pub(super) fn stand_in<D: Driver>(
    shared: Arc<Shared>,
    index: usize,
    driver: Arc<DriverCell<D>>,
    lend: Arc<Lend<Parts>>,
) {
    let Some(parts) = lend.take_offered() else {
        return; // reclaimed before we started
    };
    let runtime = context::enter_runtime();
    let cx = WorkerContext {
        shared: shared.clone(),
        index,
        lifo: LifoSlot::new(),
        queue: RefCell::new(parts.queue),
        in_driver: Cell::new(false),
        placing: Cell::new(false),
        handed_off: Cell::new(0),
        overflows: Cell::new(0),
        local_schedules: Cell::new(0),
        parker: RefCell::new(parts.parker),
        records: shared.records.clone().map(WorkerRecords::new),
    };
    let mut core = Core::new(&shared, index, driver, Some(lend.clone()));
    let in_records = cx.records.as_ref().map(WorkerRecords::enter);
    context::set_worker(&cx, || {
        core.run(&shared, &cx);
        core.settle(&shared, &cx);
    });
    drop(in_records);
    drop(runtime);
    let WorkerContext { queue, parker, .. } = cx;
    lend.give_back(Parts {
        queue: queue.into_inner(),
        parker: parker.into_inner(),
    });
}

impl<D: Driver> Core<D> {
    fn new(
        shared: &Shared,
        index: usize,
        driver: Arc<DriverCell<D>>,
        lend: Option<Arc<Lend<Parts>>>,
    ) -> Core<D> {
        Core {
            index,
            ticks_to_interval: shared.global_queue_interval,
            ticks_to_event: shared.event_interval,
            is_searching: false,
            // Distinct, non-zero seeds for the per-worker xorshift.
            rng: 0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9),
            counts: LocalCounts::default(),
            driver,
            lend,
            busy_since: std::time::Instant::now(),
            mark: shared
                .poll_marks
                .as_ref()
                .map(|m| WorkerMark::new(m, index)),
            pulled: Vec::new(),
        }
    }

    /// True on a stand-in whose lender wants its worker back. For a worker
    /// (no loan) a branch on a field already in cache.
    #[inline]
    fn is_reclaimed(&self) -> bool {
        self.lend.as_ref().is_some_and(|lend| lend.is_reclaimed())
    }

    /// A stand-in leaving its loop puts the worker back in the state its
    /// lender left it in: awake, not searching, nothing in the LIFO slot.
    fn settle(&mut self, shared: &Shared, cx: &WorkerContext) {
        if let Some(task) = cx.lifo.take() {
            shared.push_local(cx, task);
        }
        if shared.idle.is_parked(self.index) && !shared.idle.unpark_worker_by_id(self.index) {
            // A notifier took us off the sleepers and counted us searching.
            self.is_searching = true;
        }
        self.found_work(shared);
        self.publish(shared, cx);
    }

    fn run(&mut self, shared: &Shared, cx: &WorkerContext) {
        while shared.is_running() && !self.is_reclaimed() {
            self.ticks_to_interval -= 1;
            let interval_tick = self.ticks_to_interval == 0;
            if interval_tick {
                self.ticks_to_interval = shared.global_queue_interval;
            }
            self.ticks_to_event -= 1;
            if self.ticks_to_event == 0 {
                self.ticks_to_event = shared.event_interval;
                self.maintenance(shared, cx);
            }
            if let Some(task) = self.next_local_task(shared, cx, interval_tick) {
                // A notified worker counts as searching until it finds work,
                // wherever it finds it.
                self.found_work(shared);
                self.run_task(shared, task);
                continue;
            }
            if let Some(task) = self.search(shared, cx) {
                self.found_work(shared);
                self.run_task(shared, task);
                continue;
            }
            self.park(shared, cx);
        }
    }

    #[inline]
    fn run_task(&mut self, shared: &Shared, task: Runnable) {
        self.counts.polls += 1;
        match &self.mark {
            None => {
                shared.owned.run(task, self.index);
            }
            Some(mark) => {
                let mark = mark.get();
                mark.enter(self.counts.polls, task.id());
                shared.owned.run(task, self.index);
                mark.leave();
            }
        }
    }

    fn publish(&mut self, shared: &Shared, cx: &WorkerContext) {
        self.counts.handed_off = cx.handed_off.get();
        self.counts.overflows = cx.overflows.get();
        self.counts.local_schedules = cx.local_schedules.get();
        self.counts.forced_yields = zokio_core::budget::forced_yields();
        shared.remotes[self.index].counters.publish(&self.counts);
    }

    /// Publishes counters and, if no other worker is in the driver, polls
    /// it without blocking so I/O and timers progress while all are busy.
    fn maintenance(&mut self, shared: &Shared, cx: &WorkerContext) {
        self.publish(shared, cx);
        if let Some(records) = &shared.records {
            records.refresh_clock();
        }
        shared.cpus.note(self.index);
        if let Some(mut driver) = self.driver.try_take() {
            // Placement needs another worker awake to take what we hand it;
            // otherwise the hints would cost the driver for nothing.
            let placing = shared.cpus.is_enabled() && shared.idle.num_unparked() > 1;
            let queued = shared.remotes[self.index].stealer.len();
            cx.in_driver.set(true);
            cx.placing.set(placing);
            driver.with(|driver| match placing {
                true => driver.park_with_origins(Some(Duration::ZERO)),
                false => driver.park(Some(Duration::ZERO)),
            });
            cx.placing.set(false);
            cx.in_driver.set(false);
            drop(driver);
            // Tasks the driver woke went to our ring without waking anyone.
            // While this worker makes every driver poll, that ring is where
            // all new work appears: a sleeper must hear of it, or it sleeps
            // through the load and one core does all of it. (Only if the
            // poll woke some: a ring full of spawns has woken one already.)
            if shared.remotes[self.index].stealer.len() > queued {
                self.share_driver_work(shared);
            }
        }
    }

    /// Wakes a sleeper if the driver left more work on our ring than we run
    /// next, so that it steals the rest.
    fn share_driver_work(&self, shared: &Shared) {
        if shared.remotes[self.index].stealer.len() > 1 {
            shared.notify_parked();
        }
    }

    fn next_local_task(
        &mut self,
        shared: &Shared,
        cx: &WorkerContext,
        interval_tick: bool,
    ) -> Option<Runnable> {
        // Handed to us for locality: looked at with the injector, and
        // before the ring runs dry.
        if interval_tick {
            if let Some(task) = self.take_inbox(shared, cx) {
                return Some(task);
            }
        }
        // A batch, not one task: remote spawns arrive in bursts of tasks
        // allocated side by side, and taking them one per interval would
        // deal neighbours to alternate workers, whose polls then write to
        // shared cache lines (false sharing cost yield_many ~10%).
        if interval_tick {
            if let Some(task) = self.pull_injector(shared, cx) {
                return Some(task);
            }
        }
        match cx.lifo.next() {
            LifoNext::Run(task) => {
                self.counts.lifo_polls += 1;
                return Some(task);
            }
            // The LIFO slot had its turns: queue it behind the others.
            LifoNext::Demote(task) => shared.push_local(cx, task),
            LifoNext::Empty => {}
        }
        cx.lifo.reset();
        if let Some(task) = cx.queue.borrow_mut().pop() {
            return Some(task);
        }
        self.take_inbox(shared, cx)
            .or_else(|| self.pull_injector(shared, cx))
    }

    /// Takes what other workers handed us: one task to run now, the rest
    /// into the ring.
    fn take_inbox(&mut self, shared: &Shared, cx: &WorkerContext) -> Option<Runnable> {
        let inbox = &shared.remotes[self.index].inbox;
        if inbox.is_empty() {
            return None;
        }
        let first = inbox.pop()?;
        while let Some(task) = inbox.pop() {
            shared.push_local(cx, task);
        }
        Some(first)
    }

    /// Takes a batch from the injector, then from what this worker's ring
    /// spilled: one task to run now, the rest (up to half of the ring's free
    /// space; of the injector's tasks, a fair share) into the ring.
    fn pull_injector(&mut self, shared: &Shared, cx: &WorkerContext) -> Option<Runnable> {
        let spilled = &shared.remotes[self.index].spilled;
        if shared.injector.is_empty() && spilled.is_empty() {
            return None;
        }
        let room = cx.queue.borrow().free_slots() / 2;
        let mut pulled = std::mem::take(&mut self.pulled);
        if let Ok(task) = shared.injector.pop() {
            self.counts.injector_pulls += 1;
            pulled.push(task);
            let fair_share = shared.injector.len() / shared.remotes.len() + 1;
            for _ in 0..room.min(fair_share) {
                match shared.injector.pop() {
                    Ok(task) => pulled.push(task),
                    Err(_) => break,
                }
            }
        }
        // Its own fill the rest, with no fair share: they ran here a moment
        // ago. (The one run now counts beside the room.)
        spilled.take((room + 1).saturating_sub(pulled.len()), &mut pulled);
        self.queue_pulled(shared, cx, pulled)
    }

    /// Takes half of what another worker's ring spilled, when nothing else
    /// is left to run anywhere: one task to run now, the rest into the ring.
    fn steal_spilled(
        &mut self,
        shared: &Shared,
        cx: &WorkerContext,
        victim: usize,
    ) -> Option<Runnable> {
        let spilled = &shared.remotes[victim].spilled;
        if spilled.is_empty() {
            return None;
        }
        let room = cx.queue.borrow().free_slots() / 2;
        let mut pulled = std::mem::take(&mut self.pulled);
        spilled.take((spilled.len() / 2 + 1).min(room + 1), &mut pulled);
        if !pulled.is_empty() {
            self.counts.steals += 1;
            self.counts.stolen_tasks += pulled.len() as u64;
        }
        self.queue_pulled(shared, cx, pulled)
    }

    /// Returns the first of `pulled` to run now and queues the rest, keeping
    /// the buffer for its allocation.
    fn queue_pulled(
        &mut self,
        shared: &Shared,
        cx: &WorkerContext,
        mut pulled: Vec<Runnable>,
    ) -> Option<Runnable> {
        let mut tasks = pulled.drain(..);
        let first = tasks.next();
        for task in tasks {
            shared.push_local(cx, task);
        }
        self.pulled = pulled;
        first
    }

    /// Steals from other workers (starting at a random one), then looks at
    /// the injector. Only half of the workers search at once.
    fn search(&mut self, shared: &Shared, cx: &WorkerContext) -> Option<Runnable> {
        if !self.is_searching {
            if !shared.idle.transition_to_searching() {
                return None;
            }
            self.is_searching = true;
        }
        let workers = shared.remotes.len();
        let start = self.next_random() as usize % workers;
        for i in 0..workers {
            let victim = (start + i) % workers;
            if victim == self.index {
                continue;
            }
            let mut mine = cx.queue.borrow_mut();
            if let Some(task) = shared.remotes[victim].stealer.steal_into(&mut mine) {
                self.counts.steals += 1;
                self.counts.stolen_tasks += 1 + mine.len() as u64;
                return Some(task);
            }
            drop(mine);
            // Handed to a worker that is still busy: better here than late.
            if let Some(task) = shared.remotes[victim].inbox.pop() {
                self.counts.steals += 1;
                self.counts.stolen_tasks += 1;
                return Some(task);
            }
        }
        if let Some(task) = self.pull_injector(shared, cx) {
            return Some(task);
        }
        // Last, what busy workers' rings spilled: theirs otherwise.
        for i in 0..workers {
            let victim = (start + i) % workers;
            if victim != self.index {
                if let Some(task) = self.steal_spilled(shared, cx, victim) {
                    return Some(task);
                }
            }
        }
        None
    }

    /// A searcher found work: if it was the last one, wake another so the
    /// rest of the work is looked for too.
    #[inline]
    fn found_work(&mut self, shared: &Shared) {
        if std::mem::take(&mut self.is_searching) && shared.idle.transition_from_searching() {
            shared.notify_parked();
        }
    }

    fn has_local_work(&self, shared: &Shared, cx: &WorkerContext) -> bool {
        let remote = &shared.remotes[self.index];
        cx.lifo.is_occupied()
            || !cx.queue.borrow().is_empty()
            || !remote.inbox.is_empty()
            || !remote.spilled.is_empty()
    }

    fn park(&mut self, shared: &Shared, cx: &WorkerContext) {
        if self.has_local_work(shared, cx) || self.is_reclaimed() {
            return;
        }
        if let Some(hook) = &shared.on_park {
            hook();
            // It may have spawned or woken a task onto this worker.
            if self.has_local_work(shared, cx) {
                return;
            }
        }
        let was_searching = std::mem::take(&mut self.is_searching);
        if shared.idle.transition_to_parked(self.index, was_searching) {
            // The last searcher re-checks every queue: work published while
            // it was giving up must not wait for the next spawn.
            let pending = !shared.injector.is_empty()
                || shared
                    .remotes
                    .iter()
                    .any(|r| !r.stealer.is_empty() || !r.spilled.is_empty());
            if pending {
                shared.notify_parked();
            }
        }
        self.counts.parks += 1;
        // Busy time: one clock read as the worker parks, one as it returns.
        let now = std::time::Instant::now();
        self.counts.busy_ns += (now - self.busy_since).as_nanos() as u64;
        self.publish(shared, cx);
        let inbox = &shared.remotes[self.index].inbox;
        // From here on, a worker handing us a task unparks us (see `Inbox`).
        inbox.sleep();
        self.sleep_until_work(shared, cx);
        inbox.wake();
        self.busy_since = std::time::Instant::now();
        if let Some(records) = &shared.records {
            records.refresh_clock();
        }
        shared.cpus.note(self.index);
        if let Some(hook) = &shared.on_unpark {
            hook();
        }
    }

    fn sleep_until_work(&mut self, shared: &Shared, cx: &WorkerContext) {
        while shared.is_running() {
            if !self.has_local_work(shared, cx) {
                self.park_once(shared, cx);
            }
            if !shared.is_running() || self.is_reclaimed() {
                return;
            }
            if self.has_local_work(shared, cx) {
                // The driver woke tasks onto our ring: run them ourselves.
                if !shared.idle.unpark_worker_by_id(self.index) {
                    self.is_searching = true; // a notifier took us first
                }
                self.share_driver_work(shared);
                return;
            }
            if !shared.idle.is_parked(self.index) {
                // Notified: the notifier counted us as searching.
                self.is_searching = true;
                return;
            }
        }
    }

    /// Sleeps once: in the driver if no other worker holds it, otherwise on
    /// this worker's own parker.
    fn park_once(&mut self, shared: &Shared, cx: &WorkerContext) {
        let remote = &shared.remotes[self.index];
        if let Some(mut driver) = self.driver.try_take() {
            remote.on_driver.store(true, Ordering::SeqCst);
            // A notifier that removed us from the sleepers, or a worker that
            // handed us a task, before we set `on_driver` has only unparked
            // our own parker: check first.
            fence(Ordering::SeqCst);
            let sleep = shared.idle.is_parked(self.index)
                && remote.inbox.is_empty()
                && shared.is_running()
                && !self.is_reclaimed();
            if sleep {
                cx.in_driver.set(true);
                driver.with(|driver| driver.park(None));
                cx.in_driver.set(false);
            }
            remote.on_driver.store(false, Ordering::SeqCst);
        } else if !self.is_reclaimed() {
            // An unpark (a reclaim's among them) before this park is kept.
            cx.parker.borrow_mut().park(None);
        }
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64: enough to spread victims, and per worker.
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }
}
