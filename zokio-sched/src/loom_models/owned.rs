//! The owned-task registry: a task records its first wait from inside its
//! run, on one worker, while another worker finishes it or the scheduler
//! shuts down. The registry's shard locks and closed flag are loom's here;
//! the tasks are real ones.

use std::future::{Future as _, poll_fn};
use std::task::{Poll, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;
use zokio_core::task::{JoinError, JoinHandle, Runnable, spawn};

use crate::owned::OwnedTasks;

type Queue = Arc<Mutex<Vec<Runnable>>>;

/// Counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Spawns `future` into a task that every wake queues on `queue`.
fn spawn_on<F>(queue: &Queue, future: F) -> (Runnable, JoinHandle<F::Output>)
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let queue = queue.clone();
    spawn(future, move |task, _| queue.lock().unwrap().push(task))
}

fn take(queue: &Queue) -> Vec<Runnable> {
    std::mem::take(&mut *queue.lock().unwrap())
}

/// The task's output once every thread is joined (see `worker::output`).
fn output<T>(mut task: JoinHandle<T>) -> Result<T, JoinError> {
    let mut cx = std::task::Context::from_waker(Waker::noop());
    match std::pin::Pin::new(&mut task).poll(&mut cx) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("the task never finished"),
    }
}

/// A task that waits forever is dropped by shutdown, whether its first wait
/// is recorded before the close (taken and woken), after it (refused: the
/// task wakes itself), or its run begins after the mark (cancelled).
#[test]
fn shutdown_while_a_first_wait_is_recorded_drops_the_task() {
    loom::model(|| {
        let owned = Arc::new(OwnedTasks::new(2));
        let queue: Queue = Arc::default();
        let drops = Arc::new(AtomicUsize::new(0));
        let counted = Counted(drops.clone());
        let (runnable, handle) = spawn_on(&queue, async move {
            let _counted = counted;
            std::future::pending::<()>().await;
        });
        let worker = {
            let owned = owned.clone();
            thread::spawn(move || owned.run(runnable, 0))
        };
        let wakers = owned.close_and_take();
        wakers.iter().for_each(Waker::wake_by_ref);
        drop(wakers);
        worker.join().unwrap();
        // What the scheduler's workers and its last steps do with the runs
        // the wakes queued: run them (each cancels the task) or drop them.
        for task in take(&queue) {
            owned.run(task, 1);
        }
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "the future was not dropped"
        );
        assert!(output(handle).unwrap_err().is_cancelled());
        assert_eq!(owned.len(), 0);
    });
}

/// A task hands its waker out during its first poll and another worker wakes
/// and finishes it as soon as it can: its wait and its finish both reach the
/// registry, in that order, and nothing is left behind.
#[test]
fn a_task_finished_by_another_worker_leaves_no_entry() {
    loom::model(|| {
        let owned = Arc::new(OwnedTasks::new(2));
        let queue: Queue = Arc::default();
        let handed: Arc<Mutex<Option<Waker>>> = Arc::default();
        let mut polled = false;
        let (runnable, handle) = spawn_on(&queue, {
            let handed = handed.clone();
            poll_fn(move |cx| {
                if std::mem::replace(&mut polled, true) {
                    return Poll::Ready(7);
                }
                *handed.lock().unwrap() = Some(cx.waker().clone());
                Poll::Pending
            })
        });
        let first = {
            let owned = owned.clone();
            thread::spawn(move || owned.run(runnable, 0))
        };
        let other = {
            let (owned, queue, handed) = (owned.clone(), queue.clone(), handed.clone());
            thread::spawn(move || {
                let waker = handed.lock().unwrap().take();
                if let Some(waker) = waker {
                    waker.wake();
                }
                for task in take(&queue) {
                    owned.run(task, 1);
                }
            })
        };
        first.join().unwrap();
        other.join().unwrap();
        // Whatever the other worker did not get to, done here.
        let waker = handed.lock().unwrap().take();
        if let Some(waker) = waker {
            waker.wake();
        }
        for task in take(&queue) {
            owned.run(task, 1);
        }
        assert_eq!(output(handle).unwrap(), 7);
        assert_eq!(owned.len(), 0, "the finish removed the recorded wait");
        assert!(owned.close_and_take().is_empty());
    });
}
