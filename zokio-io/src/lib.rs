//! The reactor of [Zokio](https://docs.rs/zokio): I/O readiness over epoll on
//! Linux and the [polling](https://docs.rs/polling) crate elsewhere, and sockets with futures-io traits.
//!
//! # The model
//!
//! An [`IoDriver`] owns one poller (epoll, kqueue...). Every descriptor the
//! crate touches is **registered** with a driver once, for both directions, in
//! edge-triggered mode, under a key that is the address of its readiness
//! record. That record keeps one word (the ready directions and the *tick* of
//! the wait that reported them) and one waker slot per direction, all updated
//! with atomics: the dispatch after a wait takes no lock.
//!
//! An operation (a read, an accept, a send) first looks at the record. If its
//! direction is ready it runs the non-blocking system call; if the call says
//! `WouldBlock`, the readiness is cleared, but only if the tick is still the
//! one seen before the call (so an event that arrived meanwhile is kept), and
//! the task registers its waker and waits. Each attempt that completes spends
//! one unit of the task's cooperative [budget](zokio_core::budget), so a task
//! whose sockets are always ready still yields to its neighbours.
//!
//! Stream sockets spare most of those `WouldBlock` calls: a read or write
//! shorter than asked proves the kernel buffer was emptied or filled, so it
//! clears the readiness itself (a hang-up reported with the data is kept as
//! final readiness no clear removes). A TCP read that fills its buffer learns
//! from Linux's `TCP_INQ` whether the queue is now empty and clears likewise,
//! so `read_exact` on a request/response connection costs one `recvmsg`, not
//! a `recv` and a failed one.
//!
//! Parking the driver ([`zokio_core::Driver::park`]) is one wait of the
//! selector into a reused event buffer followed by the dispatch of that batch;
//! the [`IoUnparker`] interrupts a wait. On Linux the selector is epoll itself,
//! one `epoll_wait` per park and one eventfd `write` per unpark: `polling`'s
//! wait re-arms a timerfd and its notifier each time (five system calls), which
//! a busy server pays thousands of times a second. Other platforms use
//! `polling`. Shutting the
//! driver down (or dropping it) wakes every waiter; their next attempt fails
//! with an error instead of hanging. Dropping a source deregisters it before
//! its descriptor closes and wakes anyone still waiting on it.
//!
//! # Finding the reactor
//!
//! A runtime [enters](Handle::enter) its driver's [`Handle`] on its threads.
//! Sources created where no handle is entered register with a background
//! reactor: one `IoDriver` per process, started on first use, parked in a loop
//! on its own thread. This is what lets these types run under
//! `futures_lite::future::block_on`, smol's or tokio's executor.
//!
//! # What is here
//!
//! - [`IoDriver`], [`IoUnparker`], [`Handle`], [`EnterGuard`]: the reactor.
//! - [`Async`]: any descriptor made asynchronous, with `readable`, `writable`,
//!   `read_with` and `write_with`, for building your own async types.
//! - [`net`]: [`TcpListener`](net::TcpListener), [`TcpStream`](net::TcpStream)
//!   and its halves, [`UdpSocket`](net::UdpSocket),
//!   [`UnixListener`](net::UnixListener), [`UnixStream`](net::UnixStream),
//!   with futures-io `AsyncRead`/`AsyncWrite` and conversions from and into
//!   std's types.
//! - [`signal`]: [`ctrl_c`](signal::ctrl_c) and Unix signal listeners
//!   ([`signal::unix::signal`]), with Tokio's names and semantics.
//! - [`process`]: [`Command`](process::Command) and
//!   [`Child`](process::Child) with Tokio's API, children reaped through
//!   pidfds registered with the reactor (Linux) or by `SIGCHLD`.
//! - [`fs`]: Tokio's file system API ([`File`](fs::File), [`read`](fs::read),
//!   [`read_dir`](fs::read_dir), ...), run on io_uring where the kernel allows it (Linux),
//!   else on the blocking pool, or on smol's outside a runtime.
//!
//! ```
//! use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
//! use zokio_io::net::{TcpListener, TcpStream};
//!
//! futures_lite::future::block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let server = async {
//!         let (mut stream, _) = listener.accept().await?;
//!         let mut buf = [0; 5];
//!         stream.read_exact(&mut buf).await?;
//!         stream.write_all(&buf).await?;
//!         std::io::Result::Ok(())
//!     };
//!     let client = async {
//!         let mut stream = TcpStream::connect(addr).await?;
//!         stream.write_all(b"hello").await?;
//!         let mut buf = [0; 5];
//!         stream.read_exact(&mut buf).await?;
//!         std::io::Result::Ok(buf)
//!     };
//!     let (served, echoed) = futures_lite::future::zip(server, client).await;
//!     served?;
//!     assert_eq!(&echoed?, b"hello");
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```

#![cfg(unix)]

mod async_fd;
mod current;
mod driver;
#[cfg(not(loom))]
mod fallback_pool;
#[cfg(not(loom))]
pub mod fs;
mod interest;
mod io_ready;
pub mod net;
mod offload;
mod origin;
pub mod process;
mod reactor;
mod readiness;
mod ready;
mod registration;
pub mod signal;
#[cfg(target_os = "linux")]
mod socket_ring;
mod sys;
pub mod unix;
#[cfg(target_os = "linux")]
#[cfg_attr(
    loom,
    allow(
        dead_code,
        reason = "fs, its user, is not built under loom; its model is"
    )
)]
mod uring;
mod waiters;

#[cfg(all(test, loom))]
mod loom_models;

pub use async_fd::Async;
pub use driver::{IoDriver, IoUnparker};
pub use interest::Interest;
pub use reactor::{Handle, IoMetrics};
pub use ready::Ready;
pub use zokio_core::context::{EnterGuard, TryCurrentError};
