//! Finding the reactor: the handle current in this thread's context, or the
//! process's background reactor.

use std::io;
use std::sync::OnceLock;

use zokio_core::Driver;
use zokio_core::context::{self, EnterGuard, Layer, LayerHandle, TryCurrentError};

use crate::driver::IoDriver;
use crate::reactor::Handle;

impl LayerHandle for Handle {
    const LAYER: Layer = Layer::Io;
}

impl Handle {
    /// The handle current on this thread; an error if none is, or if the
    /// I/O layer is disabled here. Never the background reactor's.
    ///
    /// ```
    /// let err = zokio_io::Handle::try_current().unwrap_err();
    /// assert!(err.is_missing_context());
    /// ```
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::try_current::<Handle>()
    }

    /// The handle current on this thread, or else the background reactor's
    /// (started now if this is its first use). Fails if the background
    /// reactor cannot be started (no poller, no thread).
    ///
    /// # Panics
    ///
    /// Where the I/O layer is disabled (a runtime built without I/O), with
    /// the reason the runtime gave, naming the missing setting.
    #[track_caller]
    pub fn current() -> io::Result<Handle> {
        match Handle::try_current() {
            Ok(handle) => Ok(handle),
            Err(err) if err.is_disabled() => panic!("{err}"),
            Err(_) => background(),
        }
    }

    /// Makes this the current handle of this thread until the guard is
    /// dropped. Guards nest, and must be dropped in the reverse order of
    /// their creation.
    ///
    /// ```
    /// let driver = zokio_io::IoDriver::new()?;
    /// let guard = driver.handle().enter();
    /// assert!(zokio_io::Handle::try_current().is_ok());
    /// drop(guard);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn enter(&self) -> EnterGuard {
        context::enter(self.clone())
    }
}

/// The background reactor, started once per process. A failure to start is
/// remembered (as kind and message, since `io::Error` is not `Clone`).
pub(crate) fn background() -> io::Result<Handle> {
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
