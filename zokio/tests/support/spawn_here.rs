//! Spawning a task and knowing its spawn location as Zokio must record it,
//! for the dump and stall-report tests.

use std::future::Future;
use std::panic::Location;

use zokio::runtime::Handle;
use zokio::task::JoinHandle;

/// Where [`spawn_here`] puts a task.
#[derive(Clone, Copy)]
pub enum Place<'a> {
    /// Wherever the scheduler likes.
    Anywhere,
    /// Named, through `task::Builder` (wherever the scheduler likes).
    Named(&'a str),
    /// On this worker of a thread-per-core runtime.
    Worker(usize),
}

/// Spawns `future` on `handle`'s runtime as `place` says, and returns the
/// spawn's location as the caller sees it. `#[track_caller]`: the task's
/// recorded location must be this one (a location taken inside this
/// function or inside Zokio would differ).
#[track_caller]
pub fn spawn_here<F>(
    handle: &Handle,
    place: Place<'_>,
    future: F,
) -> (JoinHandle<F::Output>, &'static Location<'static>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let task = match place {
        Place::Anywhere => handle.spawn(future),
        Place::Named(name) => zokio::task::Builder::new()
            .name(name)
            .spawn_on(future, handle)
            .unwrap(),
        Place::Worker(worker) => handle.spawn_on(worker, future).unwrap(),
    };
    (task, Location::caller())
}
