//! Unix-domain sockets, and the types that go with them under Tokio's
//! `tokio::net::unix` path: the [`UnixStream`](crate::net::UnixStream)
//! halves, [`UCred`], and the socket address type (std's).
//!
//! On Linux, a path that starts with a NUL byte (`"\0name"`) names an
//! abstract socket, as in Tokio: no file is created, and the name vanishes
//! with the last socket bound to it.

mod addr;
pub(crate) mod datagram;
mod split;
pub(crate) mod stream;
mod ucred;

pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use std::os::unix::net::SocketAddr;
pub use ucred::{UCred, gid_t, pid_t, uid_t};
