//! Child processes with Tokio's API: [`Command`] builds and spawns, [`Child`]
//! is waited for without blocking a thread, and its piped stdio
//! ([`ChildStdin`], [`ChildStdout`], [`ChildStderr`]) are futures-io pipes.
//!
//! ```
//! use zokio_io::process::Command;
//!
//! futures_lite::future::block_on(async {
//!     let mut child = Command::new("echo").arg("hello").spawn()?;
//!     let status = child.wait().await?;
//!     assert!(status.success());
//!
//!     let output = Command::new("echo").arg("captured").output().await?;
//!     assert_eq!(output.stdout, b"captured\n");
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```
//!
//! # How a child is waited for
//!
//! Spawning is std's `spawn` (a `fork`/`exec` or `posix_spawn` that returns
//! once the program has started or failed to), so spawn errors are std's.
//! Then the child is watched through a **pidfd**: `pidfd_open` gives a
//! descriptor for the process, registered with the reactor like a socket.
//! It becomes readable when the child exits; [`Child::wait`] waits for that
//! readiness and then reaps the child with `waitid(P_PIDFD, WEXITED |
//! WNOHANG)`, which never blocks. Each child costs one descriptor while it
//! is watched, and no thread and no signal handler. A pidfd names one
//! process, never one that later reused its pid, so [`Child::start_kill`]
//! signals through it too. (Code elsewhere in the program that reaps any
//! child, `waitpid(-1)` or `SIGCHLD` set to `SIG_IGN`, can still take a
//! child's status first; `wait` then fails with `ECHILD`, as std's does.)
//!
//! The reactor is the current one at spawn: the entered runtime's, or
//! the background reactor under another executor or none, so these types
//! work under `futures_lite::future::block_on`, smol or Tokio. A child
//! spawned on a runtime that has since shut down moves to the reactor
//! current where it is next waited for.
//!
//! Pidfd reaping needs Linux 5.4 (`pidfd_open` and `waitid(P_PIDFD)`), and
//! a sandbox may forbid it (seccomp answering `EPERM`). This is probed once
//! per process, before the first child is spawned. Where pidfds cannot be
//! used, children are reaped by **`SIGCHLD`** instead: each waiting child
//! listens for the signal through [`crate::signal`] (a handler installed
//! once, chained with other libraries' handlers) and, at each delivery,
//! tries a non-blocking `waitpid` for its own pid. The listener exists
//! before the first `waitpid`, so no exit is missed between the two. This
//! costs a wake of every waiting child per exit, where a pidfd wakes one.
//! The environment variable `ZOKIO_PROCESS_REAPER` (read once, at the first
//! spawn) forces a choice: `pidfd` (an error where unsupported), `signal`,
//! or `auto` (the default); any other value makes every spawn fail with
//! `InvalidInput`.
//!
//! # Orphans
//!
//! As in std and Tokio, dropping a [`Child`] does not stop the process. A
//! process must still be reaped when it exits, or it stays a zombie, so a
//! `Child` dropped before it was reaped hands its pidfd (or its `SIGCHLD`
//! listener) to the background reactor (started then if it was not
//! running): its readiness wakes a waker that reaps the child, outside any
//! task. Orphans are thus reaped promptly even if the program never spawns
//! or polls anything again, even if the runtime it was spawned on is gone.
//! A child that has exited already when its `Child` is dropped is reaped at
//! once. An orphan that never exits keeps its descriptor open for as long
//! as it runs.
//!
//! # `kill_on_drop`
//!
//! With [`Command::kill_on_drop(true)`](Command::kill_on_drop), dropping the
//! `Child` before it was reaped sends it `SIGKILL`; it is then reaped as any
//! orphan. Processes the child started itself are not killed.
//!
//! # Pipes
//!
//! Each piped stream is the parent's end of a pipe, made non-blocking and
//! registered with the reactor. Converting one back
//! ([`ChildStdout::into_owned_fd`], or `Stdio::try_from`, to make it another
//! child's stdin) deregisters it and makes it blocking again.
//! [`Child::wait`] closes the child's stdin first, so a child that reads
//! its input to the end can exit.
//!
//! # Platforms
//!
//! Every Unix. Pidfds are Linux's, so elsewhere (macOS, the BSDs) every
//! child is reaped by `SIGCHLD`, and `ZOKIO_PROCESS_REAPER=pidfd` is an
//! `Unsupported` error. Only Linux is tested here; the other Unixes are
//! type-checked (`cargo check --target x86_64-unknown-freebsd`).

mod child;
mod command;
mod orphan;
#[cfg(target_os = "linux")]
mod pidfd;
mod reaper;
mod sigchld;
mod stdio;

pub use child::Child;
pub use command::Command;
pub use stdio::{ChildStderr, ChildStdin, ChildStdout};
