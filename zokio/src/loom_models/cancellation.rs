//! loom models of `CancellationToken`: the cancelled flag, stored before the
//! node's `Notify` is told and read after a waiter exists, never loses a
//! wakeup; and the tree's lock keeps every descendant in reach of a cancel.

use std::future::Future;
use std::task::Context;

use super::counting;
use crate::sync::CancellationToken;
use loom::future::block_on;
use loom::thread;

#[test]
fn cancel_racing_a_wait_is_not_lost() {
    loom::model(|| {
        let token = CancellationToken::new();
        let t = {
            let token = token.clone();
            thread::spawn(move || token.cancel())
        };
        block_on(token.cancelled());
        t.join().unwrap();
    });
}

/// A repeat poll by the registered task answers from the flag alone: a
/// cancel racing it is either seen there or wakes that task.
#[test]
fn a_repeat_poll_racing_a_cancel_is_not_lost() {
    loom::model(|| {
        let token = CancellationToken::new();
        let (count, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        let mut cancelled = Box::pin(token.cancelled());
        let first = cancelled.as_mut().poll(&mut cx).is_ready();
        let t = {
            let token = token.clone();
            thread::spawn(move || token.cancel())
        };
        let second = first || cancelled.as_mut().poll(&mut cx).is_ready();
        t.join().unwrap();
        assert!(
            second || count.get() == 1,
            "pending, and the registered task was not woken"
        );
        assert!(cancelled.as_mut().poll(&mut cx).is_ready());
    });
}

#[test]
fn a_child_made_during_a_cancel_of_its_parent_is_cancelled() {
    loom::model(|| {
        let parent = CancellationToken::new();
        let t = {
            let parent = parent.clone();
            thread::spawn(move || {
                let child = parent.child_token();
                block_on(child.cancelled_owned());
            })
        };
        parent.cancel();
        t.join().unwrap();
    });
}

#[test]
fn a_grandchild_is_cancelled_while_its_parent_token_is_dropped() {
    loom::model(|| {
        let root = CancellationToken::new();
        let child = root.child_token();
        let grandchild = child.child_token();
        let t = thread::spawn(move || drop(child));
        root.cancel();
        t.join().unwrap();
        assert!(grandchild.is_cancelled());
    });
}
