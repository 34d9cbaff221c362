//! The io_uring of a thread's sockets (Linux only): what
//! [`LocalTcpStream`](crate::net::LocalTcpStream) reads and writes through.
//!
//! # Why a ring per thread
//!
//! A readiness reactor costs a system call per transfer: an echo round
//! trip is a `recvmsg` and a `sendto` on each end, plus a share of an
//! `epoll_wait`. A completion ring takes the transfers as entries in
//! shared memory, and one `io_uring_enter` submits every entry queued
//! since the last (the kernel runs a send, or a receive whose data is
//! there, inside that call) and waits for the next completions. On a busy
//! thread-per-core worker that is one system call for a whole tick of
//! connections: what monoio and glommio are built on.
//!
//! The ring has no lock and no atomic of its own: it belongs to one
//! thread, is reached through that thread's `Rc` (so the streams that use
//! it are `!Send` by their type), and is served only by the thread that
//! parks the reactor it was made for.
//!
//! # Serving the ring: the reactor's park
//!
//! An [`IoDriver`](crate::IoDriver) told to serve a socket ring
//! ([`IoDriver::enable_socket_ring`](crate::IoDriver::enable_socket_ring))
//! marks the thread it parks on, and its park, once this thread has a ring,
//! goes through the ring: it submits what is queued and reaps what
//! completed; with nothing woken it waits in `io_uring_enter` for a
//! completion (or the timeout), the epoll instance itself watched by a poll
//! entry in the ring, so readiness events and the driver's unparker (an
//! eventfd in that epoll set) end the wait too. epoll is read only once
//! that entry fires: a busy worker whose sockets are all on the ring pays
//! no `epoll_wait` at all.
//!
//! # Memory safety
//!
//! While an operation is in flight its slot owns the buffer the kernel
//! reads or writes. A stream dropped meanwhile leaves the slot *orphaned*
//! (a receive is also cancelled), freed when the completion arrives. The
//! ring itself, dropped when its thread ends and its last stream is gone,
//! cancels what is in flight and waits for the completions; if some never
//! come within a few seconds their buffers are leaked, never freed under
//! the kernel.

mod ring;

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

pub(crate) use ring::{Op, Socket, SocketRing, Started};

thread_local! {
    /// This thread's ring, made by its first local stream.
    static RING: RefCell<Option<Rc<SocketRing>>> = const { RefCell::new(None) };
    /// A number for this thread, unique in the process (`ThreadId::as_u64`
    /// is unstable): what a reactor records as the thread it parks on.
    static THREAD_TAG: u64 = {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        NEXT.fetch_add(1, Ordering::Relaxed)
    };
}

/// This thread's tag (never 0).
pub(crate) fn thread_tag() -> u64 {
    THREAD_TAG.with(|tag| *tag)
}

/// This thread's ring if it has one (nothing is set up).
pub(crate) fn this_thread() -> Option<Rc<SocketRing>> {
    RING.try_with(|ring| ring.borrow().clone()).ok().flatten()
}

/// This thread's ring, set up by the first call.
pub(crate) fn this_thread_or_new() -> io::Result<Rc<SocketRing>> {
    RING.try_with(|slot| {
        let mut slot = slot.borrow_mut();
        if let Some(ring) = slot.as_ref() {
            return Ok(ring.clone());
        }
        let ring = Rc::new(SocketRing::new(ENTRIES)?);
        *slot = Some(ring.clone());
        Ok(ring)
    })
    .unwrap_or_else(|_| {
        Err(io::Error::other(
            "zokio-io: the thread is ending: no socket ring can be set up",
        ))
    })
}

/// Submission entries per ring; the completion queue has twice as many,
/// which bounds the operations in flight.
const ENTRIES: u32 = 1024;

#[cfg(all(test, not(loom)))]
mod tests;
