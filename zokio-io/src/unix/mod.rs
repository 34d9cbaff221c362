//! Tokio's `tokio::io::unix`: [`AsyncFd`], a descriptor made asynchronous
//! with Tokio's readiness-guard API, over the same registration as
//! [`Async`](crate::Async).
//!
//! [`Async`](crate::Async) runs an operation for you until it stops
//! returning `WouldBlock` (`read_with`, `write_with`); [`AsyncFd`] hands you
//! a guard for the readiness it saw, and you run the operation through
//! [`AsyncFdReadyGuard::try_io`] or clear the readiness yourself
//! ([`AsyncFdReadyGuard::clear_ready`]). Code ported from Tokio uses this
//! one.

mod async_fd;

pub use async_fd::{
    AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, AsyncFdTryNewError, TryIoError,
};
