//! Running blocking calls (name lookups, later file operations) where
//! blocking is fine, never on the thread that polls the caller.
//!
//! Inside a Zokio runtime the call goes to the runtime's blocking pool, found
//! through [`BlockingHandle`] in the thread's context (zokio-io depends on
//! zokio-core only, so the pool is reached through that contract). Outside a
//! runtime (under `futures_lite::future::block_on`, smol or tokio) no pool is
//! entered, and the call runs on a process-wide fallback pool started on
//! demand (see `fallback_pool`; not in `--cfg loom` builds, where a call
//! outside a runtime is an error). A runtime whose pool is disabled or gone
//! is an `io::Error`, not a panic.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use zokio_core::blocking::BlockingHandle;
use zokio_core::context;
use zokio_core::task::JoinHandle;

/// Runs `f` on a blocking pool and resolves to its result.
///
/// Dropping the future before it completes does not cancel `f`: it runs to
/// its end (a file's last write may depend on it) and its result is dropped.
pub(crate) fn spawn_blocking<T, F>(f: F) -> Offloaded<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let state = match context::try_current::<BlockingHandle>() {
        Ok(pool) => State::Pool(pool.spawn_blocking(f)),
        #[cfg(not(loom))]
        Err(err) if err.is_missing_context() || err.is_thread_local_destroyed() => {
            State::Pool(crate::fallback_pool::handle().spawn_blocking(f))
        }
        Err(err) => State::Failed(Some(io::Error::other(format!(
            "zokio-io: no blocking pool to run on: {err}"
        )))),
    };
    Offloaded(state)
}

/// An offloaded call that never started: it fails with `err`.
pub(crate) fn failed<T>(err: io::Error) -> Offloaded<T> {
    Offloaded(State::Failed(Some(err)))
}

/// The future of [`spawn_blocking`].
#[must_use = "an offloaded call is polled for its result"]
pub(crate) struct Offloaded<T>(State<T>);

enum State<T> {
    /// On the runtime's blocking pool, or the fallback pool.
    Pool(JoinHandle<T>),
    /// Never started; the error is handed out once.
    Failed(Option<io::Error>),
}

impl<T> Future for Offloaded<T> {
    type Output = io::Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match &mut self.0 {
            State::Pool(handle) => Pin::new(handle).poll(cx).map_err(|err| {
                io::Error::other(format!("zokio-io: blocking job did not complete: {err}"))
            }),
            State::Failed(err) => Poll::Ready(Err(err.take().unwrap_or_else(|| {
                io::Error::other("zokio-io: blocking job polled after it failed")
            }))),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use zokio_core::blocking::Blocking;
    use zokio_core::task::Runnable;

    struct ThreadPerJob;

    impl Blocking for ThreadPerJob {
        fn run(&self, job: Runnable) {
            std::thread::spawn(move || job.run());
        }
    }

    fn thread_id() -> std::thread::ThreadId {
        std::thread::current().id()
    }

    #[test]
    fn outside_a_runtime_the_call_runs_on_another_thread() {
        let here = thread_id();
        let there = futures_lite::future::block_on(spawn_blocking(thread_id)).unwrap();
        assert_ne!(here, there);
    }

    #[test]
    fn an_entered_pool_runs_the_call() {
        let _entered = context::enter(BlockingHandle::new(ThreadPerJob));
        let here = thread_id();
        let there = futures_lite::future::block_on(spawn_blocking(thread_id)).unwrap();
        assert_ne!(here, there);
    }

    /// A pool that drops every job (one that has shut down).
    struct ShutDown;

    impl Blocking for ShutDown {
        fn run(&self, job: Runnable) {
            drop(job);
        }
    }

    #[test]
    fn a_pool_that_drops_the_job_is_an_error_not_a_panic() {
        let _entered = context::enter(BlockingHandle::new(ShutDown));
        let err = futures_lite::future::block_on(spawn_blocking(|| 1)).unwrap_err();
        assert!(err.to_string().contains("did not complete"), "{err}");
    }
}
