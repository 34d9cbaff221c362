//! Finding the reactor: the handle entered on this thread, or the process's
//! background reactor.

use std::fmt;
use std::io;
use std::sync::{Arc, OnceLock};

use zokio_core::Driver;
use zokio_core::context::{self, Slot, SlotGuard};

use crate::driver::{Inner, IoDriver};

thread_local! {
    static CURRENT: Slot<Handle> = const { Slot::new() };
    /// Why this thread must not fall back to the background reactor.
    static DISABLED: Slot<&'static str> = const { Slot::new() };
}

/// Keeps a thread's I/O disabled; see [`disable_background`].
#[must_use = "the thread may use the background reactor again when the guard is dropped"]
pub struct DisabledGuard {
    _slot: SlotGuard<&'static str>,
}

impl fmt::Debug for DisabledGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DisabledGuard").finish_non_exhaustive()
    }
}

/// Makes [`Handle::current`] on this thread fail with `reason` (an error of
/// kind `Unsupported`) instead of falling back to the background reactor,
/// until the guard is dropped. A runtime built without I/O does this on its
/// threads, so that a socket used there says which setting is missing rather
/// than silently running on another reactor. A handle entered later still wins.
///
/// ```
/// let _off = zokio_io::disable_background("I/O is off here");
/// let err = zokio_io::Handle::current().unwrap_err();
/// assert_eq!(err.to_string(), "I/O is off here");
/// ```
pub fn disable_background(reason: &'static str) -> DisabledGuard {
    DisabledGuard {
        _slot: context::enter(&DISABLED, reason),
    }
}

/// A cheap, cloneable reference to an [`IoDriver`], used to register sources.
///
/// A runtime [`enter`](Handle::enter)s its handle on each of its threads;
/// sources created there register with its driver. Where no handle is
/// entered, sources register with a background reactor: one `IoDriver` per
/// process, started on first use and parked in a loop on its own thread, so
/// the types of this crate work under any executor.
///
/// ```
/// use zokio_io::{Handle, IoDriver};
///
/// let driver = IoDriver::new()?;
/// assert!(Handle::try_current().is_none());
/// let guard = driver.handle().enter();
/// assert!(Handle::try_current().is_some());
/// drop(guard);
/// assert!(Handle::try_current().is_none());
/// // With nothing entered, `current` is the background reactor.
/// let _background = Handle::current()?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: Arc<Inner>,
}

/// Leaves the entered handle when dropped; see [`Handle::enter`].
#[must_use = "the handle is left when the guard is dropped"]
pub struct EnterGuard {
    _slot: SlotGuard<Handle>,
}

impl Handle {
    pub(crate) fn from_inner(inner: Arc<Inner>) -> Handle {
        Handle { inner }
    }

    /// The handle entered on this thread, if any.
    pub fn try_current() -> Option<Handle> {
        CURRENT.try_with(Slot::get).ok().flatten()
    }

    /// The handle entered on this thread, or else the background reactor's
    /// (started now if this is its first use). Fails if the background
    /// reactor cannot be started (no poller, no thread), or if this thread
    /// was marked with [`disable_background`].
    pub fn current() -> io::Result<Handle> {
        match Handle::try_current() {
            Some(handle) => Ok(handle),
            None => match DISABLED.try_with(Slot::get).ok().flatten() {
                Some(reason) => Err(io::Error::new(io::ErrorKind::Unsupported, reason)),
                None => background(),
            },
        }
    }

    /// Makes this the current handle of this thread until the guard is
    /// dropped. Guards nest.
    pub fn enter(&self) -> EnterGuard {
        EnterGuard {
            _slot: context::enter(&CURRENT, self.clone()),
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

/// The background reactor, started once per process. A failure to start is
/// remembered (as kind and message, since `io::Error` is not `Clone`).
fn background() -> io::Result<Handle> {
    static BACKGROUND: OnceLock<Result<Handle, (io::ErrorKind, String)>> = OnceLock::new();
    let started =
        BACKGROUND.get_or_init(|| start_background().map_err(|e| (e.kind(), e.to_string())));
    match started {
        Ok(handle) => Ok(handle.clone()),
        Err((kind, message)) => Err(io::Error::new(
            *kind,
            format!("zokio-io: cannot start the background reactor: {message}"),
        )),
    }
}

fn start_background() -> io::Result<Handle> {
    let mut driver = IoDriver::new()?;
    let handle = driver.handle();
    std::thread::Builder::new()
        .name("zokio-io-reactor".into())
        .spawn(move || {
            loop {
                driver.park(None);
            }
        })?;
    Ok(handle)
}
