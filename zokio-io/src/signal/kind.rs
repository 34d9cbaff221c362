//! `SignalKind`: which signal a listener waits for, as Tokio names them.

use std::os::raw::c_int;

/// A Unix signal to listen for, given to [`signal`](super::unix::signal).
///
/// The named constructors cover the signals programs usually handle;
/// [`from_raw`](SignalKind::from_raw) takes any number (a realtime signal,
/// say). A number that cannot be handled (`SIGKILL`, `SIGSTOP`, the fault
/// signals, zero, negative or above the platform's largest) is accepted here
/// and refused with an error by [`signal`](super::unix::signal).
///
/// ```
/// use zokio_io::signal::unix::SignalKind;
///
/// assert_eq!(SignalKind::terminate().as_raw_value(), libc::SIGTERM);
/// assert_eq!(SignalKind::from(libc::SIGINT), SignalKind::interrupt());
/// let raw: std::os::raw::c_int = SignalKind::hangup().into();
/// assert_eq!(raw, libc::SIGHUP);
/// ```
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub struct SignalKind(c_int);

impl SignalKind {
    /// The signal numbered `signum`, unchecked until it is listened for.
    ///
    /// ```
    /// use zokio_io::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::from_raw(libc::SIGUSR1), SignalKind::user_defined1());
    /// ```
    pub const fn from_raw(signum: c_int) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal's number.
    ///
    /// ```
    /// use zokio_io::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::quit().as_raw_value(), libc::SIGQUIT);
    /// ```
    pub const fn as_raw_value(&self) -> c_int {
        self.0
    }

    /// `SIGALRM`: a real-time timer (`alarm`, `setitimer`) expired.
    /// Its default action terminates the process.
    ///
    /// ```
    /// use zokio_io::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::alarm().as_raw_value(), libc::SIGALRM);
    /// ```
    pub const fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }

    /// `SIGCHLD`: a child process exited or stopped. Ignored by default.
    ///
    /// ```
    /// use zokio_io::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::child().as_raw_value(), libc::SIGCHLD);
    /// ```
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }

    /// `SIGHUP`: the terminal hung up; daemons take it as "reload".
    /// Its default action terminates the process.
    ///
    /// ```
    /// use zokio_io::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::hangup().as_raw_value(), libc::SIGHUP);
    /// ```
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// `SIGINFO`: the terminal asked for a status line (Ctrl-T), on the BSDs,
    /// macOS and illumos. Ignored by default.
    ///
    /// ```
    /// use zokio_io::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::info().as_raw_value(), libc::SIGINFO);
    /// ```
    #[cfg(any(
        target_os = "dragonfly",
        target_os = "freebsd",
        target_os = "macos",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "illumos"
    ))]
    pub const fn info() -> SignalKind {
        SignalKind(libc::SIGINFO)
    }

    /// `SIGINT`: the terminal's interrupt key (Ctrl-C).
    /// Its default action terminates the process.
    ///
    /// ```
    /// use zokio_io::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::interrupt().as_raw_value(), libc::SIGINT);
    /// ```
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// `SIGIO` (`SIGPOLL` on Haiku): a descriptor set up for signal-driven
    /// I/O is ready. Its default action terminates the process on Linux and
    /// is to ignore it on the BSDs.
    ///
    /// ```
    /// use zokio_io::signal::unix::SignalKind;
    /// # #[cfg(not(target_os = "haiku"))]
    /// assert_eq!(SignalKind::io().as_raw_value(), libc::SIGIO);
    /// ```
    pub const fn io() -> SignalKind {
        #[cfg(target_os = "haiku")]
        let signum = libc::SIGPOLL;
        #[cfg(not(target_os = "haiku"))]
        let signum = libc::SIGIO;
        SignalKind(signum)
    }

    /// `SIGPIPE`: a write to a pipe or socket with no reader. Rust programs
    /// ignore it from startup; listening for it replaces that disposition.
    ///
    /// ```
    /// use zokio_io::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::pipe().as_raw_value(), libc::SIGPIPE);
    /// ```
    pub const fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }

    /// `SIGQUIT`: the terminal's quit key (Ctrl-\\).
    /// Its default action terminates the process with a core dump.
    ///
    /// ```
    /// use zokio_io::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::quit().as_raw_value(), libc::SIGQUIT);
    /// ```
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// `SIGTERM`: a polite request to exit (what `kill` and service
    /// managers send). Its default action terminates the process.
    ///
    /// ```
    /// use zokio_io::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::terminate().as_raw_value(), libc::SIGTERM);
    /// ```
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// `SIGUSR1`, free for the program's own use.
    /// Its default action terminates the process.
    ///
    /// ```
    /// use zokio_io::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::user_defined1().as_raw_value(), libc::SIGUSR1);
    /// ```
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// `SIGUSR2`, free for the program's own use.
    /// Its default action terminates the process.
    ///
    /// ```
    /// use zokio_io::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::user_defined2().as_raw_value(), libc::SIGUSR2);
    /// ```
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// `SIGWINCH`: the terminal's window changed size. Ignored by default.
    ///
    /// ```
    /// use zokio_io::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::window_change().as_raw_value(), libc::SIGWINCH);
    /// ```
    pub const fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }
}

impl From<c_int> for SignalKind {
    fn from(signum: c_int) -> SignalKind {
        SignalKind::from_raw(signum)
    }
}

impl From<SignalKind> for c_int {
    fn from(kind: SignalKind) -> c_int {
        kind.as_raw_value()
    }
}
