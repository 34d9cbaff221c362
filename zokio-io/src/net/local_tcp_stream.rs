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
///   64 KiB; `poll_write_vectored` all its slices' bytes, so they go out as
///   one send) into the stream's send buffer, queues the send and returns.
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
    /// Where in the buffer the receive in flight puts its bytes.
    recv_from: usize,
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

    /// Whether streams can be made on this thread: `Ok` on a thread that
    /// parks a reactor serving a socket ring (a thread-per-core worker) on a
    /// kernel with io_uring for sockets, else the error making one would
    /// return. A caller that holds a [`TcpStream`] it must not lose (a
    /// server's accepted connection) checks this before
    /// [`from_stream`](Self::from_stream), which consumes the stream.
    pub fn available() -> io::Result<()> {
        ring_of_this_thread().map(drop)
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
                recv_from: 0,
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
                match ready!(self.poll_received(cx)) {
                    Some(Ok(0)) => return Poll::Ready(Ok(0)),
                    Some(Err(e)) => return Poll::Ready(Err(e)),
                    _ => continue,
                }
            }
            let want = out.len().clamp(MIN_RECV, MAX_TRANSFER);
            if read.buf.len() < want {
                read.buf = vec![0; want];
            }
            let buf = std::mem::take(&mut read.buf);
            if let Some(buf) = self.start_recv(buf, 0, cx)? {
                self.read.buf = buf;
            }
            return Poll::Pending;
        }
    }

    /// Queues a receive into `buf` from `from` on; the buffer comes back if
    /// the ring has no room (the task is woken when it has).
    fn start_recv(
        &mut self,
        buf: Vec<u8>,
        from: usize,
        cx: &Context<'_>,
    ) -> io::Result<Option<Vec<u8>>> {
        let op = Op::Recv {
            socket: self.target,
            from,
        };
        Ok(match self.ring.start(self.read.slot, op, buf, cx)? {
            Started::InFlight => {
                self.read.in_flight = true;
                self.read.recv_from = from;
                None
            }
            Started::Full(buf) => Some(buf),
        })
    }

    /// Completes the receive in flight into the stream's own buffer: its
    /// bytes become the ones to read next. `None` if it must be tried again.
    fn poll_received(&mut self, cx: &Context<'_>) -> Poll<Option<io::Result<usize>>> {
        let read = &mut self.read;
        let (result, buf) = ready!(self.ring.poll(read.slot, cx));
        read.in_flight = false;
        read.buf = buf;
        Poll::Ready(match result {
            n if n >= 0 => {
                (read.pos, read.end) = (read.recv_from, read.recv_from + n as usize);
                Some(Ok(n as usize))
            }
            e if e == -libc::EAGAIN || e == -libc::EINTR => None,
            e => Some(Err(io::Error::from_raw_os_error(-e))),
        })
    }

    /// Receives into the caller's `buf` from `from` on, with no copy when
    /// nothing is buffered; `pending` holds the buffer until it is queued.
    fn poll_recv_owned(
        &mut self,
        cx: &mut Context<'_>,
        pending: &mut Option<Vec<u8>>,
        from: usize,
    ) -> Poll<(io::Result<usize>, Vec<u8>)> {
        loop {
            let Some(buf) = pending.as_mut() else {
                // Queued: the receive in flight is this one.
                let (result, buf) = ready!(self.ring.poll(self.read.slot, cx));
                self.read.in_flight = false;
                match result {
                    n if n >= 0 => return Poll::Ready((Ok(n as usize), buf)),
                    e if e == -libc::EAGAIN || e == -libc::EINTR => *pending = Some(buf),
                    e => return Poll::Ready((Err(io::Error::from_raw_os_error(-e)), buf)),
                }
                continue;
            };
            let read = &mut self.read;
            if read.pos < read.end {
                let n = (buf.len() - from).min(read.end - read.pos);
                buf[from..from + n].copy_from_slice(&read.buf[read.pos..read.pos + n]);
                read.pos += n;
                return Poll::Ready((Ok(n), pending.take().unwrap_or_default()));
            }
            if read.in_flight {
                // A receive queued by `poll_read`, or by a future given up.
                match ready!(self.poll_received(cx)) {
                    Some(Ok(0)) => return Poll::Ready((Ok(0), pending.take().unwrap_or_default())),
                    Some(Err(e)) => {
                        return Poll::Ready((Err(e), pending.take().unwrap_or_default()));
                    }
                    _ => continue,
                }
            }
            let buf = pending.take().unwrap_or_default();
            match self.start_recv(buf, from, cx) {
                Ok(None) => {}
                Ok(Some(buf)) => *pending = Some(buf),
                Err(e) => return Poll::Ready((Err(e), Vec::new())),
            }
            return Poll::Pending;
        }
    }

    /// Reads into `buf` (all of its length), with no copy when nothing is
    /// buffered: the kernel receives into `buf` itself, which comes back
    /// with the result, as monoio's and tokio-uring's reads do. A future
    /// dropped before it completes loses nothing: the bytes it receives
    /// are the stream's next ones to read.
    ///
    /// ```no_run
    /// # async fn f(mut stream: zokio_io::net::LocalTcpStream) {
    /// let (n, buf) = stream.read_owned(vec![0; 4096]).await;
    /// println!("{:?}", &buf[..n.unwrap()]);
    /// # }
    /// ```
    pub async fn read_owned(&mut self, buf: Vec<u8>) -> (io::Result<usize>, Vec<u8>) {
        if buf.is_empty() {
            return (Ok(0), buf);
        }
        let mut pending = Some(buf);
        std::future::poll_fn(|cx| {
            let progress = ready!(budget::poll_proceed(cx));
            let done = ready!(self.poll_recv_owned(cx, &mut pending, 0));
            progress.made_progress();
            Poll::Ready(done)
        })
        .await
    }

    /// Reads until `buf` is full, as [`read_owned`](Self::read_owned)
    /// does; end of stream first is an `UnexpectedEof` error.
    pub async fn read_exact_owned(&mut self, buf: Vec<u8>) -> (io::Result<()>, Vec<u8>) {
        let mut pending = Some(buf);
        let mut filled = 0;
        std::future::poll_fn(|cx| {
            let mut progress = Some(ready!(budget::poll_proceed(cx)));
            loop {
                if pending.as_ref().is_some_and(|buf| filled == buf.len()) {
                    return Poll::Ready((Ok(()), pending.take().unwrap_or_default()));
                }
                let (result, buf) = ready!(self.poll_recv_owned(cx, &mut pending, filled));
                if let Some(progress) = progress.take() {
                    progress.made_progress();
                }
                match result {
                    Ok(0) => return Poll::Ready((Err(io::ErrorKind::UnexpectedEof.into()), buf)),
                    Ok(n) => {
                        filled += n;
                        pending = Some(buf);
                    }
                    Err(e) => return Poll::Ready((Err(e), buf)),
                }
            }
        })
        .await
    }

    /// Writes all of `buf`, with no copy: the kernel sends from `buf`
    /// itself, which comes back once all of it is sent. A future dropped
    /// before that loses nothing either: the send goes on, and the next
    /// write or flush waits for it.
    ///
    /// ```no_run
    /// # async fn f(mut stream: zokio_io::net::LocalTcpStream) {
    /// let (sent, buf) = stream.write_all_owned(b"hello".to_vec()).await;
    /// sent.unwrap();
    /// # drop(buf);
    /// # }
    /// ```
    pub async fn write_all_owned(&mut self, buf: Vec<u8>) -> (io::Result<()>, Vec<u8>) {
        let mut pending = Some(buf);
        std::future::poll_fn(|cx| {
            if let Some(buf) = pending.take() {
                if buf.is_empty() {
                    return Poll::Ready((Ok(()), buf));
                }
                let progress = match budget::poll_proceed(cx) {
                    Poll::Ready(progress) => progress,
                    Poll::Pending => {
                        pending = Some(buf);
                        return Poll::Pending;
                    }
                };
                if let Poll::Ready(Err(e)) = self.poll_sent(cx) {
                    return Poll::Ready((Err(e), buf));
                }
                if self.write.in_flight.is_some() || self.write.unsent.is_some() {
                    pending = Some(buf);
                    return Poll::Pending;
                }
                progress.made_progress();
                // From here the write side owns the bytes, as a write of
                // `poll_write` would: `poll_sent` sends them all.
                self.write.buf = buf;
                self.write.unsent = Some(0);
            }
            let sent = ready!(self.poll_sent(cx));
            Poll::Ready((sent, std::mem::take(&mut self.write.buf)))
        })
        .await
    }

    /// A write-behind write of `bufs`' bytes: copied into the send buffer
    /// and queued as one send, once the previous send is done.
    fn poll_write_slices(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        if total == 0 {
            return Poll::Ready(Ok(0));
        }
        let progress = ready!(budget::poll_proceed(cx));
        ready!(self.poll_sent(cx))?;
        let mut buf = std::mem::take(&mut self.write.buf);
        buf.clear();
        for slice in bufs {
            let room = MAX_TRANSFER - buf.len();
            buf.extend_from_slice(&slice[..slice.len().min(room)]);
            if buf.len() == MAX_TRANSFER {
                break;
            }
        }
        let n = buf.len();
        let send = Op::Send {
            socket: self.target,
            from: 0,
        };
        match self.ring.start(self.write.slot, send, buf, cx)? {
            Started::InFlight => self.write.in_flight = Some(0),
            Started::Full(buf) => {
                // Not accepted: woken when a slot frees, the caller writes again.
                self.write.buf = buf;
                return Poll::Pending;
            }
        }
        progress.made_progress();
        Poll::Ready(Ok(n))
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
        self.get_mut()
            .poll_write_slices(cx, &[io::IoSlice::new(data)])
    }

    /// All the slices (up to 64 KiB) go out in one send: a head and a body
    /// written together (as hyper writes a response) are one segment on
    /// the wire and one completion, not two sends, the second waiting for
    /// the first.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_slices(cx, bufs)
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
