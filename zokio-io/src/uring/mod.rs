//! The io_uring backend of file operations (Linux only).
//!
//! # One ring per reactor
//!
//! Each [`IoDriver`](crate::IoDriver) gets one ring, set up lazily by its
//! first file operation: the ring of a runtime, and the ring of the
//! background reactor for operations made outside any runtime. A ring per
//! thread would not fit a work-stealing runtime (a future submitted on one
//! worker may be polled on another), nor a parked worker: the ring's
//! completion **eventfd** is registered with the reactor (through
//! [`Async`]), so the worker parked on the driver wakes when a completion
//! arrives.
//!
//! Setting up checks the kernel once per reactor: io_uring setup, the
//! features used (reads at the file position, waits with a timeout: Linux
//! 5.11), and a probe of every opcode (read, write, openat, statx, fsync,
//! close, async cancel). Any failure means *no ring* for that reactor, and
//! the [`fs`](crate::fs) layer runs the same operations on the blocking
//! pool, with no difference but speed (as it does everywhere when
//! `ZOKIO_FS_BACKEND=blocking`: that choice is the fs layer's).
//!
//! # Submitting and reaping
//!
//! Any thread submits: a `Mutex` guards the slab of operations and the
//! submission and completion queues (file operations are not the socket hot
//! path; the lock is never held across a system call that waits). A future
//! pushes its entry on its first poll, submits it (`io_uring_enter`), and
//! reaps the completion queue at once: an open, or a buffered read of
//! cached data, completes inside that `io_uring_enter`, so the common case
//! returns `Ready` on the first poll, with no wakeup at all. The submitter
//! also turns the eventfd's signals off around its own `io_uring_enter`
//! (see `ring::notify_again`, and its loom model), so those inline
//! completions do not wake the reactor either. What the kernel must block
//! for (a statx, an fsync, an open that creates or truncates, buffered
//! writes on filesystems without async buffered writes, such as ext4) it
//! runs on its io-wq workers, and the completion comes later.
//!
//! A whole-file read of a small file is one chain of hard-linked entries
//! in one submission (open into a direct descriptor, read, the read that
//! finds the end, close: see `whole`).
//!
//! Completions that come later are reaped by whoever looks first: a future
//! polled again, another operation's submission, or the **reaper**, a waker
//! registered on the eventfd's readiness. The reactor's dispatch wakes it
//! when the kernel signals the eventfd; its `wake` drains the eventfd,
//! re-registers itself, reaps the completion queue, and wakes the futures
//! whose operations completed (after the lock is released). So completions
//! are reaped even when no future of this ring is being polled.
//!
//! Operations in flight never exceed the completion queue's size (a future
//! that finds the ring full waits for a completion), so completions are
//! never dropped or held in the kernel's overflow list.
//!
//! # Memory safety
//!
//! While an operation is in flight its slot owns its buffer, path, statx
//! record and a reference that keeps its file open (or, for a chain, the
//! direct descriptor it opened, free again once the chain has closed it). A future dropped in
//! flight leaves its slot *orphaned*, freed when the completion arrives
//! (reads and opens are also cancelled). Shutting the driver down cancels
//! every operation in flight and waits for all completions; if some never
//! come, their memory is leaked, never freed under the kernel.
//!
//! A thread that exits has its in-flight submissions cancelled by the
//! kernel; a future submitted from a thread that exits before the
//! operation completes gets `ECANCELED` (worker and blocking-pool threads
//! of a runtime outlive their futures, so this concerns only short-lived
//! threads of the user's own).

mod op;
mod owned;
mod ring;
mod whole;

use std::io;
use std::os::fd::OwnedFd;
use std::pin::pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Wake, Waker};

#[cfg(not(loom))]
pub(crate) use op::StatxTarget;
#[cfg(all(test, not(loom)))]
pub(crate) use owned::FileRef;
pub(crate) use ring::Ring;
#[cfg(all(test, loom))]
pub(crate) use ring::notify_again;

use crate::async_fd::Async;

/// Submission entries per ring (the completion queue has twice as many).
const ENTRIES: u32 = 256;

/// `path` as the C string the kernel takes.
pub(crate) fn c_path(path: &std::path::Path) -> io::Result<std::ffi::CString> {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "file name contained an unexpected NUL byte",
        )
    })
}

/// Sets up a ring whose eventfd `register` registers with its reactor.
pub(crate) fn set_up(
    register: impl FnOnce(OwnedFd) -> io::Result<Async<OwnedFd>>,
) -> io::Result<Arc<Ring>> {
    setup(ENTRIES, register)
}

fn setup(
    entries: u32,
    register: impl FnOnce(OwnedFd) -> io::Result<Async<OwnedFd>>,
) -> io::Result<Arc<Ring>> {
    use rustix::event::{EventfdFlags, eventfd};
    let fd = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
    let ring = Arc::new(Ring::new(entries, register(fd)?)?);
    let reaper = Arc::new(Reaper(Arc::downgrade(&ring)));
    // Registers the reaper on the eventfd (nothing to drain yet).
    reaper.wake_by_ref();
    Ok(ring)
}

/// The waker registered on a ring's eventfd: its wake reaps completions.
struct Reaper(Weak<Ring>);

impl Wake for Reaper {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let Some(ring) = self.0.upgrade() else {
            return;
        };
        // Drained before reaping: a completion posted after the reap
        // signals the eventfd again and finds this waker registered.
        drain_and_rearm(&ring, &Waker::from(self.clone()));
        ring.reap_now();
    }
}

/// Reads the eventfd until it would block, which registers `waker` for
/// its next signal. Unconstrained by the cooperative budget: this may run
/// inside a task's poll, and a spent budget would wake `waker` at once.
fn drain_and_rearm(ring: &Ring, waker: &Waker) {
    let eventfd = ring.eventfd.lock().unwrap_or_else(|e| e.into_inner());
    let Some(eventfd) = eventfd.as_ref() else {
        return;
    };
    let drain = std::future::poll_fn(|cx| {
        loop {
            let read = eventfd.poll_read_with(cx, |fd| {
                rustix::io::read(fd, &mut [0u8; 8]).map_err(io::Error::from)
            });
            match read {
                Poll::Ready(Ok(_)) => continue,
                // Deregistered: the ring is shutting down.
                Poll::Ready(Err(_)) => return Poll::Ready(()),
                Poll::Pending => return Poll::Pending,
            }
        }
    });
    let drain = pin!(zokio_core::budget::unconstrained(drain));
    let _ = drain.poll(&mut Context::from_waker(waker));
}

#[cfg(all(test, not(loom)))]
mod tests;
