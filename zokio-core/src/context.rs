//! The per-thread context: everything Zokio keeps per thread, in one
//! thread-local.
//!
//! # What a thread knows
//!
//! - **Its layers.** Each [`Layer`] (scheduler, blocking pool, timers, I/O)
//!   has one place here, which is *empty*, *entered* with a handle, or
//!   *disabled* with a reason. A layer's handle type implements
//!   [`LayerHandle`]; its free functions (`spawn`, `sleep`,
//!   `TcpStream::connect`) find it with [`try_current`]. Where a layer is
//!   empty, timers and sockets fall back to a background driver, and the
//!   scheduler reports that there is no runtime; where it is disabled, the
//!   lookup fails with the reason, so a runtime built without timers says so
//!   instead of silently using another driver.
//! - **Whether it runs a scheduler's tasks** ([`enter_runtime`]), so that a
//!   blocking call on such a thread is refused rather than stalling its tasks.
//! - **The scheduler's state for this thread** while it runs a worker loop
//!   ([`set_worker`], [`with_worker`]), so a wake on a worker thread can
//!   queue locally.
//! - **The state of the task being polled**: its cooperative budget, the CPU
//!   its wake's data arrived on ([`placement`](crate::placement)), and the
//!   hand-off between a run and its task's harness. Those are internal.
//!
//! A spawn, a wake or a poll touches this one thread-local and nothing else.
//!
//! # Entering
//!
//! A runtime enters all its layers at once with [`Handles::enter`] on each of
//! its threads (and for the length of its `block_on`); a layer used alone
//! enters just itself with [`enter`]. Both return an [`EnterGuard`] that puts
//! back what was there before. Guards must be dropped in the reverse order of
//! their creation; dropping one out of order panics, as Tokio's do, because
//! the thread would otherwise stay inside a runtime it believes it left.
//!
//! ```
//! use zokio_core::context::{self, Handles, Layer, LayerHandle};
//!
//! #[derive(Clone, Debug)]
//! struct Wheel { resolution_ms: u64 }
//! impl LayerHandle for Wheel { const LAYER: Layer = Layer::Time; }
//!
//! assert!(context::try_current::<Wheel>().unwrap_err().is_missing_context());
//! let guard = context::enter(Wheel { resolution_ms: 1 });
//! assert_eq!(context::try_current::<Wheel>().unwrap().resolution_ms, 1);
//!
//! // A runtime built without timers disables the layer on its threads.
//! let mut handles = Handles::new();
//! handles.disable(Layer::Time, "timers are off in this runtime");
//! let inner = handles.enter();
//! let err = context::try_current::<Wheel>().unwrap_err();
//! assert_eq!(err.to_string(), "timers are off in this runtime");
//! drop(inner);
//! drop(guard);
//! ```

use std::any::{Any, TypeId};
use std::cell::Cell;
use std::error::Error;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// How many layers a thread can have current.
const LAYERS: usize = 4;

/// The layers of a runtime, each with one place in a thread's context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Layer {
    /// The scheduler that `spawn` puts tasks on.
    Scheduler,
    /// The pool that runs blocking jobs ([`blocking`](crate::blocking)).
    Blocking,
    /// The timer driver that `sleep` arms timers in.
    Time,
    /// The reactor that sockets register with.
    Io,
}

impl Layer {
    fn index(self) -> usize {
        match self {
            Layer::Scheduler => 0,
            Layer::Blocking => 1,
            Layer::Time => 2,
            Layer::Io => 3,
        }
    }

    fn missing(self) -> &'static str {
        match self {
            Layer::Scheduler | Layer::Blocking => {
                "there is no zokio runtime on this thread: this must be called from a task, \
                 from inside `block_on`, or after `Handle::enter`"
            }
            Layer::Time => "no zokio timer driver is current on this thread",
            Layer::Io => "no zokio reactor is current on this thread",
        }
    }
}

/// A layer's handle: what the thread's context holds for that layer.
///
/// Cloning it should be cheap (an `Arc`), since a lookup hands out a clone.
pub trait LayerHandle: Clone + Send + Sync + 'static {
    /// The place in the context this handle takes.
    const LAYER: Layer;
}

/// Every layer's place.
type Entries = [Entry; LAYERS];

/// What one layer's place holds.
#[derive(Clone, Default)]
enum Entry {
    #[default]
    Empty,
    Disabled(&'static str),
    /// A handle, behind `Any` so that this crate need not know its type.
    Entered(Arc<dyn Any + Send + Sync>),
}

/// Everything Zokio keeps per thread.
pub(crate) struct Context {
    /// Enter guards alive on this thread; each knows its own depth.
    depth: Cell<usize>,
    /// Set while the thread runs a scheduler's tasks.
    in_runtime: Cell<bool>,
    /// The budget of the task being polled: units left, `None` for no limit.
    pub(crate) budget: Cell<Option<u8>>,
    /// The CPU the data behind the wake in progress arrived on, if a driver said.
    pub(crate) wake_origin: Cell<Option<usize>>,
    /// Set while a waker asks for the task it wakes to queue behind others.
    pub(crate) wake_behind: Cell<bool>,
    /// Polls this thread's tasks were made to yield for an empty budget.
    pub(crate) forced_yields: Cell<u64>,
    /// The run whose task harness has not been entered yet (a `*mut RunSlot`,
    /// which only `task::harness` reads and writes).
    pub(crate) run_slot: Cell<*mut ()>,
    /// The metadata of the task whose run is in progress (a `*const
    /// TaskMeta`, null outside any run), which only `task::harness` writes.
    pub(crate) current_task: Cell<*const ()>,
    /// Task ids this thread may hand out: `next..end`.
    pub(crate) ids: Cell<(u64, u64)>,
    /// The scheduler's own state for this thread, while it runs a worker loop.
    worker: Cell<Option<(TypeId, *const ())>>,
    /// The thread's layers: the snapshot `CURRENT_LAYERS` holds (null: every
    /// layer empty). Entering a runtime swaps this one pointer. Holding no
    /// reference itself keeps the context free of destructors, so reaching
    /// it costs no check of whether it is still alive.
    layers: Cell<*const Entries>,
    /// Calls of `with_current` in progress, which borrow the snapshot:
    /// entering or leaving meanwhile could free it under them.
    layers_in_use: Cell<usize>,
}

impl Context {
    const fn new() -> Context {
        Context {
            depth: Cell::new(0),
            in_runtime: Cell::new(false),
            budget: Cell::new(None),
            wake_origin: Cell::new(None),
            wake_behind: Cell::new(false),
            forced_yields: Cell::new(0),
            run_slot: Cell::new(std::ptr::null_mut()),
            current_task: Cell::new(std::ptr::null()),
            ids: Cell::new((0, 0)),
            worker: Cell::new(None),
            layers: Cell::new(std::ptr::null()),
            layers_in_use: Cell::new(0),
        }
    }
}

// Loom runs its threads as coroutines of one OS thread, so std's
// thread-locals would be shared between them; loom's are per model thread.
#[cfg(not(loom))]
thread_local! {
    static CONTEXT: Context = const { Context::new() };
}
#[cfg(loom)]
loom::thread_local! {
    static CONTEXT: Context = Context::new();
}

/// Holds the snapshot `Context::layers` points to, which the context, having
/// no destructor, cannot: touched only when a thread enters or leaves, and
/// released (the pointer cleared first) when the thread exits.
struct CurrentLayers(Cell<Option<Handles>>);

impl Drop for CurrentLayers {
    fn drop(&mut self) {
        // The snapshot is dropped right after this; lookups made later in the
        // thread's exit find nothing current.
        let _ = with(|cx| cx.layers.set(std::ptr::null()));
    }
}

#[cfg(not(loom))]
thread_local! {
    static CURRENT_LAYERS: CurrentLayers = const { CurrentLayers(Cell::new(None)) };
}
#[cfg(loom)]
loom::thread_local! {
    static CURRENT_LAYERS: CurrentLayers = CurrentLayers(Cell::new(None));
}

/// Makes `layers` the thread's layers and returns the ones they replace;
/// `None` while the thread exits (then `layers` is dropped).
#[inline]
fn set_layers(cx: &Context, layers: Option<Handles>) -> Option<Option<Handles>> {
    let ptr = layers
        .as_ref()
        .map_or(std::ptr::null(), |h| Arc::as_ptr(&h.entries));
    CURRENT_LAYERS
        .try_with(move |current| {
            cx.layers.set(ptr);
            current.0.replace(layers)
        })
        .ok()
}

/// Runs `f` with this thread's context; `None` while the thread exits and
/// its thread-locals are gone (then nothing is current).
#[inline]
pub(crate) fn with<R>(f: impl FnOnce(&Context) -> R) -> Option<R> {
    CONTEXT.try_with(f).ok()
}

/// This thread's context, for code that keeps using it across calls that
/// may reach it too.
#[inline]
fn context() -> Option<&'static Context> {
    // SAFETY: the context lives as long as its thread, and `&'static` never
    // leaves the thread: `Context` is `!Sync` (it is all `Cell`s), so the
    // reference cannot be sent to another thread.
    with(|cx| unsafe { &*std::ptr::from_ref(cx) })
}

// ---- runtime threads -----------------------------------------------------

/// Marks the current thread as running a scheduler's tasks until dropped.
#[derive(Debug)]
#[must_use = "the thread leaves the runtime when the guard is dropped"]
pub struct RuntimeGuard {
    was_in_runtime: bool,
    _not_send: PhantomData<*const ()>,
}

fn replace_in_runtime(value: bool) -> bool {
    with(|cx| cx.in_runtime.replace(value)).unwrap_or(false)
}

/// Marks this thread as running a scheduler's tasks; `None` if it already
/// does (a runtime started from inside another).
///
/// ```
/// use zokio_core::context;
///
/// let guard = context::enter_runtime().unwrap();
/// assert!(context::is_in_runtime());
/// assert!(context::enter_runtime().is_none());
/// drop(guard);
/// assert!(!context::is_in_runtime());
/// ```
pub fn enter_runtime() -> Option<RuntimeGuard> {
    if replace_in_runtime(true) {
        return None;
    }
    Some(RuntimeGuard {
        was_in_runtime: false,
        _not_send: PhantomData,
    })
}

/// Runs `f` as if this thread ran no scheduler's tasks, for code that
/// blocks on purpose (a blocking section inside a worker).
///
/// ```
/// use zokio_core::context;
///
/// let _worker = context::enter_runtime().unwrap();
/// let v = context::exit_runtime(|| zokio_core::block_on(async { 5 }));
/// assert_eq!(v, 5);
/// assert!(context::is_in_runtime());
/// ```
pub fn exit_runtime<R>(f: impl FnOnce() -> R) -> R {
    let _restore = RuntimeGuard {
        was_in_runtime: replace_in_runtime(false),
        _not_send: PhantomData,
    };
    f()
}

/// True on a thread marked by [`enter_runtime`].
#[inline]
pub fn is_in_runtime() -> bool {
    with(|cx| cx.in_runtime.get()).unwrap_or(false)
}

impl Drop for RuntimeGuard {
    fn drop(&mut self) {
        replace_in_runtime(self.was_in_runtime);
    }
}

// ---- layers ----------------------------------------------------------------

/// Why a layer's handle could not be found on this thread.
///
/// ```
/// use zokio_core::context::{self, Layer, LayerHandle};
///
/// #[derive(Clone, Debug)]
/// struct Reactor;
/// impl LayerHandle for Reactor { const LAYER: Layer = Layer::Io; }
///
/// let err = context::try_current::<Reactor>().unwrap_err();
/// assert!(err.is_missing_context() && !err.is_disabled());
/// assert_eq!(err.layer(), Layer::Io);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TryCurrentError {
    layer: Layer,
    kind: ErrorKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ErrorKind {
    Missing,
    Disabled(&'static str),
    ThreadLocalDestroyed,
}

impl TryCurrentError {
    /// Nothing was entered for this layer on this thread.
    pub fn is_missing_context(&self) -> bool {
        self.kind == ErrorKind::Missing
    }

    /// The layer was disabled on this thread (a runtime built without it).
    pub fn is_disabled(&self) -> bool {
        matches!(self.kind, ErrorKind::Disabled(_))
    }

    /// The thread is exiting and its context is gone.
    pub fn is_thread_local_destroyed(&self) -> bool {
        self.kind == ErrorKind::ThreadLocalDestroyed
    }

    /// The layer that was looked for.
    pub fn layer(&self) -> Layer {
        self.layer
    }
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ErrorKind::Missing => f.write_str(self.layer.missing()),
            ErrorKind::Disabled(reason) => f.write_str(reason),
            ErrorKind::ThreadLocalDestroyed => f.write_str(
                "the zokio context of this thread was already destroyed: the thread is exiting",
            ),
        }
    }
}

impl fmt::Debug for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryCurrentError")
            .field("layer", &self.layer)
            .field("message", &self.to_string())
            .finish()
    }
}

impl Error for TryCurrentError {}

impl Entry {
    fn get<H: LayerHandle>(&self) -> Result<&H, ErrorKind> {
        match self {
            Entry::Empty => Err(ErrorKind::Missing),
            Entry::Disabled(reason) => Err(ErrorKind::Disabled(reason)),
            // A handle of another type in this layer's place (two handle
            // types claiming one layer) is not this layer's handle.
            Entry::Entered(handle) => handle.downcast_ref::<H>().ok_or(ErrorKind::Missing),
        }
    }
}

/// Runs `f` with a reference to the current `H`, without cloning it.
///
/// `f` must not enter or leave a context (an [`EnterGuard`] made or dropped
/// inside it panics); use [`try_current`] to take a clone out first when `f`
/// runs code that might.
///
/// ```
/// use zokio_core::context::{self, Layer, LayerHandle};
///
/// #[derive(Clone)]
/// struct Clock { paused: bool }
/// impl LayerHandle for Clock { const LAYER: Layer = Layer::Time; }
///
/// let _guard = context::enter(Clock { paused: true });
/// let paused = context::with_current(|clock: Result<&Clock, _>| clock.is_ok_and(|c| c.paused));
/// assert!(paused);
/// ```
#[inline]
pub fn with_current<H: LayerHandle, R>(f: impl FnOnce(Result<&H, TryCurrentError>) -> R) -> R {
    let error = |kind| TryCurrentError {
        layer: H::LAYER,
        kind,
    };
    let Some(cx) = context() else {
        return f(Err(error(ErrorKind::ThreadLocalDestroyed)));
    };
    let entries = cx.layers.get();
    if entries.is_null() {
        return f(Err(error(ErrorKind::Missing)));
    }
    let _in_use = InUse::new(cx);
    // SAFETY: a non-null `layers` points into the snapshot `CURRENT_LAYERS`
    // holds; only entering or leaving replaces it, and both refuse to while
    // `_in_use` lives, so the snapshot outlives `f`.
    let entries = unsafe { &*entries };
    f(entries[H::LAYER.index()].get::<H>().map_err(error))
}

/// Counts a borrow of the context's snapshot for as long as it lives.
struct InUse<'a>(&'a Context);

impl<'a> InUse<'a> {
    fn new(cx: &'a Context) -> InUse<'a> {
        cx.layers_in_use.set(cx.layers_in_use.get() + 1);
        InUse(cx)
    }
}

impl Drop for InUse<'_> {
    fn drop(&mut self) {
        self.0.layers_in_use.set(self.0.layers_in_use.get() - 1);
    }
}

/// A clone of the `H` current on this thread.
///
/// ```
/// use zokio_core::context::{self, Layer, LayerHandle};
///
/// #[derive(Clone, Debug, PartialEq)]
/// struct Pool(u8);
/// impl LayerHandle for Pool { const LAYER: Layer = Layer::Blocking; }
///
/// let _guard = context::enter(Pool(3));
/// assert_eq!(context::try_current::<Pool>(), Ok(Pool(3)));
/// ```
#[inline]
pub fn try_current<H: LayerHandle>() -> Result<H, TryCurrentError> {
    with_current::<H, _>(|handle| handle.cloned())
}

/// Puts back what an [`enter`] or [`Handles::enter`] replaced, when dropped.
#[must_use = "the context is left when the guard is dropped"]
pub struct EnterGuard {
    /// 0 when nothing was entered (the thread was exiting).
    depth: usize,
    /// The layers to put back.
    previous: Option<Handles>,
    _not_send: PhantomData<*const ()>,
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard")
            .field("depth", &self.depth)
            .finish_non_exhaustive()
    }
}

fn assert_not_in_use(cx: &Context) {
    assert!(
        cx.layers_in_use.get() == 0,
        "zokio: a context was entered or left while a layer's handle was in use"
    );
}

/// Makes `next(current layers)` the thread's layers, one level deeper.
fn push(next: impl FnOnce(Option<&Entries>) -> Handles) -> EnterGuard {
    let nothing = EnterGuard {
        depth: 0,
        previous: None,
        _not_send: PhantomData,
    };
    let Some(cx) = context() else {
        return nothing;
    };
    assert_not_in_use(cx);
    // SAFETY: a non-null `layers` points into the snapshot `CURRENT_LAYERS`
    // holds, which only `set_layers` (not called meanwhile) replaces.
    let next = next(unsafe { cx.layers.get().as_ref() });
    let Some(previous) = set_layers(cx, Some(next)) else {
        return nothing;
    };
    let depth = cx.depth.get() + 1;
    cx.depth.set(depth);
    EnterGuard {
        depth,
        previous,
        _not_send: PhantomData,
    }
}

/// Makes `handle` current for its layer on this thread until the guard is
/// dropped; the other layers are left as they are.
///
/// ```
/// use zokio_core::context::{self, Layer, LayerHandle};
///
/// #[derive(Clone)]
/// struct Reactor(&'static str);
/// impl LayerHandle for Reactor { const LAYER: Layer = Layer::Io; }
///
/// let outer = context::enter(Reactor("outer"));
/// let inner = context::enter(Reactor("inner"));
/// assert_eq!(context::try_current::<Reactor>().unwrap().0, "inner");
/// drop(inner);
/// assert_eq!(context::try_current::<Reactor>().unwrap().0, "outer");
/// drop(outer);
/// ```
pub fn enter<H: LayerHandle>(handle: H) -> EnterGuard {
    push(|current| {
        let mut next = Handles {
            entries: Arc::new(current.cloned().unwrap_or_default()),
        };
        next.insert(handle);
        next
    })
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        if self.depth == 0 {
            return;
        }
        let previous = self.previous.take();
        let Some(cx) = context() else {
            return;
        };
        if cx.depth.get() != self.depth {
            // Out of order: the thread stays where it is (a guard is still
            // alive inside this one), and says so.
            if !std::thread::panicking() {
                panic!(
                    "zokio: `EnterGuard`s were dropped out of order. Guards returned by \
                     `Handle::enter` and `Runtime::enter` must be dropped in the reverse \
                     order of their creation."
                );
            }
            return;
        }
        assert_not_in_use(cx);
        cx.depth.set(self.depth - 1);
        // What we put in comes back out and is dropped here, after the
        // context stopped pointing into it: the last handle of a runtime may
        // run arbitrary code as it goes.
        drop(set_layers(cx, previous));
    }
}

/// A handle for each layer of a runtime, entered together with
/// [`Handles::enter`]. A runtime keeps one and enters it on every thread it
/// runs code on; [`Handles::current`] takes a copy of what a thread has.
///
/// Entering replaces every layer's place, so a runtime built without a
/// layer never sees that of an outer runtime: a layer left empty here falls
/// back to its background driver, a disabled one reports the reason.
///
/// ```
/// use zokio_core::context::{self, Handles, Layer, LayerHandle};
///
/// #[derive(Clone, Debug, PartialEq)]
/// struct Timers(u32);
/// impl LayerHandle for Timers { const LAYER: Layer = Layer::Time; }
///
/// let mut handles = Handles::new();
/// handles.insert(Timers(7)).disable(Layer::Io, "no I/O here");
/// assert_eq!(handles.get::<Timers>(), Ok(Timers(7)));
///
/// let _guard = handles.enter();
/// assert_eq!(context::try_current::<Timers>(), Ok(Timers(7)));
/// assert_eq!(Handles::current().get::<Timers>(), Ok(Timers(7)));
/// ```
#[derive(Clone, Default)]
pub struct Handles {
    /// Shared between the runtime that keeps it and every thread that has
    /// it entered: entering clones one `Arc`. Changed copy-on-write.
    entries: Arc<Entries>,
}

impl Handles {
    /// Every layer empty.
    pub fn new() -> Handles {
        Handles::default()
    }

    /// A copy of this thread's layers.
    pub fn current() -> Handles {
        let Some(cx) = context() else {
            return Handles::default();
        };
        let entries = cx.layers.get();
        if entries.is_null() {
            return Handles::default();
        }
        let _in_use = InUse::new(cx);
        // SAFETY: as in `with_current`.
        let entries = unsafe { &*entries };
        Handles {
            entries: Arc::new(entries.clone()),
        }
    }

    fn entry(&self, layer: Layer) -> &Entry {
        &self.entries[layer.index()]
    }

    fn set(&mut self, layer: Layer, entry: Entry) -> &mut Handles {
        Arc::make_mut(&mut self.entries)[layer.index()] = entry;
        self
    }

    /// Sets `handle` as its layer's handle.
    pub fn insert<H: LayerHandle>(&mut self, handle: H) -> &mut Handles {
        self.set(H::LAYER, Entry::Entered(Arc::new(handle)))
    }

    /// Marks `layer` as off: looking it up fails with `reason`.
    pub fn disable(&mut self, layer: Layer, reason: &'static str) -> &mut Handles {
        self.set(layer, Entry::Disabled(reason))
    }

    /// Empties `layer`'s place.
    pub fn remove(&mut self, layer: Layer) -> &mut Handles {
        self.set(layer, Entry::Empty)
    }

    /// A clone of the `H` held here.
    pub fn get<H: LayerHandle>(&self) -> Result<H, TryCurrentError> {
        self.entry(H::LAYER)
            .get::<H>()
            .cloned()
            .map_err(|kind| TryCurrentError {
                layer: H::LAYER,
                kind,
            })
    }

    /// Makes these the thread's layers until the guard is dropped.
    pub fn enter(&self) -> EnterGuard {
        push(|_| self.clone())
    }
}

impl fmt::Debug for Handles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let layers = [Layer::Scheduler, Layer::Blocking, Layer::Time, Layer::Io];
        let mut map = f.debug_map();
        for layer in layers {
            let state = match self.entry(layer) {
                Entry::Empty => "empty",
                Entry::Disabled(_) => "disabled",
                Entry::Entered(_) => "entered",
            };
            map.entry(&layer, &state);
        }
        map.finish()
    }
}

// ---- the scheduler's worker state ------------------------------------------

/// Restores the previous worker state, even if the worker loop panics.
struct RestoreWorker(Option<(TypeId, *const ())>);

impl Drop for RestoreWorker {
    fn drop(&mut self) {
        let previous = self.0;
        let _ = with(|cx| cx.worker.set(previous));
    }
}

/// Runs `f` (a scheduler's worker loop) with `worker` as this thread's
/// worker state, which [`with_worker`] finds while `f` runs.
///
/// ```
/// use zokio_core::context;
///
/// struct Worker { index: usize }
///
/// let worker = Worker { index: 3 };
/// context::set_worker(&worker, || {
///     assert_eq!(context::with_worker(|w: Option<&Worker>| w.map(|w| w.index)), Some(3));
///     assert!(context::with_worker(|w: Option<&u32>| w.is_none()), "another type is not found");
/// });
/// assert!(context::with_worker(|w: Option<&Worker>| w.is_none()));
/// ```
pub fn set_worker<W: Any, R>(worker: &W, f: impl FnOnce() -> R) -> R {
    let state = Some((TypeId::of::<W>(), std::ptr::from_ref(worker).cast::<()>()));
    let _restore = RestoreWorker(with(|cx| cx.worker.replace(state)).flatten());
    f()
}

/// Calls `f` with this thread's worker state if it is a `W` (set by
/// [`set_worker`] further up this thread's stack).
#[inline]
pub fn with_worker<W: Any, R>(f: impl FnOnce(Option<&W>) -> R) -> R {
    let state = with(|cx| cx.worker.get()).flatten();
    let worker = match state {
        Some((type_id, ptr)) if type_id == TypeId::of::<W>() => {
            // `set_worker` stored a pointer to a live `W` (the type id
            // says so) and removes it before the borrow it came from ends;
            // we are inside that call, further up this thread's stack, so
            // the `W` outlives this call to `f`.
            // SAFETY: a live `W`, set by `set_worker` further up this stack.
            Some(unsafe { &*ptr.cast::<W>() })
        }
        _ => None,
    };
    f(worker)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Sched(u32);
    impl LayerHandle for Sched {
        const LAYER: Layer = Layer::Scheduler;
    }

    #[derive(Clone, Debug, PartialEq)]
    struct Timers(u32);
    impl LayerHandle for Timers {
        const LAYER: Layer = Layer::Time;
    }

    #[test]
    fn entering_handles_replaces_every_layer_and_restores_them() {
        let _outer = enter(Timers(1));
        let mut handles = Handles::new();
        handles.insert(Sched(2));
        let guard = handles.enter();
        assert_eq!(try_current::<Sched>(), Ok(Sched(2)));
        assert!(
            try_current::<Timers>().unwrap_err().is_missing_context(),
            "an inner runtime without timers does not see the outer one's"
        );
        drop(guard);
        assert_eq!(try_current::<Timers>(), Ok(Timers(1)));
        assert!(try_current::<Sched>().is_err());
    }

    #[test]
    fn a_guard_dropped_out_of_order_panics_and_entering_works_afterwards() {
        let result = std::panic::catch_unwind(|| {
            let first = enter(Sched(1));
            let second = enter(Sched(2));
            drop(first);
            drop(second);
        });
        let message = result.unwrap_err();
        let message = message.downcast_ref::<&str>().copied().unwrap_or_default();
        assert!(message.contains("out of order"), "{message}");
        let guard = enter(Sched(3));
        assert_eq!(try_current::<Sched>(), Ok(Sched(3)));
        drop(guard);
    }

    #[test]
    fn a_handle_in_use_cannot_be_replaced_under_it() {
        let _guard = enter(Sched(1));
        let result = std::panic::catch_unwind(|| {
            with_current::<Sched, _>(|_| drop(enter(Sched(2))));
        });
        assert!(result.is_err());
        assert_eq!(try_current::<Sched>(), Ok(Sched(1)));
    }

    #[test]
    fn the_context_has_no_destructor() {
        // So every access is a plain thread-local load, with no check of
        // whether the thread's destructors have run.
        assert!(!std::mem::needs_drop::<Context>());
    }

    #[test]
    fn worker_state_ends_with_its_scope_even_on_panic() {
        let worker = 5u64;
        let result = std::panic::catch_unwind(|| set_worker(&worker, || panic!("worker loop")));
        assert!(result.is_err());
        assert!(with_worker(|w: Option<&u64>| w.is_none()));
    }
}
