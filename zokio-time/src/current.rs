//! Finding the timer driver: the handle current in this thread's context, or
//! the process's background timer thread.

use std::sync::OnceLock;

use zokio_core::context::{self, EnterGuard, Layer, LayerHandle, TryCurrentError};
use zokio_core::{Driver, ThreadParker};

use crate::driver::TimeDriver;
use crate::instant::Instant;
use crate::shared::Handle;

impl LayerHandle for Handle {
    const LAYER: Layer = Layer::Time;
}

impl Handle {
    /// The handle current on this thread, or the background timer thread's
    /// (started on first use) when there is none.
    ///
    /// # Panics
    ///
    /// Where the time layer is disabled (a runtime built without timers),
    /// with the reason the runtime gave, naming the missing setting.
    ///
    /// ```
    /// let handle = zokio_time::Handle::current(); // the background one here
    /// assert!(!handle.is_paused());
    /// ```
    #[inline]
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(err) if err.is_disabled() => panic!("{err}"),
            Err(_) => background(),
        }
    }

    /// The handle current on this thread; an error if none is, or if the
    /// time layer is disabled here. Never the background timer's.
    ///
    /// ```
    /// let err = zokio_time::Handle::try_current().unwrap_err();
    /// assert!(err.is_missing_context());
    /// ```
    #[inline]
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::try_current::<Handle>()
    }

    /// Makes this the current handle on this thread until the guard drops.
    /// Guards nest, and must be dropped in the reverse order of their
    /// creation.
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// use zokio_time::{Handle, TimeDriver};
    ///
    /// let driver = TimeDriver::new(ThreadParker::new());
    /// let _guard = driver.handle().enter();
    /// assert!(Handle::try_current().is_ok());
    /// ```
    pub fn enter(&self) -> EnterGuard {
        context::enter(self.clone())
    }
}

impl Instant {
    /// The current time: the test clock's when the current handle's clock
    /// has been paused or advanced, the system's monotonic clock otherwise.
    ///
    /// ```
    /// let a = zokio_time::Instant::now();
    /// assert!(zokio_time::Instant::now() >= a);
    /// ```
    pub fn now() -> Instant {
        context::with_current::<Handle, _>(|handle| handle.ok().map(Handle::now))
            .unwrap_or_else(|| Instant::from_std(std::time::Instant::now()))
    }
}

/// The process-wide background timer: a `TimeDriver<ThreadParker>` parked in
/// a loop on its own thread, started on first use.
fn background() -> Handle {
    static BACKGROUND: OnceLock<Handle> = OnceLock::new();
    BACKGROUND
        .get_or_init(|| {
            let mut driver = TimeDriver::new(ThreadParker::new());
            driver.set_auto_advance(false);
            let handle = driver.handle();
            std::thread::Builder::new()
                .name("zokio-timer".into())
                .spawn(move || {
                    loop {
                        driver.park(None);
                    }
                })
                .unwrap_or_else(|e| {
                    panic!("zokio-time: could not start the background timer thread: {e}")
                });
            handle
        })
        .clone()
}
