//! The parking handshake, on the real worker loop: work that appears while
//! the workers go to sleep is run (no lost wakeup), and shutdown drops a
//! task that waits forever.
//!
//! These run `MultiThread` itself, over a `ThreadParker` driver, with loom's
//! threads as workers: the searching/parking bookkeeping (`Idle`), the
//! injector, the driver hand-off and the owned-task registry are the ones
//! the scheduler uses. A lost wakeup leaves every thread parked, which loom
//! reports as a deadlock.

use std::future::{Future, poll_fn};
use std::task::Poll;

use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::thread;
use zokio_core::{AtomicWaker, ThreadParker};

use crate::{Config, MultiThread};

fn runtime(workers: usize) -> MultiThread<ThreadParker> {
    let config = Config {
        worker_threads: workers,
        ..Config::default()
    };
    MultiThread::new(ThreadParker::new(), config).unwrap()
}

/// A one-shot signal: set from any thread, awaited by a task.
#[derive(Default)]
struct Signal {
    set: AtomicBool,
    waker: AtomicWaker,
}

impl Signal {
    fn set(&self) {
        self.set.store(true, Ordering::Release);
        self.waker.wake();
    }
}

fn wait(signal: Arc<Signal>) -> impl Future<Output = ()> {
    poll_fn(move |cx| {
        if signal.set.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        signal.waker.register(cx.waker());
        match signal.set.load(Ordering::Acquire) {
            true => Poll::Ready(()),
            false => Poll::Pending,
        }
    })
}

/// The task's output, read once the runtime is gone (its threads joined).
/// Awaiting a `JoinHandle` from another thread is not modelled: async-task
/// hands the awaiter's waker over with atomics loom cannot see.
fn output<T>(mut task: zokio_core::task::JoinHandle<T>) -> Result<T, zokio_core::task::JoinError> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match std::pin::Pin::new(&mut task).poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the task neither finished nor was cancelled"),
    }
}

#[test]
fn a_task_spawned_from_outside_while_the_worker_parks_is_run() {
    loom::model(|| {
        let rt = runtime(1);
        let done = Arc::new(Signal::default());
        let task = rt.spawn({
            let done = done.clone();
            async move {
                done.set();
                7
            }
        });
        rt.block_on(wait(done));
        drop(rt);
        assert_eq!(output(task).unwrap(), 7);
    });
}

#[test]
fn a_task_woken_from_another_thread_is_run_by_a_sleeping_worker() {
    loom::model(|| {
        let rt = runtime(1);
        let (signal, done) = (Arc::new(Signal::default()), Arc::new(Signal::default()));
        let task = rt.spawn({
            let (signal, done) = (signal.clone(), done.clone());
            async move {
                wait(signal).await;
                done.set();
            }
        });
        let waker = thread::spawn(move || signal.set());
        rt.block_on(wait(done));
        waker.join().unwrap();
        drop(rt);
        output(task).unwrap();
    });
}

#[test]
fn shutdown_drops_a_task_that_waits_forever() {
    loom::model(|| {
        let rt = runtime(1);
        let never = Arc::new(Signal::default());
        let task = rt.spawn(wait(never.clone()));
        drop(rt);
        assert!(output(task).unwrap_err().is_cancelled());
        drop(never);
    });
}
