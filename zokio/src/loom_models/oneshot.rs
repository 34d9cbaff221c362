//! The oneshot channel: a send racing the receiver's close or drop, and a
//! send racing the receiver going to sleep.

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

use crate::sync::oneshot;

/// Counts its drops, so a value lost or dropped twice shows.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_value_sent_as_the_receiver_closes_is_taken_or_handed_back_never_both() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = oneshot::channel();
        let value = Counted(drops.clone());
        let sender = thread::spawn(move || tx.send(value).map_err(drop).is_ok());
        rx.close();
        let taken = rx.try_recv().ok();
        let sent = sender.join().unwrap();
        // Handed back (and dropped by the sender) or sent; when sent before
        // the close, the receiver may take it.
        if !sent {
            assert!(taken.is_none());
        }
        drop(taken);
        drop(rx);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "the value is dropped exactly once"
        );
    });
}

#[test]
fn a_sleeping_receiver_is_woken_by_the_send_or_the_senders_drop() {
    loom::model(|| {
        let (tx, rx) = oneshot::channel::<u8>();
        let (tx2, rx2) = oneshot::channel::<u8>();
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
            drop(tx2);
        });
        assert_eq!(loom::future::block_on(rx), Ok(1));
        assert!(loom::future::block_on(rx2).is_err());
        sender.join().unwrap();
    });
}

#[test]
fn a_sender_waiting_for_the_close_is_woken_by_the_receivers_drop() {
    loom::model(|| {
        let (mut tx, rx) = oneshot::channel::<u8>();
        let receiver = thread::spawn(move || drop(rx));
        loom::future::block_on(tx.closed());
        assert!(tx.is_closed());
        receiver.join().unwrap();
    });
}

#[test]
fn a_receiver_polled_again_by_another_task_is_woken_there() {
    use std::future::Future;
    use std::task::{Context, Poll};

    loom::model(|| {
        let (tx, mut rx) = oneshot::channel::<u8>();
        let sender = thread::spawn(move || tx.send(4).unwrap());
        // Registered under one task's waker, then awaited under another's:
        // the slot is taken back from the sender, or the value is there.
        let (_count, first) = super::counting();
        let early = std::pin::Pin::new(&mut rx).poll(&mut Context::from_waker(&first));
        let got = match early {
            Poll::Ready(v) => v,
            Poll::Pending => loom::future::block_on(rx),
        };
        assert_eq!(got, Ok(4));
        sender.join().unwrap();
    });
}
