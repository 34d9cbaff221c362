//! The poll marks the stall watchdog and dumps read: a sample that sees a task sees the
//! number of that task's poll or a later one, never an older one, so a
//! poll that has ended is never taken for a stuck one.

use loom::sync::Arc;
use loom::thread;
use zokio_core::task::Id;

use crate::poll_mark::PollMark;

#[test]
fn a_sampled_task_comes_with_its_own_poll_number_or_a_newer_one() {
    loom::model(|| {
        let mark = Arc::new(PollMark::default());
        let (a, b) = (Id::from_u64(7).unwrap(), Id::from_u64(9).unwrap());
        let worker = {
            let mark = mark.clone();
            thread::spawn(move || {
                mark.enter(1, a);
                mark.leave();
                mark.enter(2, b);
                mark.leave();
            })
        };
        let (poll, task) = mark.sample();
        match task {
            0 => {}
            7 => assert!(poll >= 1, "task 7 with poll {poll}"),
            9 => assert_eq!(poll, 2, "task 9 with poll {poll}"),
            other => panic!("a task never marked: {other}"),
        }
        worker.join().unwrap();
    });
}
