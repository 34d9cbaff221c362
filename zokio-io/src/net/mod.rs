//! TCP, UDP and Unix-domain sockets over the reactor, with Tokio's names
//! and semantics (`tokio::net` ported by renaming it `zokio::net`).
//!
//! Each type wraps its std counterpart in an [`Async`](crate::Async), converts
//! from and into it, and implements futures-io `AsyncRead` and `AsyncWrite`
//! where it is a byte stream. Each has Tokio's readiness API (`ready`,
//! `readable`, `writable`, the `try_*` operations, `poll_*_ready`), and
//! every address argument is a [`ToSocketAddrs`]: a host name is resolved on
//! the blocking pool ([`lookup_host`]), an address is used as it is.

mod addr;
mod buf;
#[cfg(target_os = "linux")]
mod local_tcp_stream;
mod queue_hint;
mod stream_io;
mod stream_ready;
mod tcp_listener;
mod tcp_socket;
mod tcp_split;
mod tcp_stream;
mod udp;
pub mod unix;

pub use addr::{ToSocketAddrs, lookup_host};
#[cfg(target_os = "linux")]
pub use local_tcp_stream::LocalTcpStream;
pub use tcp_listener::{Incoming, TcpListener};
pub use tcp_socket::TcpSocket;
pub use tcp_split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};

pub use tcp_stream::TcpStream;
pub use udp::UdpSocket;
pub use unix::datagram::UnixDatagram;
pub use unix::stream::{UnixIncoming, UnixListener, UnixStream};

/// The TCP types under Tokio's `tokio::net::tcp` path: the
/// [`TcpStream`] halves and [`ReuniteError`](tcp::ReuniteError).
pub mod tcp {
    pub use super::tcp_split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
}
