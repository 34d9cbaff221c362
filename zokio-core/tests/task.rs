//! Task behaviour through the public API: output, panics, abort, detach, ids.

use std::collections::HashSet;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Barrier, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::thread;

use zokio_core::block_on;
use zokio_core::task::{Builder, JoinHandle, Runnable, ScheduleHint, spawn};

/// A minimal executor: a channel of scheduled tasks.
fn spawn_queued<F>(
    future: F,
) -> (
    Runnable,
    JoinHandle<F::Output>,
    Receiver<(Runnable, ScheduleHint)>,
)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (tx, rx) = channel();
    let (runnable, handle) = spawn(future, move |task, hint| {
        let _ = tx.send((task, hint));
    });
    (runnable, handle, rx)
}

/// Counts polls and drops of a future that never completes on its own.
#[derive(Default)]
struct Counts {
    polls: AtomicUsize,
    drops: AtomicUsize,
}

struct Tracked(Arc<Counts>);

impl Future for Tracked {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        self.0.polls.fetch_add(1, Ordering::SeqCst);
        Poll::Pending
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.drops.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn output_is_delivered() {
    let (runnable, handle, _rx) = spawn_queued(async { String::from("out") });
    assert!(!handle.is_finished());
    runnable.run();
    assert!(handle.is_finished());
    assert_eq!(block_on(handle).unwrap(), "out");
}

#[test]
fn output_is_delivered_to_a_handle_awaited_before_the_task_runs() {
    let (runnable, handle, _rx) = spawn_queued(async { 5u64 });
    let runner = thread::spawn(move || {
        thread::sleep(std::time::Duration::from_millis(20));
        runnable.run();
    });
    assert_eq!(block_on(handle).unwrap(), 5);
    runner.join().unwrap();
}

#[test]
fn a_panic_becomes_a_join_error_carrying_the_payload() {
    let (runnable, handle, _rx) = spawn_queued(async {
        if true {
            panic!("boom {}", std::hint::black_box(7));
        }
    });
    let id = handle.id();
    // The polling thread does not unwind.
    runnable.run();
    let err = block_on(handle).unwrap_err();
    assert!(err.is_panic());
    assert!(!err.is_cancelled());
    assert_eq!(err.id(), id);
    assert_eq!(
        err.to_string(),
        format!("task {id} panicked with message \"boom 7\"")
    );
    let payload = err.into_panic();
    assert_eq!(payload.downcast_ref::<String>().unwrap(), "boom 7");
}

#[test]
fn a_panic_in_the_futures_drop_after_completion_is_a_join_error() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("drop boom");
        }
    }
    let (runnable, handle, _rx) = spawn_queued(async {
        let _guard = PanicOnDrop;
        std::future::ready(()).await;
        1
    });
    runnable.run();
    let err = block_on(handle).unwrap_err();
    assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "drop boom");
}

#[test]
fn try_into_panic_gives_back_a_cancellation() {
    let (runnable, handle, _rx) = spawn_queued(async {});
    drop(runnable);
    let err = block_on(handle).unwrap_err();
    let err = err.try_into_panic().unwrap_err();
    assert!(err.is_cancelled());
    assert!(err.to_string().ends_with("was cancelled"));
}

#[test]
fn abort_of_an_idle_task_drops_it_without_another_poll() {
    let counts = Arc::new(Counts::default());
    let (runnable, handle, rx) = spawn_queued(Tracked(counts.clone()));
    runnable.run();
    assert_eq!(counts.polls.load(Ordering::SeqCst), 1);

    handle.abort();
    handle.abort(); // idempotent
    let (task, hint) = rx.try_recv().expect("abort schedules the idle task");
    assert_eq!(hint, ScheduleHint::Wake);
    assert_eq!(
        counts.drops.load(Ordering::SeqCst),
        0,
        "dropped by the scheduler's thread, not abort's"
    );
    task.run();
    assert_eq!(
        counts.polls.load(Ordering::SeqCst),
        1,
        "an aborted task is not polled again"
    );
    assert_eq!(counts.drops.load(Ordering::SeqCst), 1);
    assert!(block_on(handle).unwrap_err().is_cancelled());
    assert!(rx.try_recv().is_err());
}

#[test]
fn abort_of_a_running_task_takes_effect_after_its_current_poll() {
    let counts = Arc::new(Counts::default());
    let own_handle = Arc::new(OnceLock::new());
    let inner = Tracked(counts.clone());
    let (runnable, handle, rx) = spawn_queued({
        let own_handle = own_handle.clone();
        async move {
            let mut inner = inner;
            poll_fn(|cx| {
                // Abort ourselves mid-poll, then keep going with this poll.
                own_handle.get().map(zokio_core::task::AbortHandle::abort);
                Pin::new(&mut inner).poll(cx)
            })
            .await
        }
    });
    own_handle.set(handle.abort_handle()).unwrap();
    runnable.run();
    assert_eq!(
        counts.polls.load(Ordering::SeqCst),
        1,
        "the current poll finishes"
    );
    assert_eq!(counts.drops.load(Ordering::SeqCst), 0);
    let (task, _) = rx.try_recv().expect("the abort rescheduled the task");
    task.run();
    assert_eq!(counts.polls.load(Ordering::SeqCst), 1);
    assert_eq!(counts.drops.load(Ordering::SeqCst), 1);
    assert!(block_on(handle).unwrap_err().is_cancelled());
}

#[test]
fn abort_from_another_thread_while_the_task_is_being_polled() {
    let counts = Arc::new(Counts::default());
    let in_poll = Arc::new(Barrier::new(2));
    let aborted = Arc::new(Barrier::new(2));
    let inner = Tracked(counts.clone());
    let (runnable, handle, rx) = spawn_queued({
        let (in_poll, aborted) = (in_poll.clone(), aborted.clone());
        async move {
            let mut inner = inner;
            poll_fn(|cx| {
                in_poll.wait();
                aborted.wait();
                Pin::new(&mut inner).poll(cx)
            })
            .await
        }
    });
    let abort = handle.abort_handle();
    let aborter = thread::spawn(move || {
        in_poll.wait();
        abort.abort();
        aborted.wait();
    });
    runnable.run();
    aborter.join().unwrap();
    rx.try_recv().expect("rescheduled").0.run();
    assert_eq!(counts.polls.load(Ordering::SeqCst), 1);
    assert_eq!(counts.drops.load(Ordering::SeqCst), 1);
    assert!(block_on(handle).unwrap_err().is_cancelled());
}

#[test]
fn abort_after_completion_keeps_the_output() {
    let (runnable, handle, rx) = spawn_queued(async { 3 });
    runnable.run();
    handle.abort();
    assert!(rx.try_recv().is_err(), "a finished task is not rescheduled");
    assert_eq!(block_on(handle).unwrap(), 3);
}

#[test]
fn dropping_the_handle_detaches_the_task() {
    let ran = Arc::new(AtomicBool::new(false));
    let (runnable, handle, rx) = spawn_queued({
        let ran = ran.clone();
        async move {
            zokio_core::task::yield_now().await;
            ran.store(true, Ordering::SeqCst);
        }
    });
    drop(handle);
    runnable.run();
    let (task, hint) = rx.try_recv().unwrap();
    assert_eq!(hint, ScheduleHint::Yield);
    task.run();
    assert!(
        ran.load(Ordering::SeqCst),
        "a detached task still runs to completion"
    );
}

#[test]
fn a_detached_tasks_panic_does_not_reach_the_runner() {
    let (runnable, handle, _rx) = spawn_queued(async { panic!("detached") });
    drop(handle);
    let result = catch_unwind(AssertUnwindSafe(|| runnable.run()));
    assert!(result.is_ok());
}

#[test]
fn dropping_the_runnable_cancels_the_task_and_drops_its_future_once() {
    let counts = Arc::new(Counts::default());
    let (runnable, handle, _rx) = spawn_queued(Tracked(counts.clone()));
    drop(runnable);
    assert_eq!(counts.polls.load(Ordering::SeqCst), 0);
    assert_eq!(counts.drops.load(Ordering::SeqCst), 1);
    assert!(handle.is_finished());
    assert!(block_on(handle).unwrap_err().is_cancelled());
}

#[test]
fn ids_are_unique_across_threads() {
    let threads: Vec<_> = (0..8)
        .map(|_| {
            thread::spawn(|| {
                (0..5_000)
                    .map(|_| {
                        let (runnable, handle) = spawn(async {}, |_, _| {});
                        assert_eq!(runnable.id(), handle.id());
                        handle.id()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut seen = HashSet::new();
    for t in threads {
        for id in t.join().unwrap() {
            assert!(seen.insert(id), "duplicate task id {id}");
        }
    }
    assert_eq!(seen.len(), 40_000);
}

#[test]
fn named_tasks_keep_their_name() {
    let name = String::from("acceptor");
    let (runnable, handle) = Builder::new().name(&name).spawn(async { 1 }, |_, _| {});
    drop(name);
    assert_eq!(runnable.name(), Some("acceptor"));
    assert_eq!(runnable.id(), handle.id());
    runnable.run();
    assert_eq!(block_on(handle).unwrap(), 1);
}

#[test]
fn many_tasks_run_across_threads_deliver_every_output() {
    let queue: Arc<Mutex<Vec<Runnable>>> = Arc::default();
    let handles: Vec<_> = (0..1_000u64)
        .map(|i| {
            let q = queue.clone();
            let (runnable, handle) = spawn(
                async move {
                    zokio_core::task::yield_now().await;
                    i * 2
                },
                move |t, _| q.lock().unwrap().push(t),
            );
            queue.lock().unwrap().push(runnable);
            handle
        })
        .collect();
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let q = queue.clone();
            thread::spawn(move || {
                loop {
                    let task = q.lock().unwrap().pop();
                    match task {
                        Some(t) => {
                            t.run();
                        }
                        None => break,
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    // Tasks a worker requeued after the others stopped.
    while let Some(t) = queue.lock().unwrap().pop() {
        t.run();
    }
    let sum: u64 = handles.into_iter().map(|h| block_on(h).unwrap()).sum();
    assert_eq!(sum, 999 * 1000);
}

#[test]
fn run_reporting_tells_first_wait_and_finish_for_abort_and_panic() {
    // Aborted while waiting.
    let counts = Arc::new(Counts::default());
    let (runnable, handle, rx) = spawn_queued(Tracked(counts.clone()));
    let first = runnable.run_reporting();
    assert!(first.first_wait.is_some() && !first.finished_after_wait && !first.yielded);
    handle.abort();
    let (again, _) = rx.recv().unwrap();
    let last = again.run_reporting();
    assert!(last.first_wait.is_none() && last.finished_after_wait);
    assert_eq!(counts.drops.load(Ordering::SeqCst), 1);
    assert!(block_on(handle).unwrap_err().is_cancelled());

    // Panics after waiting.
    let mut polled = false;
    let (runnable, handle, rx) = spawn_queued(poll_fn(move |cx| {
        if std::mem::replace(&mut polled, true) {
            panic!("after the wait");
        }
        cx.waker().wake_by_ref();
        Poll::<()>::Pending
    }));
    let first = runnable.run_reporting();
    assert!(first.yielded && first.first_wait.is_some());
    let (again, hint) = rx.recv().unwrap();
    assert_eq!(hint, ScheduleHint::Yield);
    let last = again.run_reporting();
    assert!(last.finished_after_wait && last.first_wait.is_none());
    assert!(block_on(handle).unwrap_err().is_panic());

    // Done in its first poll, or aborted before it: nothing to report.
    let (runnable, handle, _rx) = spawn_queued(async { 4 });
    let report = runnable.run_reporting();
    assert!(report.first_wait.is_none() && !report.finished_after_wait);
    assert_eq!(block_on(handle).unwrap(), 4);
    let (runnable, handle, _rx) = spawn_queued(std::future::pending::<()>());
    handle.abort();
    let report = runnable.run_reporting();
    assert!(report.first_wait.is_none() && !report.finished_after_wait);
}

#[test]
fn a_run_nested_inside_a_task_keeps_its_own_report() {
    let (inner, inner_handle, _inner_rx) = spawn_queued(std::future::pending::<()>());
    let inner = Mutex::new(Some(inner));
    let (outer, outer_handle, _outer_rx) = spawn_queued(poll_fn(move |_| {
        let report = inner.lock().unwrap().take().unwrap().run_reporting();
        assert!(report.first_wait.is_some(), "the inner task's own wait");
        Poll::Ready(7)
    }));
    let report = outer.run_reporting();
    assert!(report.first_wait.is_none() && !report.finished_after_wait);
    assert_eq!(block_on(outer_handle).unwrap(), 7);
    drop(inner_handle);
}
