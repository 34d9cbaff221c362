//! loom models of `SetOnce`: the value published by a Release flag, and the
//! waiters told after it.

use crate::sync::SetOnce;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;

#[test]
fn wait_sees_a_set_from_another_thread() {
    loom::model(|| {
        let once = Arc::new(SetOnce::new());
        let t = {
            let once = once.clone();
            thread::spawn(move || once.set(1).unwrap())
        };
        assert_eq!(*block_on(once.wait()), 1);
        t.join().unwrap();
    });
}

#[test]
fn of_two_sets_one_wins_and_the_loser_sees_its_value() {
    loom::model(|| {
        let once = Arc::new(SetOnce::new());
        let t = {
            let once = once.clone();
            thread::spawn(move || match once.set(1) {
                Ok(()) => true,
                Err(_) => {
                    assert!(once.get().is_some());
                    false
                }
            })
        };
        let here = match once.set(2) {
            Ok(()) => true,
            Err(_) => {
                assert!(once.get().is_some());
                false
            }
        };
        let there = t.join().unwrap();
        assert!(here != there, "exactly one set wins");
        assert_eq!(*once.get().unwrap(), if here { 2 } else { 1 });
    });
}
