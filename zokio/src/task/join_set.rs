//! A set of spawned tasks, awaited in the order they finish.

use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use zokio_core::task::{AbortHandle, Id, JoinError, JoinHandle};

use crate::runtime::Handle;

/// A collection of tasks spawned on a runtime, awaited as they finish.
///
/// Only the tasks that were woken are polled by [`join_next`](JoinSet::join_next),
/// so it stays cheap with many tasks. Dropping a `JoinSet` aborts its tasks.
///
/// ```
/// use zokio::task::JoinSet;
///
/// let rt = zokio::Runtime::new().unwrap();
/// let sum = rt.block_on(async {
///     let mut set = JoinSet::new();
///     for i in 0..10u64 {
///         set.spawn(async move { i });
///     }
///     let mut sum = 0;
///     while let Some(done) = set.join_next().await {
///         sum += done.unwrap();
///     }
///     sum
/// });
/// assert_eq!(sum, 45);
/// ```
pub struct JoinSet<T> {
    /// Slots of tasks; `None` for a free slot (listed in `free`).
    entries: Vec<Option<Entry<T>>>,
    free: Vec<usize>,
    len: usize,
    ready: Arc<ReadyQueue>,
}

struct Entry<T> {
    handle: JoinHandle<T>,
    /// Wakes the set with this entry's index.
    waker: Waker,
}

/// Indices of entries whose task woke the set, and the set's own waker.
#[derive(Default)]
struct ReadyQueue {
    state: Mutex<(VecDeque<usize>, Option<Waker>)>,
}

struct EntryWaker {
    index: usize,
    ready: Arc<ReadyQueue>,
}

impl Wake for EntryWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let waker = {
            let mut state = self.ready.lock();
            state.0.push_back(self.index);
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl ReadyQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, (VecDeque<usize>, Option<Waker>)> {
        // Every update is a single push, pop or replace: a poisoned lock is consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    pub fn new() -> Self {
        JoinSet {
            entries: Vec::new(),
            free: Vec::new(),
            len: 0,
            ready: Arc::default(),
        }
    }

    /// Tasks in the set (finished ones count until `join_next` returns them).
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if the set holds no task.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds an already spawned task.
    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let index = self.free.pop().unwrap_or(self.entries.len());
        let waker = Waker::from(Arc::new(EntryWaker {
            index,
            ready: self.ready.clone(),
        }));
        // A new task has not been polled by the set yet: queue it once.
        waker.wake_by_ref();
        let entry = Some(Entry { handle, waker });
        if index == self.entries.len() {
            self.entries.push(entry);
        } else {
            self.entries[index] = entry;
        }
        self.len += 1;
        abort
    }

    /// Waits for the next task to finish and returns its result; `None` when
    /// the set is empty. Cancel-safe: a result is never lost if this future is
    /// dropped.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Like [`join_next`](JoinSet::join_next), with the id of the task that
    /// finished (a failed task's id is in its [`JoinError`]).
    ///
    /// ```
    /// let rt = zokio::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let mut set = zokio::task::JoinSet::new();
    ///     let id = set.spawn(async { 1 }).id();
    ///     assert_eq!(set.join_next_with_id().await.unwrap().unwrap(), (id, 1));
    /// });
    /// ```
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// The result of a task that has already finished, without waiting.
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.try_join_next_with_id()
            .map(|result| result.map(|(_, output)| output))
    }

    /// Like [`try_join_next`](JoinSet::try_join_next), with the task's id.
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        // Not a wait, so no budget is spent: as in Tokio, a loop of these
        // drains every finished task.
        match self.poll_ready_entries(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(result) => result,
            Poll::Pending => None,
        }
    }

    /// Waits for every task and returns their outputs in the order they
    /// finished.
    ///
    /// # Panics
    ///
    /// If a task panicked, with its panic (the other tasks are aborted when
    /// the set is dropped); if one was cancelled, with a message saying so.
    ///
    /// ```
    /// let rt = zokio::Runtime::new().unwrap();
    /// let mut outputs = rt.block_on(async {
    ///     let mut set = zokio::task::JoinSet::new();
    ///     for i in 0..3 {
    ///         set.spawn(async move { i });
    ///     }
    ///     set.join_all().await
    /// });
    /// outputs.sort();
    /// assert_eq!(outputs, [0, 1, 2]);
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut outputs = Vec::with_capacity(self.len);
        while let Some(result) = self.join_next().await {
            match result {
                Ok(output) => outputs.push(output),
                Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
                Err(err) => panic!("{err}"),
            }
        }
        outputs
    }

    /// Polls for the next finished task.
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx)
            .map(|next| next.map(|result| result.map(|(_, output)| output)))
    }

    /// Polls for the next finished task, with its id.
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        // One unit of budget per call; the entries below are polled without
        // budget, or an exhausted budget would make every entry wake itself
        // (re-queueing its index) instead of reporting its state.
        let progress = std::task::ready!(zokio_core::budget::poll_proceed(cx));
        let result = self.poll_ready_entries(cx);
        if result.is_ready() {
            progress.made_progress();
        }
        result
    }

    fn poll_ready_entries(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        loop {
            if self.len == 0 {
                return Poll::Ready(None);
            }
            let next = {
                let mut state = self.ready.lock();
                match state.0.pop_front() {
                    Some(index) => Some(index),
                    None => {
                        state.1 = Some(cx.waker().clone());
                        None
                    }
                }
            };
            let Some(index) = next else {
                return Poll::Pending;
            };
            let Some(Some(entry)) = self.entries.get_mut(index) else {
                continue; // a stale wake of an entry already returned
            };
            let waker = entry.waker.clone();
            let mut handle = zokio_core::budget::unconstrained(&mut entry.handle);
            if let Poll::Ready(result) =
                Pin::new(&mut handle).poll(&mut Context::from_waker(&waker))
            {
                let id = entry.handle.id();
                self.entries[index] = None;
                self.free.push(index);
                self.len -= 1;
                return Poll::Ready(Some(result.map(|output| (id, output))));
            }
        }
    }

    /// Aborts every task in the set; they stay in it until `join_next`
    /// returns their (cancelled) results.
    pub fn abort_all(&mut self) {
        for entry in self.entries.iter().flatten() {
            entry.handle.abort();
        }
    }

    /// Removes every task from the set without aborting them.
    pub fn detach_all(&mut self) {
        self.entries.clear();
        self.free.clear();
        self.len = 0;
        self.ready.lock().0.clear();
    }

    /// Aborts every task and waits until all have stopped.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns `future` on the current runtime and adds it to the set.
    ///
    /// # Panics
    ///
    /// Outside a runtime, as [`crate::spawn`] does.
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(crate::spawn(future))
    }

    /// Spawns `future` on the runtime of `handle` and adds it to the set.
    #[track_caller]
    pub fn spawn_on<F>(&mut self, future: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(handle.spawn(future))
    }

    /// Runs `f` on the blocking pool of the current runtime and adds it to the set.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.insert(crate::task::spawn_blocking(f))
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns the `!Send` `future` onto the [`LocalSet`](crate::task::LocalSet)
    /// entered on this thread and adds it to the set.
    ///
    /// # Panics
    ///
    /// Outside a `LocalSet`, as [`task::spawn_local`](crate::task::spawn_local) does.
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let n = zokio::task::LocalSet::new().block_on(&rt, async {
    ///     let mut set = zokio::task::JoinSet::new();
    ///     let shared = Rc::new(2);
    ///     set.spawn_local(async move { *shared * 3 });
    ///     set.join_next().await.unwrap().unwrap()
    /// });
    /// assert_eq!(n, 6);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(crate::task::spawn_local(future))
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet::new()
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len).finish()
    }
}
