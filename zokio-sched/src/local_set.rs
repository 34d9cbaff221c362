//! [`LocalSet`]: a set of `!Send` tasks that run on the thread polling it.
//!
//! A set is driven by whichever future polls it ([`LocalSet::run_until`], or
//! the set itself awaited), inside any scheduler's `block_on` or task that
//! stays on one thread. Its tasks are spawned with [`spawn_local`] while the
//! set is entered (during its polls, or inside [`LocalSet::enter`]).
//!
//! A task woken on the set's own thread while the set is entered goes to a
//! plain `VecDeque`; a wake from anywhere else goes to a thread-safe queue
//! and wakes the future driving the set. Tasks are run with the set's closed
//! flag, so that dropping the set cancels every task, wherever it waits:
//! each waiting task's waker is kept (from the run in which it first waits
//! to the run in which it finishes), woken at drop, and the run that wake
//! leads to drops the future here, on the set's thread. No atomic protocol
//! of its own: the remote queue and the waker slot are concurrent-queue's
//! and zokio-core's (each modelled where it is written).

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use concurrent_queue::ConcurrentQueue;
use zokio_core::sync::Arc;
use zokio_core::sync::atomic::AtomicBool;
use zokio_core::task::{Builder, Id, JoinHandle, Runnable, ScheduleHint, TaskKind};
use zokio_core::{AtomicWaker, Schedule};

/// Tasks run per poll of the set before it yields to its scheduler, so a
/// set full of ready tasks cannot starve the tasks beside it (Tokio's 61).
const TASKS_PER_TICK: usize = 61;

/// A set of `!Send` tasks, all run on the thread that polls the set, as
/// Tokio's `LocalSet`.
///
/// [`spawn_local`] inside the set (in a future given to
/// [`run_until`](LocalSet::run_until), in one of its tasks, or inside
/// [`enter`](LocalSet::enter)) adds a task to it. The set's tasks run only
/// while the set is polled: by `run_until`'s future or by awaiting the set
/// itself, which
/// completes once every task has. It works under any scheduler; dropping it
/// cancels every task it still holds and drops their futures on this thread.
///
/// ```
/// use std::rc::Rc;
/// use zokio_core::ThreadParker;
/// use zokio_sched::{Config, LocalSet, MultiThread};
///
/// let rt = MultiThread::new(ThreadParker::new(), Config { worker_threads: 1, ..Config::default() }).unwrap();
/// let local = LocalSet::new();
/// let n = rt.block_on(local.run_until(async {
///     let shared = Rc::new(20); // not `Send`
///     let inner = shared.clone();
///     let task = zokio_sched::spawn_local(async move { *inner + 1 });
///     task.await.unwrap() + *shared
/// }));
/// assert_eq!(n, 41);
/// ```
pub struct LocalSet {
    local: Rc<Local>,
    /// The set and its tasks are bound to this thread.
    _not_send: PhantomData<*const ()>,
}

/// What wakers on any thread reach: `Send + Sync`.
struct Remote {
    queue: ConcurrentQueue<Runnable>,
    /// The future driving the set, to wake when a task is queued here.
    driver: AtomicWaker,
}

/// The set's thread-bound state.
struct Local {
    remote: Arc<Remote>,
    queue: RefCell<VecDeque<Runnable>>,
    /// Tasks that have waited and not finished, by id: what `Drop` must wake.
    waiting: RefCell<HashMap<Id, Waker>>,
    /// Tasks whose future is not dropped yet.
    live: Rc<Cell<usize>>,
    /// Set on drop: every run from then on cancels its task.
    closed: AtomicBool,
    /// True while the set runs its tasks (a local wake then needs no wakeup).
    running: Cell<bool>,
    /// True once a local wake has woken the future driving the set, until
    /// that future polls it: a batch of completions reaped at once (a
    /// thread-per-core worker's whole tick) wakes it once, not once each.
    notified: Cell<bool>,
}

thread_local! {
    /// The set entered on this thread, if any.
    static CURRENT: Cell<*const Local> = const { Cell::new(ptr::null()) };
}

/// Makes `local` the current set until dropped, restoring the one before.
struct Entered {
    previous: *const Local,
}

impl Entered {
    fn new(local: &Local) -> Entered {
        Entered {
            previous: CURRENT.with(|c| c.replace(local)),
        }
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.previous));
    }
}

/// Calls `f` with the set entered on this thread.
fn with_current<R>(f: impl FnOnce(Option<&Local>) -> R) -> R {
    let current = CURRENT.try_with(Cell::get).unwrap_or(ptr::null());
    // A non-null pointer was set by an `Entered` further up this thread's
    // stack (or held by a `LocalEnterGuard`), whose borrow or `Rc` keeps the
    // `Local` alive until it restores the previous value.
    // SAFETY: so the `Local` outlives this call.
    f(unsafe { current.as_ref() })
}

struct TaskSchedule(Arc<Remote>);

impl Schedule for TaskSchedule {
    fn schedule(&self, task: Runnable, _hint: ScheduleHint) {
        let task = with_current(|local| match local {
            Some(local) if Arc::ptr_eq(&local.remote, &self.0) => {
                local.queue.borrow_mut().push_back(task);
                local.notify_driver();
                None
            }
            _ => Some(task),
        });
        if let Some(task) = task {
            // Never closed: a push fails only on a closed queue.
            let _ = self.0.queue.push(task);
            self.0.driver.wake();
        }
    }
}

/// Keeps the live count right however a task's future ends.
struct LiveGuard(Rc<Cell<usize>>);

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

impl LocalSet {
    /// An empty set.
    pub fn new() -> LocalSet {
        LocalSet {
            local: Rc::new(Local {
                remote: Arc::new(Remote {
                    queue: ConcurrentQueue::unbounded(),
                    driver: AtomicWaker::new(),
                }),
                queue: RefCell::new(VecDeque::new()),
                waiting: RefCell::new(HashMap::new()),
                live: Rc::new(Cell::new(0)),
                closed: AtomicBool::new(false),
                running: Cell::new(false),
                notified: Cell::new(false),
            }),
            _not_send: PhantomData,
        }
    }

    /// Spawns a `!Send` task onto this set; it runs when the set is polled.
    ///
    /// ```
    /// let local = zokio_sched::LocalSet::new();
    /// let task = local.spawn_local(async { std::rc::Rc::new(3) });
    /// let value = zokio_core::block_on(local.run_until(task)).unwrap();
    /// assert_eq!(*value, 3);
    /// ```
    #[cfg_attr(feature = "tracing", track_caller)]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.local.spawn(Builder::new(), future)
    }

    /// Makes this set current on this thread until the guard drops, so that
    /// [`spawn_local`] adds to it. The tasks run the next time the set is
    /// polled.
    ///
    /// ```
    /// let local = zokio_sched::LocalSet::new();
    /// let task = {
    ///     let _guard = local.enter();
    ///     zokio_sched::spawn_local(async { 7 })
    /// };
    /// assert_eq!(zokio_core::block_on(local.run_until(task)).unwrap(), 7);
    /// ```
    pub fn enter(&self) -> LocalEnterGuard {
        LocalEnterGuard {
            _entered: Entered::new(&self.local),
            _local: self.local.clone(),
        }
    }

    /// A future that polls `future` with the set entered, running the set's
    /// tasks meanwhile, and completes with `future`'s output (tasks still
    /// unfinished stay in the set).
    pub fn run_until<F: Future>(&self, future: F) -> RunUntil<'_, F> {
        RunUntil { set: self, future }
    }
}

impl Local {
    #[cfg_attr(feature = "tracing", track_caller)]
    fn spawn<F>(&self, builder: Builder<'_>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.live.set(self.live.get() + 1);
        let guard = LiveGuard(self.live.clone());
        let future = async move {
            let _guard = guard;
            future.await
        };
        let schedule = TaskSchedule(self.remote.clone());
        // The task's runnable is run and dropped only on this thread: the
        // set runs it, and `Drop` drains both queues (waiting until a wake in
        // flight elsewhere has queued it); wakers elsewhere only queue it.
        // A `!Send` output makes the `JoinHandle` `!Send`, so it is awaited
        // and dropped here too.
        // SAFETY: so `spawn_unchecked`'s same-thread requirements hold.
        let (runnable, handle) = unsafe {
            builder
                .kind(TaskKind::Local)
                .spawn_unchecked(future, schedule)
        };
        if self
            .closed
            .load(zokio_core::sync::atomic::Ordering::Relaxed)
        {
            drop(runnable); // the set is being dropped: cancelled at once
        } else {
            self.queue.borrow_mut().push_back(runnable);
            self.notify_driver();
        }
        handle
    }

    /// After a task was queued on this thread: wakes the future driving
    /// the set unless the set is running (it takes the task in this tick)
    /// or a wake since its last poll is already on its way.
    fn notify_driver(&self) {
        if !self.running.get() && !self.notified.replace(true) {
            self.remote.driver.wake();
        }
    }

    fn pop(&self) -> Option<Runnable> {
        let local = self.queue.borrow_mut().pop_front();
        local.or_else(|| self.remote.queue.pop().ok())
    }

    /// Runs up to a tick's worth of tasks; true if more are ready.
    fn tick(&self) -> bool {
        self.running.set(true);
        for _ in 0..TASKS_PER_TICK {
            let Some(task) = self.pop() else { break };
            self.run(task);
        }
        self.running.set(false);
        !self.queue.borrow().is_empty() || !self.remote.queue.is_empty()
    }

    fn run(&self, task: Runnable) {
        let report = task.run_unless_closed(&self.closed);
        if let Some(id) = report.id {
            if let Some(waker) = report.first_wait {
                self.waiting.borrow_mut().insert(id, waker);
            }
            if report.finished_after_wait {
                // Dropped after the borrow: a waker's drop may run user code.
                let removed = self.waiting.borrow_mut().remove(&id);
                drop(removed);
            }
        }
    }

    /// Polls the set: registers `cx`, runs a tick, and asks to be polled
    /// again at once if tasks are still ready.
    fn poll_tasks(&self, cx: &mut Context<'_>) {
        // Before the tick: a task queued from here on, after the tick took
        // what it could, must wake the driver again.
        self.notified.set(false);
        self.remote.driver.register(cx.waker());
        if self.tick() {
            cx.waker().wake_by_ref();
        }
    }
}

impl Default for LocalSet {
    fn default() -> Self {
        LocalSet::new()
    }
}

/// Completes once every task of the set has.
impl Future for LocalSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let _entered = Entered::new(&self.local);
        self.local.poll_tasks(cx);
        if self.local.live.get() == 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        let local = &*self.local;
        let _entered = Entered::new(local);
        local
            .closed
            .store(true, zokio_core::sync::atomic::Ordering::Relaxed);
        // Every waiting task's wake queues it, here (the set is entered) or,
        // for a wake already in flight on another thread, on the remote queue;
        // each run from now on drops its future. Loop until every future is
        // dropped: a wake in flight queues its task a moment later.
        loop {
            let waiting: Vec<Waker> = local.waiting.borrow_mut().drain().map(|(_, w)| w).collect();
            for waker in waiting {
                waker.wake();
            }
            while let Some(task) = local.pop() {
                local.run(task);
            }
            if local.live.get() == 0 {
                break;
            }
            if local.waiting.borrow().is_empty() && local.queue.borrow().is_empty() {
                std::thread::yield_now();
            }
        }
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet")
            .field("tasks", &self.local.live.get())
            .finish()
    }
}

/// Keeps a [`LocalSet`] current on this thread; see [`LocalSet::enter`].
#[must_use = "the set is current only while the guard lives"]
pub struct LocalEnterGuard {
    _entered: Entered,
    _local: Rc<Local>,
}

impl fmt::Debug for LocalEnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("LocalEnterGuard { .. }")
    }
}

/// The future of [`LocalSet::run_until`].
#[must_use = "futures do nothing unless polled"]
pub struct RunUntil<'a, F> {
    set: &'a LocalSet,
    future: F,
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of
        // `self`, and `set` is a plain reference.
        let this = unsafe { self.get_unchecked_mut() };
        let local = &*this.set.local;
        let _entered = Entered::new(local);
        // SAFETY: as above.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        // The future first: what it spawns runs in the same poll.
        if let Poll::Ready(output) = future.poll(cx) {
            return Poll::Ready(output);
        }
        local.poll_tasks(cx);
        Poll::Pending
    }
}

impl<F> fmt::Debug for RunUntil<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("RunUntil { .. }")
    }
}

/// Spawns a `!Send` task onto the [`LocalSet`] entered on this thread.
///
/// # Panics
///
/// Outside a `LocalSet`, with Tokio's message.
///
/// ```should_panic
/// zokio_sched::spawn_local(async {}); // no LocalSet entered
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn_local_with(Builder::new(), future)
}

/// [`spawn_local`], with a name and the other options of `builder`.
///
/// # Panics
///
/// As [`spawn_local`].
#[track_caller]
pub fn spawn_local_with<F>(builder: Builder<'_>, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    // The closure below would lose the spawn location.
    let builder = builder.at_caller();
    match with_current(|local| local.map(|local| local.spawn(builder, future))) {
        Some(handle) => handle,
        None => panic!(
            "`spawn_local` called from outside of a `task::LocalSet`: run the future that \
             spawns inside `LocalSet::run_until` (or `LocalSet::block_on`, or `LocalSet::enter`)"
        ),
    }
}

/// True if a [`LocalSet`] is entered on this thread.
pub fn in_local_set() -> bool {
    with_current(|local| local.is_some())
}
