//! The task records behind dumps: a reader racing with a task's poll, its
//! end and the record's reuse by the next task sees the first task whole,
//! the second whole, or nothing, never one task's id with the other's
//! fields, nor a poll counted without its time; and the
//! shared free stack, chains pushed onto it and records popped or the whole
//! stack taken from several threads, hands each record to one task at a
//! time.

use std::panic::Location;

use loom::sync::Arc;
use loom::sync::atomic::Ordering;
use loom::thread;

use crate::dump::records::TaskRecords;

#[test]
fn a_reader_never_mixes_two_tasks_of_one_record() {
    loom::model(|| {
        let records = Arc::new(TaskRecords::new(0));
        let (first_at, second_at) = (Location::caller(), Location::caller());
        let index = records.take().index;
        records.record(index).publish(1, first_at, None);
        let worker = {
            let records = records.clone();
            thread::spawn(move || {
                records.record(index).begin_poll(7);
                records.give_back(records.record(index));
                let again = records.take();
                assert_eq!(again.index, index, "the freed record is the only free one");
                again.publish(2, second_at, None);
            })
        };
        match records.record(index).read() {
            None => {}
            Some(s) if s.id == 1 => {
                assert!(std::ptr::eq(s.location, first_at));
                assert!(
                    s.polls == 0 || s.last_poll_us == 7,
                    "a poll without its time"
                );
            }
            Some(s) if s.id == 2 => {
                assert!(std::ptr::eq(s.location, second_at));
                assert_eq!(s.polls, 0, "the first task's polls on the second");
            }
            Some(s) => panic!("a task never published: {s:?}"),
        }
        worker.join().unwrap();
    });
}

#[test]
fn the_free_stack_hands_each_record_to_one_taker() {
    loom::model(|| {
        let records = Arc::new(TaskRecords::new(0));
        let (a, b) = (records.take().index, records.take().index);
        // A chain of two, as a worker's spill links it: `a` then `b`.
        records.record(a).next_free.store(b + 1, Ordering::Relaxed);
        records.push_chain(records.record(a), records.record(b));
        let racer = {
            let records = records.clone();
            thread::spawn(move || {
                let mine = records.pop_shared();
                if let Some(index) = mine {
                    let record = records.record(index);
                    records.push_chain(record, record);
                }
                records.pop_shared()
            })
        };
        // The whole stack, as a worker whose lists ran dry takes it.
        let mut rest = Vec::new();
        let mut top = records.take_shared();
        while top != 0 {
            rest.push(top - 1);
            top = records.record(top - 1).next_free.load(Ordering::Relaxed);
        }
        let theirs = racer.join().unwrap();
        let mine = records.pop_shared();
        let mut all: Vec<u32> = mine.into_iter().chain(theirs).chain(rest).collect();
        all.sort();
        assert_eq!(
            all,
            [a.min(b), a.max(b)],
            "a record lost or handed out twice"
        );
    });
}
