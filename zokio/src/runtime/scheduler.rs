//! What a [`Runtime`](super::Runtime) needs from its scheduler.

use std::future::Future;
use std::time::Duration;

use zokio_core::Driver;
use zokio_core::task::JoinHandle;
use zokio_sched::{CurrentThread, Metrics, MultiThread, ThreadPerCore};

use super::DefaultDriver;

/// A scheduler a [`Runtime`](super::Runtime) can run on: zokio-sched's
/// [`MultiThread`] and [`CurrentThread`], over any driver stack, and the
/// builder's [`DefaultScheduler`], either of them.
pub trait Scheduler: sealed::Sealed {
    /// Runs `future` on the calling thread to completion, driving the
    /// scheduler as its flavor does.
    fn block_on<F: Future>(&self, future: F) -> F::Output;

    /// Spawns a task.
    #[track_caller]
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// A handle to the scheduler, independent of its driver type.
    fn handle(&self) -> zokio_sched::Handle;

    /// A snapshot of its counters.
    fn metrics(&self) -> Metrics;

    /// Cancels every task and waits at most `timeout` for the threads.
    fn shutdown_timeout(self, timeout: Duration);

    /// Cancels every task without waiting for the threads.
    fn shutdown_background(self);
}

/// The scheduler of the builder's [`Runtime`](super::Runtime): either flavor
/// over the default driver stack, chosen when it is built. Dispatch is one
/// match per call into the runtime (not per task: tasks reach their
/// scheduler through their own handle).
#[derive(Debug)]
pub enum DefaultScheduler {
    /// [`Builder::new_multi_thread`](super::Builder::new_multi_thread).
    MultiThread(MultiThread<DefaultDriver>),
    /// [`Builder::new_current_thread`](super::Builder::new_current_thread).
    CurrentThread(CurrentThread<DefaultDriver>),
    /// [`Builder::new_thread_per_core`](super::Builder::new_thread_per_core):
    /// one default driver stack per worker.
    ThreadPerCore(ThreadPerCore),
}

impl Scheduler for DefaultScheduler {
    #[inline]
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self {
            DefaultScheduler::MultiThread(s) => s.block_on(future),
            DefaultScheduler::CurrentThread(s) => s.block_on(future),
            DefaultScheduler::ThreadPerCore(s) => s.block_on(future),
        }
    }
    #[inline]
    #[track_caller]
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            DefaultScheduler::MultiThread(s) => s.spawn(future),
            DefaultScheduler::CurrentThread(s) => s.spawn(future),
            DefaultScheduler::ThreadPerCore(s) => s.spawn(future),
        }
    }
    fn handle(&self) -> zokio_sched::Handle {
        match self {
            DefaultScheduler::MultiThread(s) => s.handle(),
            DefaultScheduler::CurrentThread(s) => s.handle(),
            DefaultScheduler::ThreadPerCore(s) => s.handle(),
        }
    }
    fn metrics(&self) -> Metrics {
        match self {
            DefaultScheduler::MultiThread(s) => s.metrics(),
            DefaultScheduler::CurrentThread(s) => s.metrics(),
            DefaultScheduler::ThreadPerCore(s) => s.metrics(),
        }
    }
    fn shutdown_timeout(self, timeout: Duration) {
        match self {
            DefaultScheduler::MultiThread(s) => s.shutdown_timeout(timeout),
            DefaultScheduler::CurrentThread(s) => s.shutdown_timeout(timeout),
            DefaultScheduler::ThreadPerCore(s) => s.shutdown_timeout(timeout),
        }
    }
    fn shutdown_background(self) {
        match self {
            DefaultScheduler::MultiThread(s) => s.shutdown_background(),
            DefaultScheduler::CurrentThread(s) => s.shutdown_background(),
            DefaultScheduler::ThreadPerCore(s) => s.shutdown_background(),
        }
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::DefaultScheduler {}
    impl Sealed for zokio_sched::ThreadPerCore {}
    impl<D: zokio_core::Driver + Send + 'static> Sealed for zokio_sched::MultiThread<D> {}
    impl<D: zokio_core::Driver + 'static> Sealed for zokio_sched::CurrentThread<D> {}
}

impl<D: Driver + Send + 'static> Scheduler for MultiThread<D> {
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        MultiThread::block_on(self, future)
    }
    #[track_caller]
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        MultiThread::spawn(self, future)
    }
    fn handle(&self) -> zokio_sched::Handle {
        MultiThread::handle(self)
    }
    fn metrics(&self) -> Metrics {
        MultiThread::metrics(self)
    }
    fn shutdown_timeout(self, timeout: Duration) {
        MultiThread::shutdown_timeout(self, timeout)
    }
    fn shutdown_background(self) {
        MultiThread::shutdown_background(self)
    }
}

impl<D: Driver + 'static> Scheduler for CurrentThread<D> {
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        CurrentThread::block_on(self, future)
    }
    #[track_caller]
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        CurrentThread::spawn(self, future)
    }
    fn handle(&self) -> zokio_sched::Handle {
        CurrentThread::handle(self)
    }
    fn metrics(&self) -> Metrics {
        CurrentThread::metrics(self)
    }
    fn shutdown_timeout(self, timeout: Duration) {
        CurrentThread::shutdown_timeout(self, timeout)
    }
    fn shutdown_background(self) {
        CurrentThread::shutdown_background(self)
    }
}
