//! Zokio's own reliability tests of `zokio::sync::mpsc`, beyond Tokio's:
//! a million values from 16 producer threads, the end of a channel whose
//! senders all go, values dropped exactly once when the receiver goes
//! (also while senders are sending), what a full or closed channel does,
//! and the blocking calls refusing to run on a runtime worker.
//!
//! Every wait has a deadline, so a lost wake fails the test instead of
//! hanging it.
#![cfg(not(loom))]

use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use zokio::sync::mpsc::error::{SendError, SendTimeoutError, TryRecvError, TrySendError};
use zokio::sync::mpsc::{self, Receiver, UnboundedReceiver};

/// The most any one wait in this file may take before the test fails.
const WAIT_LIMIT: Duration = Duration::from_secs(60);

/// Runs `future` to its end, failing the test if that takes [`WAIT_LIMIT`].
async fn within_limit<F: Future>(what: &str, future: F) -> F::Output {
    match zokio::time::timeout(WAIT_LIMIT, future).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: gave up after {WAIT_LIMIT:?}"),
    }
}

/// Runs `future` as a task of its own and waits for its output, failing the
/// test after [`WAIT_LIMIT`]. In its own task the future is polled only when
/// its own waker fires: the deadline's timer, waking the test's task, does
/// not re-poll it, so a lost wake cannot go unseen.
async fn in_own_task<F>(what: &str, future: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match within_limit(what, zokio::spawn(future)).await {
        Ok(output) => output,
        Err(err) => panic::resume_unwind(err.into_panic()),
    }
}

/// Joins `thread`, failing the test if it is not done within [`WAIT_LIMIT`]
/// (a join that hangs would hang the test).
fn join_within_limit<T>(what: &str, thread: thread::JoinHandle<T>) -> T {
    let start = Instant::now();
    while !thread.is_finished() {
        assert!(
            start.elapsed() < WAIT_LIMIT,
            "{what}: the thread did not finish within {WAIT_LIMIT:?}"
        );
        thread::sleep(Duration::from_millis(1));
    }
    thread.join().unwrap()
}

/// Either kind of receiver, for the tests that run on both.
trait AnyReceiver<T>: Send + 'static {
    fn recv_value(&mut self) -> impl Future<Output = Option<T>> + Send;
    fn try_recv_value(&mut self) -> Result<T, TryRecvError>;
    fn queued(&self) -> usize;
}

impl<T: Send + 'static> AnyReceiver<T> for Receiver<T> {
    async fn recv_value(&mut self) -> Option<T> {
        self.recv().await
    }
    fn try_recv_value(&mut self) -> Result<T, TryRecvError> {
        self.try_recv()
    }
    fn queued(&self) -> usize {
        self.len()
    }
}

impl<T: Send + 'static> AnyReceiver<T> for UnboundedReceiver<T> {
    async fn recv_value(&mut self) -> Option<T> {
        self.recv().await
    }
    fn try_recv_value(&mut self) -> Result<T, TryRecvError> {
        self.try_recv()
    }
    fn queued(&self) -> usize {
        self.len()
    }
}

/// A sender of either kind, to send from a plain thread (the bounded one
/// with `blocking_send`); the value comes back if the channel is closed.
type SendFn<T> = Box<dyn Fn(T) -> Result<(), T> + Send>;

fn bounded<T: Send + 'static>(buffer: usize, senders: usize) -> (Vec<SendFn<T>>, Receiver<T>) {
    let (tx, rx) = mpsc::channel(buffer);
    let senders = (0..senders)
        .map(|_| {
            let tx = tx.clone();
            Box::new(move |v| tx.blocking_send(v).map_err(|SendError(v)| v)) as SendFn<T>
        })
        .collect();
    (senders, rx)
}

fn unbounded<T: Send + 'static>(senders: usize) -> (Vec<SendFn<T>>, UnboundedReceiver<T>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let senders = (0..senders)
        .map(|_| {
            let tx = tx.clone();
            Box::new(move |v| tx.send(v).map_err(|SendError(v)| v)) as SendFn<T>
        })
        .collect();
    (senders, rx)
}

// ---- a million values from 16 producers ----

const PRODUCERS: usize = 16;
const PER_PRODUCER: u64 = 1_000_000 / PRODUCERS as u64;

/// Sends a million values from 16 threads (`PER_PRODUCER` each, in order)
/// and receives them: all arrive, each producer's in its order, never more
/// than `bound` queued, then `None`.
async fn a_million_values(
    (senders, mut rx): (Vec<SendFn<(usize, u64)>>, impl AnyReceiver<(usize, u64)>),
    bound: usize,
) {
    let producers: Vec<_> = senders
        .into_iter()
        .enumerate()
        .map(|(producer, send)| {
            thread::spawn(move || {
                for seq in 0..PER_PRODUCER {
                    send((producer, seq)).expect("the receiver is there");
                }
            })
        })
        .collect();
    let (next, received) = in_own_task("receiving a million values", async move {
        let mut next = [0u64; PRODUCERS];
        let mut received = 0u64;
        while let Some((producer, seq)) = rx.recv_value().await {
            assert_eq!(
                seq, next[producer],
                "producer {producer}'s values out of order, or one lost"
            );
            next[producer] += 1;
            received += 1;
            let queued = rx.queued();
            assert!(queued <= bound, "{queued} values queued, at most {bound}");
        }
        (next, received)
    })
    .await;
    assert_eq!(
        next, [PER_PRODUCER; PRODUCERS],
        "every value of every producer"
    );
    assert_eq!(received, 1_000_000);
    for producer in producers {
        join_within_limit("a producer", producer);
    }
}

#[zokio::test]
async fn a_million_values_from_16_threads_through_a_bounded_channel() {
    a_million_values(bounded(128, PRODUCERS), 128).await;
}

#[zokio::test]
async fn a_million_values_from_16_threads_through_an_unbounded_channel() {
    a_million_values(unbounded(PRODUCERS), usize::MAX).await;
}

// ---- the last sender going ends `recv` after the queued values ----

/// Values queued first, every sender gone second: `recv` gives them all,
/// then `None`. (Outside a runtime: the bounded senders block.)
fn queued_then_senders_gone((senders, mut rx): (Vec<SendFn<usize>>, impl AnyReceiver<usize>)) {
    for (i, send) in senders.iter().enumerate() {
        send(i).unwrap();
    }
    let sent = senders.len();
    drop(senders);
    zokio::block_on(within_limit("receiving until None", async {
        for i in 0..sent {
            assert_eq!(rx.recv_value().await, Some(i));
        }
        assert_eq!(rx.recv_value().await, None);
    }));
    assert_eq!(rx.try_recv_value(), Err(TryRecvError::Disconnected));
}

/// Rounds of: the senders each send `each` values from their own thread and
/// go, while the receiver takes them (sleeping when it runs dry); `recv`
/// gives every value once, then `None`.
async fn every_value_then_none<R: AnyReceiver<usize>>(
    rounds: usize,
    each: usize,
    mut channel: impl FnMut() -> (Vec<SendFn<usize>>, R),
) {
    for round in 0..rounds {
        let (senders, mut rx) = channel();
        let total = senders.len() * each;
        let start = Arc::new(Barrier::new(senders.len()));
        let threads: Vec<_> = senders
            .into_iter()
            .enumerate()
            .map(|(s, send)| {
                let start = start.clone();
                thread::spawn(move || {
                    start.wait();
                    for i in 0..each {
                        send(s * each + i).expect("the receiver is there");
                    }
                    // The sender goes with the closure, now.
                })
            })
            .collect();
        let (got, mut rx) = in_own_task("receiving until None", async move {
            let mut seen = vec![false; total];
            let mut got = 0;
            while let Some(v) = rx.recv_value().await {
                assert!(!seen[v], "value {v} received twice");
                seen[v] = true;
                got += 1;
            }
            (got, rx)
        })
        .await;
        assert_eq!(got, total, "round {round}: values lost before None");
        assert_eq!(rx.try_recv_value(), Err(TryRecvError::Disconnected));
        assert_eq!(rx.recv_value().await, None, "None stays None");
        for thread in threads {
            join_within_limit("a sender", thread);
        }
    }
}

#[test]
fn dropping_every_sender_ends_recv_after_the_queued_values_bounded() {
    queued_then_senders_gone(bounded(64, 4));
    zokio::run(every_value_then_none(200, 50, || bounded(8, 4)));
}

#[test]
fn dropping_every_sender_ends_recv_after_the_queued_values_unbounded() {
    queued_then_senders_gone(unbounded(4));
    zokio::run(every_value_then_none(200, 50, || unbounded(4)));
}

// ---- the receiver going drops each queued value once ----

/// Which values were made and dropped; a value dropped twice panics.
struct Ledger {
    made: AtomicUsize,
    dropped: Vec<AtomicBool>,
}

impl Ledger {
    fn new(most: usize) -> Arc<Ledger> {
        Arc::new(Ledger {
            made: AtomicUsize::new(0),
            dropped: (0..most).map(|_| AtomicBool::new(false)).collect(),
        })
    }

    fn make(self: &Arc<Self>) -> Counted {
        let id = self.made.fetch_add(1, Ordering::Relaxed);
        assert!(id < self.dropped.len(), "the ledger is sized for {id}");
        Counted {
            id,
            ledger: self.clone(),
        }
    }

    fn dropped(&self) -> usize {
        self.dropped
            .iter()
            .filter(|d| d.load(Ordering::SeqCst))
            .count()
    }

    /// Every value made was dropped (each once: a second drop panics).
    fn assert_all_dropped(&self, what: &str) {
        let made = self.made.load(Ordering::SeqCst);
        assert_eq!(self.dropped(), made, "{what}: values made but not dropped");
    }
}

struct Counted {
    id: usize,
    ledger: Arc<Ledger>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        let twice = self.ledger.dropped[self.id].swap(true, Ordering::SeqCst);
        assert!(!twice, "value {} dropped twice", self.id);
    }
}

#[test]
fn dropping_the_receiver_drops_each_queued_value_once() {
    // More than one block's worth, some already received.
    let ledger = Ledger::new(1000);
    let (tx, mut rx) = mpsc::channel(1000);
    for _ in 0..1000 {
        tx.try_send(ledger.make()).unwrap();
    }
    for _ in 0..10 {
        drop(rx.try_recv().unwrap());
    }
    drop(rx);
    // At once, while a sender still holds the channel.
    ledger.assert_all_dropped("bounded, receiver dropped");
    drop(tx);

    let ledger = Ledger::new(1001);
    let (tx, mut rx) = mpsc::unbounded_channel();
    for _ in 0..1000 {
        tx.send(ledger.make()).unwrap();
    }
    for _ in 0..10 {
        drop(rx.try_recv().unwrap());
    }
    drop(rx);
    ledger.assert_all_dropped("unbounded, receiver dropped");
    let err = tx.send(ledger.make()).unwrap_err();
    drop(err);
    ledger.assert_all_dropped("unbounded, a send after the receiver went");
}

const SENDING_THREADS: usize = 8;
const MOST_PER_THREAD: usize = 20_000;

/// Rounds of: threads send until the channel refuses (or they made
/// `MOST_PER_THREAD`), while the receiver takes a few values and is dropped.
/// Once every sender is gone too, each value made was dropped exactly once:
/// received, refused, or still queued.
fn receiver_dropped_while_senders_send<R: AnyReceiver<Counted>>(
    rounds: usize,
    mut channel: impl FnMut() -> (Vec<SendFn<Counted>>, R),
) {
    for round in 0..rounds {
        let ledger = Ledger::new(SENDING_THREADS * MOST_PER_THREAD);
        let (senders, mut rx) = channel();
        let threads: Vec<_> = senders
            .into_iter()
            .map(|send| {
                let ledger = ledger.clone();
                thread::spawn(move || {
                    for _ in 0..MOST_PER_THREAD {
                        if send(ledger.make()).is_err() {
                            return;
                        }
                    }
                })
            })
            .collect();
        zokio::block_on(within_limit("receiving a few", async {
            for _ in 0..(round % 7) * 20 {
                assert!(rx.recv_value().await.is_some());
            }
        }));
        drop(rx); // racing the sends
        for thread in threads {
            join_within_limit("a sending thread", thread);
        }
        ledger.assert_all_dropped(&format!("round {round}"));
    }
}

#[test]
fn dropping_the_receiver_while_threads_send_drops_each_value_once_bounded() {
    receiver_dropped_while_senders_send(30, || bounded(16, SENDING_THREADS));
}

#[test]
fn dropping_the_receiver_while_threads_send_drops_each_value_once_unbounded() {
    receiver_dropped_while_senders_send(30, || unbounded(SENDING_THREADS));
}

// ---- full and closed channels ----

#[test]
fn try_send_on_a_full_channel_is_full_at_once() {
    let (tx, mut rx) = mpsc::channel::<usize>(4);
    for i in 0..4 {
        tx.try_send(i).unwrap();
    }
    // On a thread of its own: if `try_send` waited for room, which nobody
    // makes, the join below would fail at its deadline.
    let tx = Arc::new(tx);
    let trying = {
        let tx = tx.clone();
        thread::spawn(move || {
            for i in 0..10_000 {
                assert_eq!(tx.try_send(100 + i), Err(TrySendError::Full(100 + i)));
            }
        })
    };
    join_within_limit("try_send on a full channel", trying);

    // Room freed while a sender waits goes to that sender, so `try_send`
    // still finds the channel full.
    let mut waiting = tokio_test::task::spawn(tx.send(4));
    tokio_test::assert_pending!(waiting.poll());
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(waiting.is_woken());
    assert_eq!(tx.try_send(5), Err(TrySendError::Full(5)));
    tokio_test::assert_ready_ok!(waiting.poll());
    for i in 1..5 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[zokio::test]
async fn sending_on_a_closed_channel_gives_the_value_back() {
    let value = || String::from("kept");

    // Closed by the receiver: every way to send hands the value back.
    let (tx, mut rx) = mpsc::channel::<String>(2);
    rx.close();
    assert_eq!(tx.send(value()).await, Err(SendError(value())));
    assert_eq!(tx.try_send(value()), Err(TrySendError::Closed(value())));
    assert_eq!(
        tx.send_timeout(value(), Duration::from_secs(1)).await,
        Err(SendTimeoutError::Closed(value()))
    );
    let blocking = thread::spawn(move || tx.blocking_send(value()));
    assert_eq!(
        join_within_limit("blocking_send", blocking),
        Err(SendError(value()))
    );

    // Receiver gone, also while a send waits for room.
    let (tx, rx) = mpsc::channel::<String>(1);
    tx.send(String::from("queued")).await.unwrap();
    let mut waiting = tokio_test::task::spawn(tx.send(value()));
    tokio_test::assert_pending!(waiting.poll());
    drop(rx);
    assert!(waiting.is_woken());
    assert_eq!(
        tokio_test::assert_ready!(waiting.poll()),
        Err(SendError(value()))
    );
    assert_eq!(tx.try_send(value()), Err(TrySendError::Closed(value())));

    let (tx, rx) = mpsc::unbounded_channel::<String>();
    drop(rx);
    assert_eq!(tx.send(value()), Err(SendError(value())));
}

#[zokio::test]
async fn after_close_queued_values_are_received_and_reserved_permits_still_send() {
    let (tx, mut rx) = mpsc::channel::<u32>(8);
    tx.send(1).await.unwrap();
    tx.send(2).await.unwrap();
    let permit = tx.reserve().await.unwrap();
    let mut many = tx.reserve_many(2).await.unwrap();
    let owned = tx.clone().reserve_owned().await.unwrap();

    rx.close();
    assert!(tx.is_closed());
    assert_eq!(tx.try_send(9), Err(TrySendError::Closed(9)));
    assert!(tx.reserve().await.is_err());

    // What was queued before the close comes first, then what the permits
    // send after it.
    assert_eq!(rx.recv().await, Some(1));
    permit.send(3);
    many.next().unwrap().send(4);
    let _sender = owned.send(5);
    assert_eq!(rx.recv().await, Some(2));
    assert_eq!(rx.recv().await, Some(3));
    assert_eq!(rx.recv().await, Some(4));
    assert_eq!(rx.recv().await, Some(5));

    // One permit of `many` is still out: the channel has not ended.
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    many.next().unwrap().send(6);
    assert_eq!(rx.recv().await, Some(6));
    assert_eq!(rx.recv().await, None, "closed, and no permit out");

    // The unbounded channel: queued values still come after the close.
    let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
    tx.send(1).unwrap();
    rx.close();
    assert_eq!(tx.send(2), Err(SendError(2)));
    assert_eq!(rx.recv().await, Some(1));
    assert_eq!(rx.recv().await, None);
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recv_of_a_closed_channel_ends_once_the_outstanding_permits_drop() {
    for round in 0..100 {
        let (tx, mut rx) = mpsc::channel::<u32>(4);
        let (permits_out, permits_in) = std::sync::mpsc::channel();
        // The permits live on a thread of their own and are dropped (or one
        // used) there while the receiver sleeps in `recv`.
        let holder = thread::spawn(move || {
            zokio::block_on(async {
                let a = tx.reserve().await.unwrap();
                let b = tx.reserve_many(2).await.unwrap();
                permits_out.send(()).unwrap();
                thread::sleep(Duration::from_micros(50 * (round % 4)));
                if round % 2 == 0 {
                    a.send(7);
                } else {
                    drop(a);
                }
                drop(b);
            });
            // `tx` is still alive here: only the permits can end the channel.
            tx
        });
        permits_in.recv().unwrap();
        rx.close();
        let got = in_own_task("recv after close with permits out", async move {
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                got.push(v);
            }
            got
        })
        .await;
        let expected: &[u32] = if round % 2 == 0 { &[7] } else { &[] };
        assert_eq!(got, expected, "round {round}");
        drop(join_within_limit("the permit holder", holder));
    }
}

// ---- blocking calls on a runtime worker ----

/// Runs `f`, which must panic saying it was called on a runtime worker.
fn assert_refused_on_a_worker(what: &str, f: impl FnOnce()) {
    let panic = panic::catch_unwind(AssertUnwindSafe(f))
        .expect_err(&format!("{what} on a runtime worker must panic"));
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("");
    assert!(
        message.starts_with("Cannot block the current thread from within a runtime"),
        "{what}'s panic says why: {message:?}"
    );
}

#[zokio::test]
async fn blocking_send_and_recv_panic_on_a_current_thread_runtime() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    assert_refused_on_a_worker("blocking_send", || {
        let _ = tx.blocking_send(1);
    });
    assert_refused_on_a_worker("blocking_recv", || {
        let _ = rx.blocking_recv();
    });
    let mut buffer = Vec::new();
    assert_refused_on_a_worker("blocking_recv_many", || {
        let _ = rx.blocking_recv_many(&mut buffer, 1);
    });

    let (utx, mut urx) = mpsc::unbounded_channel::<u8>();
    assert_refused_on_a_worker("unbounded blocking_recv", || {
        let _ = urx.blocking_recv();
    });

    // Nothing was sent or lost: the channels still work.
    tx.send(2).await.unwrap();
    assert_eq!(rx.recv().await, Some(2));
    utx.send(3).unwrap();
    assert_eq!(urx.recv().await, Some(3));
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_send_and_recv_panic_on_a_multi_thread_worker_but_not_in_spawn_blocking() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let (tx, mut rx) = zokio::spawn(async move {
        assert_refused_on_a_worker("blocking_send", || {
            let _ = tx.blocking_send(1);
        });
        assert_refused_on_a_worker("blocking_recv", || {
            let _ = rx.blocking_recv();
        });
        (tx, rx)
    })
    .await
    .unwrap();

    // A blocking-pool thread is no worker: there they block, as in Tokio.
    let sent = zokio::task::spawn_blocking(move || tx.blocking_send(4));
    assert_eq!(within_limit("recv", rx.recv()).await, Some(4));
    within_limit("spawn_blocking", sent).await.unwrap().unwrap();
    let received = zokio::task::spawn_blocking(move || rx.blocking_recv());
    assert_eq!(
        within_limit("spawn_blocking", received).await.unwrap(),
        None
    );
}
