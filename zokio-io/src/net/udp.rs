//! `UdpSocket`: datagrams.

use std::fmt;
use std::future::{poll_fn, ready};
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

use bytes::BufMut;

use crate::async_fd::Async;
use crate::interest::Interest;
use crate::net::addr::{ToSocketAddrs, each_addr, resolve};
use crate::net::buf::recv_into;
use crate::ready::Ready;

/// A UDP socket.
///
/// ```
/// use zokio_io::net::UdpSocket;
///
/// futures_lite::future::block_on(async {
///     let a = UdpSocket::bind("127.0.0.1:0").await?;
///     let b = UdpSocket::bind("127.0.0.1:0").await?;
///     a.send_to(b"ping", b.local_addr()?).await?;
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await?;
///     assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UdpSocket {
    inner: Async<std::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to the first of `addr`'s addresses that works. A malformed or
    /// unresolvable address is an `InvalidInput` error.
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        each_addr(addr, |addr| {
            ready(std::net::UdpSocket::bind(addr).and_then(UdpSocket::from_std))
        })
        .await
    }

    /// Sets the default peer of [`send`](Self::send) and the only source
    /// [`recv`](Self::recv) accepts, trying `addr`'s addresses in turn.
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        each_addr(addr, |addr| ready(self.inner.get_ref().connect(addr))).await
    }

    /// Sends a datagram to the first address of `target` (a host name is
    /// resolved on the blocking pool first).
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target = resolve(&target).await?[0];
        poll_fn(|cx| self.poll_send_to(cx, buf, target)).await
    }

    /// The poll form of [`send_to`](Self::send_to), with a resolved address.
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write_with(cx, |s| s.send_to(buf, target))
    }

    /// Sends a datagram to `target` without waiting, or `WouldBlock`.
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        let socket = self.inner.get_ref();
        self.inner
            .try_io(Interest::WRITABLE, || socket.send_to(buf, target))
    }

    /// Receives a datagram and the address it came from. A datagram longer
    /// than `buf` is cut to fit; the rest is lost.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        poll_fn(|cx| self.poll_recv_from(cx, buf)).await
    }

    /// The poll form of [`recv_from`](Self::recv_from).
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.inner.poll_read_with(cx, |s| s.recv_from(buf))
    }

    /// Receives a datagram without waiting, or `WouldBlock`.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let socket = self.inner.get_ref();
        self.inner
            .try_io(Interest::READABLE, || socket.recv_from(buf))
    }

    /// Receives the next datagram without removing it from the queue, and
    /// the address it came from.
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        poll_fn(|cx| self.poll_peek_from(cx, buf)).await
    }

    /// The poll form of [`peek_from`](Self::peek_from).
    pub fn poll_peek_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.inner.poll_read_with(cx, |s| s.peek_from(buf))
    }

    /// [`peek_from`](Self::peek_from) without waiting, or `WouldBlock`.
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let socket = self.inner.get_ref();
        self.inner
            .try_io(Interest::READABLE, || socket.peek_from(buf))
    }

    /// The sender of the next datagram, leaving the datagram queued (no
    /// buffer needed, and nothing is cut).
    ///
    /// ```
    /// use zokio_io::net::UdpSocket;
    ///
    /// futures_lite::future::block_on(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"hello", b.local_addr()?).await?;
    ///     assert_eq!(b.peek_sender().await?, a.local_addr()?);
    ///     let mut buf = [0; 5];
    ///     assert_eq!(b.recv_from(&mut buf).await?, (5, a.local_addr()?));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn peek_sender(&self) -> io::Result<SocketAddr> {
        poll_fn(|cx| self.poll_peek_sender(cx)).await
    }

    /// The poll form of [`peek_sender`](Self::peek_sender).
    pub fn poll_peek_sender(&self, cx: &mut Context<'_>) -> Poll<io::Result<SocketAddr>> {
        self.inner.poll_read_with(cx, peek_sender)
    }

    /// [`peek_sender`](Self::peek_sender) without waiting, or `WouldBlock`.
    pub fn try_peek_sender(&self) -> io::Result<SocketAddr> {
        let socket = self.inner.get_ref();
        self.inner
            .try_io(Interest::READABLE, || peek_sender(socket))
    }

    /// Sends a datagram to the connected peer.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write_with(|s| s.send(buf)).await
    }

    /// The poll form of [`send`](Self::send).
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_write_with(cx, |s| s.send(buf))
    }

    /// Sends a datagram to the connected peer without waiting, or
    /// `WouldBlock`.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        let socket = self.inner.get_ref();
        self.inner.try_io(Interest::WRITABLE, || socket.send(buf))
    }

    /// Receives a datagram from the connected peer.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read_with(|s| s.recv(buf)).await
    }

    /// The poll form of [`recv`](Self::recv).
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_read_with(cx, |s| s.recv(buf))
    }

    /// Receives a datagram from the connected peer without waiting, or
    /// `WouldBlock`.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        let socket = self.inner.get_ref();
        self.inner.try_io(Interest::READABLE, || socket.recv(buf))
    }

    /// Receives a datagram from the connected peer into `buf`'s spare
    /// capacity, which it advances past the bytes received.
    pub async fn recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.inner
            .read_with(|s| recv_into(buf, |dst| s.recv(dst).map(|n| (n, ()))))
            .await
            .map(|(n, ())| n)
    }

    /// [`recv_buf`](Self::recv_buf) without waiting, or `WouldBlock`.
    pub fn try_recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        let socket = self.inner.get_ref();
        self.inner
            .try_io(Interest::READABLE, || {
                recv_into(buf, |dst| socket.recv(dst).map(|n| (n, ())))
            })
            .map(|(n, ())| n)
    }

    /// Receives a datagram and its sender into `buf`'s spare capacity,
    /// which it advances past the bytes received.
    ///
    /// ```
    /// use zokio_io::net::UdpSocket;
    ///
    /// futures_lite::future::block_on(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"grow", b.local_addr()?).await?;
    ///     let mut buf = Vec::with_capacity(16);
    ///     let (n, from) = b.recv_buf_from(&mut buf).await?;
    ///     assert_eq!((n, &buf[..], from), (4, &b"grow"[..], a.local_addr()?));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.inner
            .read_with(|s| recv_into(buf, |dst| s.recv_from(dst)))
            .await
    }

    /// [`recv_buf_from`](Self::recv_buf_from) without waiting, or
    /// `WouldBlock`.
    pub fn try_recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        let socket = self.inner.get_ref();
        self.inner.try_io(Interest::READABLE, || {
            recv_into(buf, |dst| socket.recv_from(dst))
        })
    }

    /// Receives the next datagram from the connected peer without removing
    /// it from the queue.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read_with(|s| s.peek(buf)).await
    }

    /// Waits until the socket is ready for any of `interest` and says which
    /// readiness it saw (it may be stale: a `try_*` that follows can still
    /// return `WouldBlock`, which clears it).
    ///
    /// ```
    /// use zokio_io::Interest;
    /// use zokio_io::net::UdpSocket;
    ///
    /// futures_lite::future::block_on(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     a.writable().await?;
    ///     a.try_send(b"ping")?;
    ///     let mut buf = [0; 4];
    ///     loop {
    ///         b.ready(Interest::READABLE).await?;
    ///         match b.try_recv_from(&mut buf) {
    ///             Ok((n, from)) => { assert_eq!((n, from), (4, a.local_addr()?)); break }
    ///             Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///             Err(e) => return Err(e),
    ///         }
    ///     }
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.inner.ready_interest(interest).await
    }

    /// Waits until a datagram can be received; see [`ready`](Self::ready).
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Waits until a datagram can be sent; see [`ready`](Self::ready).
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for receive readiness (only the last task polling is woken).
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_direction_ready(Interest::READABLE, cx)
    }

    /// Polls for send readiness (only the last task polling is woken).
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_direction_ready(Interest::WRITABLE, cx)
    }

    /// Runs `f`, an operation of your own on the socket, if `interest` is
    /// ready; else `WouldBlock`. `f` must return `WouldBlock` when the
    /// socket would block, so the readiness is cleared.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.inner.try_io(interest, f)
    }

    /// Waits for `interest` and runs `f` until it does not return
    /// `WouldBlock`.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        self.inner.async_io(interest, f).await
    }

    /// The address this socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// The connected peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }

    /// Sets `SO_BROADCAST`: whether datagrams may go to a broadcast address.
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.inner.get_ref().set_broadcast(on)
    }

    /// Reads `SO_BROADCAST`.
    pub fn broadcast(&self) -> io::Result<bool> {
        self.inner.get_ref().broadcast()
    }

    /// Sets `IP_MULTICAST_LOOP`: whether multicast datagrams sent come back
    /// to this host.
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.inner.get_ref().set_multicast_loop_v4(on)
    }

    /// Reads `IP_MULTICAST_LOOP`.
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.inner.get_ref().multicast_loop_v4()
    }

    /// Sets `IP_MULTICAST_TTL`: how many hops multicast datagrams live.
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.inner.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// Reads `IP_MULTICAST_TTL`.
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.inner.get_ref().multicast_ttl_v4()
    }

    /// Sets `IPV6_MULTICAST_LOOP`.
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.inner.get_ref().set_multicast_loop_v6(on)
    }

    /// Reads `IPV6_MULTICAST_LOOP`.
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.inner.get_ref().multicast_loop_v6()
    }

    /// Joins the IPv4 multicast group `multiaddr` on the interface with
    /// address `interface` (`Ipv4Addr::UNSPECIFIED`: the system's choice).
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.inner
            .get_ref()
            .join_multicast_v4(&multiaddr, &interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on interface index
    /// `interface` (0: the system's choice).
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.inner.get_ref().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves a group joined with [`join_multicast_v4`](Self::join_multicast_v4).
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.inner
            .get_ref()
            .leave_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves a group joined with [`join_multicast_v6`](Self::join_multicast_v6).
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.inner
            .get_ref()
            .leave_multicast_v6(multiaddr, interface)
    }

    /// Reads `IP_TOS` (IPv4 sockets).
    pub fn tos_v4(&self) -> io::Result<u32> {
        socket2::SockRef::from(self.inner.get_ref()).tos_v4()
    }

    /// Sets `IP_TOS` (IPv4 sockets).
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        socket2::SockRef::from(self.inner.get_ref()).set_tos_v4(tos)
    }

    /// Reads `IPV6_TCLASS` (IPv6 sockets).
    pub fn tclass_v6(&self) -> io::Result<u32> {
        socket2::SockRef::from(self.inner.get_ref()).tclass_v6()
    }

    /// Sets `IPV6_TCLASS` (IPv6 sockets).
    pub fn set_tclass_v6(&self, tclass: u32) -> io::Result<()> {
        socket2::SockRef::from(self.inner.get_ref()).set_tclass_v6(tclass)
    }

    /// Sets `IP_TTL`.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.get_ref().set_ttl(ttl)
    }

    /// Reads `IP_TTL`.
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.get_ref().ttl()
    }

    /// Takes the socket's pending error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get_ref().take_error()
    }

    /// Registers a std socket (made non-blocking) with the current reactor.
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            inner: Async::new_nonblocking(socket)?,
        })
    }

    /// Deregisters the socket and gives back the std socket (still in
    /// non-blocking mode).
    pub fn into_std(self) -> std::net::UdpSocket {
        self.inner.into_inner()
    }
}

impl TryFrom<std::net::UdpSocket> for UdpSocket {
    type Error = io::Error;

    fn try_from(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        UdpSocket::from_std(socket)
    }
}

impl From<UdpSocket> for std::net::UdpSocket {
    fn from(socket: UdpSocket) -> std::net::UdpSocket {
        socket.into_std()
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.get_ref().fmt(f)
    }
}

/// The sender of the next datagram, which stays queued.
fn peek_sender(socket: &std::net::UdpSocket) -> io::Result<SocketAddr> {
    socket2::SockRef::from(socket)
        .peek_sender()?
        .as_socket()
        .ok_or_else(|| io::Error::other("the datagram's sender is not an IP address"))
}
