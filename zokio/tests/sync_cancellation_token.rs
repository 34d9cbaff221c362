//! A port of tokio-util's tests/sync_cancellation_token.rs to
//! `zokio::sync::CancellationToken`: every test, with a counting waker of its
//! own for futures-test's `new_count_waker` and Zokio's oneshot channel for
//! tokio's. Tests added below the ported ones are Zokio's.
#![cfg(not(loom))]
#![warn(rust_2018_idioms)]

use zokio::pin;
use zokio::sync::oneshot;
use zokio::sync::{CancellationToken, WaitForCancellationFuture};

use core::future::Future;
use core::hash::Hash;
use core::task::{Context, Poll};
use std::hash::{DefaultHasher, Hasher};

/// futures-test's `new_count_waker`: a waker, and how many times it was woken.
fn new_count_waker() -> (std::task::Waker, WakeCount) {
    let count = WakeCount(std::sync::Arc::new(Counter(Default::default())));
    (std::task::Waker::from(count.0.clone()), count)
}

struct Counter(std::sync::atomic::AtomicUsize);

impl std::task::Wake for Counter {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

struct WakeCount(std::sync::Arc<Counter>);

impl WakeCount {
    fn get(&self) -> usize {
        self.0.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl PartialEq<usize> for WakeCount {
    fn eq(&self, other: &usize) -> bool {
        self.get() == *other
    }
}

impl std::fmt::Debug for WakeCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.get())
    }
}

#[test]
fn cancel_token() {
    let (waker, wake_counter) = new_count_waker();
    let token = CancellationToken::new();
    assert!(!token.is_cancelled());

    let wait_fut = token.cancelled();
    pin!(wait_fut);

    assert_eq!(
        Poll::Pending,
        wait_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(wake_counter, 0);

    let wait_fut_2 = token.cancelled();
    pin!(wait_fut_2);

    token.cancel();
    assert_eq!(wake_counter, 1);
    assert!(token.is_cancelled());

    assert_eq!(
        Poll::Ready(()),
        wait_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Ready(()),
        wait_fut_2.as_mut().poll(&mut Context::from_waker(&waker))
    );
}

#[test]
fn cancel_token_owned() {
    let (waker, wake_counter) = new_count_waker();
    let token = CancellationToken::new();
    assert!(!token.is_cancelled());

    let wait_fut = token.clone().cancelled_owned();
    pin!(wait_fut);

    assert_eq!(
        Poll::Pending,
        wait_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(wake_counter, 0);

    let wait_fut_2 = token.clone().cancelled_owned();
    pin!(wait_fut_2);

    token.cancel();
    assert_eq!(wake_counter, 1);
    assert!(token.is_cancelled());

    assert_eq!(
        Poll::Ready(()),
        wait_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Ready(()),
        wait_fut_2.as_mut().poll(&mut Context::from_waker(&waker))
    );
}

#[test]
fn cancel_token_owned_drop_test() {
    let (waker, wake_counter) = new_count_waker();
    let token = CancellationToken::new();

    let future = token.cancelled_owned();
    pin!(future);

    assert_eq!(
        Poll::Pending,
        future.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(wake_counter, 0);

    // let future be dropped while pinned and under pending state to
    // find potential memory related bugs.
}

#[test]
fn cancel_child_token_through_parent() {
    let (waker, wake_counter) = new_count_waker();
    let token = CancellationToken::new();

    let child_token = token.child_token();
    assert!(!child_token.is_cancelled());

    let child_fut = child_token.cancelled();
    pin!(child_fut);
    let parent_fut = token.cancelled();
    pin!(parent_fut);

    assert_eq!(
        Poll::Pending,
        child_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Pending,
        parent_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(wake_counter, 0);

    token.cancel();
    assert_eq!(wake_counter, 2);
    assert!(token.is_cancelled());
    assert!(child_token.is_cancelled());

    assert_eq!(
        Poll::Ready(()),
        child_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Ready(()),
        parent_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
}

#[test]
fn cancel_grandchild_token_through_parent_if_child_was_dropped() {
    let (waker, wake_counter) = new_count_waker();
    let token = CancellationToken::new();

    let intermediate_token = token.child_token();
    let child_token = intermediate_token.child_token();
    drop(intermediate_token);
    assert!(!child_token.is_cancelled());

    let child_fut = child_token.cancelled();
    pin!(child_fut);
    let parent_fut = token.cancelled();
    pin!(parent_fut);

    assert_eq!(
        Poll::Pending,
        child_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Pending,
        parent_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(wake_counter, 0);

    token.cancel();
    assert_eq!(wake_counter, 2);
    assert!(token.is_cancelled());
    assert!(child_token.is_cancelled());

    assert_eq!(
        Poll::Ready(()),
        child_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Ready(()),
        parent_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
}

#[test]
fn cancel_child_token_without_parent() {
    let (waker, wake_counter) = new_count_waker();
    let token = CancellationToken::new();

    let child_token_1 = token.child_token();

    let child_fut = child_token_1.cancelled();
    pin!(child_fut);
    let parent_fut = token.cancelled();
    pin!(parent_fut);

    assert_eq!(
        Poll::Pending,
        child_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Pending,
        parent_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(wake_counter, 0);

    child_token_1.cancel();
    assert_eq!(wake_counter, 1);
    assert!(!token.is_cancelled());
    assert!(child_token_1.is_cancelled());

    assert_eq!(
        Poll::Ready(()),
        child_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Pending,
        parent_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );

    let child_token_2 = token.child_token();
    let child_fut_2 = child_token_2.cancelled();
    pin!(child_fut_2);

    assert_eq!(
        Poll::Pending,
        child_fut_2.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Pending,
        parent_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );

    token.cancel();
    assert_eq!(wake_counter, 3);
    assert!(token.is_cancelled());
    assert!(child_token_2.is_cancelled());

    assert_eq!(
        Poll::Ready(()),
        child_fut_2.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Ready(()),
        parent_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
}

#[test]
fn create_child_token_after_parent_was_cancelled() {
    for drop_child_first in [true, false].iter().cloned() {
        let (waker, wake_counter) = new_count_waker();
        let token = CancellationToken::new();
        token.cancel();

        let child_token = token.child_token();
        assert!(child_token.is_cancelled());

        {
            let child_fut = child_token.cancelled();
            pin!(child_fut);
            let parent_fut = token.cancelled();
            pin!(parent_fut);

            assert_eq!(
                Poll::Ready(()),
                child_fut.as_mut().poll(&mut Context::from_waker(&waker))
            );
            assert_eq!(
                Poll::Ready(()),
                parent_fut.as_mut().poll(&mut Context::from_waker(&waker))
            );
            assert_eq!(wake_counter, 0);
        }

        if drop_child_first {
            drop(child_token);
            drop(token);
        } else {
            drop(token);
            drop(child_token);
        }
    }
}

#[test]
fn drop_multiple_child_tokens() {
    for drop_first_child_first in &[true, false] {
        let token = CancellationToken::new();
        let mut child_tokens = [None, None, None];
        for child in &mut child_tokens {
            *child = Some(token.child_token());
        }

        assert!(!token.is_cancelled());
        assert!(!child_tokens[0].as_ref().unwrap().is_cancelled());

        for i in 0..child_tokens.len() {
            if *drop_first_child_first {
                child_tokens[i] = None;
            } else {
                child_tokens[child_tokens.len() - 1 - i] = None;
            }
            assert!(!token.is_cancelled());
        }

        drop(token);
    }
}

#[test]
fn cancel_only_all_descendants() {
    // ARRANGE
    let (waker, wake_counter) = new_count_waker();

    let parent_token = CancellationToken::new();
    let token = parent_token.child_token();
    let sibling_token = parent_token.child_token();
    let child1_token = token.child_token();
    let child2_token = token.child_token();
    let grandchild_token = child1_token.child_token();
    let grandchild2_token = child1_token.child_token();
    let great_grandchild_token = grandchild_token.child_token();

    assert!(!parent_token.is_cancelled());
    assert!(!token.is_cancelled());
    assert!(!sibling_token.is_cancelled());
    assert!(!child1_token.is_cancelled());
    assert!(!child2_token.is_cancelled());
    assert!(!grandchild_token.is_cancelled());
    assert!(!grandchild2_token.is_cancelled());
    assert!(!great_grandchild_token.is_cancelled());

    let parent_fut = parent_token.cancelled();
    let fut = token.cancelled();
    let sibling_fut = sibling_token.cancelled();
    let child1_fut = child1_token.cancelled();
    let child2_fut = child2_token.cancelled();
    let grandchild_fut = grandchild_token.cancelled();
    let grandchild2_fut = grandchild2_token.cancelled();
    let great_grandchild_fut = great_grandchild_token.cancelled();

    pin!(parent_fut);
    pin!(fut);
    pin!(sibling_fut);
    pin!(child1_fut);
    pin!(child2_fut);
    pin!(grandchild_fut);
    pin!(grandchild2_fut);
    pin!(great_grandchild_fut);

    assert_eq!(
        Poll::Pending,
        parent_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Pending,
        fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Pending,
        sibling_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Pending,
        child1_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Pending,
        child2_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Pending,
        grandchild_fut
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Pending,
        grandchild2_fut
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Pending,
        great_grandchild_fut
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(wake_counter, 0);

    // ACT
    token.cancel();

    // ASSERT
    assert_eq!(wake_counter, 6);
    assert!(!parent_token.is_cancelled());
    assert!(token.is_cancelled());
    assert!(!sibling_token.is_cancelled());
    assert!(child1_token.is_cancelled());
    assert!(child2_token.is_cancelled());
    assert!(grandchild_token.is_cancelled());
    assert!(grandchild2_token.is_cancelled());
    assert!(great_grandchild_token.is_cancelled());

    assert_eq!(
        Poll::Ready(()),
        fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Ready(()),
        child1_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Ready(()),
        child2_fut.as_mut().poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Ready(()),
        grandchild_fut
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Ready(()),
        grandchild2_fut
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(
        Poll::Ready(()),
        great_grandchild_fut
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
    );
    assert_eq!(wake_counter, 6);
}

#[test]
fn drop_parent_before_child_tokens() {
    let token = CancellationToken::new();
    let child1 = token.child_token();
    let child2 = token.child_token();

    drop(token);
    assert!(!child1.is_cancelled());

    drop(child1);
    drop(child2);
}

#[test]
fn derives_send_sync() {
    fn assert_send<T: Send>() {}
    fn assert_sync<T: Sync>() {}

    assert_send::<CancellationToken>();
    assert_sync::<CancellationToken>();

    assert_send::<WaitForCancellationFuture<'static>>();
    assert_sync::<WaitForCancellationFuture<'static>>();
}

#[test]
fn run_until_cancelled_test() {
    let (waker, _) = new_count_waker();

    {
        let token = CancellationToken::new();

        let fut = token.run_until_cancelled(std::future::pending::<()>());
        pin!(fut);

        assert_eq!(
            Poll::Pending,
            fut.as_mut().poll(&mut Context::from_waker(&waker))
        );

        token.cancel();

        assert_eq!(
            Poll::Ready(None),
            fut.as_mut().poll(&mut Context::from_waker(&waker))
        );
    }

    {
        let (tx, rx) = oneshot::channel::<()>();

        let token = CancellationToken::new();
        let fut = token.run_until_cancelled(async move {
            rx.await.unwrap();
            42
        });
        pin!(fut);

        assert_eq!(
            Poll::Pending,
            fut.as_mut().poll(&mut Context::from_waker(&waker))
        );

        tx.send(()).unwrap();

        assert_eq!(
            Poll::Ready(Some(42)),
            fut.as_mut().poll(&mut Context::from_waker(&waker))
        );
    }

    // Do not poll the future when token is already cancelled.
    {
        let token = CancellationToken::new();

        let fut = token.run_until_cancelled(async { panic!("fut polled after cancellation") });
        pin!(fut);

        token.cancel();

        assert_eq!(
            Poll::Ready(None),
            fut.as_mut().poll(&mut Context::from_waker(&waker))
        );
    }
}

#[test]
fn run_until_cancelled_owned_test() {
    let (waker, _) = new_count_waker();

    {
        let token = CancellationToken::new();
        let to_cancel = token.clone();

        let takes_ownership = move |token: CancellationToken| {
            token.run_until_cancelled_owned(std::future::pending::<()>())
        };

        let fut = takes_ownership(token);
        pin!(fut);

        assert_eq!(
            Poll::Pending,
            fut.as_mut().poll(&mut Context::from_waker(&waker))
        );

        to_cancel.cancel();

        assert_eq!(
            Poll::Ready(None),
            fut.as_mut().poll(&mut Context::from_waker(&waker))
        );
    }

    {
        let (tx, rx) = oneshot::channel::<()>();

        let token = CancellationToken::new();
        let takes_ownership = move |token: CancellationToken, rx: oneshot::Receiver<()>| {
            token.run_until_cancelled_owned(async move {
                rx.await.unwrap();
                42
            })
        };
        let fut = takes_ownership(token, rx);
        pin!(fut);

        assert_eq!(
            Poll::Pending,
            fut.as_mut().poll(&mut Context::from_waker(&waker))
        );

        tx.send(()).unwrap();

        assert_eq!(
            Poll::Ready(Some(42)),
            fut.as_mut().poll(&mut Context::from_waker(&waker))
        );
    }
}

#[test]
fn cloned_cancellation_tokens_are_considered_equal() {
    let token = CancellationToken::new();
    let token_clone = token.clone();

    assert_eq!(token, token_clone);
}

#[test]
fn child_cancellation_tokens_are_not_considered_equal() {
    let token = CancellationToken::new();
    let token_clone = token.child_token();

    assert_ne!(token, token_clone);
}

#[test]
fn independent_cancellation_tokens_are_not_considered_equal() {
    let token1 = CancellationToken::new();
    let token2 = CancellationToken::new();

    assert_ne!(token1, token2);
}

#[test]
fn cloned_cancellation_tokens_have_same_hash() {
    let token1 = CancellationToken::new();
    let token2 = token1.clone();

    let mut state1 = DefaultHasher::default();
    token1.hash(&mut state1);
    let mut state2 = DefaultHasher::default();
    token2.hash(&mut state2);
    assert_eq!(state1.finish(), state2.finish());
}

#[test]
fn different_cancellation_tokens_have_different_hash() {
    let token1 = CancellationToken::new();
    let token2 = CancellationToken::new();

    let mut state1 = DefaultHasher::default();
    token1.hash(&mut state1);
    let mut state2 = DefaultHasher::default();
    token2.hash(&mut state2);
    assert_ne!(state1.finish(), state2.finish());
}

// ---- Zokio's own tests ----

mod zokio_own {
    use std::future::Future;
    use std::sync::Arc;
    use std::sync::Mutex;
    use std::task::{Context, Wake, Waker};
    use std::time::Duration;

    use tokio_test::task::spawn;
    use tokio_test::{assert_pending, assert_ready};
    use zokio::sync::CancellationToken;

    const LIMIT: Duration = Duration::from_secs(10);

    #[test]
    fn a_future_created_before_cancel_and_polled_after_completes() {
        let token = CancellationToken::new();
        let mut cancelled = spawn(token.cancelled());
        token.cancel();
        assert_ready!(cancelled.poll());
        assert!(!cancelled.is_woken(), "never registered, so never woken");
    }

    #[test]
    fn dropping_a_waiting_future_leaves_the_others_waiting() {
        let token = CancellationToken::new();
        let mut a = spawn(token.cancelled());
        let mut b = spawn(token.cancelled());
        assert_pending!(a.poll());
        assert_pending!(b.poll());
        drop(a);
        token.cancel();
        assert!(b.is_woken());
        assert_ready!(b.poll());
    }

    #[test]
    fn drop_guards_cancel_unless_disarmed() {
        let token = CancellationToken::new();
        let child = token.child_token();
        drop(child.clone().drop_guard().disarm());
        assert!(!child.is_cancelled());
        {
            let guard = child.drop_guard_ref();
            assert_eq!(guard.token(), &child);
        }
        assert!(child.is_cancelled());
        assert!(!token.is_cancelled());
        let guard = token.clone().drop_guard();
        assert_eq!(guard.token(), &token);
        drop(guard);
        assert!(token.is_cancelled());
    }

    /// Wakes by cancelling another token of the same tree, and drops a token
    /// of it when it goes: both lock the tree, so a wake under its lock would
    /// deadlock.
    struct CancelsOnWake {
        other: Mutex<Option<CancellationToken>>,
        _held: CancellationToken,
    }

    impl Wake for CancelsOnWake {
        fn wake(self: Arc<Self>) {
            if let Some(other) = self.other.lock().unwrap().take() {
                other.cancel();
            }
        }
    }

    #[test]
    fn a_waker_may_cancel_and_drop_tokens_of_the_same_tree() {
        let root = CancellationToken::new();
        let a = root.child_token();
        let b = root.child_token();
        let waker = Waker::from(Arc::new(CancelsOnWake {
            other: Mutex::new(Some(b.clone())),
            _held: a.child_token(),
        }));
        let mut cancelled = Box::pin(a.cancelled());
        assert!(
            cancelled
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        drop(waker);
        a.cancel();
        assert!(b.is_cancelled(), "the waker ran and cancelled b");
        assert!(!root.is_cancelled());
    }

    #[test]
    fn a_child_of_a_cancelled_token_is_born_cancelled() {
        let token = CancellationToken::new();
        token.cancel();
        let child = token.child_token();
        assert!(child.is_cancelled());
        assert_ready!(spawn(child.cancelled()).poll());
        assert!(child.child_token().is_cancelled());
    }

    #[test]
    fn tokens_and_notify_are_unwind_safe_like_tokios() {
        fn assert_unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
        assert_unwind_safe::<CancellationToken>();
        assert_unwind_safe::<zokio::sync::Notify>();
    }

    #[test]
    fn debug_shows_whether_cancelled() {
        let token = CancellationToken::new();
        assert_eq!(
            format!("{token:?}"),
            "CancellationToken { is_cancelled: false }"
        );
        token.cancel();
        assert_eq!(
            format!("{token:?}"),
            "CancellationToken { is_cancelled: true }"
        );
    }

    #[zokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cancel_wakes_tasks_waiting_on_every_level() {
        let root = CancellationToken::new();
        let mut tasks = Vec::new();
        let mut level = root.clone();
        for _ in 0..8 {
            level = level.child_token();
            for _ in 0..4 {
                let token = level.clone();
                tasks.push(zokio::spawn(async move { token.cancelled().await }));
            }
            let owned = level.clone().cancelled_owned();
            tasks.push(zokio::spawn(owned));
        }
        zokio::time::sleep(Duration::from_millis(5)).await;
        root.cancel();
        for task in tasks {
            zokio::time::timeout(LIMIT, task)
                .await
                .expect("woken by the cancel")
                .unwrap();
        }
    }

    #[zokio::test]
    async fn run_until_cancelled_stops_a_sleep() {
        let token = CancellationToken::new();
        let sleeper = zokio::spawn({
            let token = token.clone();
            async move {
                token
                    .run_until_cancelled(zokio::time::sleep(Duration::from_secs(3600)))
                    .await
            }
        });
        zokio::time::sleep(Duration::from_millis(2)).await;
        token.cancel();
        let result = zokio::time::timeout(LIMIT, sleeper).await.unwrap().unwrap();
        assert_eq!(result, None);
    }

    #[test]
    fn children_made_and_dropped_on_many_threads_while_cancelling() {
        for _ in 0..20 {
            let root = CancellationToken::new();
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    let root = root.clone();
                    std::thread::spawn(move || {
                        let mut kept = Vec::new();
                        for i in 0..200 {
                            let child = root.child_token();
                            let grandchild = child.child_token();
                            if i % 3 == 0 {
                                kept.push(grandchild);
                            }
                        }
                        kept
                    })
                })
                .collect();
            root.cancel();
            for t in threads {
                for token in t.join().unwrap() {
                    assert!(token.is_cancelled(), "a descendant escaped the cancel");
                }
            }
        }
    }
}
