//! The stall watchdog: a task whose single poll holds its worker longer than
//! a threshold is reported while it is still stuck, once per stall.
//!
//! A poll that never returns (a busy loop, a blocking call in async code) is
//! the failure a runtime's operator most needs to see and the one a worker
//! cannot report itself. So each worker marks its polls in a poll mark
//! of its own cache line (see `poll_mark`: plain stores, no clock read),
//! and a monitor thread samples every mark a few times per threshold. A mark showing the
//! same poll of the same task in samples `threshold` apart is a stall: the
//! hook gets a [`StallInfo`] and that poll is not reported again.
//!
//! The report comes at most one sampling period (a quarter of the
//! threshold) after the threshold passes, so within 1.25 thresholds of the
//! poll's start, less the monitor's own scheduling delay. `stuck_for` counts
//! from the first sample that saw the poll, so it may fall short of the
//! poll's true age by up to one period, never exceed it.
//!
//! With task dumps on as well (see [`dump`](crate::dump)), the monitor
//! finds the stuck task's record by its id, for its name and spawn
//! location; without them a report has the id and the worker only (the
//! records would cost spawn-heavy loads far more than the watchdog does).
//! The record is the scheduler's, not the task's, so reading it is safe even if the poll returns and the task ends meanwhile (the report
//! then goes without them).

use std::fmt;
use std::panic::Location;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use zokio_core::task::Id;

use crate::dump::records::TaskRecords;
use crate::poll_mark::PollMarks;

/// A task stuck in one poll, as the watchdog reports it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StallInfo {
    /// The worker the task holds (0 for the current-thread scheduler, the
    /// worker's index on the thread-per-core one).
    pub worker: usize,
    /// The stuck task.
    pub task: Id,
    /// Its name, if it was spawned with one and task dumps are on.
    pub name: Option<String>,
    /// Where it was spawned, if task dumps are on (`None` also if its record
    /// was gone by the time the monitor looked: the poll returned and the
    /// task ended meanwhile).
    pub location: Option<&'static Location<'static>>,
    /// How long the poll has run so far (at least; see the module doc).
    pub stuck_for: Duration,
    /// The threshold it passed.
    pub threshold: Duration,
}

impl fmt::Display for StallInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "zokio: task {}", self.task)?;
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        if let Some(location) = self.location {
            write!(f, " (spawned at {location})")?;
        }
        write!(
            f,
            " has held worker {} in one poll for {} ms (stall threshold {} ms): \
             a busy loop or a blocking call in async code?",
            self.worker,
            self.stuck_for.as_millis(),
            self.threshold.as_millis()
        )
    }
}

/// What the watchdog calls for each stall (on its own thread).
pub type StallHook = Arc<dyn Fn(&StallInfo) + Send + Sync>;

/// The watchdog's settings ([`Config::stall`](crate::Config::stall)).
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use zokio_sched::{Config, CurrentThread, StallWatch};
/// use zokio_core::ThreadParker;
///
/// let (tx, rx) = std::sync::mpsc::channel();
/// let watch = StallWatch {
///     threshold: Duration::from_millis(20),
///     on_stall: Some(Arc::new(move |info| drop(tx.send(info.task)))),
/// };
/// let rt = CurrentThread::new(ThreadParker::new(), Config { stall: Some(watch), ..Config::default() })
///     .unwrap();
/// let task = rt.spawn(async { std::thread::sleep(Duration::from_millis(100)) });
/// let id = task.id();
/// rt.block_on(task).unwrap();
/// assert_eq!(rx.recv().unwrap(), id);
/// ```
#[derive(Clone)]
pub struct StallWatch {
    /// How long one poll may hold a worker before it is reported. Zero is an
    /// error.
    pub threshold: Duration,
    /// Called once per stall; `None` writes [`StallInfo`]'s one line to stderr.
    pub on_stall: Option<StallHook>,
}

impl fmt::Debug for StallWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StallWatch")
            .field("threshold", &self.threshold)
            .field("on_stall", &self.on_stall.is_some())
            .finish()
    }
}

/// The monitor thread; stopped and joined on drop.
pub(crate) struct Watchdog {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Watchdog {
    /// Starts a monitor over `marks`, the marks of the workers numbered from
    /// `first_worker`, whose tasks are in `records`; a thread spawn failure
    /// is the error.
    pub(crate) fn start(
        watch: &StallWatch,
        marks: PollMarks,
        first_worker: usize,
        records: Option<zokio_core::sync::Arc<TaskRecords>>,
    ) -> std::io::Result<Watchdog> {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let watched = Watched {
            marks,
            first_worker,
            records,
            threshold: watch.threshold,
            hook: watch.on_stall.clone(),
        };
        let stopped = stop.clone();
        let thread = thread::Builder::new()
            .name("zokio-stall-watchdog".into())
            .spawn(move || monitor(&watched, &stopped))?;
        Ok(Watchdog {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let (flag, wake) = &*self.stop;
        *flag.lock().unwrap_or_else(|e| e.into_inner()) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the monitor remembers of one worker.
#[derive(Clone, Copy)]
struct Seen {
    sample: (u64, u64),
    since: Instant,
    reported: bool,
}

/// What a monitor watches.
struct Watched {
    marks: PollMarks,
    first_worker: usize,
    records: Option<zokio_core::sync::Arc<TaskRecords>>,
    threshold: Duration,
    hook: Option<StallHook>,
}

impl Watched {
    /// The report of `task`, stuck on mark `mark` for `stuck_for`.
    fn report(&self, mark: usize, task: Id, stuck_for: Duration) -> StallInfo {
        let seen = self.records.as_ref().and_then(|r| r.find(task.as_u64()));
        StallInfo {
            worker: self.first_worker + mark,
            task,
            location: seen.as_ref().map(|s| s.sample.location),
            name: seen.and_then(|s| s.name),
            stuck_for,
            threshold: self.threshold,
        }
    }
}

fn monitor(watched: &Watched, stop: &(Mutex<bool>, Condvar)) {
    let (marks, threshold, hook) = (&watched.marks, watched.threshold, &watched.hook);
    let period = (threshold / 4).max(Duration::from_micros(100));
    let mut seen: Vec<Option<Seen>> = vec![None; marks.len()];
    let (flag, wake) = stop;
    let mut stopped = flag.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let (guard, _) = wake
            .wait_timeout(stopped, period)
            .unwrap_or_else(|e| e.into_inner());
        stopped = guard;
        if *stopped {
            return;
        }
        let now = Instant::now();
        for (worker, (mark, seen)) in marks.iter().zip(&mut seen).enumerate() {
            let sample = mark.sample();
            let state = match seen {
                Some(s) if s.sample == sample => s,
                _ => seen.insert(Seen {
                    sample,
                    since: now,
                    reported: false,
                }),
            };
            let (_, task) = sample;
            let stuck_for = now - state.since;
            if task == 0 || state.reported || stuck_for < threshold {
                continue;
            }
            state.reported = true;
            let Some(task) = Id::from_u64(task) else {
                continue;
            };
            let info = watched.report(worker, task, stuck_for);
            // The hook is user code: called without the stop lock held.
            drop(stopped);
            match hook {
                Some(hook) => hook(&info),
                None => eprintln!("{info}"),
            }
            stopped = flag.lock().unwrap_or_else(|e| e.into_inner());
        }
    }
}
