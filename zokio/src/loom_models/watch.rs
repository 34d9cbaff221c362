//! loom models of the watch channel's version word: a receiver that parks in
//! `changed` (register, then set `WAITING` and re-read the version in one
//! read-modify-write) is never missed by a send or a close (bump or set
//! `CLOSED`, and look for `WAITING`, in one read-modify-write), whatever the
//! interleaving, and the `closed` side is never missed by a last receiver.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

use super::counting;
use crate::sync::watch;
use loom::thread;

#[test]
fn a_send_racing_a_parking_receiver_is_never_missed() {
    loom::model(|| {
        let (tx, mut rx) = watch::channel(0);
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
            tx
        });
        let (count, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        {
            let mut changed = pin!(rx.changed());
            if changed.as_mut().poll(&mut cx).is_pending() {
                let _tx = sender.join().unwrap();
                assert_eq!(count.get(), 1, "parked before the send: woken by it");
                assert!(matches!(
                    changed.as_mut().poll(&mut cx),
                    Poll::Ready(Ok(()))
                ));
            } else {
                drop(sender.join().unwrap());
            }
        }
        assert_eq!(
            *rx.borrow_and_update(),
            1,
            "the version seen is the value's"
        );
    });
}

#[test]
fn two_parked_receivers_and_two_racing_sends_all_meet() {
    // Two sends race each other and two registrations: one send's drain
    // clears `WAITING` while the other receiver may be setting it again.
    loom::model(|| {
        let (tx, mut rx1) = watch::channel(0);
        let mut rx2 = rx1.clone();
        let tx2 = tx.clone();
        let senders = [
            thread::spawn(move || {
                tx.send_replace(1);
            }),
            thread::spawn(move || {
                tx2.send_replace(2);
            }),
        ];
        let (count1, waker1) = counting();
        let (count2, waker2) = counting();
        let mut cx1 = Context::from_waker(&waker1);
        let mut cx2 = Context::from_waker(&waker2);
        let mut changed1 = pin!(rx1.changed());
        let mut changed2 = pin!(rx2.changed());
        let first1 = changed1.as_mut().poll(&mut cx1);
        let first2 = changed2.as_mut().poll(&mut cx2);
        for s in senders {
            s.join().unwrap();
        }
        for (first, count, changed, cx) in [
            (first1, &count1, changed1.as_mut(), &mut cx1),
            (first2, &count2, changed2.as_mut(), &mut cx2),
        ] {
            match first {
                Poll::Ready(r) => assert!(r.is_ok()),
                Poll::Pending => {
                    assert!(count.get() >= 1, "parked, so a send woke it");
                    // Woken by the last sender leaving or by a send: either
                    // way a new value is there to see.
                    assert!(matches!(changed.poll(cx), Poll::Ready(Ok(()))));
                }
            }
        }
    });
}

#[test]
fn the_last_sender_leaving_wakes_a_parked_receiver() {
    loom::model(|| {
        let (tx, mut rx) = watch::channel(());
        let sender = thread::spawn(move || drop(tx));
        let (count, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        let mut changed = pin!(rx.changed());
        match changed.as_mut().poll(&mut cx) {
            Poll::Ready(r) => {
                assert!(r.is_err());
                sender.join().unwrap();
            }
            Poll::Pending => {
                sender.join().unwrap();
                assert_eq!(count.get(), 1);
                assert!(matches!(
                    changed.as_mut().poll(&mut cx),
                    Poll::Ready(Err(_))
                ));
            }
        }
    });
}

#[test]
fn the_last_receiver_leaving_wakes_a_sender_in_closed() {
    loom::model(|| {
        let (tx, rx) = watch::channel(());
        let receiver = thread::spawn(move || drop(rx));
        let (count, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        let mut closed = pin!(tx.closed());
        if closed.as_mut().poll(&mut cx).is_pending() {
            receiver.join().unwrap();
            assert_eq!(count.get(), 1);
            assert!(closed.as_mut().poll(&mut cx).is_ready());
        } else {
            receiver.join().unwrap();
        }
    });
}
