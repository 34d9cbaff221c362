//! The inbox handshake: a task handed to a worker as it goes to sleep is run
//! (the sender unparks it, or it sees the task first), and an idle worker
//! may take it instead.

use loom::sync::Arc;
use loom::thread;
use zokio_core::{Driver, ThreadParker, Unpark};

use crate::inbox::Inbox;

/// The owner's side, as a worker parks: announce sleep, look, then sleep
/// until a task arrives.
fn owner(inbox: &Inbox<u32>, parker: &mut ThreadParker) -> u32 {
    inbox.sleep();
    loop {
        if let Some(task) = inbox.pop() {
            inbox.wake();
            return task;
        }
        // Deadlocks (and loom reports it) if the hand-off was lost.
        parker.park(None);
    }
}

#[test]
fn a_task_handed_over_as_the_owner_falls_asleep_is_run() {
    loom::model(|| {
        let inbox = Arc::new(Inbox::new());
        let mut parker = ThreadParker::new();
        let unparker = parker.unparker();
        let sender = {
            let inbox = inbox.clone();
            thread::spawn(move || {
                if inbox.push(7) {
                    unparker.unpark();
                }
            })
        };
        assert_eq!(owner(&inbox, &mut parker), 7);
        sender.join().unwrap();
    });
}

#[test]
fn each_handed_task_is_taken_once_by_the_owner_or_a_thief() {
    loom::model(|| {
        let inbox = Arc::new(Inbox::new());
        assert!(!inbox.push(1));
        assert!(!inbox.push(2));
        let thief = {
            let inbox = inbox.clone();
            thread::spawn(move || inbox.pop())
        };
        let mine = inbox.pop();
        let stolen = thief.join().unwrap();
        let rest = inbox.pop();
        let mut all: Vec<u32> = [mine, stolen, rest].into_iter().flatten().collect();
        all.sort_unstable();
        assert_eq!(all, vec![1, 2]);
        assert!(inbox.is_empty());
    });
}
