//! A `LocalSet` driven the way a thread-per-core worker drives it: entered
//! for the thread's life, with its tasks woken on that thread between its
//! polls (as the worker's reactor wakes them while it parks).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use zokio_sched::LocalSet;

mod support;
use support::within;

/// Wakers a pretend reactor holds until its next turn.
type Parked = Rc<RefCell<Vec<Waker>>>;

/// Pending once, its waker left with the reactor; ready the next time.
struct WaitTurn {
    parked: Parked,
    waited: bool,
}

impl Future for WaitTurn {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.waited, true) {
            return Poll::Ready(());
        }
        self.parked.borrow_mut().push(cx.waker().clone());
        Poll::Pending
    }
}

/// Polls the set's future, then wakes every parked task on this thread
/// while the set is not running: a reactor's turn between the set's polls.
struct Reactor<F> {
    set: Pin<Box<F>>,
    parked: Parked,
    turns: Rc<Cell<usize>>,
}

impl<F: Future> Future for Reactor<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        if let Poll::Ready(out) = self.set.as_mut().poll(cx) {
            return Poll::Ready(out);
        }
        let woken: Vec<Waker> = self.parked.borrow_mut().drain(..).collect();
        if !woken.is_empty() {
            self.turns.set(self.turns.get() + 1);
        }
        for waker in woken {
            waker.wake();
        }
        Poll::Pending
    }
}

#[test]
fn wakes_between_the_sets_polls_wake_its_driver_every_time() {
    within(10, || {
        let local = LocalSet::new();
        let _entered = local.enter();
        let parked = Parked::default();
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let parked = parked.clone();
                zokio_sched::spawn_local(async move {
                    for _ in 0..5 {
                        let parked = parked.clone();
                        WaitTurn {
                            parked,
                            waited: false,
                        }
                        .await;
                    }
                })
            })
            .collect();
        let turns = Rc::new(Cell::new(0));
        let reactor = Reactor {
            set: Box::pin(local.run_until(async move {
                for task in tasks {
                    task.await.unwrap();
                }
            })),
            parked,
            turns: turns.clone(),
        };
        // `block_on` polls again only when woken: each batch of wakes must
        // wake it, or the thread parks for good.
        zokio_core::block_on(reactor);
        assert_eq!(
            turns.get(),
            5,
            "one reactor turn per wait, each batch waking the set"
        );
    });
}
