//! loom models of the watch channel's version word: a receiver that parks in
//! `changed` (register in its thread's list, then set the list's `WAITING`
//! bit and re-read the version in one read-modify-write, or only re-read it
//! if the bit is set already) is never missed by a send or a close (bump or
//! set `CLOSED` and clear every bit in one read-modify-write, then drain the
//! lists whose bits were set), whatever the interleaving, and the `closed`
//! side is never missed by a last receiver. Under loom there are two lists,
//! so that models with three parking threads make two of them share one.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

use super::counting;
use crate::sync::watch;
use loom::thread;
use zokio_core::block_on;

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

#[test]
fn a_receiver_parking_in_a_list_flagged_by_another_thread_is_not_missed() {
    // The main thread parks first, takes a list and sets its bit; of the two
    // receiver threads, the second to park shares that list, finds the bit
    // set and only re-reads the version, while the send clears the bit and
    // drains the list.
    loom::model(|| {
        let (tx, mut rx0) = watch::channel(0);
        let receivers: Vec<_> = (0..2)
            .map(|_| rx0.clone())
            .collect::<Vec<_>>()
            .into_iter()
            .map(|mut rx| {
                thread::spawn(move || {
                    block_on(rx.changed()).unwrap();
                    assert_eq!(*rx.borrow_and_update(), 1);
                })
            })
            .collect();
        let (count, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        let mut changed = pin!(rx0.changed());
        let first = changed.as_mut().poll(&mut cx);
        tx.send(1).unwrap();
        for r in receivers {
            r.join().unwrap();
        }
        if first.is_pending() {
            assert_eq!(count.get(), 1, "parked before the send: woken by it");
        }
        assert!(matches!(
            changed.as_mut().poll(&mut cx),
            Poll::Ready(Ok(()))
        ));
    });
}

#[test]
fn a_registration_polled_again_on_another_thread_wakes_the_new_waker() {
    // Parked from the main thread, then moved to another thread and polled
    // there with that thread's waker while a send lands: the live
    // registration is refreshed in place, in the main thread's list, and the
    // send must wake the new waker.
    loom::model(|| {
        let (tx, rx) = watch::channel(0);
        let mut changed = Box::pin(async move {
            let mut rx = rx;
            rx.changed().await.map(|()| *rx.borrow_and_update())
        });
        let (_count, waker) = counting();
        assert!(
            changed
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        let moved = thread::spawn(move || block_on(changed));
        tx.send(1).unwrap();
        assert_eq!(moved.join().unwrap().unwrap(), 1);
    });
}

#[test]
fn the_last_sender_leaving_wakes_receivers_parked_in_two_lists() {
    loom::model(|| {
        let (tx, rx) = watch::channel(());
        let receivers: Vec<_> = [rx.clone(), rx]
            .into_iter()
            .map(|mut rx| thread::spawn(move || block_on(rx.changed()).is_err()))
            .collect();
        drop(tx);
        for r in receivers {
            assert!(r.join().unwrap(), "closed with the value seen");
        }
    });
}
