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
//! the Zokio runtime owns a small Tokio runtime (one worker thread, I/O and
//! timers on) and enters its handle on every worker thread, every blocking
//! thread and inside [`Runtime::block_on`](crate::Runtime::block_on) and
//! [`Handle::block_on`](crate::runtime::Handle::block_on). What those
//! libraries do through Tokio then runs on Tokio's thread: the I/O of their
//! sockets, their timers, the tasks they spawn. Zokio's tasks stay on
//! Zokio's workers, and awaiting a Tokio future from one of them is an
//! ordinary cross-runtime wake. The cost is one more thread (plus Tokio's
//! blocking pool, started on demand) and the hop from Tokio's reactor to
//! the Zokio task for each event of a bridged resource.
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

/// The Tokio runtime a Zokio runtime enters on its threads.
pub(crate) struct TokioBridge {
    handle: Arc<tokio::runtime::Handle>,
    /// `Some` for a runtime of the bridge's own.
    owned: Option<tokio::runtime::Runtime>,
}

impl TokioBridge {
    pub(crate) fn new(source: &TokioSource) -> io::Result<TokioBridge> {
        match source {
            TokioSource::Handle(handle) => Ok(TokioBridge {
                handle: Arc::new(handle.clone()),
                owned: None,
            }),
            TokioSource::Own => {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .thread_name("zokio-tokio-bridge")
                    .enable_all()
                    .build()?;
                Ok(TokioBridge {
                    handle: Arc::new(runtime.handle().clone()),
                    owned: Some(runtime),
                })
            }
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
        if let Some(runtime) = self.owned.take() {
            runtime.shutdown_timeout(timeout);
        }
    }

    /// Shuts the owned Tokio runtime down without waiting for its threads.
    pub(crate) fn shutdown_background(mut self) {
        if let Some(runtime) = self.owned.take() {
            runtime.shutdown_background();
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
