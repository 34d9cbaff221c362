//! loom models of the task-state protocol that `abort`, detach and joining rely on.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::task::{JoinHandle, Runnable, spawn};
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;

type Queue = Arc<Mutex<VecDeque<Runnable>>>;

#[derive(Default)]
struct Counts {
    polls: AtomicUsize,
    drops: AtomicUsize,
}

/// Pending on its first poll (without arranging a wake), ready after that.
struct OnceIdle(Arc<Counts>);

impl Future for OnceIdle {
    type Output = u32;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
        if self.0.polls.fetch_add(1, Ordering::SeqCst) == 0 {
            Poll::Pending
        } else {
            Poll::Ready(9)
        }
    }
}

impl Drop for OnceIdle {
    fn drop(&mut self) {
        self.0.drops.fetch_add(1, Ordering::SeqCst);
    }
}

fn spawn_on(queue: &Queue, counts: &Arc<Counts>) -> JoinHandle<u32> {
    let q = queue.clone();
    let (runnable, handle) = spawn(OnceIdle(counts.clone()), move |t, _| {
        q.lock().unwrap().push_back(t)
    });
    queue.lock().unwrap().push_back(runnable);
    handle
}

fn drain(queue: &Queue) {
    loop {
        let task = queue.lock().unwrap().pop_front();
        match task {
            Some(t) => {
                t.run();
            }
            None => return,
        }
    }
}

fn poll_once<T>(handle: &mut JoinHandle<T>) -> Poll<Result<T, crate::task::JoinError>> {
    Pin::new(handle).poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn abort_races_a_run() {
    loom::model(|| {
        let queue: Queue = Arc::default();
        let counts = Arc::new(Counts::default());
        let mut handle = spawn_on(&queue, &counts);
        let abort = handle.abort_handle();

        let runner = {
            let queue = queue.clone();
            thread::spawn(move || drain(&queue))
        };
        abort.abort();
        runner.join().unwrap();
        drain(&queue);

        // Nothing woke the task but the abort, so it can only end cancelled,
        // polled at most once, and dropped exactly once.
        assert!(counts.polls.load(Ordering::SeqCst) <= 1);
        assert_eq!(counts.drops.load(Ordering::SeqCst), 1);
        match poll_once(&mut handle) {
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            other => panic!(
                "expected a cancelled task, got {:?}",
                other.map(|r| r.is_ok())
            ),
        }
    });
}

#[test]
fn abort_races_a_wake_and_a_run() {
    loom::model(|| {
        let queue: Queue = Arc::default();
        let counts = Arc::new(Counts::default());
        let mut handle = spawn_on(&queue, &counts);
        // Run the first poll so the task is idle, then take its waker.
        let first = queue.lock().unwrap().pop_front().unwrap();
        let waker = first.waker();
        first.run();

        let waker_thread = thread::spawn(move || waker.wake());
        let abort = handle.abort_handle();
        let aborter = thread::spawn(move || abort.abort());
        let runner = {
            let queue = queue.clone();
            thread::spawn(move || drain(&queue))
        };
        waker_thread.join().unwrap();
        aborter.join().unwrap();
        runner.join().unwrap();
        drain(&queue);

        // Either the wake won (the task completed with 9) or the abort did.
        assert_eq!(counts.drops.load(Ordering::SeqCst), 1);
        match poll_once(&mut handle) {
            Poll::Ready(Ok(v)) => {
                assert_eq!(v, 9);
                assert_eq!(counts.polls.load(Ordering::SeqCst), 2);
            }
            Poll::Ready(Err(e)) => {
                assert!(e.is_cancelled());
                assert_eq!(counts.polls.load(Ordering::SeqCst), 1);
            }
            Poll::Pending => panic!("the task was lost"),
        }
    });
}

#[test]
fn detach_races_completion() {
    loom::model(|| {
        let queue: Queue = Arc::default();
        let counts = Arc::new(Counts::default());
        let handle = spawn_on(&queue, &counts);
        let first = queue.lock().unwrap().pop_front().unwrap();
        let waker = first.waker();
        first.run();

        let detacher = thread::spawn(move || drop(handle));
        waker.wake();
        drain(&queue);
        detacher.join().unwrap();
        assert_eq!(counts.polls.load(Ordering::SeqCst), 2);
        assert_eq!(counts.drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn abort_through_a_clone_races_dropping_the_join_handle() {
    loom::model(|| {
        let queue: Queue = Arc::default();
        let counts = Arc::new(Counts::default());
        let handle = spawn_on(&queue, &counts);
        drain(&queue); // first poll: idle now
        let abort = handle.abort_handle();

        let dropper = thread::spawn(move || drop(handle));
        let aborter = thread::spawn(move || abort.abort());
        dropper.join().unwrap();
        aborter.join().unwrap();
        drain(&queue);
        assert_eq!(counts.polls.load(Ordering::SeqCst), 1);
        assert_eq!(counts.drops.load(Ordering::SeqCst), 1);
    });
}

/// Runs every queued task, tallying its reports: (first waits, finishes after a wait).
fn drain_reporting(queue: &Queue) -> (usize, usize) {
    let (mut waits, mut finishes) = (0, 0);
    loop {
        let task = queue.lock().unwrap().pop_front();
        let Some(task) = task else {
            return (waits, finishes);
        };
        let report = task.run_reporting();
        waits += usize::from(report.first_wait.is_some());
        finishes += usize::from(report.finished_after_wait);
    }
}

#[test]
fn each_wait_is_reported_once_and_closed_once_when_abort_races_a_wake() {
    loom::model(|| {
        let queue: Queue = Arc::default();
        let counts = Arc::new(Counts::default());
        let mut handle = spawn_on(&queue, &counts);
        let first = queue.lock().unwrap().pop_front().unwrap();
        let waker = first.waker();
        let report = first.run_reporting();
        assert!(report.first_wait.is_some() && !report.finished_after_wait);

        let waker_thread = thread::spawn(move || waker.wake());
        let abort = handle.abort_handle();
        let aborter = thread::spawn(move || abort.abort());
        // Two runners (this thread and another) on one OS thread under loom:
        // their thread-local slots must not be confused when one is
        // preempted inside a run.
        let runner = {
            let queue = queue.clone();
            thread::spawn(move || drain_reporting(&queue))
        };
        let (mut waits, mut finishes) = drain_reporting(&queue);
        waker_thread.join().unwrap();
        aborter.join().unwrap();
        let (w, f) = runner.join().unwrap();
        let (w2, f2) = drain_reporting(&queue);
        waits += w + w2;
        finishes += f + f2;
        assert_eq!(waits, 0, "only the first run reports the wait");
        assert_eq!(finishes, 1, "the task that waited finishes exactly once");
        assert_eq!(counts.drops.load(Ordering::SeqCst), 1);
        assert!(matches!(poll_once(&mut handle), Poll::Ready(_)));
    });
}
