//! `UCred`: the credentials of a Unix socket's peer.

use std::io;
use std::os::fd::AsFd;

/// User id, as the C type.
#[allow(non_camel_case_types)]
pub type uid_t = u32;
/// Group id, as the C type.
#[allow(non_camel_case_types)]
pub type gid_t = u32;
/// Process id, as the C type.
#[allow(non_camel_case_types)]
pub type pid_t = i32;

/// The credentials of the process at the other end of a
/// [`UnixStream`](crate::net::UnixStream), as the kernel recorded them when
/// the connection was made (`SO_PEERCRED` on Linux).
///
/// ```
/// use zokio_io::net::UnixStream;
///
/// futures_lite::future::block_on(async {
///     let (a, _b) = UnixStream::pair()?;
///     let cred = a.peer_cred()?;
///     assert_eq!(cred.pid(), Some(std::process::id() as i32));
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Copy, Clone, Eq, PartialEq, Hash, Debug)]
pub struct UCred {
    uid: uid_t,
    gid: gid_t,
    pid: Option<pid_t>,
}

impl UCred {
    /// The peer's effective user id.
    pub fn uid(&self) -> uid_t {
        self.uid
    }

    /// The peer's effective group id.
    pub fn gid(&self) -> gid_t {
        self.gid
    }

    /// The peer's process id, where the platform tells it.
    pub fn pid(&self) -> Option<pid_t> {
        self.pid
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn peer_cred(socket: impl AsFd) -> io::Result<UCred> {
    let cred = rustix::net::sockopt::socket_peercred(socket)?;
    Ok(UCred {
        uid: cred.uid.as_raw(),
        gid: cred.gid.as_raw(),
        pid: Some(cred.pid.as_raw_nonzero().get()),
    })
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn peer_cred(socket: impl AsFd) -> io::Result<UCred> {
    use std::os::fd::AsRawFd;
    let (mut uid, mut gid) = (0, 0);
    // SAFETY: the descriptor is open for the borrow of `socket`, and both
    // out-pointers are live locals of the types `getpeereid` writes.
    let rc = unsafe { libc::getpeereid(socket.as_fd().as_raw_fd(), &mut uid, &mut gid) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(UCred {
        uid: uid as uid_t,
        gid: gid as gid_t,
        pid: None,
    })
}
