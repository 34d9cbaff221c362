//! loom models of `Notify`: the `notify_waiters` count read without the lock,
//! and the waiter queue, never lose a notification, whatever the
//! interleaving.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc as StdArc;
use std::task::Context;

use super::counting;
use crate::sync::Notify;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;

#[test]
fn notify_one_racing_the_first_poll_is_not_lost() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let t = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_one())
        };
        // Deadlocks (and loom says so) if the notification can be lost.
        block_on(notify.notified());
        t.join().unwrap();
    });
}

#[test]
fn notify_waiters_reaches_a_notified_created_before_it() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let notified = notify.notified();
        let t = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_waiters())
        };
        block_on(notified);
        t.join().unwrap();
    });
}

#[test]
fn a_picked_waiter_dropped_concurrently_passes_the_notification_on() {
    loom::model(|| {
        // std's Arc: `notified_owned` takes one.
        let notify = StdArc::new(Notify::new());
        // Queued before the race. (A waiter that took the permit at its first
        // poll has consumed it, as in tokio: it passes nothing on.)
        let mut first = Box::pin(notify.clone().notified_owned());
        assert!(!first.as_mut().enable());
        let t = thread::spawn(move || drop(first));
        let notifier = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_one())
        };
        // Whether `first` was picked and then dropped, or gone before the
        // notify, the notification ends with this waiter or the permit.
        block_on(notify.notified());
        t.join().unwrap();
        notifier.join().unwrap();
    });
}

#[test]
fn a_waker_swapped_during_a_notify_one_is_the_one_woken() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let (_, first) = counting();
        let (second_count, second) = counting();
        let mut notified = Box::pin(notify.notified());
        assert!(
            notified
                .as_mut()
                .poll(&mut Context::from_waker(&first))
                .is_pending()
        );
        let t = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_one())
        };
        let ready = Pin::new(&mut notified)
            .poll(&mut Context::from_waker(&second))
            .is_ready();
        t.join().unwrap();
        assert!(
            ready || second_count.get() == 1,
            "the task now polling was neither told nor woken"
        );
    });
}

#[test]
fn a_waiter_completed_by_notify_waiters_leaves_a_later_permit_alone() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let first = notify.notified();
        let t = {
            let notify = notify.clone();
            thread::spawn(move || {
                notify.notify_waiters();
                notify.notify_one();
            })
        };
        // `first` exists before the notify_waiters, so that completes it:
        // queued or not, it never takes the notify_one meant for the next.
        block_on(first);
        block_on(notify.notified());
        t.join().unwrap();
    });
}
