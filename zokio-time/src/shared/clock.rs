//! The state behind a timer handle's clock (see the public [`clock`](crate::clock) module).

use std::time::Duration;

use zokio_core::sync::Mutex;
use zokio_core::sync::atomic::{AtomicBool, Ordering};

use crate::instant::Instant;

/// A timer handle's clock.
pub(crate) struct Clock {
    /// When the driver started; deadlines are stored as ns since this.
    base: std::time::Instant,
    /// Set once the clock was paused or advanced: `now` must consult `state`.
    is_virtual: AtomicBool,
    state: Mutex<State>,
}

struct State {
    paused: bool,
    /// Why this clock may not be paused, if it may not (set by a runtime
    /// whose drivers could not auto-advance it correctly).
    pause_refused: Option<&'static str>,
    /// Virtual time was `virtual_at` when the system clock showed `real_at`.
    virtual_at: std::time::Instant,
    real_at: std::time::Instant,
}

impl Clock {
    pub(crate) fn new() -> Clock {
        let now = std::time::Instant::now();
        Clock {
            base: now,
            is_virtual: AtomicBool::new(false),
            state: Mutex::new(State {
                paused: false,
                pause_refused: None,
                virtual_at: now,
                real_at: now,
            }),
        }
    }

    pub(crate) fn base(&self) -> std::time::Instant {
        self.base
    }

    #[inline]
    pub(crate) fn now(&self) -> Instant {
        if !self.is_virtual.load(Ordering::Acquire) {
            return Instant::from_std(std::time::Instant::now());
        }
        let state = self.lock();
        Instant::from_std(state.now())
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.is_virtual.load(Ordering::Acquire) && self.lock().paused
    }

    /// Pauses the clock, or says why it may not be paused.
    pub(crate) fn pause(&self) -> Result<(), &'static str> {
        let mut state = self.lock();
        if let Some(reason) = state.pause_refused {
            return Err(reason);
        }
        if !state.paused {
            state.virtual_at = state.now();
            state.paused = true;
        }
        self.is_virtual.store(true, Ordering::Release);
        Ok(())
    }

    /// From now on, `pause` fails with `reason`.
    pub(crate) fn refuse_pause(&self, reason: &'static str) {
        self.lock().pause_refused = Some(reason);
    }

    pub(crate) fn resume(&self) {
        let mut state = self.lock();
        if state.paused {
            state.real_at = std::time::Instant::now();
            state.paused = false;
        }
    }

    pub(crate) fn advance(&self, duration: Duration) {
        let mut state = self.lock();
        state.virtual_at = state
            .virtual_at
            .checked_add(duration)
            .unwrap_or(state.virtual_at);
        self.is_virtual.store(true, Ordering::Release);
    }

    fn lock(&self) -> zokio_core::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    fn now(&self) -> std::time::Instant {
        if self.paused {
            self.virtual_at
        } else {
            self.virtual_at + std::time::Instant::now().saturating_duration_since(self.real_at)
        }
    }
}
