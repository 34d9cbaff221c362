//! The driver stack a built runtime parks on, chosen by `enable_io` and
//! `enable_time`.

use std::time::Duration;

use zokio_core::{Driver, ThreadParker, ThreadUnparker, Unpark};
use zokio_io::{IoDriver, IoUnparker};
use zokio_time::{TimeDriver, TimeUnparker};

/// The default driver stack: timers over the reactor when both are enabled,
/// either alone, or a plain thread parker.
///
/// A runtime with neither I/O nor timers holds no epoll instance and no
/// timer wheel. Dispatch over the variants happens only when a worker parks.
#[derive(Debug)]
pub enum DefaultDriver {
    /// `enable_all`: the time driver wrapping the I/O driver.
    TimeIo(TimeDriver<IoDriver>),
    /// `enable_time` only.
    Time(TimeDriver<ThreadParker>),
    /// `enable_io` only.
    Io(IoDriver),
    /// Neither.
    Parker(ThreadParker),
    /// `enable_all` on the multi-thread flavor with the Tokio bridge: the
    /// time driver over a reactor that runs the bridge's Tokio runtime
    /// while it waits.
    #[cfg(all(feature = "tokio-rt", any(target_os = "linux", target_os = "android")))]
    TokioTimeIo(TimeDriver<crate::compat::tokio_rt::TokioDriven>),
}

/// Wakes a parked [`DefaultDriver`].
#[derive(Debug, Clone)]
pub enum DefaultUnparker {
    /// See [`DefaultDriver::TimeIo`].
    TimeIo(TimeUnparker<IoUnparker>),
    /// See [`DefaultDriver::Time`].
    Time(TimeUnparker<ThreadUnparker>),
    /// See [`DefaultDriver::Io`].
    Io(IoUnparker),
    /// See [`DefaultDriver::Parker`].
    Parker(ThreadUnparker),
}

impl DefaultDriver {
    /// The time layer's handle, if timers are enabled.
    pub fn time_handle(&self) -> Option<zokio_time::Handle> {
        match self {
            DefaultDriver::TimeIo(d) => Some(d.handle()),
            DefaultDriver::Time(d) => Some(d.handle()),
            #[cfg(all(feature = "tokio-rt", any(target_os = "linux", target_os = "android")))]
            DefaultDriver::TokioTimeIo(d) => Some(d.handle()),
            _ => None,
        }
    }

    /// The I/O layer's handle, if I/O is enabled.
    pub fn io_handle(&self) -> Option<zokio_io::Handle> {
        match self {
            DefaultDriver::TimeIo(d) => Some(d.inner().handle()),
            DefaultDriver::Io(d) => Some(d.handle()),
            #[cfg(all(feature = "tokio-rt", any(target_os = "linux", target_os = "android")))]
            DefaultDriver::TokioTimeIo(d) => Some(d.inner().io().handle()),
            _ => None,
        }
    }
}

impl Driver for DefaultDriver {
    type Unparker = DefaultUnparker;

    fn park(&mut self, timeout: Option<Duration>) {
        match self {
            DefaultDriver::TimeIo(d) => d.park(timeout),
            DefaultDriver::Time(d) => d.park(timeout),
            DefaultDriver::Io(d) => d.park(timeout),
            DefaultDriver::Parker(d) => d.park(timeout),
            #[cfg(all(feature = "tokio-rt", any(target_os = "linux", target_os = "android")))]
            DefaultDriver::TokioTimeIo(d) => d.park(timeout),
        }
    }

    fn park_with_origins(&mut self, timeout: Option<Duration>) {
        match self {
            DefaultDriver::TimeIo(d) => d.park_with_origins(timeout),
            DefaultDriver::Time(d) => d.park_with_origins(timeout),
            DefaultDriver::Io(d) => d.park_with_origins(timeout),
            DefaultDriver::Parker(d) => d.park_with_origins(timeout),
            #[cfg(all(feature = "tokio-rt", any(target_os = "linux", target_os = "android")))]
            DefaultDriver::TokioTimeIo(d) => d.park_with_origins(timeout),
        }
    }

    fn unparker(&self) -> DefaultUnparker {
        match self {
            DefaultDriver::TimeIo(d) => DefaultUnparker::TimeIo(d.unparker()),
            DefaultDriver::Time(d) => DefaultUnparker::Time(d.unparker()),
            DefaultDriver::Io(d) => DefaultUnparker::Io(d.unparker()),
            DefaultDriver::Parker(d) => DefaultUnparker::Parker(d.unparker()),
            #[cfg(all(feature = "tokio-rt", any(target_os = "linux", target_os = "android")))]
            DefaultDriver::TokioTimeIo(d) => DefaultUnparker::TimeIo(d.unparker()),
        }
    }

    fn shutdown(&mut self) {
        match self {
            DefaultDriver::TimeIo(d) => d.shutdown(),
            DefaultDriver::Time(d) => d.shutdown(),
            DefaultDriver::Io(d) => d.shutdown(),
            DefaultDriver::Parker(d) => d.shutdown(),
            #[cfg(all(feature = "tokio-rt", any(target_os = "linux", target_os = "android")))]
            DefaultDriver::TokioTimeIo(d) => d.shutdown(),
        }
    }
}

impl Unpark for DefaultUnparker {
    fn unpark(&self) {
        match self {
            DefaultUnparker::TimeIo(u) => u.unpark(),
            DefaultUnparker::Time(u) => u.unpark(),
            DefaultUnparker::Io(u) => u.unpark(),
            DefaultUnparker::Parker(u) => u.unpark(),
        }
    }
}
