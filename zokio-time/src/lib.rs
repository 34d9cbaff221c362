//! Timers for [Zokio](https://docs.rs/zokio): a hierarchical timing wheel and
//! the [`sleep`], [`timeout`] and [`interval`] futures, usable in a Zokio
//! runtime or under any other executor.
//!
//! ```
//! use std::time::Duration;
//! use zokio_time::{sleep, timeout};
//!
//! futures_lite::future::block_on(async {
//!     sleep(Duration::from_millis(1)).await;
//!     let slow = timeout(Duration::from_millis(1), std::future::pending::<()>());
//!     assert!(slow.await.is_err());
//! });
//! ```
//!
//! # The model
//!
//! A [`TimeDriver`] wraps another [`Driver`](zokio_core::Driver) (a thread
//! parker, an I/O reactor). Parking it parks the inner driver for the shorter
//! of the caller's timeout and the time to the next deadline, then fires every
//! timer that expired, on the parking thread. Its [`Handle`] is how timers
//! reach it: a runtime [`enter`](Handle::enter)s the handle on each of its
//! threads, and the futures find it with [`Handle::current`]. Where no handle
//! is entered they use one background timer thread per process, started on
//! first use, so `zokio_time::sleep` works under `futures_lite::future::block_on`,
//! smol, tokio or any executor.
//!
//! A timer is an entry stored inside its future (so arming allocates
//! nothing) and linked into the wheel when first polled `Pending`. The wheel
//! has 6 levels of 64 slots with 1 ms level-0 slots, spanning about 2.2
//! years; insert, cancel (dropping the future) and reset are O(1). Slots
//! decide *when the driver looks*; each entry still fires at its exact
//! deadline, so a short sleep is late only by the OS wake-up latency, not by
//! up to a millisecond. A timer whose deadline has passed when it is first
//! polled completes in that poll, as in Tokio (a zero [`sleep`] is ready at
//! once, without touching the wheel). To keep arming a future deadline free
//! of a clock read, only a deadline within 16 ms of the wheel's last turn is
//! checked against the clock; the wheel turns whenever its driver parks, so
//! a deadline later than that which has nonetheless passed (its driver has
//! not parked for longer than 16 ms) fires on the driver's next turn instead. Deadlines beyond the wheel's span
//! wait at its edge and are re-filed when it gets there, so they are not
//! clamped to the span; only deadlines more than about 584 years after the
//! driver started are clamped, to that point, and `sleep(Duration::MAX)`
//! means about 30 years.
//!
//! # Concurrency
//!
//! Any thread may arm, cancel or reset a timer while another fires it. Each
//! entry's state is one atomic word: its deadline in nanoseconds, or *fired*.
//! The owner learns that its timer fired from that word alone, and moves a
//! deadline later with one compare-exchange and no lock (the wheel notices
//! when it reaches the old slot and re-files the entry), which keeps idle
//! timeouts that are pushed back on every read cheap. Arming, firing, moving
//! a deadline earlier and cancelling take the lock of the wheel shard the
//! entry lives in, held for a few pointer writes. The waiting task's waker
//! sits in an [`AtomicWaker`]. Both protocols are model-checked with loom
//! (`src/loom_models/`). A [`Timeout`] polls its future first and arms its
//! timer only if the future is `Pending`, so a timeout around a ready future
//! never touches the wheel.
//!
//! **Why the wheel is sharded.** The brief was one wheel per runtime unless
//! measurement showed it to be the bottleneck. `benches/timers.rs` has two
//! threads arm and cancel sleeps at once on one shared wheel and on two
//! shards ([`TimeDriver::with_shards`]). On the 2-core machine this was built
//! on (and shared with other builds, so noisy), two shards beat the shared
//! wheel in 8 of 9 runs, by up to 58% (median 22%; e.g. 8.58 against 6.25 M
//! arm+cancel/s), and the profile of the shared case showed time in the
//! contended path of its one lock. That is with only two threads; more
//! workers contend more. So [`TimeDriver::new`] gives each CPU a shard (up
//! to 16); a thread arms its timers in the shard of its number (threads are
//! numbered in the order they first arm a timer, process-wide, so `n`
//! workers arming together get `n` distinct shards unless other threads arm
//! timers in between), and a timer is cancelled or reset in its own shard
//! from any thread. The driver scans every shard when it parks and fires all
//! of them, so one parked worker serves them all.
//!
//! # Testing with time
//!
//! The [`clock`] module pauses, advances and resumes a handle's clock, so code
//! that uses timers can be tested deterministically and fast; [`Instant::now`]
//! follows it.
//!
//! # Budget
//!
//! Every poll of a timer spends one unit of the task's cooperative
//! [budget](zokio_core::budget), so a task looping on ready timers still yields.

pub mod clock;
mod current;
mod driver;
mod entry;
pub mod error;
mod instant;
mod interval;
mod shared;
mod sleep;
#[cfg(feature = "tracing")]
mod sleep_trace;
mod timeout;
mod wheel;

#[cfg(all(test, loom))]
mod loom_models;

pub use driver::{TimeDriver, TimeUnparker};
pub use error::Elapsed;
pub use instant::Instant;
pub use interval::{
    Interval, MissedTickBehavior, interval, interval_at, try_interval, try_interval_at,
};
pub use shared::{Handle, TimeMetrics};
pub use sleep::{Sleep, sleep, sleep_until};
pub use timeout::{Timeout, timeout, timeout_at};
#[doc(hidden)]
pub use zokio_core::AtomicWaker;
pub use zokio_core::context::{EnterGuard, TryCurrentError};
