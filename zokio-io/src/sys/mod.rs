//! The operating system's readiness poller, behind one small interface.
//!
//! On Linux the driver talks to epoll directly ([`epoll`]): `polling`'s
//! `Poller::wait` re-arms a timerfd and its notifier around every wait, five
//! system calls where one `epoll_wait` is enough, and a busy server parks its
//! reactor thousands of times a second. Elsewhere the `polling` crate does the
//! work ([`portable`]). Both register sources edge-triggered for both
//! directions, keyed by a non-zero `usize`.

/// True if events carry `read_final`/`write_final`. Only then may a short
/// transfer clear readiness: a hang-up that arrived with the data would
/// otherwise be forgotten, and no new edge would report it.
pub(crate) const REPORTS_FINAL: bool = cfg!(any(target_os = "linux", target_os = "android"));

#[cfg(any(target_os = "linux", target_os = "android"))]
mod epoll;
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) use epoll::{Events, Selector};

#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod portable;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) use portable::{Events, Selector};

/// One readiness report for one source.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadyEvent {
    /// The key the source was registered under.
    pub(crate) key: usize,
    pub(crate) readable: bool,
    pub(crate) writable: bool,
    /// The peer hung up, or the socket hung up or failed: reads end at once.
    pub(crate) read_final: bool,
    /// The socket hung up or failed: writes end at once.
    pub(crate) write_final: bool,
}

/// The CPU on which the kernel last processed data arriving for the socket
/// `fd` (`SO_INCOMING_CPU`), if it is a socket that records one.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn incoming_cpu(fd: std::os::fd::RawFd) -> Option<usize> {
    let mut cpu: libc::c_int = -1;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `cpu` and `len` are live locals of the sizes passed. A stale
    // or reused `fd` only yields an error or another socket's CPU, and the
    // answer is a hint.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_INCOMING_CPU,
            (&raw mut cpu).cast(),
            &mut len,
        )
    };
    // Sockets that never received (and Unix sockets) report -1.
    (rc == 0)
        .then_some(cpu)
        .and_then(|cpu| usize::try_from(cpu).ok())
}

/// No portable way to ask: no hint.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn incoming_cpu(_fd: std::os::fd::RawFd) -> Option<usize> {
    None
}
