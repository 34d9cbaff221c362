//! loom model of the count of blocking jobs in flight: whoever learns that a
//! job finished, by its handle's wake or by polling its handle, sees it
//! counted out. The time driver relies on this: woken by a job's completion,
//! it must not find the job still counted and hold a paused clock forever.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Wake, Waker};

use crate::blocking::{Blocking, BlockingHandle};
use crate::task::Runnable;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;

/// Keeps the job, for the model to run on a thread of its own.
struct Keep(Arc<Mutex<Option<Runnable>>>);

impl Blocking for Keep {
    fn run(&self, job: Runnable) {
        *self.0.lock().unwrap() = Some(job);
    }
}

/// Records whether the job was still counted when its handle was woken.
struct CheckOnWake {
    pool: BlockingHandle,
    counted_at_wake: AtomicBool,
}

impl Wake for CheckOnWake {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        if self.pool.jobs_in_flight() != 0 {
            self.counted_at_wake.store(true, Ordering::SeqCst);
        }
    }
}

#[test]
fn a_finished_job_is_counted_out_before_anyone_learns_it_finished() {
    loom::model(|| {
        let slot = Arc::new(Mutex::new(None));
        let pool = BlockingHandle::new(Keep(slot.clone()));
        let mut job = pool.spawn_blocking(|| 5);
        assert_eq!(pool.jobs_in_flight(), 1);
        let runnable = slot.lock().unwrap().take().unwrap();
        let runner = thread::spawn(move || {
            runnable.run();
        });

        let check = std::sync::Arc::new(CheckOnWake {
            pool: pool.clone(),
            counted_at_wake: AtomicBool::new(false),
        });
        let waker = Waker::from(check.clone());
        let mut cx = Context::from_waker(&waker);
        if let Poll::Ready(out) = Pin::new(&mut job).poll(&mut cx) {
            assert_eq!(out.unwrap(), 5);
            assert_eq!(pool.jobs_in_flight(), 0, "ready while still counted");
        }
        runner.join().unwrap();
        assert!(
            !check.counted_at_wake.load(Ordering::SeqCst),
            "woken while still counted"
        );
        assert_eq!(pool.jobs_in_flight(), 0);
    });
}
