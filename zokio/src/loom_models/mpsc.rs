//! The mpsc channel: the block queue under concurrent pushes, a close
//! racing a push, the receiver's sleep/wake handshake with senders, the
//! wake that ends a closed bounded channel's `recv` when its last room
//! comes back (from a permit or a cancelled reserve), and the receiver's
//! drop racing a send.

use loom::sync::Arc;
use loom::thread;

use crate::sync::mpsc::queue::{Pop, Queue};
use crate::sync::mpsc::unbounded_channel;

/// Pops what is there now, without waiting.
fn pop_ready(queue: &Queue<(u8, u8)>, got: &mut Vec<(u8, u8)>, attempts: usize) {
    for _ in 0..attempts {
        // SAFETY: the model's main thread is the queue's only receiver.
        match unsafe { queue.pop() } {
            Pop::Value(v) => got.push(v),
            Pop::Empty | Pop::Busy => {}
            Pop::Closed => panic!("nobody closed the queue"),
        }
    }
}

#[test]
fn two_senders_across_a_block_boundary_lose_nothing_and_keep_their_order() {
    loom::model(|| {
        let queue = Arc::new(Queue::new());
        let senders: Vec<_> = (0..2u8)
            .map(|s| {
                let queue = queue.clone();
                thread::spawn(move || {
                    // Two values each: three slots fill the first block (two
                    // slots under loom), so one push links in the next.
                    queue.push((s, 0)).unwrap();
                    queue.push((s, 1)).unwrap();
                })
            })
            .collect();
        // Pops racing the pushes, then the rest once the senders are done.
        let mut got = Vec::new();
        pop_ready(&queue, &mut got, 2);
        for sender in senders {
            sender.join().unwrap();
        }
        let left = 4 - got.len();
        pop_ready(&queue, &mut got, left);
        assert_eq!(got.len(), 4);
        for s in 0..2u8 {
            let mine: Vec<u8> = got.iter().filter(|v| v.0 == s).map(|v| v.1).collect();
            assert_eq!(mine, [0, 1], "sender {s}'s values, in its order");
        }
        // SAFETY: as in `pop_n`.
        assert_eq!(unsafe { queue.pop() }, Pop::Empty);
    });
}

#[test]
fn a_value_pushed_as_the_queue_closes_is_received_or_handed_back() {
    loom::model(|| {
        let queue = Arc::new(Queue::new());
        queue.push((0, 0)).unwrap();
        let pusher = {
            let queue = queue.clone();
            thread::spawn(move || queue.push((1, 0)).is_ok())
        };
        let closer = {
            let queue = queue.clone();
            thread::spawn(move || queue.close())
        };
        let pushed = pusher.join().unwrap();
        assert!(closer.join().unwrap());
        let mut got = Vec::new();
        loop {
            // SAFETY: the main thread is the only receiver.
            match unsafe { queue.pop() } {
                Pop::Value(v) => got.push(v),
                Pop::Closed => break,
                // Both threads are joined: nothing is in flight.
                Pop::Empty | Pop::Busy => panic!("a closed, quiet queue must say closed"),
            }
        }
        let expected: &[(u8, u8)] = if pushed { &[(0, 0), (1, 0)] } else { &[(0, 0)] };
        assert_eq!(got, expected);
    });
}

#[test]
fn a_sleeping_receiver_is_woken_by_a_send() {
    loom::model(|| {
        let (tx, mut rx) = unbounded_channel::<u8>();
        let sender = thread::spawn(move || tx.send(7).unwrap());
        // Deadlocks (reported by loom) if the wake is lost.
        let got = loom::future::block_on(rx.recv());
        assert_eq!(got, Some(7));
        sender.join().unwrap();
    });
}

#[test]
fn the_last_sender_going_ends_recv_after_its_values() {
    loom::model(|| {
        let (tx, mut rx) = unbounded_channel::<u8>();
        let tx2 = tx.clone();
        let first = thread::spawn(move || {
            tx.send(1).unwrap();
        });
        let second = thread::spawn(move || drop(tx2));
        let mut got = Vec::new();
        while let Some(v) = loom::future::block_on(rx.recv()) {
            got.push(v);
        }
        assert_eq!(got, [1]);
        first.join().unwrap();
        second.join().unwrap();
    });
}

#[test]
fn two_senders_racing_to_wake_the_receiver_lose_no_value() {
    // Three threads: two preemptions already reach every interleaving of
    // the two wakes with the receiver's sleep (three take minutes).
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(2);
    model.check(|| {
        let (tx, mut rx) = unbounded_channel::<u8>();
        let senders: Vec<_> = (0..2u8)
            .map(|v| {
                let tx = tx.clone();
                thread::spawn(move || tx.send(v).unwrap())
            })
            .collect();
        drop(tx);
        let mut got = Vec::new();
        while let Some(v) = loom::future::block_on(rx.recv()) {
            got.push(v);
        }
        got.sort();
        assert_eq!(got, [0, 1]);
        for sender in senders {
            sender.join().unwrap();
        }
    });
}

#[test]
fn a_receiver_polled_again_by_another_task_is_still_woken() {
    use std::future::Future;
    use std::task::{Context, Poll};

    loom::model(|| {
        let (tx, mut rx) = unbounded_channel::<u8>();
        let sender = thread::spawn(move || tx.send(3).unwrap());
        // First sleep under one task's waker...
        let (_count, first) = super::counting();
        let mut cx = Context::from_waker(&first);
        let early = std::pin::pin!(rx.recv()).poll(&mut cx);
        // ...then wait under another's: the wake must reach this one.
        let got = match early {
            Poll::Ready(v) => v,
            Poll::Pending => loom::future::block_on(rx.recv()),
        };
        assert_eq!(got, Some(3));
        sender.join().unwrap();
    });
}

#[test]
fn a_permit_used_after_close_still_delivers() {
    loom::model(|| {
        let (tx, mut rx) = crate::sync::mpsc::channel::<u8>(1);
        let permit = tx.clone().try_reserve_owned().unwrap();
        let sender = thread::spawn(move || drop(permit.send(9)));
        rx.close();
        assert_eq!(loom::future::block_on(rx.recv()), Some(9));
        assert_eq!(loom::future::block_on(rx.recv()), None);
        sender.join().unwrap();
        drop(tx);
    });
}

/// Polls `future` once, with a waker that does nothing: enough to queue a
/// reserve behind the semaphore's waiters.
fn poll_once<F: std::future::Future + Unpin>(future: &mut F) -> std::task::Poll<F::Output> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    std::pin::Pin::new(future).poll(&mut cx)
}

#[test]
fn a_permit_dropped_on_another_thread_ends_a_closed_channels_recv() {
    loom::model(|| {
        let (tx, mut rx) = crate::sync::mpsc::channel::<u8>(1);
        let permit = tx.clone().try_reserve_owned().unwrap();
        rx.close();
        let holder = thread::spawn(move || drop(permit));
        // Deadlocks (reported by loom) if the last room's return does not
        // wake the receiver. `tx` lives on, so that no last sender's drop
        // wakes it instead.
        assert_eq!(loom::future::block_on(rx.recv()), None);
        holder.join().unwrap();
        drop(tx);
    });
}

#[test]
fn a_cancelled_reserve_handed_the_last_room_ends_a_closed_channels_recv() {
    loom::model(|| {
        let (tx, mut rx) = crate::sync::mpsc::channel::<u8>(1);
        let permit = tx.clone().try_reserve_owned().unwrap();
        let mut reserve = Box::pin(tx.clone().reserve_owned());
        assert!(
            poll_once(&mut reserve).is_pending(),
            "queued behind the permit"
        );
        // The room goes to the queued reserve, which is dropped before it
        // collects it, on another thread, while the receiver waits for the
        // closed channel to end.
        drop(permit);
        rx.close();
        let canceller = thread::spawn(move || drop(reserve));
        assert_eq!(loom::future::block_on(rx.recv()), None);
        canceller.join().unwrap();
        drop(tx);
    });
}

#[test]
fn a_value_sent_as_the_receiver_drops_is_dropped_once() {
    loom::model(|| {
        let value = std::sync::Arc::new(());
        let (tx, rx) = unbounded_channel::<std::sync::Arc<()>>();
        let sender = {
            let value = value.clone();
            thread::spawn(move || {
                // Queued (then dropped by the receiver or with the channel)
                // or handed back (and dropped here).
                drop(tx.send(value));
            })
        };
        drop(rx);
        sender.join().unwrap();
        assert_eq!(std::sync::Arc::strong_count(&value), 1);
    });
}
