//! Children whose [`Child`](super::Child) was dropped before they were
//! reaped: each is handed to the background reactor, whose readiness event
//! for its pidfd wakes a waker that reaps it. No task and no executor is
//! involved, so an orphan is reaped even if the program never spawns, waits
//! or polls anything again.

use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};

use super::reaper::Reaper;

/// Reaps `reaper`'s child now if it has exited, or else as soon as it does.
pub(crate) fn adopt(mut reaper: Reaper) {
    match reaper.try_wait() {
        // Reaped now, or not ours to reap any more (someone else waited).
        Ok(Some(_)) | Err(_) => return,
        Ok(None) => {}
    }
    // The background reactor runs as long as the process does, unlike the
    // runtime this child may have been spawned on. Where it cannot start,
    // the current registration is the best there is.
    if let Ok(background) = crate::current::background() {
        let _ = reaper.move_to(&background);
    }
    let orphan = Arc::new(Orphan {
        state: Mutex::new(RunState::default()),
        reaper: Mutex::new(Some(reaper)),
    });
    orphan.run();
}

/// An orphan and its own waker: waking it polls its reap once more.
struct Orphan {
    state: Mutex<RunState>,
    /// `None` once reaped (or once waiting failed for good).
    reaper: Mutex<Option<Reaper>>,
}

/// Serialises runs: a wake that arrives during a run (from the reactor's
/// thread, or from this very run when the readiness record wakes a waker
/// it cannot store) makes the running one poll again instead of entering.
#[derive(Default)]
struct RunState {
    running: bool,
    woken: bool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Each guarded value is consistent between statements.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Orphan {
    fn run(self: &Arc<Self>) {
        {
            let mut state = lock(&self.state);
            if state.running {
                state.woken = true;
                return;
            }
            state.running = true;
        }
        let waker = Waker::from(self.clone());
        let mut cx = Context::from_waker(&waker);
        loop {
            let finished = {
                let mut slot = lock(&self.reaper);
                match slot.as_mut().map(|reaper| reaper.poll_wait(&mut cx)) {
                    Some(Poll::Ready(_)) => slot.take(),
                    Some(Poll::Pending) | None => None,
                }
            };
            // Dropped outside the lock: deregistering wakes the waker the
            // readiness record holds, which is this orphan's own.
            drop(finished);
            let mut state = lock(&self.state);
            if state.woken {
                state.woken = false;
                continue;
            }
            state.running = false;
            return;
        }
    }
}

impl Wake for Orphan {
    fn wake(self: Arc<Self>) {
        self.run();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.run();
    }
}
