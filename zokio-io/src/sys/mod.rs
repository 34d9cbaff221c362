//! The operating system's readiness poller, behind one small interface.
//!
//! On Linux the driver talks to epoll directly ([`epoll`]): `polling`'s
//! `Poller::wait` re-arms a timerfd and its notifier around every wait, five
//! system calls where one `epoll_wait` is enough, and a busy server parks its
//! reactor thousands of times a second. Elsewhere the `polling` crate does the
//! work ([`portable`]). Both register sources edge-triggered for both
//! directions, keyed by a non-zero `usize`.

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
}
