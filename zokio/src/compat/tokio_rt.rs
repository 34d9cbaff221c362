//! The Tokio bridge: a Tokio runtime's handle entered wherever a Zokio
//! runtime runs code, so that libraries bound to Tokio's runtime (reqwest,
//! tonic's transport, tower's timeouts, the tokio features of sqlx and
//! redis) work inside Zokio tasks.
//!
//! Such libraries call `tokio::spawn`, `tokio::time::sleep` or
//! `tokio::net::TcpStream::connect`, which look for a Tokio runtime in a
//! thread-local and panic without one: "there is no reactor running, must
//! be called from the context of a Tokio 1.x runtime". Zokio's own types
//! never need this; only code written against Tokio's runtime does.
//!
//! With [`Builder::enable_tokio`](crate::runtime::Builder::enable_tokio),
//! the Zokio runtime owns a small Tokio runtime (I/O and timers on) and
//! enters its handle on every worker thread, every blocking thread and
//! inside [`Runtime::block_on`](crate::Runtime::block_on) and
//! [`Handle::block_on`](crate::runtime::Handle::block_on). What those
//! libraries do through Tokio then runs on Tokio's runtime: the I/O of their
//! sockets, their timers, the tasks they spawn.
//!
//! On Linux, a multi-thread runtime with I/O and timers
//! ([`enable_all`](crate::runtime::Builder::enable_all)) runs that Tokio
//! runtime (a current-thread one) on its own workers: the worker that waits
//! on Zokio's reactor runs Tokio's tasks, reactor and timers while it waits,
//! and a busy worker gives Tokio a turn whenever it polls Zokio's reactor.
//! A Tokio task then wakes the Zokio task that awaits it on the same thread,
//! where a Tokio thread of its own would cost two cross-thread wake-ups per
//! request. Tokio's tasks progress only while a worker waits or polls
//! Zokio's reactor, as Zokio's own I/O does, and `block_in_place` is not
//! available to them. Other flavors and builds give the Tokio runtime one
//! worker thread of its own; there, awaiting a Tokio future from a Zokio task
//! is an ordinary cross-runtime wake. Either way Tokio's blocking pool starts
//! on demand.
//! [`Builder::tokio_handle`](crate::runtime::Builder::tokio_handle) uses a
//! Tokio runtime the program already has instead.
//!
//! The owned Tokio runtime shuts down with the Zokio runtime, after Zokio's
//! tasks are dropped (a task's `Drop` may still call into Tokio).
//!
//! ```
//! let rt = zokio::runtime::Builder::new_multi_thread()
//!     .enable_all()
//!     .enable_tokio()
//!     .build()
//!     .unwrap();
//! let answer = rt.block_on(async {
//!     zokio::spawn(async {
//!         // Tokio's timer and spawn, from a Zokio task.
//!         tokio::time::sleep(std::time::Duration::from_millis(1)).await;
//!         tokio::spawn(async { 6 * 7 }).await.unwrap()
//!     })
//!     .await
//!     .unwrap()
//! });
//! assert_eq!(answer, 42);
//! ```

use std::any::Any;
use std::fmt;
use std::io;
use std::mem::ManuallyDrop;
use std::sync::Arc;
use std::time::Duration;

use zokio_sched::ThreadContextFn;

/// Where the bridge's Tokio runtime comes from.
#[derive(Clone, Debug)]
pub(crate) enum TokioSource {
    /// A runtime of its own, started with the Zokio runtime.
    Own,
    /// A runtime the program already runs.
    Handle(tokio::runtime::Handle),
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub use super::tokio_driven::TokioDriven;

/// The Tokio runtime a Zokio runtime enters on its threads.
pub(crate) struct TokioBridge {
    handle: Arc<tokio::runtime::Handle>,
    /// `Some` for a runtime of the bridge's own.
    owned: Option<Owned>,
}

/// A Tokio runtime of the bridge's own.
enum Owned {
    /// One worker thread of its own.
    Thread(tokio::runtime::Runtime),
    /// A current-thread runtime that Zokio's driver runs (`TokioDriven`),
    /// shared with it: the last of the two to go shuts it down.
    Driven(Arc<tokio::runtime::Runtime>),
}

impl TokioBridge {
    /// With `driven`, an owned runtime is one for [`TokioDriven`] to run.
    pub(crate) fn new(source: &TokioSource, driven: bool) -> io::Result<TokioBridge> {
        let owned = match source {
            TokioSource::Handle(handle) => {
                return Ok(TokioBridge {
                    handle: Arc::new(handle.clone()),
                    owned: None,
                });
            }
            TokioSource::Own if driven => Owned::Driven(Arc::new(
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?,
            )),
            TokioSource::Own => Owned::Thread(
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .thread_name("zokio-tokio-bridge")
                    .enable_all()
                    .build()?,
            ),
        };
        let handle = match &owned {
            Owned::Thread(runtime) => runtime.handle().clone(),
            Owned::Driven(runtime) => runtime.handle().clone(),
        };
        Ok(TokioBridge {
            handle: Arc::new(handle),
            owned: Some(owned),
        })
    }

    /// The runtime for Zokio's driver to run, if it is one.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn driven(&self) -> Option<Arc<tokio::runtime::Runtime>> {
        match &self.owned {
            Some(Owned::Driven(runtime)) => Some(runtime.clone()),
            _ => None,
        }
    }

    /// Enters the Tokio handle on this thread until the guard drops.
    pub(crate) fn enter(&self) -> tokio::runtime::EnterGuard<'_> {
        self.handle.enter()
    }

    pub(crate) fn handle(&self) -> &tokio::runtime::Handle {
        &self.handle
    }

    /// What each runtime thread holds for its life: the handle entered.
    pub(crate) fn thread_context(&self) -> ThreadContextFn {
        let handle = self.handle.clone();
        Arc::new(move || Box::new(Entered::new(handle.clone())) as Box<dyn Any>)
    }

    /// Shuts the owned Tokio runtime down, waiting at most `timeout` for its
    /// threads (a program's own runtime is left alone).
    pub(crate) fn shutdown_timeout(mut self, timeout: Duration) {
        if let Some(runtime) = self.owned.take().and_then(Owned::into_sole) {
            runtime.shutdown_timeout(timeout);
        }
    }

    /// Shuts the owned Tokio runtime down without waiting for its threads.
    pub(crate) fn shutdown_background(mut self) {
        if let Some(runtime) = self.owned.take().and_then(Owned::into_sole) {
            runtime.shutdown_background();
        }
    }
}

impl Owned {
    /// The runtime, unless a driver that still runs it holds it too (one
    /// left behind by a shutdown that did not wait for every worker): the
    /// driver then shuts it down when it is dropped, after its worker has
    /// stopped running it.
    fn into_sole(self) -> Option<tokio::runtime::Runtime> {
        match self {
            Owned::Thread(runtime) => Some(runtime),
            Owned::Driven(runtime) => Arc::try_unwrap(runtime).ok(),
        }
    }
}

impl fmt::Debug for TokioBridge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokioBridge")
            .field("owned", &self.owned.is_some())
            .finish_non_exhaustive()
    }
}

/// A Tokio handle entered on the thread that holds this, for as long as it
/// holds it. The guard borrows the handle, which this owns behind an `Arc`:
/// a heap address that stays put, dropped only after the guard.
struct Entered {
    guard: ManuallyDrop<tokio::runtime::EnterGuard<'static>>,
    _handle: Arc<tokio::runtime::Handle>,
}

impl Entered {
    fn new(handle: Arc<tokio::runtime::Handle>) -> Entered {
        let guard = handle.enter();
        // The guard borrows the `Handle` inside `handle`'s heap allocation,
        // which `Entered` keeps alive (its `_handle` field) and never moves;
        // `Drop` drops the guard before that field is dropped. The guard is
        // `!Send`, so `Entered` stays on the thread it entered.
        // SAFETY: so the borrow outlives every use of the 'static guard.
        let guard = unsafe {
            std::mem::transmute::<tokio::runtime::EnterGuard<'_>, tokio::runtime::EnterGuard<'static>>(
                guard,
            )
        };
        Entered {
            guard: ManuallyDrop::new(guard),
            _handle: handle,
        }
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        // SAFETY: dropped once, here, before `_handle` (fields drop after
        // this body runs), so the borrow it holds is still valid.
        unsafe { ManuallyDrop::drop(&mut self.guard) };
    }
}
