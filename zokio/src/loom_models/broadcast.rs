//! loom models of the broadcast channel: a receiver that parks is never
//! missed by a send or by the last sender leaving, a value is read once by
//! each receiver, and a `WeakSender` never revives a closed channel.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

use super::counting;
use crate::sync::broadcast::{self, error::RecvError};
use loom::thread;

#[test]
fn a_send_racing_a_parking_receiver_is_never_missed() {
    loom::model(|| {
        let (tx, mut rx) = broadcast::channel(2);
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
            tx
        });
        let (count, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        let mut recv = pin!(rx.recv());
        match recv.as_mut().poll(&mut cx) {
            Poll::Ready(v) => {
                assert_eq!(v, Ok(1));
                drop(sender.join().unwrap());
            }
            Poll::Pending => {
                let _tx = sender.join().unwrap();
                assert_eq!(count.get(), 1);
                assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(Ok(1)));
            }
        }
    });
}

#[test]
fn two_receivers_each_get_the_value_once_and_it_is_dropped() {
    loom::model(|| {
        let (tx, rx1) = broadcast::channel(1);
        let rx2 = tx.subscribe();
        let value = std::sync::Arc::new(());
        tx.send(value.clone()).unwrap();
        let readers: Vec<_> = [rx1, rx2]
            .into_iter()
            .map(|mut rx| thread::spawn(move || rx.try_recv().is_ok()))
            .collect();
        for r in readers {
            assert!(r.join().unwrap());
        }
        assert_eq!(
            std::sync::Arc::strong_count(&value),
            1,
            "released by the last reader"
        );
    });
}

#[test]
fn the_last_sender_leaving_wakes_a_parked_receiver() {
    loom::model(|| {
        let (tx, mut rx) = broadcast::channel::<u8>(1);
        let sender = thread::spawn(move || drop(tx));
        let (count, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        let mut recv = pin!(rx.recv());
        if recv.as_mut().poll(&mut cx).is_pending() {
            sender.join().unwrap();
            assert_eq!(count.get(), 1);
        } else {
            sender.join().unwrap();
        }
        assert_eq!(
            recv.as_mut().poll(&mut cx),
            Poll::Ready(Err(RecvError::Closed))
        );
    });
}

#[test]
fn a_weak_sender_never_revives_a_closed_channel() {
    loom::model(|| {
        let (tx, mut rx) = broadcast::channel::<u8>(1);
        let weak = tx.downgrade();
        let upgrader = thread::spawn(move || weak.upgrade().map(|tx| tx.send(1).is_ok()));
        drop(tx);
        let sent = upgrader.join().unwrap();
        // Either the upgrade won and its send arrived, or it found the
        // channel closed; both end closed, nothing sent after close.
        if sent == Some(true) {
            assert_eq!(rx.try_recv(), Ok(1));
        }
        assert_eq!(rx.try_recv(), Err(broadcast::error::TryRecvError::Closed));
    });
}
