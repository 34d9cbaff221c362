//! Asynchronous signal handling, with Tokio's names: [`ctrl_c`] and
//! [`unix::signal`] with [`unix::SignalKind`].
//!
//! # The model
//!
//! The first listener of a signal installs a handler for it through
//! [signal-hook-registry](https://docs.rs/signal-hook-registry), which
//! chains with handlers other libraries installed and runs only
//! async-signal-safe code. The handler does two things: it raises that
//! signal's *pending* flag (an atomic store) and writes one byte to a
//! process-wide, non-blocking wake-up pipe (a Unix socket pair). It stays
//! installed for the life of the process: the signal's earlier disposition
//! (its default action, which for `SIGINT` and `SIGTERM` ends the process)
//! is never restored, even after the last listener is dropped.
//!
//! Each [`Signal`](unix::Signal) registers its own descriptor of the pipe's
//! read end with the reactor current where it was made (a runtime's, or the
//! background reactor). A byte makes every such descriptor readable, so every
//! waiting listener's task is woken by its own reactor, whichever runtime or
//! executor it lives on. A woken listener *drains* the pipe and then, for
//! every signal whose pending flag is up, lowers the flag and broadcasts: it
//! bumps that signal's version and wakes its listeners. A listener's `recv`
//! completes when the version differs from the one it saw last.
//!
//! So nobody owns the dispatch: whichever listener wakes first does it, for
//! all of them, and no thread is started for signals (beyond the background
//! reactor that a listener made outside any runtime uses, as every source of
//! this crate does).
//!
//! # Why not signalfd
//!
//! Linux's `signalfd` reports only signals that are *blocked* in every
//! thread of the process; a thread that has it unblocked takes the delivery
//! through the default action instead (for `SIGTERM`, ending the process).
//! A library cannot block a signal in threads it did not create (other
//! libraries', the main thread before the runtime started, threads spawned
//! by code that resets its mask), and blocking it also changes what child
//! processes inherit. A handler plus a self-pipe works whatever the masks
//! are, and on every Unix.
//!
//! # Semantics (as Tokio's)
//!
//! - Every listener of a signal sees every delivery: several listeners of one
//!   signal are all woken, and dropping one affects no other.
//! - A delivery after [`signal`](unix::signal) returned is not lost, even if
//!   the listener is first polled later.
//! - Deliveries coalesce: a burst between two `recv`s completes one `recv`
//!   (the operating system merges pending non-realtime signals too).
//! - A delivery that arrives while no listener of that signal exists is kept
//!   until some listener drains the pipe: a listener made meanwhile may still
//!   receive it.
//! - `recv` returns `None` only when the reactor the listener registered with
//!   has shut down (its runtime was dropped), and from then on. A listener
//!   polled after its runtime is gone therefore completes with `None` rather
//!   than waiting forever. One made outside a runtime uses the background
//!   reactor, which never shuts down.
//!
//! # Standalone
//!
//! Nothing here needs a Zokio runtime: outside one, listeners register with
//! the background reactor, so they work under `futures_lite::future::block_on`,
//! smol or tokio's executor. (Tokio's `signal` panics outside a Tokio
//! runtime.)
//!
//! ```
//! use zokio_io::signal::unix::{SignalKind, signal};
//!
//! futures_lite::future::block_on(async {
//!     let mut terminate = signal(SignalKind::terminate())?;
//!     // Without the listener above, this would end the process.
//!     // SAFETY: raise(3) has no preconditions.
//!     unsafe { libc::raise(libc::SIGTERM) };
//!     terminate.recv().await;
//!     println!("shutting down");
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```

pub(crate) mod event;
mod globals;
mod kind;
pub mod unix;

use std::io;

/// Completes at the next `SIGINT` (the terminal's Ctrl-C) after its first
/// poll.
///
/// The first call installs a handler for `SIGINT` that stays for the life of
/// the process: from then on Ctrl-C no longer ends the program by itself,
/// even once nothing awaits `ctrl_c`. A program that wants a second Ctrl-C
/// to end it at once must exit itself.
///
/// # Errors
///
/// If the listener cannot be made (see [`unix::signal`]), or if the reactor it
/// registered with shuts down before `SIGINT` arrives (Tokio's `ctrl_c` would
/// wait forever).
///
/// ```
/// futures_lite::future::block_on(async {
///     let interrupted = zokio_io::signal::ctrl_c();
///     let raise = async {
///         // SAFETY: raise(3) has no preconditions; the `ctrl_c` future was
///         // polled first (`zip` polls in order), so SIGINT is handled.
///         unsafe { libc::raise(libc::SIGINT) };
///     };
///     let (interrupted, ()) = futures_lite::future::zip(interrupted, raise).await;
///     interrupted?;
///     println!("interrupted");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    let mut interrupt = unix::signal(unix::SignalKind::interrupt())?;
    match interrupt.recv().await {
        Some(()) => Ok(()),
        None => Err(io::Error::other(
            "zokio-io: the reactor shut down before SIGINT arrived",
        )),
    }
}
