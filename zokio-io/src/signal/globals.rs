//! The process-wide part of signal handling: one [`SignalEvent`] per signal
//! number, the wake-up pipe every handler writes to, and the one-time
//! installation of each signal's handler.

use std::io::{self, Read, Write};
use std::os::raw::c_int;
use std::os::unix::net::UnixStream;
use std::sync::OnceLock;

use super::event::{SignalEvent, Subscription};

/// What the handlers and the listeners share, created on first use and
/// never freed (handlers stay installed for the life of the process).
pub(crate) struct Globals {
    /// Written by every handler: one byte per delivery, dropped when full
    /// (unread bytes already promise a wake-up).
    sender: UnixStream,
    /// Each listener registers a duplicate of this with its reactor.
    receiver: UnixStream,
    /// Indexed by signal number; entry 0 is never used.
    events: Box<[SignalEvent]>,
    /// Whether each signal's handler is installed, or why it could not be.
    installed: Box<[OnceLock<Result<(), SharedError>>]>,
}

/// An `io::Error` kept for every later caller (it is not `Clone`).
#[derive(Clone)]
struct SharedError {
    kind: io::ErrorKind,
    message: String,
}

impl From<SharedError> for io::Error {
    fn from(e: SharedError) -> io::Error {
        io::Error::new(e.kind, e.message)
    }
}

impl From<&io::Error> for SharedError {
    fn from(e: &io::Error) -> SharedError {
        SharedError {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

/// The largest signal number this platform delivers.
fn max_signal() -> c_int {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    return libc::SIGRTMAX();
    // The classic signals, which every Unix numbers within 1..=33.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    return 33;
}

/// Signals whose handler would be wrong or impossible: `SIGKILL` and
/// `SIGSTOP` cannot be caught, and returning from a handler for a fault
/// (`SIGILL`, `SIGFPE`, `SIGSEGV`, `SIGBUS`) re-runs the faulting
/// instruction forever. signal-hook-registry refuses the first five.
const FORBIDDEN: [(c_int, &str); 6] = [
    (libc::SIGKILL, "SIGKILL"),
    (libc::SIGSTOP, "SIGSTOP"),
    (libc::SIGILL, "SIGILL"),
    (libc::SIGFPE, "SIGFPE"),
    (libc::SIGSEGV, "SIGSEGV"),
    (libc::SIGBUS, "SIGBUS"),
];

/// Checks that `signum` is a signal a listener may wait for.
pub(crate) fn validate(signum: c_int) -> io::Result<()> {
    let max = max_signal();
    if signum <= 0 || signum > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("zokio-io: {signum} is not a signal number (valid: 1..={max})"),
        ));
    }
    if let Some((_, name)) = FORBIDDEN.iter().find(|(n, _)| *n == signum) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "zokio-io: refusing to handle signal {signum} ({name}): \
                 it cannot be caught, or a handler for it cannot return"
            ),
        ));
    }
    // signal-hook-registry must agree, since it panics on what it forbids.
    debug_assert!(!signal_hook_registry::FORBIDDEN.contains(&signum));
    Ok(())
}

/// The globals, created on first call.
pub(crate) fn globals() -> io::Result<&'static Globals> {
    static GLOBALS: OnceLock<Result<Globals, SharedError>> = OnceLock::new();
    match GLOBALS.get_or_init(|| Globals::new().map_err(|e| SharedError::from(&e))) {
        Ok(globals) => Ok(globals),
        Err(e) => Err(io::Error::new(
            e.kind,
            format!(
                "zokio-io: cannot create the signal wake-up pipe: {}",
                e.message
            ),
        )),
    }
}

impl Globals {
    fn new() -> io::Result<Globals> {
        let (receiver, sender) = UnixStream::pair()?;
        // O_NONBLOCK is a property of the open file, so the receiver's
        // duplicates are non-blocking too.
        receiver.set_nonblocking(true)?;
        sender.set_nonblocking(true)?;
        let slots = max_signal() as usize + 1;
        Ok(Globals {
            sender,
            receiver,
            events: (0..slots).map(|_| SignalEvent::new()).collect(),
            installed: (0..slots).map(|_| OnceLock::new()).collect(),
        })
    }

    /// The record of `signum`, which [`validate`] accepted.
    pub(crate) fn event(&self, signum: c_int) -> &SignalEvent {
        &self.events[signum as usize]
    }

    /// Installs the handler of `signum` unless an earlier call did (or
    /// failed: the failure is returned again). It stays installed for good.
    pub(crate) fn enable(&'static self, signum: c_int) -> io::Result<()> {
        validate(signum)?;
        let event: &'static SignalEvent = self.event(signum);
        let sender = &self.sender;
        self.installed[signum as usize]
            .get_or_init(|| {
                let action = move || {
                    event.record();
                    // A full pipe already holds a wake-up; nothing else can fail.
                    let _ = (&*sender).write(&[1]);
                };
                // `action` is async-signal-safe: an atomic store and
                // one write(2) on a non-blocking socket, with no lock, no
                // allocation and no panic (`io::Error` of an OS code does not
                // allocate); signal-hook-registry saves and restores `errno`
                // around it. `signum` passed `validate`, so it is none of the
                // signals the registry forbids.
                // SAFETY: `action` is async-signal-safe and `signum` is allowed.
                let registered = unsafe { signal_hook_registry::register(signum, action) };
                registered.map(drop).map_err(|e| {
                    SharedError::from(&io::Error::new(
                        e.kind(),
                        format!("zokio-io: cannot install a handler for signal {signum}: {e}"),
                    ))
                })
            })
            .clone()
            .map_err(io::Error::from)
    }

    /// A new descriptor of the wake-up pipe's read end, for one listener to
    /// register with its reactor.
    pub(crate) fn receiver(&self) -> io::Result<UnixStream> {
        self.receiver.try_clone()
    }

    /// Reads everything waiting in the pipe (through any of its
    /// descriptors) until it is empty, then broadcasts every signal recorded
    /// before those bytes were written. Returns whether any byte was read:
    /// if none was, each recorded signal's byte was taken by another drain,
    /// which broadcasts it. The caller's own waker (`own`, its event and
    /// subscription) is not woken by the broadcast; see
    /// [`SignalEvent::broadcast_if_pending`].
    ///
    /// A read error other than `WouldBlock` (none is possible on a socket
    /// pair whose other end lives as long as the process) ends the drain as
    /// if the pipe were empty, so a caller waits for the next byte rather
    /// than spin.
    pub(crate) fn drain(&self, receiver: &UnixStream, own: (&SignalEvent, &Subscription)) -> bool {
        let mut buf = [0u8; 64];
        let mut any = false;
        loop {
            match (&*receiver).read(&mut buf) {
                Ok(n) => {
                    any |= n > 0;
                    // A stream socket's short read took all it held.
                    if n < buf.len() {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        if any {
            let (own_event, own_subscription) = own;
            for event in self.events.iter() {
                let skip = std::ptr::eq(event, own_event).then_some(own_subscription);
                event.broadcast_if_pending(skip);
            }
        }
        any
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn bad_numbers_are_errors_naming_the_signal() {
        for signum in [0, -1, c_int::MIN, max_signal() + 1, c_int::MAX] {
            let err = validate(signum).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            assert!(err.to_string().contains(&signum.to_string()), "{err}");
        }
        for (signum, name) in FORBIDDEN {
            let err = validate(signum).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            assert!(err.to_string().contains(name), "{err}");
        }
        for &signum in signal_hook_registry::FORBIDDEN {
            assert!(validate(signum).is_err(), "{signum} must be refused");
        }
        assert!(validate(libc::SIGUSR1).is_ok());
        assert!(validate(max_signal()).is_ok());
    }
}
