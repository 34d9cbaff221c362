//! Task dumps (`Builder::enable_task_dump`, `Handle::dump`): on each flavor,
//! a runtime with 1,000 tasks in mixed states (idle on a channel, asleep,
//! yielding in a loop, one taking the dump) lists exactly those tasks, with
//! their names, spawn locations, states and polls; once they finish it lists
//! none of them. A runtime without records says how to turn them on.
#![cfg(not(loom))]

use std::collections::HashMap;
use std::panic::Location;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use zokio::runtime::dump::{Dump, TaskState};
use zokio::runtime::{Builder, Handle};
use zokio::sync::oneshot;
use zokio::task::{Id, JoinHandle};

mod support {
    pub mod spawn_here;
}
use support::spawn_here::{Place, spawn_here};

const ON_CHANNEL: usize = 300;
const ASLEEP: usize = 300;
const YIELDING: usize = 399;
const WAITING: usize = ON_CHANNEL + ASLEEP;

fn runtime(flavor: &str) -> zokio::Runtime {
    let mut builder = match flavor {
        "current" => Builder::new_current_thread(),
        "multi" => Builder::new_multi_thread(),
        _ => Builder::new_thread_per_core(),
    };
    if flavor != "current" {
        builder.worker_threads(2);
    }
    builder.enable_all().enable_task_dump().build().unwrap()
}

/// What the test knows of a task it spawned.
struct Expected {
    kind: &'static str,
    name: Option<String>,
    location: &'static Location<'static>,
    /// The worker it was placed on (thread-per-core only).
    worker: Option<usize>,
}

/// Spawns the test's tasks and remembers what the dump must say of each.
struct Spawner {
    handle: Handle,
    tpc: bool,
    expected: HashMap<Id, Expected>,
}

impl Spawner {
    /// Spawns `future` where the flavor puts it: on worker `worker` of a
    /// thread-per-core runtime, wherever the scheduler likes otherwise (and
    /// anywhere if named). The location is the caller's (`#[track_caller]`).
    #[track_caller]
    fn spawn<F>(
        &mut self,
        kind: &'static str,
        worker: usize,
        name: Option<String>,
        future: F,
    ) -> JoinHandle<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let place = match (&name, self.tpc) {
            (Some(name), _) => Place::Named(name),
            (None, true) => Place::Worker(worker),
            (None, false) => Place::Anywhere,
        };
        let (task, location) = spawn_here(&self.handle, place, future);
        let worker = (self.tpc && name.is_none()).then_some(worker);
        let expected = Expected {
            kind,
            name,
            location,
            worker,
        };
        self.expected.insert(task.id(), expected);
        task
    }
}

/// Dumps until every waiting task has been polled and parked (their first
/// polls may still be running when the start count is reached).
fn settled_dump(handle: &Handle, waiting: &[Id]) -> Dump {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let dump = handle.dump().unwrap();
        let parked = waiting
            .iter()
            .filter(|id| dump.task(**id).is_some_and(|t| t.state == TaskState::Idle))
            .count();
        if parked == waiting.len() || Instant::now() > deadline {
            return dump;
        }
        std::thread::yield_now();
    }
}

fn check_flavor(flavor: &str) {
    let rt = runtime(flavor);
    let tpc = flavor == "tpc";
    let handle = rt.handle().clone();
    let started = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let file = Location::caller().file();
    let mut senders = Vec::new();
    let mut handles = Vec::new();
    let mut sleepers = Vec::new();
    let _guard = rt.enter();

    let mut spawner = Spawner {
        handle: handle.clone(),
        tpc,
        expected: HashMap::new(),
    };
    for i in 0..ON_CHANNEL {
        let (tx, rx) = oneshot::channel::<()>();
        senders.push(tx);
        let started = started.clone();
        let future = async move {
            started.fetch_add(1, Ordering::SeqCst);
            rx.await.unwrap();
        };
        let name = (i % 10 == 0).then(|| format!("channel-{i}"));
        handles.push(spawner.spawn("channel", i % 2, name, future));
    }
    for i in 0..ASLEEP {
        let started = started.clone();
        let future = async move {
            started.fetch_add(1, Ordering::SeqCst);
            zokio::time::sleep(Duration::from_secs(3600)).await;
        };
        sleepers.push(spawner.spawn("asleep", i % 2, None, future));
    }
    for i in 0..YIELDING {
        let stop = stop.clone();
        let future = async move {
            while !stop.load(Ordering::Relaxed) {
                zokio::task::yield_now().await;
            }
        };
        handles.push(spawner.spawn("yielding", i % 2, None, future));
    }

    let waiting: Vec<Id> = spawner
        .expected
        .iter()
        .filter(|(_, e)| e.kind != "yielding")
        .map(|(id, _)| *id)
        .collect();
    let dumper = {
        let (own, started) = (handle.clone(), started.clone());
        let future = async move {
            while started.load(Ordering::SeqCst) < WAITING {
                zokio::task::yield_now().await;
            }
            (zokio::task::id(), settled_dump(&own, &waiting))
        };
        spawner.spawn("dumper", 1, None, future)
    };
    let (dumper_id, dump) = rt.block_on(dumper).unwrap();
    let mut expected = spawner.expected;
    let dumper = expected.remove(&dumper_id).expect("the dumper's id");
    {
        let task = dump.task(dumper_id).expect("the dumping task is listed");
        assert_eq!(task.location, dumper.location, "{flavor}: {task}");
        match (flavor, task.state) {
            ("current", TaskState::Running { worker }) => assert_eq!(worker, 0),
            ("tpc", TaskState::Running { worker }) => assert_eq!(worker, 1),
            ("multi", TaskState::Running { worker }) => assert!(worker < 2),
            (_, state) => panic!("{flavor}: the dumper is {state:?}"),
        }
        assert!(task.polls >= 1 && task.since_last_poll.is_some(), "{task}");
    }

    // Exactly the live tasks: the 999 others (the dumper was checked above).
    let listed: Vec<Id> = dump
        .tasks()
        .iter()
        .map(|t| t.id)
        .filter(|id| *id != dumper_id)
        .collect();
    let mut wanted: Vec<Id> = expected.keys().copied().collect();
    wanted.sort();
    assert_eq!(
        listed, wanted,
        "{flavor}: the dump lists other tasks than the live ones"
    );
    assert_eq!(dump.tasks().len(), 1000, "{flavor}");

    let mut yielding_scheduled = 0;
    for task in dump.tasks().iter().filter(|t| t.id != dumper_id) {
        let want = &expected[&task.id];
        assert_eq!(task.location.file(), file, "{flavor}: {task}");
        assert_eq!(
            task.location, want.location,
            "{flavor} {}: {task}",
            want.kind
        );
        assert_eq!(task.name, want.name, "{flavor}: {task}");
        match want.kind {
            "channel" | "asleep" => {
                assert_eq!(task.state, TaskState::Idle, "{flavor}: {task}");
                assert_eq!(task.polls, 1, "{flavor}: {task}");
                assert!(task.since_last_poll.is_some(), "{flavor}: {task}");
            }
            _ => {
                // A task yielding on the dumper's own thread is queued; one
                // on another worker may be caught in its poll.
                let same_thread = flavor == "current" || want.worker == Some(1);
                match task.state {
                    TaskState::Scheduled => yielding_scheduled += 1,
                    TaskState::Running { worker } if !same_thread => {
                        assert!(worker < 2, "{flavor}: {task}")
                    }
                    TaskState::Idle if !same_thread => {}
                    state => panic!("{flavor}: a yielding task is {state:?}: {task}"),
                }
                // One spawned after the waiting ones may not have run yet.
                let never = task.polls == 0;
                assert_eq!(never, task.since_last_poll.is_none(), "{flavor}: {task}");
            }
        }
    }
    assert!(
        yielding_scheduled > 0,
        "{flavor}: no yielding task was queued"
    );
    let text = dump.to_string();
    assert!(
        text.starts_with("zokio task dump: 1000 live tasks\n"),
        "{flavor}"
    );
    assert!(text.contains("\"channel-0\" spawned at "), "{flavor}");
    assert!(text.contains(": idle, last polled "), "{flavor}");

    // Let everything finish: none of them is listed any more.
    stop.store(true, Ordering::Relaxed);
    senders.into_iter().for_each(|tx| tx.send(()).unwrap());
    sleepers.iter().for_each(JoinHandle::abort);
    rt.block_on(async {
        for task in handles {
            task.await.unwrap();
        }
        for task in sleepers {
            assert!(task.await.unwrap_err().is_cancelled());
        }
    });
    let after = rt.dump().unwrap();
    assert!(after.tasks().is_empty(), "{flavor}: {after}");
}

#[test]
fn a_dump_lists_exactly_the_live_tasks_on_the_current_thread_flavor() {
    check_flavor("current");
}

#[test]
fn a_dump_lists_exactly_the_live_tasks_on_the_multi_thread_flavor() {
    check_flavor("multi");
}

#[test]
fn a_dump_lists_every_workers_tasks_on_the_thread_per_core_flavor() {
    check_flavor("tpc");
}

#[test]
fn a_runtime_without_records_refuses_a_dump_and_says_how_to_turn_them_on() {
    for mut builder in [
        Builder::new_current_thread(),
        Builder::new_multi_thread(),
        Builder::new_thread_per_core(),
    ] {
        let rt = builder.worker_threads(1).build().unwrap();
        let err = rt.handle().dump().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
        assert!(err.to_string().contains("enable_task_dump"), "{err}");
    }
}

#[test]
fn the_stall_watchdog_alone_keeps_no_records() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .stall_threshold(Duration::from_secs(10))
        .build()
        .unwrap();
    let err = rt.dump().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
    let with_dumps = Builder::new_multi_thread()
        .worker_threads(1)
        .stall_threshold(Duration::from_secs(10))
        .enable_task_dump()
        .build()
        .unwrap();
    assert!(with_dumps.dump().unwrap().tasks().is_empty());
}
