//! One thread's socket ring: the slots of operations in flight, the
//! submission of queued entries, the reaping of completions and the wait
//! of a park.
//!
//! Everything is behind one `RefCell`, borrowed for a push, a submission or
//! a walk of the completion queue and never across a wake (wakers run
//! after the borrow ends, so a waker that touches the ring finds it free).

use std::cell::RefCell;
use std::io;
use std::os::fd::RawFd;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use io_uring::{IoUring, opcode, squeue, types};

/// The `user_data` of cancellations, whose completions only count.
const CANCEL_KEY: u64 = u64::MAX;
/// The `user_data` of the poll entry that watches the reactor's epoll set.
const EPOLL_KEY: u64 = u64::MAX - 1;
/// How long a ring being dropped waits for its cancelled operations before
/// it leaks their buffers rather than free them under the kernel.
const DROP_WAIT: Duration = Duration::from_secs(5);

/// `IORING_RECVSEND_POLL_FIRST`: a receive waits for data before it tries.
/// A receive is queued when the reader found nothing buffered, mostly right
/// after its own request went out, so the reply is not there yet: trying
/// first would cost a failed `tcp_recvmsg` before the poll is armed.
const RECV_POLL_FIRST: u16 = 1;

/// Registered files per ring: a socket in the ring's file table spares
/// each of its operations a descriptor lookup and two reference counts.
const FILES: u32 = 4096;

/// How an operation names its socket.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Socket {
    /// By its descriptor.
    Fd(RawFd),
    /// By its slot in the ring's file table ([`SocketRing::register`]).
    Registered(u32),
}

/// Builds an entry on `$socket`, named as it is (the kernel's two ways to
/// name a file are two types in io-uring).
macro_rules! on_socket {
    ($socket:expr, |$target:ident| $build:expr) => {
        match $socket {
            Socket::Fd(fd) => {
                let $target = types::Fd(fd);
                $build
            }
            Socket::Registered(slot) => {
                let $target = types::Fixed(slot);
                $build
            }
        }
    };
}

/// A transfer on a socket, into or out of a slot's buffer.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Op {
    /// Receives into the buffer from `from` on, up to its length.
    Recv { socket: Socket, from: usize },
    /// Sends the buffer's bytes from `from` on.
    Send { socket: Socket, from: usize },
}

/// What [`SocketRing::start`] did with an operation.
pub(crate) enum Started {
    /// Queued on the slot; submitted by the next flush.
    InFlight,
    /// No room for another operation: the buffer comes back and the task
    /// is woken when one completes.
    Full(Vec<u8>),
}

pub(crate) struct SocketRing {
    inner: RefCell<Inner>,
}

struct Inner {
    uring: IoUring,
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// Operations whose completion is still to come.
    in_flight: usize,
    /// Most operations in flight: the completion queue's size, less the
    /// epoll watch, so completions never wait in the kernel's overflow list.
    limit: usize,
    /// Tasks waiting for `in_flight` to drop below the limit.
    room_waiters: Vec<Waker>,
    /// The wakers a reap takes out of their slots, kept between reaps for
    /// its allocation (a busy worker reaps on every tick).
    woken: Vec<(u32, Waker)>,
    epoll: EpollWatch,
    /// Cancellations whose completion is still to come.
    cancels: usize,
    /// Free slots of the file table (none if the kernel has no sparse
    /// file table).
    free_files: Vec<u32>,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum EpollWatch {
    Idle,
    Armed,
    Fired,
}

/// A stream's place for one direction's operations, held for the
/// stream's life: its waker stays between operations, so an operation
/// clones no waker unless the task changed.
struct Slot {
    phase: Phase,
    /// What the kernel reads or writes while the operation is in flight.
    buf: Vec<u8>,
    result: i32,
    waker: Option<Waker>,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Phase {
    /// Owned by no stream.
    Free,
    /// Owned by a stream, no operation on it.
    Idle,
    /// An operation in flight.
    InFlight,
    /// Completed, its result in the slot, not yet taken.
    Done,
    /// In flight, its stream gone: freed when the completion arrives.
    Orphaned,
}

impl SocketRing {
    /// A ring of `entries` submissions, for the thread that calls this.
    pub(crate) fn new(entries: u32) -> io::Result<SocketRing> {
        // The ring has one issuer, this thread, and completions are only
        // wanted when it enters the kernel: deferred task work spares the
        // interrupts that would post each completion at once (Linux 6.1).
        let uring = IoUring::builder()
            .setup_single_issuer()
            .setup_defer_taskrun()
            .setup_taskrun_flag()
            .build(entries)
            .or_else(|_| IoUring::new(entries))?;
        let params = uring.params();
        if !params.is_feature_nodrop() || !params.is_feature_ext_arg() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "io_uring keeps no overflowing completions or waits with no timeout (Linux < 5.11)",
            ));
        }
        let mut probe = io_uring::Probe::new();
        uring.submitter().register_probe(&mut probe)?;
        let needed = [
            opcode::Recv::CODE,
            opcode::Send::CODE,
            opcode::PollAdd::CODE,
            opcode::AsyncCancel::CODE,
        ];
        if !needed.iter().all(|code| probe.is_supported(*code)) {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "io_uring lacks send, recv, poll or cancel",
            ));
        }
        let limit = params.cq_entries() as usize - 1;
        let free_files = match uring.submitter().register_files_sparse(FILES) {
            Ok(()) => (0..FILES).rev().collect(),
            Err(_) => Vec::new(),
        };
        Ok(SocketRing {
            inner: RefCell::new(Inner {
                uring,
                slots: Vec::new(),
                free: Vec::new(),
                in_flight: 0,
                limit,
                room_waiters: Vec::new(),
                woken: Vec::new(),
                epoll: EpollWatch::Idle,
                cancels: 0,
                free_files,
            }),
        })
    }

    /// A slot for a stream's operations in one direction.
    pub(crate) fn slot(&self) -> u32 {
        let mut inner = self.inner.borrow_mut();
        let key = match inner.free.pop() {
            Some(key) => key,
            None => {
                inner.slots.push(Slot {
                    phase: Phase::Free,
                    buf: Vec::new(),
                    result: 0,
                    waker: None,
                });
                (inner.slots.len() - 1) as u32
            }
        };
        inner.slots[key as usize].phase = Phase::Idle;
        key
    }

    /// Queues `op` on `buf` (longer than the op's `from`) in idle slot
    /// `key`, to be submitted by the next flush.
    pub(crate) fn start(
        &self,
        key: u32,
        op: Op,
        mut buf: Vec<u8>,
        cx: &Context<'_>,
    ) -> io::Result<Started> {
        // A replaced waker is dropped after the borrow ends (its drop may
        // run code that reaches the ring), as are the bytes of a failed push.
        let _replaced: Option<Waker>;
        let from = match op {
            Op::Recv { from, .. } | Op::Send { from, .. } => from,
        };
        debug_assert!(from < buf.len());
        let mut inner = self.inner.borrow_mut();
        if inner.in_flight >= inner.limit {
            inner.room_waiters.push(cx.waker().clone());
            return Ok(Started::Full(buf));
        }
        let entry = match op {
            Op::Recv { socket, from } => {
                let rest = &mut buf[from..];
                on_socket!(socket, |target| {
                    opcode::Recv::new(target, rest.as_mut_ptr(), rest.len() as u32)
                        .ioprio(RECV_POLL_FIRST)
                        .build()
                })
            }
            // All of it: the kernel goes on after a short send of a stream
            // socket (`MSG_WAITALL`), as a blocking `send` would.
            Op::Send { socket, from } => {
                let rest = &buf[from..];
                on_socket!(socket, |target| {
                    opcode::Send::new(target, rest.as_ptr(), rest.len() as u32)
                        .flags(libc::MSG_NOSIGNAL | libc::MSG_WAITALL)
                        .build()
                })
            }
        };
        inner.push(&entry.user_data(u64::from(key)))?;
        // The slot owns the buffer from here until the completion is reaped;
        // moving the `Vec` does not move the bytes the entry points at.
        let slot = &mut inner.slots[key as usize];
        debug_assert_eq!(slot.phase, Phase::Idle);
        slot.buf = buf;
        slot.phase = Phase::InFlight;
        _replaced = set_waker(&mut slot.waker, cx);
        inner.in_flight += 1;
        Ok(Started::InFlight)
    }

    /// The result and buffer of slot `key`'s operation once it completed;
    /// until then `cx`'s waker is the one woken.
    pub(crate) fn poll(&self, key: u32, cx: &Context<'_>) -> Poll<(i32, Vec<u8>)> {
        let _replaced: Option<Waker>;
        let mut inner = self.inner.borrow_mut();
        let slot = &mut inner.slots[key as usize];
        match slot.phase {
            Phase::InFlight => {
                _replaced = set_waker(&mut slot.waker, cx);
                Poll::Pending
            }
            Phase::Done => {
                slot.phase = Phase::Idle;
                Poll::Ready((slot.result, std::mem::take(&mut slot.buf)))
            }
            _ => unreachable!("a stream polled a slot with no operation"),
        }
    }

    /// Gives slot `key` back, its stream gone. An operation in flight
    /// leaves it orphaned, freed when the completion arrives; a receive is
    /// also cancelled (a send is left to finish, as the kernel finishes what
    /// a closed socket had buffered).
    pub(crate) fn release(&self, key: u32, cancel: bool) {
        // Dropped after the borrow ends, like a replaced waker.
        let _waker: Option<Waker>;
        let mut inner = self.inner.borrow_mut();
        let slot = &mut inner.slots[key as usize];
        _waker = slot.waker.take();
        match slot.phase {
            Phase::Idle | Phase::Done => {
                slot.phase = Phase::Free;
                let _freed = std::mem::take(&mut slot.buf);
                inner.free.push(key);
            }
            Phase::InFlight => {
                slot.phase = Phase::Orphaned;
                if cancel {
                    inner.cancel(u64::from(key));
                }
            }
            Phase::Free | Phase::Orphaned => unreachable!("a stream gave back a slot twice"),
        }
    }

    /// Puts `fd` in the ring's file table, if a slot is free (else its
    /// operations name it by descriptor). The table holds its own reference
    /// to the socket until [`unregister`](Self::unregister).
    pub(crate) fn register(&self, fd: RawFd) -> Socket {
        let mut inner = self.inner.borrow_mut();
        let Some(slot) = inner.free_files.pop() else {
            return Socket::Fd(fd);
        };
        match inner.uring.submitter().register_files_update(slot, &[fd]) {
            Ok(_) => Socket::Registered(slot),
            Err(_) => {
                inner.free_files.push(slot);
                Socket::Fd(fd)
            }
        }
    }

    /// Takes a socket out of the file table. Operations in flight keep it
    /// open until they complete (the kernel counts them); queued entries
    /// must have been submitted first (they name the slot, which may be
    /// reused).
    pub(crate) fn unregister(&self, socket: Socket) {
        let Socket::Registered(slot) = socket else {
            return;
        };
        let mut inner = self.inner.borrow_mut();
        if inner
            .uring
            .submitter()
            .register_files_update(slot, &[-1])
            .is_ok()
        {
            inner.free_files.push(slot);
        }
    }

    /// Submits every queued entry (and, with deferred task work, lets the
    /// kernel post what completed), then reaps. True if a task was woken.
    pub(crate) fn flush(&self) -> bool {
        {
            let mut inner = self.inner.borrow_mut();
            let queued = !inner.uring.submission().is_empty();
            if queued || inner.uring.submission().taskrun() {
                let _ = inner.submit();
            }
        }
        self.reap()
    }

    /// Submits what is queued and waits for a completion, or the timeout, or
    /// (once [`watch_epoll`](Self::watch_epoll) armed it) events on the
    /// epoll set; then reaps. True if a task was woken.
    pub(crate) fn wait(&self, timeout: Option<Duration>) -> bool {
        {
            let inner = self.inner.borrow_mut();
            let ts;
            let args = types::SubmitArgs::new();
            let args = match timeout {
                Some(t) => {
                    ts = types::Timespec::from(t);
                    args.timespec(&ts)
                }
                None => args,
            };
            // ETIME (the timeout) and EINTR (a signal) end the wait as
            // wanted; anything else is reaped and retried by the next park.
            let _ = inner.uring.submitter().submit_with_args(1, &args);
        }
        self.reap()
    }

    /// Watches `epoll_fd` for readiness from this ring's waits; true if
    /// events arrived since the last call (and the watch is re-armed by
    /// the next call). The first call arms the watch and says true, so
    /// that the caller reads epoll once: events may be there already.
    pub(crate) fn watch_epoll(&self, epoll_fd: RawFd) -> bool {
        let mut inner = self.inner.borrow_mut();
        match inner.epoll {
            EpollWatch::Armed => false,
            EpollWatch::Idle | EpollWatch::Fired => {
                let entry = opcode::PollAdd::new(types::Fd(epoll_fd), libc::POLLIN as u32)
                    .build()
                    .user_data(EPOLL_KEY);
                inner.epoll = match inner.push(&entry) {
                    Ok(()) => EpollWatch::Armed,
                    Err(_) => EpollWatch::Idle,
                };
                true
            }
        }
    }

    /// Takes the completions the queue holds: marks their slots done and
    /// wakes their tasks. True if one was woken.
    fn reap(&self) -> bool {
        // Each waker is taken out of its slot to be woken after the borrow
        // ends, then put back: no clone per completion.
        let mut woken;
        let mut room = Vec::new();
        {
            let mut inner = self.inner.borrow_mut();
            let inner = &mut *inner;
            woken = std::mem::take(&mut inner.woken);
            let before = inner.in_flight;
            for cqe in inner.uring.completion() {
                match cqe.user_data() {
                    CANCEL_KEY => inner.cancels -= 1,
                    EPOLL_KEY => inner.epoll = EpollWatch::Fired,
                    key => {
                        inner.in_flight -= 1;
                        let slot = &mut inner.slots[key as usize];
                        if slot.phase == Phase::InFlight {
                            slot.phase = Phase::Done;
                            slot.result = cqe.result();
                            woken.extend(slot.waker.take().map(|w| (key as u32, w)));
                        } else {
                            slot.phase = Phase::Free;
                            let _freed = std::mem::take(&mut slot.buf);
                            inner.free.push(key as u32);
                        }
                    }
                }
            }
            if inner.in_flight < before {
                room = std::mem::take(&mut inner.room_waiters);
            }
        }
        if woken.is_empty() && room.is_empty() {
            self.inner.borrow_mut().woken = woken;
            return false;
        }
        for (_, waker) in &woken {
            waker.wake_by_ref();
        }
        for waker in room {
            waker.wake();
        }
        let mut inner = self.inner.borrow_mut();
        for (key, waker) in woken.drain(..) {
            let slot = &mut inner.slots[key as usize];
            if slot.phase != Phase::Free && slot.waker.is_none() {
                slot.waker = Some(waker);
            }
        }
        inner.woken = woken;
        true
    }
}

/// Keeps `cx`'s waker in `slot`, cloning it only if the task changed;
/// gives back the waker it replaced, for the caller to drop.
fn set_waker(slot: &mut Option<Waker>, cx: &Context<'_>) -> Option<Waker> {
    match slot {
        Some(w) if w.will_wake(cx.waker()) => None,
        _ => slot.replace(cx.waker().clone()),
    }
}

impl Inner {
    /// Pushes `entry`, submitting the full queue first if it must.
    fn push(&mut self, entry: &squeue::Entry) -> io::Result<()> {
        loop {
            // SAFETY: every entry points into a buffer its slot owns until
            // the completion is reaped (cancellations and the epoll watch
            // point at nothing).
            if unsafe { self.uring.submission().push(entry) }.is_ok() {
                return Ok(());
            }
            self.submit()?;
        }
    }

    fn submit(&mut self) -> io::Result<usize> {
        loop {
            match self.uring.submit() {
                Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
                result => return result,
            }
        }
    }

    fn cancel(&mut self, key: u64) {
        let entry = opcode::AsyncCancel::new(key).build().user_data(CANCEL_KEY);
        if self.push(&entry).is_ok() {
            self.cancels += 1;
        }
    }
}

impl Drop for SocketRing {
    fn drop(&mut self) {
        let inner = self.inner.get_mut();
        let keys: Vec<u64> = (0..inner.slots.len())
            .filter(|&i| matches!(inner.slots[i].phase, Phase::InFlight | Phase::Orphaned))
            .map(|i| i as u64)
            .collect();
        for key in keys {
            inner.cancel(key);
        }
        if inner.epoll == EpollWatch::Armed {
            inner.cancel(EPOLL_KEY);
        }
        let deadline = Instant::now() + DROP_WAIT;
        while inner.in_flight > 0 || inner.cancels > 0 || inner.epoll == EpollWatch::Armed {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                // The kernel may still write into these: never free them.
                for slot in &mut inner.slots {
                    std::mem::forget(std::mem::take(&mut slot.buf));
                }
                return;
            }
            let ts = types::Timespec::from(left);
            let args = types::SubmitArgs::new().timespec(&ts);
            let _ = inner.uring.submitter().submit_with_args(1, &args);
            for cqe in inner.uring.completion() {
                match cqe.user_data() {
                    CANCEL_KEY => inner.cancels -= 1,
                    EPOLL_KEY => inner.epoll = EpollWatch::Idle,
                    _ => inner.in_flight -= 1,
                }
            }
        }
    }
}
