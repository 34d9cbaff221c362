//! `block_on` and the cooperative budget through the public API.

use std::future::poll_fn;
use std::panic::catch_unwind;
use std::sync::mpsc;
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

use zokio_core::task::{ScheduleHint, spawn};
use zokio_core::{block_on, budget, context};

#[test]
fn a_ready_future_is_returned() {
    assert_eq!(block_on(async { 1 + 1 }), 2);
}

#[test]
fn a_future_woken_from_another_thread_completes() {
    let (tx, rx) = mpsc::channel();
    let waiter = thread::spawn(move || {
        let waker: std::task::Waker = rx.recv().unwrap();
        thread::sleep(Duration::from_millis(10));
        waker.wake();
    });
    let mut sent = Some(tx);
    let mut polls = 0;
    block_on(poll_fn(|cx| {
        polls += 1;
        match sent.take() {
            Some(tx) => {
                tx.send(cx.waker().clone()).unwrap();
                Poll::Pending
            }
            None => Poll::Ready(()),
        }
    }));
    waiter.join().unwrap();
    assert!(polls >= 2);
}

#[test]
fn block_on_nests_outside_a_runtime() {
    let v = block_on(async { block_on(async { 3 }) + 1 });
    assert_eq!(v, 4);
}

#[test]
fn block_on_inside_a_runtime_worker_panics_with_a_clear_message() {
    let _worker = context::enter_runtime().unwrap();
    let err = catch_unwind(|| block_on(async {})).unwrap_err();
    let message = err.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(
        message.contains("`block_on` was called on a runtime worker thread"),
        "{message}"
    );
}

/// A resource that is always ready and spends budget like a real one.
fn poll_ready_resource(cx: &mut Context<'_>) -> Poll<()> {
    let progress = std::task::ready!(budget::poll_proceed(cx));
    progress.made_progress();
    Poll::Ready(())
}

async fn use_resource(times: usize) -> usize {
    let mut forced_yields = 0;
    for _ in 0..times {
        let mut yielded = false;
        poll_fn(|cx| match poll_ready_resource(cx) {
            Poll::Ready(()) => Poll::Ready(()),
            Poll::Pending => {
                yielded = true;
                Poll::Pending
            }
        })
        .await;
        forced_yields += yielded as usize;
    }
    forced_yields
}

#[test]
fn an_exhausted_budget_forces_a_yield() {
    let per_poll = budget::TASK_BUDGET as usize;
    assert_eq!(block_on(use_resource(per_poll)), 0);
    assert_eq!(block_on(use_resource(per_poll + 1)), 1);
    assert_eq!(block_on(use_resource(10 * per_poll)), 9);
}

#[test]
fn unconstrained_never_forces_a_yield() {
    let yields = block_on(budget::unconstrained(use_resource(
        10 * budget::TASK_BUDGET as usize,
    )));
    assert_eq!(yields, 0);
}

#[test]
fn a_task_out_of_budget_is_rescheduled_as_a_yield() {
    let (tx, rx) = mpsc::channel();
    let (runnable, handle) = spawn(use_resource(300), move |t, h| tx.send((t, h)).unwrap());
    let mut runs = 0;
    let mut next = Some(runnable);
    while let Some(task) = next.take() {
        runs += 1;
        task.run();
        if let Ok((task, hint)) = rx.try_recv() {
            assert_eq!(hint, ScheduleHint::Yield);
            next = Some(task);
        }
    }
    assert_eq!(runs, 3, "300 operations at 128 per poll take three polls");
    assert_eq!(block_on(handle).unwrap(), 2);
}

#[test]
fn progress_that_is_not_made_gives_the_unit_back() {
    let waker = std::task::Waker::noop();
    let mut cx = Context::from_waker(waker);
    budget::with_task_budget(|| {
        for _ in 0..1000 {
            let progress = budget::poll_proceed(&mut cx);
            assert!(progress.is_ready());
            drop(progress); // no progress: the unit is returned
        }
        assert!(budget::has_remaining());
        assert!(!budget::consume(budget::TASK_BUDGET));
        assert!(budget::poll_proceed(&mut cx).is_pending());
    });
}
