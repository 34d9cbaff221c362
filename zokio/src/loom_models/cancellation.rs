//! loom models of `CancellationToken`: the cancelled flag, stored before the
//! node's `Notify` is told and read after a waiter exists, never loses a
//! wakeup; and the tree's lock keeps every descendant in reach of a cancel.

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
