//! The reactor's shared state: the selector, the registry of sources, and
//! [`Handle`], the reference to it that sources hold to register and
//! deregister.

use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
#[cfg(target_os = "linux")]
use std::sync::OnceLock;
use std::sync::{Arc, Mutex, MutexGuard};

use zokio_core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use crate::origin::OriginCache;
use crate::readiness::{Readiness, closed_error};
use crate::sys::Selector;

/// What the driver shares with its handles and sources.
pub(crate) struct Reactor {
    pub(crate) selector: Selector,
    pub(crate) registry: Mutex<Registry>,
    /// Set when `registry.released` has sources to free at the next park.
    pub(crate) release_pending: AtomicBool,
    /// Bumped (Release) by each registration before its source reaches the
    /// poller, and read (Acquire) by each park after its wait. The kernel
    /// orders `epoll_ctl` before the event it makes `epoll_wait` return, but
    /// the memory model cannot see through system calls; this pair is what
    /// makes a new `ScheduledIo` happen-before the reactor reads it.
    pub(crate) registrations: AtomicUsize,
    /// Readiness events delivered so far. Written only by the thread that
    /// holds the driver (a load and a store, no read-modify-write), read by
    /// [`Handle::metrics`].
    pub(crate) events: AtomicU64,
    /// The io_uring of file operations: set up by the first one (`None`
    /// if it cannot be), shut down with the driver.
    #[cfg(target_os = "linux")]
    pub(crate) attached: OnceLock<Option<Arc<dyn Attached>>>,
    /// The tag of the thread that parks the driver, if it serves socket
    /// rings (0: it does not, or has not parked yet). An id, written by the
    /// parking thread and read by streams that need its ring: nothing is
    /// published through it, so `Relaxed` (and std's atomic, under loom too).
    #[cfg(target_os = "linux")]
    pub(crate) ring_thread: std::sync::atomic::AtomicU64,
}

/// A completion backend set up on a reactor (the io_uring of files), which
/// the driver shuts down first when it shuts down. Named here, not by its
/// type, so that the reactor does not depend on the backend's module.
#[cfg(target_os = "linux")]
pub(crate) trait Attached: Send + Sync {
    /// Cancels and waits for the backend's operations in flight.
    fn shutdown(&self);

    /// The backend as its own type, for the module that made it.
    fn into_any(self: Arc<Self>) -> Arc<dyn std::any::Any + Send + Sync>;
}

pub(crate) struct Registry {
    /// Every registered source, so that shutdown can reach them; indexed by
    /// `ScheduledIo::slot`.
    pub(crate) sources: Vec<Option<Arc<ScheduledIo>>>,
    pub(crate) free: Vec<usize>,
    /// Deregistered sources, freed at the start of the next park: events
    /// already read from the poller may still name them until then.
    pub(crate) released: Vec<Arc<ScheduledIo>>,
    pub(crate) shut_down: bool,
}

/// The reactor's record of one source. Its address is the poller key.
pub(crate) struct ScheduledIo {
    pub(crate) readiness: Readiness,
    pub(crate) slot: usize,
    /// Asked where incoming data arrived when the scheduler wants to know.
    pub(crate) fd: RawFd,
    pub(crate) origin: OriginCache,
}

/// A cheap, cloneable reference to an [`IoDriver`](crate::IoDriver)'s
/// reactor, used to register sources.
///
/// A runtime enters its handle on each of its threads; sources created
/// there register with its driver. Where none is entered, sources register
/// with a background reactor: one `IoDriver` per process, started on first
/// use and parked in a loop on its own thread, so the types of this crate
/// work under any executor.
///
/// ```
/// use zokio_io::{Handle, IoDriver};
///
/// let driver = IoDriver::new()?;
/// assert!(Handle::try_current().is_err());
/// let guard = driver.handle().enter();
/// assert!(Handle::try_current().is_ok());
/// drop(guard);
/// assert!(Handle::try_current().is_err());
/// // With nothing entered, `current` is the background reactor.
/// let _background = Handle::current()?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) reactor: Arc<Reactor>,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}

/// A reactor's counters, from [`Handle::metrics`].
///
/// ```
/// use zokio_io::IoDriver;
///
/// let driver = IoDriver::new()?;
/// let handle = driver.handle();
/// let _entered = handle.enter();
/// let before = handle.metrics();
/// let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// let socket = zokio_io::net::UdpSocket::from_std(socket)?;
/// assert_eq!(handle.metrics().sources, before.sources + 1);
/// drop(socket);
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IoMetrics {
    /// Readiness events the reactor has delivered (one per source per wait
    /// that reported it), up to the last park.
    pub events: u64,
    /// Sources registered now (sockets, pipes, `AsyncFd`s, the signal pipe).
    pub sources: usize,
}

impl Handle {
    /// The reactor's counters now: events delivered, sources registered.
    pub fn metrics(&self) -> IoMetrics {
        let sources = {
            let registry = self.reactor.lock();
            registry.sources.len() - registry.free.len()
        };
        IoMetrics {
            events: self.reactor.events.load(Ordering::Relaxed),
            sources,
        }
    }

    /// Whether this reactor's driver has shut down (or been dropped).
    pub(crate) fn is_shut_down(&self) -> bool {
        self.reactor.lock().shut_down
    }

    /// Used by the pidfd reaper, which keeps its registration when moved to
    /// the reactor it is on already.
    #[cfg(target_os = "linux")]
    pub(crate) fn same_reactor(&self, other: &Handle) -> bool {
        Arc::ptr_eq(&self.reactor, &other.reactor)
    }
}

impl Reactor {
    pub(crate) fn selector(&self) -> &Selector {
        &self.selector
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Registry> {
        // The registry is consistent between statements; a panic elsewhere
        // while it was held does not make it unusable.
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers `fd` for both directions in edge mode.
    pub(crate) fn register(
        &self,
        fd: BorrowedFd<'_>,
        readiness: Readiness,
    ) -> io::Result<Arc<ScheduledIo>> {
        let io = {
            let mut registry = self.lock();
            if registry.shut_down {
                return Err(closed_error());
            }
            let slot = registry.free.pop().unwrap_or(registry.sources.len());
            let io = Arc::new(ScheduledIo {
                readiness,
                slot,
                fd: fd.as_raw_fd(),
                origin: OriginCache::new(),
            });
            if slot == registry.sources.len() {
                registry.sources.push(Some(io.clone()));
            } else {
                registry.sources[slot] = Some(io.clone());
            }
            io
        };
        self.registrations.fetch_add(1, Ordering::Release);
        let key = Arc::as_ptr(&io) as usize;
        if let Err(e) = self.selector.add(fd, key) {
            self.remove(&io, false);
            return Err(e);
        }
        Ok(io)
    }

    /// Deletes `fd` from the poller and drops the registration, waking any
    /// task still waiting on it.
    pub(crate) fn deregister(&self, fd: BorrowedFd<'_>, io: &Arc<ScheduledIo>) {
        // Fails only if the descriptor was not registered (after a failed
        // add) or already closed, and then the kernel has dropped it already.
        let _ = self.selector.delete(fd);
        self.remove(io, true);
        io.readiness.close();
    }

    fn remove(&self, io: &Arc<ScheduledIo>, defer: bool) {
        let mut registry = self.lock();
        let taken = registry
            .sources
            .get_mut(io.slot)
            .and_then(|entry| entry.take_if(|entry| Arc::ptr_eq(entry, io)));
        if let Some(taken) = taken {
            registry.free.push(io.slot);
            // Deferred even after shutdown: a caller may still park, and an
            // event read by that park may name this source.
            if defer {
                registry.released.push(taken);
                self.release_pending.store(true, Ordering::Release);
            }
        }
    }
}
