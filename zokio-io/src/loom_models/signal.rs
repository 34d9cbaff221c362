//! Model checks of the signal broadcast (`signal::event`): a delivery the
//! handler records is never lost between the listeners that race to drain
//! the wake-up pipe. The pipe is modelled as a byte count; a listener left
//! `Pending` with bytes still in it is safe, because those bytes' edge wakes
//! it through its reactor.

use std::task::{Poll, Wake, Waker};

use crate::signal::event::{SignalEvent, Subscription};
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

/// The signal handler: record, then write a byte.
fn deliver(event: &SignalEvent, pipe: &AtomicUsize) {
    event.record();
    pipe.fetch_add(1, Ordering::SeqCst);
}

/// One `poll_recv` of a listener whose pipe descriptor is readable: check
/// the broadcast (leaving the waker), drain, broadcast, until nothing more
/// was drained.
fn poll_once(
    event: &SignalEvent,
    pipe: &AtomicUsize,
    subscription: &mut Subscription,
    waker: &Waker,
) -> Poll<()> {
    loop {
        if event.poll_broadcast(subscription, waker).is_ready() {
            return Poll::Ready(());
        }
        if pipe.swap(0, Ordering::SeqCst) == 0 {
            return Poll::Pending;
        }
        event.broadcast_if_pending(Some(subscription));
    }
}

#[test]
fn a_delivery_reaches_a_listener_or_leaves_it_a_wake_up() {
    loom::model(|| {
        let event = Arc::new(SignalEvent::new());
        let pipe = Arc::new(AtomicUsize::new(0));
        let mut subscription = event.subscribe();
        let handler = {
            let (event, pipe) = (event.clone(), pipe.clone());
            thread::spawn(move || deliver(&event, &pipe))
        };
        let (count, waker) = counting_waker();
        let polled = poll_once(&event, &pipe, &mut subscription, &waker);
        handler.join().unwrap();
        if polled.is_pending() {
            assert!(
                count.0.load(Ordering::SeqCst) > 0 || pipe.load(Ordering::SeqCst) > 0,
                "lost delivery: not received, not woken, no byte left"
            );
        }
        event.unsubscribe(&subscription);
    });
}

#[test]
fn two_listeners_racing_to_drain_both_see_the_delivery() {
    loom::model(|| {
        let event = Arc::new(SignalEvent::new());
        let pipe = Arc::new(AtomicUsize::new(0));
        let first = event.subscribe();
        let mut second = event.subscribe();
        let handler = {
            let (event, pipe) = (event.clone(), pipe.clone());
            thread::spawn(move || deliver(&event, &pipe))
        };
        let other = {
            let (event, pipe) = (event.clone(), pipe.clone());
            thread::spawn(move || {
                let mut first = first;
                let (count, waker) = counting_waker();
                let polled = poll_once(&event, &pipe, &mut first, &waker);
                (polled, count, first)
            })
        };
        let (count, waker) = counting_waker();
        let polled = poll_once(&event, &pipe, &mut second, &waker);
        handler.join().unwrap();
        let (other_polled, other_count, first) = other.join().unwrap();
        let bytes_left = pipe.load(Ordering::SeqCst) > 0;
        for (polled, count) in [(polled, &count), (other_polled, &other_count)] {
            if polled.is_pending() {
                assert!(
                    count.0.load(Ordering::SeqCst) > 0 || bytes_left,
                    "a listener missed the delivery another one drained"
                );
            }
        }
        event.unsubscribe(&first);
        event.unsubscribe(&second);
    });
}

#[test]
fn a_burst_is_broadcast_once() {
    loom::model(|| {
        let event = Arc::new(SignalEvent::new());
        let pipe = Arc::new(AtomicUsize::new(0));
        let mut subscription = event.subscribe();
        let handler = {
            let (event, pipe) = (event.clone(), pipe.clone());
            thread::spawn(move || {
                deliver(&event, &pipe);
                deliver(&event, &pipe);
            })
        };
        handler.join().unwrap();
        let waker = Waker::noop();
        assert!(poll_once(&event, &pipe, &mut subscription, waker).is_ready());
        assert!(poll_once(&event, &pipe, &mut subscription, waker).is_pending());
        event.unsubscribe(&subscription);
    });
}
