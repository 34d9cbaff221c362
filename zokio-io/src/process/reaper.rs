//! How a child is waited for and reaped, chosen once per process: through a
//! pidfd where the kernel has them, else (or when forced) by `SIGCHLD`.

use std::io;
use std::process::ExitStatus;
use std::sync::OnceLock;
use std::task::{Context, Poll};

#[cfg(target_os = "linux")]
use super::pidfd::{self, PidfdReaper};
use super::sigchld::SigchldReaper;
use crate::reactor::Handle;

/// The environment variable that picks the reaper: `pidfd`, `signal`, or
/// `auto` (the default: pidfd where supported). Read once, at the first
/// spawn.
pub(crate) const REAPER_VAR: &str = "ZOKIO_PROCESS_REAPER";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    #[cfg(target_os = "linux")]
    Pidfd,
    Signal,
}

/// The reaper this process uses, or why it has none; checked before a
/// child is spawned, so a child never exists that nothing can reap.
pub(crate) fn mode() -> io::Result<Mode> {
    static MODE: OnceLock<Result<Mode, (io::ErrorKind, String)>> = OnceLock::new();
    match MODE.get_or_init(choose) {
        Ok(mode) => Ok(*mode),
        Err((kind, message)) => Err(io::Error::new(*kind, message.clone())),
    }
}

fn choose() -> Result<Mode, (io::ErrorKind, String)> {
    // Read once: the choice holds for the life of the process, so that
    // every child is watched the same way.
    let wanted = std::env::var(REAPER_VAR);
    let wanted = match &wanted {
        Ok(value) => value.as_str(),
        Err(std::env::VarError::NotPresent) => "auto",
        Err(std::env::VarError::NotUnicode(_)) => "not unicode",
    };
    let mode = match wanted {
        #[cfg(target_os = "linux")]
        "auto" | "" if pidfd::supported() => Mode::Pidfd,
        "auto" | "" | "signal" => Mode::Signal,
        #[cfg(target_os = "linux")]
        "pidfd" if pidfd::supported() => Mode::Pidfd,
        "pidfd" => {
            return Err((
                io::ErrorKind::Unsupported,
                format!(
                    "zokio::process: {REAPER_VAR}=pidfd, but this system has no pidfd \
                     reaping (pidfd_open and waitid(P_PIDFD): Linux 5.4 and later)"
                ),
            ));
        }
        other => {
            return Err((
                io::ErrorKind::InvalidInput,
                format!(
                    "zokio::process: {REAPER_VAR} must be `auto`, `pidfd` or `signal`, not `{other}`"
                ),
            ));
        }
    };
    Ok(mode)
}

/// A running child's reaper.
pub(crate) enum Reaper {
    #[cfg(target_os = "linux")]
    Pidfd(PidfdReaper),
    Sigchld(SigchldReaper),
}

impl Reaper {
    /// The reaper for the child `pid`, just spawned, registered with the
    /// current reactor.
    pub(crate) fn new(mode: Mode, pid: u32) -> io::Result<Reaper> {
        match mode {
            #[cfg(target_os = "linux")]
            Mode::Pidfd => PidfdReaper::new(pid).map(Reaper::Pidfd),
            Mode::Signal => SigchldReaper::new(pid).map(Reaper::Sigchld),
        }
    }

    pub(crate) fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        match self {
            #[cfg(target_os = "linux")]
            Reaper::Pidfd(reaper) => reaper.poll_wait(cx),
            Reaper::Sigchld(reaper) => reaper.poll_wait(cx),
        }
    }

    pub(crate) fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        match self {
            #[cfg(target_os = "linux")]
            Reaper::Pidfd(reaper) => reaper.try_wait(),
            Reaper::Sigchld(reaper) => reaper.try_wait(),
        }
    }

    pub(crate) fn kill(&mut self) -> io::Result<()> {
        match self {
            #[cfg(target_os = "linux")]
            Reaper::Pidfd(reaper) => reaper.kill(),
            Reaper::Sigchld(reaper) => reaper.kill(),
        }
    }

    pub(crate) fn move_to(&mut self, handle: &Handle) -> io::Result<()> {
        match self {
            #[cfg(target_os = "linux")]
            Reaper::Pidfd(reaper) => reaper.move_to(handle),
            Reaper::Sigchld(reaper) => reaper.move_to(handle),
        }
    }
}
