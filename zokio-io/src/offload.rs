//! Running blocking calls (name lookups, later file operations) where
//! blocking is fine, never on the thread that polls the caller.
//!
//! Inside a Zokio runtime the call goes to the runtime's blocking pool, found
//! through [`BlockingHandle`] in the thread's context (zokio-io depends on
//! zokio-core only, so the pool is reached through that contract). Outside a
//! runtime (under `futures_lite::future::block_on`, smol or tokio) no pool is
//! entered, and the call runs on the [`blocking`] crate's thread pool,
//! smol's (except in `--cfg loom` builds, which leave that crate out: there
//! a call outside a runtime is an error). A runtime whose pool is disabled
//! or gone is an `io::Error`, not a panic.

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
            State::Unblock(Some(blocking::unblock(f)))
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
    /// On the runtime's blocking pool.
    Pool(JoinHandle<T>),
    /// On smol's pool; `None` once the result was taken.
    #[cfg(not(loom))]
    Unblock(Option<blocking::Task<T>>),
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
            #[cfg(not(loom))]
            State::Unblock(task) => match task.as_mut() {
                Some(running) => {
                    let out = std::task::ready!(Pin::new(running).poll(cx));
                    *task = None;
                    Poll::Ready(Ok(out))
                }
                None => Poll::Ready(Err(io::Error::other(
                    "zokio-io: blocking job polled after it completed",
                ))),
            },
            State::Failed(err) => Poll::Ready(Err(err.take().unwrap_or_else(|| {
                io::Error::other("zokio-io: blocking job polled after it failed")
            }))),
        }
    }
}

impl<T> Drop for Offloaded<T> {
    fn drop(&mut self) {
        // smol's task is cancelled when dropped; detach it so a call already
        // handed over ends as a pool job does, its result dropped.
        #[cfg(not(loom))]
        if let State::Unblock(task) = &mut self.0 {
            if let Some(task) = task.take() {
                task.detach();
            }
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
