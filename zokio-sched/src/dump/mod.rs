//! Task dumps: the live tasks of a running scheduler, read without stopping
//! it ([`Handle::dump`](crate::Handle::dump)).
//!
//! With [`Config::task_dump`](crate::Config::task_dump) on, every task
//! spawned on the scheduler gets a record: its id, name, spawn location
//! (from the `#[track_caller]` spawn functions), state, poll count and the
//! time of its last poll's start. The record lives in the scheduler's
//! record table, not in the task; the task's future and schedule handle are
//! wrapped so that its polls and wakes update it and its end frees it.
//! Which tasks are running, and on which worker, the workers' poll marks
//! say (the stall watchdog's, kept whenever either is on): a poll pays for
//! that with the mark's stores, not with a lookup of its worker. A spawn
//! takes a free record from its worker's cache, a task's end gives it back
//! there: no lock, no shared counter (see `records`).
//! With records off the spawn and poll paths are the plain ones.
//!
//! A dump reads every record once, each validated as a seqlock's reader
//! does, so it is a sample, not a stop of the world: a task alive
//! throughout the call is listed, one spawned or ended during it may or may
//! not be, and the states are those seen as each record was read.
//!
//! Not recorded: the `.await` an idle task is parked on. Rust's `.await`
//! has no hook, so the location is known only where a leaf future is built
//! by a `#[track_caller]` function, and recording it would add a word to
//! every such future and a store to each of its `Pending` returns, with or
//! without the dump on. (Tokio gets it by re-polling every task's future
//! tree in a tracing mode, which stops the runtime.) Tasks of a
//! [`LocalSet`](crate::LocalSet) and jobs of the blocking pool are not
//! listed either: they are not the scheduler's tasks.

mod record;
mod recorded;
pub(crate) mod records;
pub(crate) mod worker;

use std::fmt;
use std::panic::Location;
use std::time::Duration;

use zokio_core::task::Id;

use crate::poll_mark::{self, PollMark};
use record::SampleState;
pub(crate) use recorded::{Recordable, spawn};
use records::TaskRecords;

/// What a live task was doing when the dump read its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// Queued to run (spawned and not yet polled, or woken).
    Scheduled,
    /// Waiting for a wake: its last poll returned `Pending`.
    Idle,
    /// Being polled on this worker (numbered as
    /// [`current_worker`](crate::current_worker) and `StallInfo::worker`).
    Running {
        /// The worker polling it.
        worker: usize,
    },
}

/// One live task in a [`Dump`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TaskDump {
    /// The task's id (as `JoinHandle::id` and `task::id()` give it).
    pub id: Id,
    /// The name it was spawned with, if any.
    pub name: Option<String>,
    /// Where it was spawned.
    pub location: &'static Location<'static>,
    /// What it was doing.
    pub state: TaskState,
    /// How many times it has been polled (the poll in progress included).
    pub polls: u64,
    /// How long ago its last poll started, by the scheduler's coarse clock
    /// (read every few dozen polls and at each wake-up from parking, and
    /// kept to the millisecond, so it may be longer by that much); `None`
    /// if it was never polled. For a running task, how long its poll has
    /// run.
    pub since_last_poll: Option<Duration>,
}

/// The live tasks of a runtime, sorted by id.
///
/// `Display` writes one line per task:
///
/// ```
/// use zokio_core::ThreadParker;
/// use zokio_sched::{Config, CurrentThread};
///
/// let config = Config { task_dump: true, ..Config::default() };
/// let rt = CurrentThread::new(ThreadParker::new(), config).unwrap();
/// let (tx, rx) = std::sync::mpsc::channel::<()>();
/// let task = rt.spawn(async move { drop(rx) });
/// let dump = rt.handle().dump().unwrap();
/// assert_eq!(dump.tasks().len(), 1);
/// assert_eq!(dump.tasks()[0].id, task.id());
/// assert!(dump.to_string().contains("scheduled, never polled"));
/// rt.block_on(task).unwrap();
/// assert!(rt.handle().dump().unwrap().tasks().is_empty());
/// # drop(tx);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Dump {
    tasks: Vec<TaskDump>,
}

impl Dump {
    /// The tasks, by id.
    pub fn tasks(&self) -> &[TaskDump] {
        &self.tasks
    }

    /// The task with this id, if it was live.
    pub fn task(&self, id: Id) -> Option<&TaskDump> {
        self.tasks
            .binary_search_by_key(&id, |t| t.id)
            .ok()
            .map(|i| &self.tasks[i])
    }

    /// Reads every record of `tables`, each with its scheduler's poll
    /// marks (which say which tasks are running, and where).
    pub(crate) fn collect<'a>(
        tables: impl IntoIterator<Item = (&'a TaskRecords, &'a [PollMark])>,
    ) -> Dump {
        let mut tasks = Vec::new();
        for (table, marks) in tables {
            let now_us = table.now_us();
            let running = poll_mark::running(marks, table.first_worker);
            for seen in table.snapshot() {
                let sample = seen.sample;
                let Some(id) = Id::from_u64(sample.id) else {
                    continue;
                };
                tasks.push(TaskDump {
                    id,
                    name: seen.name,
                    location: sample.location,
                    state: match running.iter().find(|(task, _)| *task == sample.id) {
                        Some(&(_, worker)) => TaskState::Running { worker },
                        None if sample.state == SampleState::Scheduled => TaskState::Scheduled,
                        None => TaskState::Idle,
                    },
                    polls: sample.polls,
                    since_last_poll: table.since_last_poll(&sample, now_us),
                });
            }
        }
        tasks.sort_by_key(|t| t.id);
        Dump { tasks }
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskState::Scheduled => f.write_str("scheduled"),
            TaskState::Idle => f.write_str("idle"),
            TaskState::Running { worker } => write!(f, "running on worker {worker}"),
        }
    }
}

impl fmt::Display for TaskDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        write!(f, " spawned at {}: {}", self.location, self.state)?;
        let polls = match self.polls {
            1 => "1 poll".to_owned(),
            n => format!("{n} polls"),
        };
        match (self.since_last_poll, self.state) {
            (None, _) => f.write_str(", never polled"),
            (Some(d), TaskState::Running { .. }) => {
                write!(f, " for {} ms, {polls}", d.as_millis())
            }
            (Some(d), _) => write!(f, ", last polled {} ms ago, {polls}", d.as_millis()),
        }
    }
}

impl fmt::Display for Dump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.tasks.len();
        writeln!(
            f,
            "zokio task dump: {n} live task{}",
            if n == 1 { "" } else { "s" }
        )?;
        for task in &self.tasks {
            writeln!(f, "  {task}")?;
        }
        Ok(())
    }
}

/// What a dump of a runtime without records says.
pub(crate) fn disabled() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "zokio: task dumps are off on this runtime: build it with \
         `Builder::enable_task_dump()`",
    )
}
