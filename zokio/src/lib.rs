//! Zokio: a fast, small async runtime for Rust, built from layers you can
//! also use alone.
//!
//! ```
//! #[zokio::main]
//! async fn main() {
//!     let task = zokio::spawn(async {
//!         zokio::time::sleep(std::time::Duration::from_millis(1)).await;
//!         "done"
//!     });
//!     assert_eq!(task.await.unwrap(), "done");
//! }
//! ```
//!
//! # The layers
//!
//! | layer | crate | here as |
//! | --- | --- | --- |
//! | tasks, `JoinHandle`, `block_on`, the contracts | [`zokio_core`] | [`task`], [`block_on`] |
//! | work-stealing and current-thread schedulers, blocking pool | [`zokio_sched`] | [`runtime`], [`spawn`] |
//! | reactor, sockets, signals, processes | [`zokio_io`] | [`net`], [`signal`], `process` |
//! | timers | [`zokio_time`] | [`time`] |
//! | pooled memory | [`zokio_mem`] | [`mem`] |
//!
//! A [`Runtime`] is one of the schedulers over a driver stack (by default
//! timers over the reactor). Its threads make each layer current, so the
//! free functions ([`spawn`], [`time::sleep`], [`net::TcpStream::connect`])
//! need no arguments. Each layer crate also works on its own: the timers and
//! sockets fall back to a background driver thread under any other executor.
//!
//! The facade's own parts work on any executor too: [`sync`] (Tokio's
//! channels, locks, `Notify`, cells and `CancellationToken`, with Tokio's
//! names and semantics) and [`select!`].

pub use zokio_core::block_on;
pub use zokio_macros::test;

/// Runs `async fn main` on a Zokio runtime with I/O and timers enabled, as
/// `#[tokio::main]` does; `#[zokio::test]` is the same for tests (on a
/// current-thread runtime by default).
///
/// Options: `flavor = "multi_thread"` (the default) or `"current_thread"`,
/// `worker_threads = N` (multi-thread only), `start_paused = true`
/// (current-thread only), and `crate = "path"` for a crate that reaches
/// zokio under another path:
///
/// ```
/// mod reexport {
///     pub use zokio as rt;
/// }
///
/// #[zokio::main(flavor = "current_thread", crate = "reexport::rt")]
/// async fn main() {
///     reexport::rt::task::yield_now().await;
/// }
/// ```
///
/// Each bad argument is a compile error naming it (these are `compile_fail`
/// doc tests, so each is checked to fail). An unknown option:
///
/// ```compile_fail
/// #[zokio::main(flavour = "current_thread")]
/// async fn main() {}
/// ```
///
/// an option given twice:
///
/// ```compile_fail
/// #[zokio::main(flavor = "current_thread", flavor = "multi_thread")]
/// async fn main() {}
/// ```
///
/// a flavor Zokio has not:
///
/// ```compile_fail
/// #[zokio::main(flavor = "local")]
/// async fn main() {}
/// ```
///
/// `worker_threads` that is zero, not a number, or on the current-thread flavor:
///
/// ```compile_fail
/// #[zokio::main(worker_threads = 0)]
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[zokio::main(worker_threads = "two")]
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[zokio::test(worker_threads = 2)]
/// async fn current_thread_by_default() {}
/// ```
///
/// a `crate` that is not a path, or an option without a value:
///
/// ```compile_fail
/// #[zokio::main(crate = "not a path")]
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[zokio::main(crate = zokio)]
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[zokio::main(flavor)]
/// async fn main() {}
/// ```
///
/// and a function that is not `async`:
///
/// ```compile_fail
/// #[zokio::main]
/// fn main() {}
/// ```
pub use zokio_macros::main;

pub mod compat;
pub mod future;
// The buffered adapters draw on zokio-mem's pools, which `--cfg loom` leaves out.
#[cfg(not(loom))]
pub mod io;
mod pin;
pub mod runtime;
mod select;
pub mod stream;
pub mod sync;
pub mod task;

#[cfg(all(test, loom))]
mod loom_models;

/// The support items `select!`'s expansion names as `$crate::__select`.
#[doc(hidden)]
pub use select::support as __select;

pub use runtime::Runtime;
pub use task::spawn;

use std::future::Future;

/// Builds the default runtime (multi-thread, I/O and timers enabled), runs
/// `future` to completion on it, then shuts it down: the entry point of a
/// program.
///
/// # Panics
///
/// If the runtime cannot be built (no thread or epoll instance could be
/// created); [`try_run`] returns that error instead.
///
/// ```
/// let n = zokio::run(async { zokio::spawn(async { 1 }).await.unwrap() + 1 });
/// assert_eq!(n, 2);
/// ```
#[track_caller]
pub fn run<F: Future>(future: F) -> F::Output {
    match try_run(future) {
        Ok(output) => output,
        Err(e) => panic!("zokio::run: could not build the runtime: {e}"),
    }
}

/// Like [`run`], but returns an error if the runtime cannot be built.
pub fn try_run<F: Future>(future: F) -> std::io::Result<F::Output> {
    Ok(Runtime::new()?.block_on(future))
}

/// Timers: `sleep`, `timeout`, `interval` and their types, from [`zokio_time`];
/// and the test clock: [`pause`](time::pause), [`resume`](time::resume),
/// [`advance`](time::advance).
pub mod time {
    pub use std::time::Duration;
    pub use zokio_time::clock::{pause, resume};
    pub use zokio_time::{
        Elapsed, Instant, Interval, MissedTickBehavior, Sleep, Timeout, interval, interval_at,
        sleep, sleep_until, timeout, timeout_at,
    };

    /// Moves the current runtime's clock forward by `duration`, fires the
    /// timers that became due, then yields once so that the tasks they woke
    /// run before this returns (as Tokio's `advance` does).
    ///
    /// Usually called with the clock paused ([`pause`], or
    /// [`Builder::start_paused`](crate::runtime::Builder::start_paused));
    /// unlike Tokio's, it also works on a running clock, moving it ahead.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::time::{self, Instant};
    ///
    /// #[zokio::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() {
    ///     let start = Instant::now();
    ///     let sleeper = zokio::spawn(time::sleep(Duration::from_secs(5)));
    ///     time::advance(Duration::from_secs(5)).await;
    ///     assert!(sleeper.is_finished());
    ///     assert_eq!(start.elapsed(), Duration::from_secs(5));
    /// }
    /// ```
    pub async fn advance(duration: Duration) {
        zokio_time::clock::advance(duration);
        crate::task::yield_now().await;
    }

    /// Errors returned by timers.
    pub mod error {
        pub use zokio_time::Elapsed;
    }
}

/// Networking with Tokio's names (`TcpListener`, `TcpStream`, `TcpSocket`,
/// `UdpSocket`, `UnixListener`, `UnixStream`, `UnixDatagram`, `lookup_host`)
/// and the futures-io traits, from [`zokio_io`]; host names resolve on the
/// blocking pool, never on a worker.
pub mod net {
    pub use crate::runtime::bind_per_worker;
    pub use zokio_io::net::*;
}

/// Signals: [`ctrl_c`](signal::ctrl_c) and, on Unix, listeners for any
/// signal, from [`zokio_io::signal`] (whose module documentation explains
/// the model).
pub mod signal {
    pub use zokio_io::signal::*;
}

/// Child processes with Tokio's API (`Command`, `Child`, async pipes),
/// reaped through pidfds on Linux and by `SIGCHLD` elsewhere, from
/// [`zokio_io::process`].
pub mod process {
    pub use zokio_io::process::*;
}

/// Files and directories: Tokio's `tokio::fs` API, on io_uring where the
/// kernel allows it (Linux) and the blocking pool otherwise, from
/// [`zokio_io`].
#[cfg(not(loom))]
pub mod fs {
    pub use zokio_io::fs::*;
}

/// Pooled memory: buffer and object pools, from [`zokio_mem`] (whose pools
/// are left out of loom builds, which model its depot alone).
#[cfg(not(loom))]
pub mod mem {
    pub use zokio_mem::{BufPool, Caps, Pool, PoolAlloc, Pooled, PooledBuf};
}

pub mod metrics;
