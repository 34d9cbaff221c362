//! A TCP stream bound to its thread's io_uring (Linux only).

use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, ready};

use zokio_core::budget;

use crate::reactor::Handle;
use crate::socket_ring::{self, Op, Socket, SocketRing, Started};

use super::{TcpStream, ToSocketAddrs};

/// The least a receive asks the kernel for, whatever the reader's buffer:
/// a small read (a length prefix) should not cost a receive per field.
const MIN_RECV: usize = 4096;
/// The most a receive or a send moves at once.
const MAX_TRANSFER: usize = 64 * 1024;

/// A TCP stream whose reads and writes go through the io_uring of the
/// thread it was made on: for the workers of Zokio's thread-per-core
/// runtime, where a connection lives on one thread.
///
/// A readiness stream ([`TcpStream`]) costs a system call per read and per
/// write. This one queues each transfer as an entry of the thread's ring,
/// and the worker's park submits all the entries of a tick in one
/// `io_uring_enter`, which also waits for the next completions (see
/// [`IoDriver::enable_socket_ring`](crate::IoDriver::enable_socket_ring)).
///
/// It is `!Send` (its ring belongs to its thread; spawn its tasks with
/// `spawn_local`), and it implements futures-io's `AsyncRead` and
/// `AsyncWrite` on `&mut self` only. What differs from [`TcpStream`]:
/// - **Reads** receive into a buffer of the stream's own (at least 4 KiB)
///   and copy out of it, so the kernel never holds the caller's buffer.
/// - **Writes are write-behind**: `poll_write` copies the bytes (up to
///   64 KiB) into the stream's send buffer, queues the send and returns.
///   The next write waits for that send; `poll_flush` and `poll_close`
///   wait for it too, and an error the kernel reports for it comes back
///   from the next write or flush (as a socket's asynchronous errors do).
/// - Dropping the stream cancels a receive in flight and lets a send in
///   flight finish; the kernel closes the socket after it.
///
/// Made from a connected [`TcpStream`] ([`from_stream`](Self::from_stream),
/// e.g. one a listener accepted) or by [`connect`](Self::connect), on a
/// thread that parks a driver serving socket rings: elsewhere that is an
/// `Unsupported` error (and on kernels without io_uring for sockets).
///
/// Zokio's thread-per-core runtime does the parking; by hand, with a
/// driver parked on this thread and a std socket at the other end:
///
/// ```
/// use std::future::Future;
/// use std::io::{Read, Write};
/// use std::task::{Context, Poll, Waker};
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
/// use zokio_core::Driver;
/// use zokio_io::{IoDriver, net::LocalTcpStream};
///
/// /// Polls `future`, parking the driver (which serves the ring) between polls.
/// fn run<F: Future>(driver: &mut IoDriver, future: F) -> F::Output {
///     let mut future = std::pin::pin!(future);
///     let mut cx = Context::from_waker(Waker::noop());
///     loop {
///         if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
///             return output;
///         }
///         driver.park(None);
///     }
/// }
///
/// let mut driver = IoDriver::new()?;
/// driver.enable_socket_ring();
/// let _entered = driver.handle().enter();
/// driver.park(Some(std::time::Duration::ZERO)); // this thread parks it now
///
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let std_stream = std::net::TcpStream::connect(listener.local_addr()?)?;
/// let mut stream = LocalTcpStream::from_std(std_stream)?;
/// let (mut peer, _) = listener.accept()?;
///
/// run(&mut driver, async { stream.write_all(b"ping").await?; stream.flush().await })?;
/// let mut buf = [0u8; 4];
/// peer.read_exact(&mut buf)?;
/// peer.write_all(b"pong")?;
/// run(&mut driver, stream.read_exact(&mut buf))?;
/// assert_eq!(&buf, b"pong");
/// # std::io::Result::Ok(())
/// ```
pub struct LocalTcpStream {
    socket: std::net::TcpStream,
    /// How the ring's entries name `socket`.
    target: Socket,
    ring: Rc<SocketRing>,
    read: ReadSide,
    write: WriteSide,
}

struct ReadSide {
    /// Received bytes `pos..end` not yet read; the whole `Vec` is what a
    /// receive may fill (empty while a receive holds it).
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// The ring slot of this side's operations, and whether one is in flight.
    slot: u32,
    in_flight: bool,
}

struct WriteSide {
    /// The bytes of the last write (empty while a send holds them).
    buf: Vec<u8>,
    slot: u32,
    /// The send in flight: where in `buf` it starts.
    in_flight: Option<usize>,
    /// Bytes of `buf` from here on still to be sent, waiting for room in
    /// the ring.
    unsent: Option<usize>,
    /// An error the kernel reported for an accepted write.
    error: Option<io::Error>,
}

impl LocalTcpStream {
    /// Opens a connection to `addr` (as [`TcpStream::connect`]), then moves
    /// it onto this thread's ring.
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<LocalTcpStream> {
        let ring = ring_of_this_thread()?;
        let stream = TcpStream::connect(addr).await?;
        LocalTcpStream::with_ring(stream.into_std(), ring)
    }

    /// Moves a connected stream off the reactor onto this thread's ring.
    pub fn from_stream(stream: TcpStream) -> io::Result<LocalTcpStream> {
        let ring = ring_of_this_thread()?;
        LocalTcpStream::with_ring(stream.into_std(), ring)
    }

    /// Puts a connected std stream on this thread's ring.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<LocalTcpStream> {
        let ring = ring_of_this_thread()?;
        LocalTcpStream::with_ring(stream, ring)
    }

    fn with_ring(socket: std::net::TcpStream, ring: Rc<SocketRing>) -> io::Result<LocalTcpStream> {
        // The ring waits for readiness itself; a blocking socket keeps it
        // from handing `EAGAIN` back instead.
        socket.set_nonblocking(false)?;
        Ok(LocalTcpStream {
            target: ring.register(socket.as_raw_fd()),
            read: ReadSide {
                buf: Vec::new(),
                pos: 0,
                end: 0,
                slot: ring.slot(),
                in_flight: false,
            },
            write: WriteSide {
                buf: Vec::new(),
                slot: ring.slot(),
                in_flight: None,
                unsent: None,
                error: None,
            },
            socket,
            ring,
        })
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.socket.peer_addr()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Sets `TCP_NODELAY`.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.socket.set_nodelay(nodelay)
    }

    /// Reads `TCP_NODELAY`.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.socket.nodelay()
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>, out: &mut [u8]) -> Poll<io::Result<usize>> {
        loop {
            let read = &mut self.read;
            if read.pos < read.end {
                let n = out.len().min(read.end - read.pos);
                out[..n].copy_from_slice(&read.buf[read.pos..read.pos + n]);
                read.pos += n;
                return Poll::Ready(Ok(n));
            }
            if read.in_flight {
                let (result, buf) = ready!(self.ring.poll(read.slot, cx));
                read.in_flight = false;
                read.buf = buf;
                match result {
                    0 => return Poll::Ready(Ok(0)),
                    n if n > 0 => (read.pos, read.end) = (0, n as usize),
                    e if e == -libc::EAGAIN || e == -libc::EINTR => {}
                    e => return Poll::Ready(Err(io::Error::from_raw_os_error(-e))),
                }
                continue;
            }
            let want = out.len().clamp(MIN_RECV, MAX_TRANSFER);
            if read.buf.len() < want {
                read.buf = vec![0; want];
            }
            let buf = std::mem::take(&mut read.buf);
            match self.ring.start(
                read.slot,
                Op::Recv {
                    socket: self.target,
                },
                buf,
                cx,
            )? {
                Started::InFlight => read.in_flight = true,
                Started::Full(buf) => read.buf = buf,
            }
            return Poll::Pending;
        }
    }

    /// Waits until no send is in flight (sending the rest of a short one),
    /// and hands back the error of an accepted write, if any.
    fn poll_sent(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            if let Some(from) = self.write.unsent {
                let buf = std::mem::take(&mut self.write.buf);
                let send = Op::Send {
                    socket: self.target,
                    from,
                };
                match self.ring.start(self.write.slot, send, buf, cx)? {
                    Started::InFlight => {
                        self.write.in_flight = Some(from);
                        self.write.unsent = None;
                    }
                    Started::Full(buf) => {
                        self.write.buf = buf;
                        return Poll::Pending;
                    }
                }
            }
            let Some(from) = self.write.in_flight else {
                break;
            };
            let (result, buf) = ready!(self.ring.poll(self.write.slot, cx));
            self.write.in_flight = None;
            self.write.buf = buf;
            match result {
                e if e == -libc::EAGAIN || e == -libc::EINTR => self.write.unsent = Some(from),
                e if e < 0 => self.write.error = Some(io::Error::from_raw_os_error(-e)),
                n => {
                    // A short send (cut by a signal) goes again for the rest.
                    let next = from + n as usize;
                    if next < self.write.buf.len() {
                        self.write.unsent = Some(next);
                    }
                }
            }
        }
        match self.write.error.take() {
            Some(e) => Poll::Ready(Err(e)),
            None => Poll::Ready(Ok(())),
        }
    }
}

/// This thread's ring, if the reactor entered here serves one and is
/// parked by this very thread.
fn ring_of_this_thread() -> io::Result<Rc<SocketRing>> {
    let handle = Handle::current()?;
    let parker = handle
        .reactor
        .ring_thread
        .load(std::sync::atomic::Ordering::Relaxed);
    if parker != socket_ring::thread_tag() {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "zokio: a LocalTcpStream needs a thread that parks its own reactor with a socket \
             ring: a worker of the thread-per-core runtime (not the blocking pool or block_on)",
        ));
    }
    socket_ring::this_thread_or_new()
}

impl futures_lite::io::AsyncRead for LocalTcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if out.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let progress = ready!(budget::poll_proceed(cx));
        let result = ready!(self.get_mut().poll_recv(cx, out));
        progress.made_progress();
        Poll::Ready(result)
    }
}

impl futures_lite::io::AsyncWrite for LocalTcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let progress = ready!(budget::poll_proceed(cx));
        let this = self.get_mut();
        ready!(this.poll_sent(cx))?;
        let n = data.len().min(MAX_TRANSFER);
        let mut buf = std::mem::take(&mut this.write.buf);
        buf.clear();
        buf.extend_from_slice(&data[..n]);
        let send = Op::Send {
            socket: this.target,
            from: 0,
        };
        match this.ring.start(this.write.slot, send, buf, cx)? {
            Started::InFlight => this.write.in_flight = Some(0),
            Started::Full(buf) => {
                // Not accepted: woken when a slot frees, the caller writes again.
                this.write.buf = buf;
                return Poll::Pending;
            }
        }
        progress.made_progress();
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_sent(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_sent(cx))?;
        Poll::Ready(match this.socket.shutdown(Shutdown::Write) {
            // The peer is gone already: nothing is left to close.
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            result => result,
        })
    }
}

impl Drop for LocalTcpStream {
    fn drop(&mut self) {
        if self.read.in_flight || self.write.in_flight.is_some() {
            // Entries still queued name the descriptor or the table slot by
            // number: they go to the kernel before either is reused.
            self.ring.flush();
        }
        self.ring.release(self.read.slot, true);
        self.ring.release(self.write.slot, false);
        self.ring.unregister(self.target);
    }
}

impl AsFd for LocalTcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

impl AsRawFd for LocalTcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

impl fmt::Debug for LocalTcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalTcpStream")
            .field("fd", &self.socket.as_raw_fd())
            .field("receiving", &self.read.in_flight)
            .field("sending", &self.write.in_flight.is_some())
            .finish()
    }
}
