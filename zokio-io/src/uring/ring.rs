//! One io_uring instance: the slab of in-flight operations, submission from
//! any thread, and the reaping of completions.
//!
//! A slot owns everything the kernel may touch for its operation (buffer,
//! path, statx record, a reference keeping the descriptor open) from the
//! push of its entry until its completion is reaped. Dropping the future of
//! an operation in flight leaves the slot *orphaned*: the memory stays until
//! the completion arrives, so the kernel never writes into freed memory.
//! An operation may be a chain of up to [`MAX_PARTS`] linked entries (an
//! open into a direct descriptor and the reads after it): one slot, one
//! completion per entry, done when the last arrives.
//! All of this is behind one `Mutex`: file operations are not the socket
//! hot path, and the lock is held only to push an entry or walk the
//! completion queue, never across the `io_uring_enter` system call.

use std::any::Any;
use std::io;
use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::time::{Duration, Instant};

use io_uring::{IoUring, opcode, squeue, types};
use zokio_core::sync::atomic::{Ordering, fence};

use crate::async_fd::Async;
use crate::reactor::Attached;
use crate::uring::owned::Owned;

/// The `user_data` of cancellation requests, whose completions only count.
const CANCEL_KEY: u64 = u64::MAX;
/// Most entries one operation chains.
pub(crate) const MAX_PARTS: usize = 4;
/// A `user_data` is the slot's key (generation above bit 32, index below
/// bit 28) with the entry's place in its chain at bits 28..32.
const PART_SHIFT: u32 = 28;
const INDEX_MASK: u64 = (1 << PART_SHIFT) - 1;
/// Direct descriptors (io_uring's own file table) for chained opens.
const DIRECT_FILES: u32 = 16;

/// The results of an operation's entries, in chain order.
pub(crate) type Results = [i32; MAX_PARTS];
/// How long a shutting-down ring waits for cancelled operations before it
/// leaks their memory rather than free it under the kernel.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(5);

/// One io_uring with its completion eventfd.
pub(crate) struct Ring {
    uring: IoUring,
    state: Mutex<State>,
    /// The eventfd the kernel signals on each completion, registered with
    /// the reactor; `None` once the ring has shut down (which breaks the
    /// cycle ring → eventfd → reactor → ring).
    pub(super) eventfd: Mutex<Option<Async<OwnedFd>>>,
    /// Completions the queue holds; operations in flight (and their
    /// cancellations) never exceed it, so the queue never overflows.
    limit: usize,
}

struct State {
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// Completions still to come: operations and cancellations.
    in_flight: usize,
    /// Operations waiting for `in_flight` to drop below the limit.
    room_waiters: Vec<Waker>,
    shut_down: bool,
    /// Set if shutdown gave up waiting: the slots' memory is never freed.
    leaked: bool,
    /// Direct descriptor slots not in use (none if the kernel has no
    /// sparse file table: Linux < 5.19).
    direct_free: Vec<u32>,
}

struct Slot {
    generation: u32,
    phase: Phase,
    owned: Owned,
    results: Results,
    /// Completions still to come for this operation.
    pending: u8,
    /// Entries in its chain.
    parts: u8,
}

enum Phase {
    Free,
    /// In flight; the waker of the future awaiting it.
    Waiting(Option<Waker>),
    /// Completed (its results are in the slot), not yet taken.
    Done,
    /// In flight, its future gone: freed when the completion arrives.
    Orphaned,
}

/// What [`Ring::submit`] did with an operation.
pub(crate) enum Submitted {
    /// In flight under this key.
    InFlight(u64),
    /// Completed already (the common case for cached data: the kernel runs
    /// it inline in `io_uring_enter`).
    Done(Results, Owned),
    /// No room: the task is woken when an operation completes.
    Full(Owned),
}

/// Wakers and memory released while the state was locked, to be woken and
/// dropped after the lock is released (either may run user code or block).
#[derive(Default)]
pub(crate) struct Released {
    wakers: Vec<Waker>,
    owned: Vec<Owned>,
}

impl Drop for Released {
    fn drop(&mut self) {
        for waker in self.wakers.drain(..) {
            waker.wake();
        }
    }
}

impl Ring {
    /// Sets up a ring of `entries` submissions, probes the opcodes the file
    /// operations use, and registers `eventfd` as its completion notifier.
    pub(super) fn new(entries: u32, eventfd: Async<OwnedFd>) -> io::Result<Ring> {
        let uring = match IoUring::builder().setup_submit_all().build(entries) {
            // Kernels before 5.18 do not know SUBMIT_ALL; it only saves a
            // retry, so go on without it.
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => IoUring::new(entries)?,
            result => result?,
        };
        let params = uring.params();
        if !params.is_feature_rw_cur_pos() || !params.is_feature_ext_arg() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "io_uring lacks reads at the file position or waits with a timeout (Linux < 5.11)",
            ));
        }
        let mut probe = io_uring::Probe::new();
        uring.submitter().register_probe(&mut probe)?;
        let needed = [
            (opcode::Read::CODE, "read"),
            (opcode::Write::CODE, "write"),
            (opcode::OpenAt::CODE, "openat"),
            (opcode::Statx::CODE, "statx"),
            (opcode::Fsync::CODE, "fsync"),
            (opcode::Close::CODE, "close"),
            (opcode::AsyncCancel::CODE, "async_cancel"),
        ];
        if let Some((_, name)) = needed.iter().find(|(code, _)| !probe.is_supported(*code)) {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("io_uring does not support {name}"),
            ));
        }
        use std::os::fd::AsRawFd;
        uring.submitter().register_eventfd(eventfd.as_raw_fd())?;
        let limit = params.cq_entries() as usize;
        // Without a sparse file table (Linux < 5.19) whole-file reads go
        // entry by entry instead of as one chain.
        let direct_free = match uring.submitter().register_files_sparse(DIRECT_FILES) {
            Ok(()) => (0..DIRECT_FILES).rev().collect(),
            Err(_) => Vec::new(),
        };
        Ok(Ring {
            uring,
            state: Mutex::new(State {
                slots: Vec::new(),
                free: Vec::new(),
                in_flight: 0,
                room_waiters: Vec::new(),
                shut_down: false,
                leaked: false,
                direct_free,
            }),
            eventfd: Mutex::new(Some(eventfd)),
            limit,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every statement leaves the state consistent; a panic elsewhere
        // while it was held does not make it unusable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Pushes `entries` (whose pointers point into `owned`; linked, if
    /// more than one, by their flags) and submits them; reaps what
    /// completed meanwhile. On an error `owned` comes back.
    pub(crate) fn submit(
        &self,
        entries: &[squeue::Entry],
        owned: Owned,
        waker: &Waker,
    ) -> Result<Submitted, (io::Error, Owned)> {
        let parts = entries.len();
        if parts == 0 || parts > MAX_PARTS {
            let e = io::Error::other("zokio-io: an io_uring operation of no or too many entries");
            return Err((e, owned));
        }
        let mut released = Released::default();
        let key = {
            let mut state = self.lock();
            if state.shut_down {
                return Err((crate::readiness::closed_error(), owned));
            }
            if state.in_flight + parts > self.limit {
                if !state.room_waiters.iter().any(|w| w.will_wake(waker)) {
                    state.room_waiters.push(waker.clone());
                }
                return Ok(Submitted::Full(owned));
            }
            let key = state.insert(owned, parts as u8);
            let tagged: [squeue::Entry; MAX_PARTS] = std::array::from_fn(|part| {
                let entry = entries.get(part).cloned();
                let entry = entry.unwrap_or_else(|| opcode::Nop::new().build());
                entry.user_data(key | (part as u64) << PART_SHIFT)
            });
            if let Err(e) = self.push(&mut state, &tagged[..parts]) {
                let owned = state.remove(key);
                return Err((e, owned));
            }
            state.submitted(key);
            state.in_flight += parts;
            // What completes inside our enter, we reap below: no eventfd
            // signal (and no reactor wakeup) for it.
            // SAFETY: viewed while `state` is locked, as every view is.
            unsafe { self.uring.completion_shared() }.disable_eventfd();
            key
        };
        self.enter();
        let mut state = self.lock();
        // SAFETY: as above.
        notify_again(|| unsafe { self.uring.completion_shared() }.enable_eventfd());
        self.reap(&mut state, &mut released);
        let submitted = match state.take_done(key) {
            Some((result, owned)) => Submitted::Done(result, owned),
            None => {
                state.set_waker(key, waker);
                Submitted::InFlight(key)
            }
        };
        drop(state);
        Ok(submitted)
    }

    /// The result of the operation `key` if it completed; otherwise
    /// `waker` is woken when it does.
    pub(crate) fn poll_done(&self, key: u64, waker: &Waker) -> Option<(Results, Owned)> {
        let mut released = Released::default();
        let mut state = self.lock();
        if !self.submission_is_empty(&state) {
            // A submission that failed earlier left entries behind.
            drop(state);
            self.enter();
            state = self.lock();
        }
        self.reap(&mut state, &mut released);
        if state.slot_mut(key).is_none() {
            // Only its own future frees a slot that it still polls; should
            // that ever break, fail the operation rather than hang.
            return Some(([-libc::ECANCELED; MAX_PARTS], Owned::Nothing));
        }
        let done = state.take_done(key);
        if done.is_none() {
            state.set_waker(key, waker);
        }
        drop(state);
        done
    }

    /// Forgets the future of operation `key`: its memory is freed when its
    /// completion arrives (or now, if it has). With `cancel`, asks the
    /// kernel to cancel it.
    pub(crate) fn orphan(&self, key: u64, cancel: bool) {
        let mut released = Released::default();
        let mut state = self.lock();
        self.reap(&mut state, &mut released);
        if let Some((results, owned)) = state.take_done(key) {
            // Dropped with `released`: an open's descriptor is closed.
            released.owned.push(owned.with_result(results[0]));
            return;
        }
        let Some(slot) = state.slot_mut(key) else {
            return;
        };
        slot.phase = Phase::Orphaned;
        // Chains run to their end: their last entry releases what the
        // first took (a direct descriptor).
        if cancel && slot.parts == 1 && state.in_flight < self.limit {
            let entry = opcode::AsyncCancel::new(key).build().user_data(CANCEL_KEY);
            if self.push(&mut state, &[entry]).is_ok() {
                state.in_flight += 1;
                drop(state);
                self.enter();
            }
        }
    }

    /// Moves completions into their slots; orphans' memory and the wakers
    /// to wake go to `released`.
    fn reap(&self, state: &mut State, released: &mut Released) {
        let mut freed = false;
        // SAFETY: the completion queue is only viewed while `state` is
        // locked (we hold `&mut State`), so this is the only view.
        let completions = unsafe { self.uring.completion_shared() };
        for cqe in completions {
            state.in_flight -= 1;
            freed = true;
            let user_data = cqe.user_data();
            if user_data == CANCEL_KEY {
                continue;
            }
            let part = ((user_data >> PART_SHIFT) & 0xF) as usize;
            let key = user_data & !(0xF << PART_SHIFT);
            let Some(slot) = state.slot_mut(key) else {
                continue;
            };
            if part >= MAX_PARTS || slot.pending == 0 {
                // Not one of ours in flight: a stale key cannot come back
                // from the kernel, but keep the slot rather than trust it.
                continue;
            }
            slot.results[part] = cqe.result();
            slot.pending -= 1;
            if slot.pending > 0 {
                continue;
            }
            match std::mem::replace(&mut slot.phase, Phase::Done) {
                Phase::Waiting(waker) => released.wakers.extend(waker),
                Phase::Orphaned => {
                    let result = slot.results[0];
                    let owned = state.remove(key);
                    released.owned.push(owned.with_result(result));
                }
                other => slot.phase = other,
            }
        }
        if freed {
            released.wakers.append(&mut state.room_waiters);
        }
    }

    /// Reaps completions from outside any operation: the reaper's wake.
    pub(super) fn reap_now(&self) {
        let mut released = Released::default();
        let mut state = self.lock();
        self.reap(&mut state, &mut released);
        drop(state);
    }

    /// Pushes `entries` all together (a chain is never split across
    /// submissions) or none.
    fn push(&self, state: &mut State, entries: &[squeue::Entry]) -> io::Result<()> {
        let _ = state;
        for _ in 0..2 {
            // The submission queue is only viewed while `state` is
            // locked (the caller's `&mut State` proves it). The entries'
            // pointers point into memory their slot owns until the
            // completions are reaped.
            // SAFETY: queue locked; every entry's memory is owned until reaped.
            let pushed = unsafe { self.uring.submission_shared().push_multiple(entries) };
            if pushed.is_ok() {
                return Ok(());
            }
            // Full of entries a failed submission left: submit them first.
            self.enter();
        }
        Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            "zokio-io: the io_uring submission queue stays full",
        ))
    }

    fn submission_is_empty(&self, state: &State) -> bool {
        let _ = state;
        // SAFETY: viewed while `state` is locked, as every view is.
        unsafe { self.uring.submission_shared().is_empty() }
    }

    /// Submits what is queued. Errors (`EAGAIN`, `EBUSY`: the kernel is
    /// short of memory) leave the entries queued; the next submit or poll
    /// sends them.
    fn enter(&self) {
        loop {
            match self.uring.submit() {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                _ => return,
            }
        }
    }

    /// Refuses new operations, cancels those in flight and waits for their
    /// completions. If they do not come within [`SHUTDOWN_WAIT`], their
    /// memory is leaked: it is never freed under the kernel.
    pub(crate) fn shutdown(&self) {
        let mut released = Released::default();
        {
            let mut state = self.lock();
            if state.shut_down {
                return;
            }
            state.shut_down = true;
            let keys: Vec<u64> = state.in_flight_keys().collect();
            for user_data in keys {
                if state.in_flight >= self.limit {
                    break;
                }
                let entry = opcode::AsyncCancel::new(user_data)
                    .build()
                    .user_data(CANCEL_KEY);
                if self.push(&mut state, &[entry]).is_err() {
                    break;
                }
                state.in_flight += 1;
            }
            self.reap(&mut state, &mut released);
        }
        let deadline = Instant::now() + SHUTDOWN_WAIT;
        loop {
            {
                let mut state = self.lock();
                self.reap(&mut state, &mut released);
                if state.in_flight == 0 {
                    break;
                }
                if Instant::now() >= deadline {
                    state.leaked = true;
                    break;
                }
            }
            let timeout = types::Timespec::from(Duration::from_millis(50));
            let args = types::SubmitArgs::new().timespec(&timeout);
            // A timeout (ETIME) or an interrupt only means: look again.
            let _ = self.uring.submitter().submit_with_args(1, &args);
        }
        let eventfd = self
            .eventfd
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        // Dropped unlocked: deregistering wakes the reaper, which locks it.
        drop(eventfd);
        drop(released);
    }

    /// A free direct descriptor slot, if any: the caller's chain must end
    /// by closing it, and its [`Owned`] must name it (see
    /// [`Owned::Direct`]), so that it is free again once the chain is done.
    pub(crate) fn take_direct(&self) -> Option<u32> {
        self.lock().direct_free.pop()
    }

    /// Direct descriptor slots free, for tests.
    #[cfg(test)]
    pub(crate) fn direct_free(&self) -> usize {
        self.lock().direct_free.len()
    }

    /// Operations in flight, for tests.
    #[cfg(test)]
    pub(crate) fn in_flight(&self) -> usize {
        self.lock().in_flight
    }
}

/// Turns eventfd signals back on after a submitter's own `io_uring_enter`,
/// before it reads the completion queue.
///
/// A submitter turns signals off (`IORING_CQ_EVENTFD_DISABLED`) around its
/// `io_uring_enter` and reaps right after, so completions that happen
/// inside it wake no reactor. Meanwhile the kernel may post a completion of
/// another operation (from io-wq) and skip its signal. The kernel stores
/// the queue's tail, runs a full barrier (`wq_has_sleeper`'s `smp_mb`) and
/// then reads the flag; the submitter clears the flag, runs this fence and
/// then reads the tail: of two such store–fence–load sequences at least
/// one sees the other's store, so the completion is either signalled or
/// reaped by this submitter. Overlapping submitters each end with this, so
/// whichever flag value the kernel saw, some reap comes after it. Modelled
/// in `loom_models/uring_eventfd.rs`.
pub(crate) fn notify_again(enable: impl FnOnce()) {
    enable();
    fence(Ordering::SeqCst);
}

/// Shut down with its reactor's driver, found again by the fs layer.
impl Attached for Ring {
    fn shutdown(&self) {
        Ring::shutdown(self);
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        self.shutdown();
        let state = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        if state.leaked {
            // The kernel may still write into these: never free them.
            std::mem::forget(std::mem::take(&mut state.slots));
        }
    }
}

impl State {
    fn insert(&mut self, owned: Owned, parts: u8) -> u64 {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    phase: Phase::Free,
                    owned: Owned::Nothing,
                    results: [0; MAX_PARTS],
                    pending: 0,
                    parts: 0,
                });
                // At most `limit` slots are ever in use, far below u32::MAX.
                (self.slots.len() - 1) as u32
            }
        };
        let slot = &mut self.slots[index as usize];
        slot.generation = slot.generation.wrapping_add(1);
        slot.phase = Phase::Waiting(None);
        slot.owned = owned;
        slot.results = [0; MAX_PARTS];
        slot.pending = parts;
        slot.parts = parts;
        (u64::from(slot.generation) << 32) | u64::from(index)
    }

    /// The entry of `key` is in the queue: what it hands to the kernel is
    /// the kernel's now.
    fn submitted(&mut self, key: u64) {
        if let Some(slot) = self.slot_mut(key) {
            let owned = std::mem::replace(&mut slot.owned, Owned::Nothing);
            slot.owned = owned.submitted();
        }
    }

    fn slot_mut(&mut self, key: u64) -> Option<&mut Slot> {
        let slot = self.slots.get_mut((key & INDEX_MASK) as usize)?;
        (slot.generation == (key >> 32) as u32 && !matches!(slot.phase, Phase::Free))
            .then_some(slot)
    }

    fn remove(&mut self, key: u64) -> Owned {
        match self.slot_mut(key) {
            Some(slot) => {
                slot.phase = Phase::Free;
                slot.pending = 0;
                let owned = std::mem::replace(&mut slot.owned, Owned::Nothing);
                self.free.push((key & INDEX_MASK) as u32);
                // The chain that used this direct descriptor closed it.
                if let Owned::Direct(index, _, _) = &owned {
                    self.direct_free.push(*index);
                }
                owned
            }
            None => Owned::Nothing,
        }
    }

    /// Frees the slot of `key` and gives its result if it completed.
    fn take_done(&mut self, key: u64) -> Option<(Results, Owned)> {
        let slot = self.slot_mut(key)?;
        if !matches!(slot.phase, Phase::Done) {
            return None;
        }
        let results = slot.results;
        Some((results, self.remove(key)))
    }

    fn set_waker(&mut self, key: u64, waker: &Waker) {
        if let Some(slot) = self.slot_mut(key) {
            if let Phase::Waiting(current) = &mut slot.phase {
                match current {
                    Some(current) if current.will_wake(waker) => {}
                    _ => *current = Some(waker.clone()),
                }
            }
        }
    }

    /// The `user_data` of every entry in flight.
    fn in_flight_keys(&self) -> impl Iterator<Item = u64> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| matches!(slot.phase, Phase::Waiting(_) | Phase::Orphaned))
            .flat_map(|(index, slot)| {
                let key = (u64::from(slot.generation) << 32) | index as u64;
                (0..u64::from(slot.parts)).map(move |part| key | part << PART_SHIFT)
            })
    }
}
