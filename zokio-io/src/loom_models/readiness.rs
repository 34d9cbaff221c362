//! Model checks of the readiness word: events are never lost to a racing
//! clear, and a waiter is always woken or sees the event.

use std::task::{Context, Poll, Wake, Waker};

use crate::readiness::{Direction, Readiness};
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (std::sync::Arc<Count>, Waker) {
    let count = std::sync::Arc::new(Count(AtomicUsize::new(0)));
    (count.clone(), Waker::from(count))
}

#[test]
fn waiter_sees_event_or_is_woken() {
    loom::model(|| {
        let readiness = Arc::new(Readiness::new());
        let (count, waker) = counting_waker();
        let reactor = {
            let readiness = readiness.clone();
            thread::spawn(move || readiness.set_ready(1, true, false))
        };
        let polled = readiness.poll_ready(Direction::Read, &mut Context::from_waker(&waker));
        reactor.join().unwrap();
        match polled {
            Poll::Ready(ready) => assert!(ready.is_ok()),
            Poll::Pending => assert_eq!(count.0.load(Ordering::SeqCst), 1, "lost wakeup"),
        }
    });
}

#[test]
fn clear_never_drops_a_newer_event() {
    loom::model(|| {
        let readiness = Arc::new(Readiness::new());
        readiness.set_ready(1, true, false);
        let noop = Waker::noop();
        let Poll::Ready(Ok(seen)) =
            readiness.poll_ready(Direction::Read, &mut Context::from_waker(noop))
        else {
            panic!("readable at tick 1")
        };
        let reactor = {
            let readiness = readiness.clone();
            thread::spawn(move || readiness.set_ready(2, true, false))
        };
        // The task's read returned WouldBlock: it clears what it saw.
        readiness.clear(seen);
        reactor.join().unwrap();
        assert!(
            readiness
                .poll_ready(Direction::Read, &mut Context::from_waker(noop))
                .is_ready(),
            "the tick-2 event was cleared by a stale clear"
        );
    });
}

#[test]
fn close_wakes_a_waiter_with_an_error() {
    loom::model(|| {
        let readiness = Arc::new(Readiness::new());
        let (count, waker) = counting_waker();
        let closer = {
            let readiness = readiness.clone();
            thread::spawn(move || readiness.close())
        };
        let polled = readiness.poll_ready(Direction::Write, &mut Context::from_waker(&waker));
        closer.join().unwrap();
        match polled {
            Poll::Ready(ready) => assert!(ready.is_err()),
            Poll::Pending => assert_eq!(count.0.load(Ordering::SeqCst), 1, "lost wakeup"),
        }
        let again = readiness.poll_ready(Direction::Write, &mut Context::from_waker(&waker));
        assert!(matches!(again, Poll::Ready(Err(_))));
    });
}

#[test]
fn two_waiters_of_one_direction_are_both_woken_or_see_the_event() {
    loom::model(|| {
        let readiness = Arc::new(Readiness::new());
        let (first_count, first) = counting_waker();
        let (second_count, second) = counting_waker();
        // The first task waits; the second registers while the event comes,
        // displacing the first into the overflow.
        let first_polled = readiness.poll_ready(Direction::Read, &mut Context::from_waker(&first));
        assert!(first_polled.is_pending());
        let reactor = {
            let readiness = readiness.clone();
            thread::spawn(move || readiness.set_ready(1, true, false))
        };
        let second_polled =
            readiness.poll_ready(Direction::Read, &mut Context::from_waker(&second));
        reactor.join().unwrap();
        assert_eq!(
            first_count.0.load(Ordering::SeqCst),
            1,
            "the first waiter was lost"
        );
        if second_polled.is_pending() {
            assert_eq!(
                second_count.0.load(Ordering::SeqCst),
                1,
                "the second waiter was lost"
            );
        }
    });
}
