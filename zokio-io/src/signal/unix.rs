//! Unix signals: [`signal`] makes a [`Signal`] listener for a [`SignalKind`].

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::unix::net::UnixStream;
use std::task::{Context, Poll, ready};

use zokio_core::budget;

use super::event::{SignalEvent, Subscription};
use super::globals::{Globals, globals};
use crate::async_fd::Async;
use crate::reactor::Handle;
use crate::readiness::{Direction, Readiness};

pub use super::kind::SignalKind;

/// A listener for one signal, made by [`signal`]: [`recv`](Signal::recv)
/// completes once for each delivery, or for a burst of deliveries that
/// arrived between two calls.
///
/// Every `Signal` of a kind sees every delivery: several listeners of one
/// signal are all woken. A delivery after [`signal`] returned counts even if
/// the listener is first polled later. Dropping a listener affects no other.
///
/// `recv` returns `None` only once the reactor the listener registered with
/// has shut down (its runtime was dropped); from then on it always returns
/// `None`. A listener made outside any runtime uses the process's background
/// reactor, which never shuts down, and never returns `None`.
///
/// ```
/// use zokio_io::signal::unix::{SignalKind, signal};
///
/// futures_lite::future::block_on(async {
///     let mut hangups = signal(SignalKind::hangup())?;
///     // SAFETY: raise(3) has no preconditions; the listener above handles SIGHUP.
///     unsafe { libc::raise(libc::SIGHUP) };
///     assert_eq!(hangups.recv().await, Some(()));
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[must_use = "a `Signal` does nothing unless `recv` is awaited"]
pub struct Signal {
    kind: SignalKind,
    globals: &'static Globals,
    event: &'static SignalEvent,
    subscription: Subscription,
    /// This listener's descriptor of the wake-up pipe, registered with its
    /// reactor: its own, because an epoll set takes a descriptor once and
    /// each registration has one waker per direction.
    wake_up: Async<UnixStream>,
    /// Set once the reactor has shut down.
    closed: bool,
}

/// Listens for deliveries of `kind`: installs the signal's handler on the
/// first call for that signal (for good: the signal's previous disposition,
/// its default action included, is never restored) and registers the
/// listener with the current reactor (the entered runtime's, or the
/// background one).
///
/// # Errors
///
/// An [`InvalidInput`](io::ErrorKind::InvalidInput) error for a number that
/// is not a signal (zero, negative, above the platform's largest) or one
/// that cannot be handled (`SIGKILL`, `SIGSTOP`, `SIGILL`, `SIGFPE`,
/// `SIGSEGV`, `SIGBUS`); the operating system's error if it refuses the
/// handler (glibc keeps 32 and 33 to itself) or if the listener cannot get a
/// descriptor (one per listener) or register it.
///
/// # Panics
///
/// On a runtime built without I/O, as [`Handle::current`] does.
///
/// ```
/// use zokio_io::signal::unix::{SignalKind, signal};
///
/// futures_lite::future::block_on(async {
///     let mut first = signal(SignalKind::user_defined2())?;
///     let mut second = signal(SignalKind::user_defined2())?;
///     // SAFETY: raise(3) has no preconditions; SIGUSR2 is handled now.
///     unsafe { libc::raise(libc::SIGUSR2) };
///     // Both listeners see the one delivery.
///     assert_eq!(first.recv().await, Some(()));
///     assert_eq!(second.recv().await, Some(()));
///
///     let refused = signal(SignalKind::from_raw(libc::SIGKILL)).unwrap_err();
///     assert_eq!(refused.kind(), std::io::ErrorKind::InvalidInput);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[track_caller]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let handle = Handle::current()?;
    let signum = kind.as_raw_value();
    let globals = globals()?;
    globals.enable(signum)?;
    // Presumed readable: the first poll drains whatever is waiting.
    let wake_up = Async::register(globals.receiver()?, &handle, Readiness::new_ready())?;
    let event = globals.event(signum);
    Ok(Signal {
        kind,
        globals,
        event,
        subscription: event.subscribe(),
        wake_up,
        closed: false,
    })
}

impl Signal {
    /// Waits for the next delivery of the signal: `Some(())` for one (or a
    /// burst) since the last call, `None` if the listener's reactor has shut
    /// down.
    ///
    /// Cancel-safe: dropping the future loses no delivery.
    ///
    /// ```
    /// use zokio_io::signal::unix::{SignalKind, signal};
    ///
    /// futures_lite::future::block_on(async {
    ///     let mut alarms = signal(SignalKind::alarm())?;
    ///     for _ in 0..2 {
    ///         // SAFETY: raise(3) has no preconditions; SIGALRM is handled.
    ///         unsafe { libc::raise(libc::SIGALRM) };
    ///         assert_eq!(alarms.recv().await, Some(()));
    ///     }
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn recv(&mut self) -> Option<()> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The poll form of [`recv`](Signal::recv): `Pending` leaves the task to
    /// be woken by the next delivery (or the reactor's shutdown). Spends one
    /// unit of the task's cooperative budget when it completes.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio_io::signal::unix::{SignalKind, signal};
    ///
    /// futures_lite::future::block_on(async {
    ///     let mut resized = signal(SignalKind::window_change())?;
    ///     // SAFETY: raise(3) has no preconditions; SIGWINCH is handled.
    ///     unsafe { libc::raise(libc::SIGWINCH) };
    ///     let got = poll_fn(|cx| resized.poll_recv(cx)).await;
    ///     assert_eq!(got, Some(()));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        if self.closed {
            return Poll::Ready(None);
        }
        let progress = ready!(budget::poll_proceed(cx));
        let registration = self.wake_up.registration();
        loop {
            if self
                .event
                .poll_broadcast(&mut self.subscription, cx.waker())
                .is_ready()
            {
                progress.made_progress();
                return Poll::Ready(Some(()));
            }
            // The waker is left with the broadcast first: a drain elsewhere
            // may take the byte meant for us and broadcast after we look.
            let ready = match ready!(registration.poll_ready(Direction::Read, cx)) {
                Ok(ready) => ready,
                Err(_) => {
                    self.closed = true;
                    progress.made_progress();
                    return Poll::Ready(None);
                }
            };
            self.globals
                .drain(self.wake_up.get_ref(), (self.event, &self.subscription));
            // The pipe was empty at the end of the drain, so any byte written
            // since makes a newer event, which this clear leaves alone.
            registration.clear(ready);
        }
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        self.event.unsubscribe(&self.subscription);
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal")
            .field("kind", &self.kind)
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}
