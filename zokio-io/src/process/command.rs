//! `Command`: std's process builder, spawning children whose exit and pipes
//! are asynchronous.

use std::ffi::OsStr;
use std::future::Future;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{ExitStatus, Output, Stdio};

use super::child::Child;
use super::reaper::{self, Reaper};
use super::stdio::{ChildStderr, ChildStdin, ChildStdout};
use crate::reactor::Handle;

/// A process builder with the methods of [`std::process::Command`], whose
/// [`spawn`](Command::spawn) gives a [`Child`] to wait for asynchronously,
/// and whose [`status`](Command::status) and [`output`](Command::output)
/// are futures.
///
/// ```
/// use zokio_io::process::Command;
///
/// futures_lite::future::block_on(async {
///     let output = Command::new("echo").arg("hello").arg("world").output().await?;
///     assert!(output.status.success());
///     assert_eq!(output.stdout, b"hello world\n");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
}

impl Command {
    /// A command to run `program`, with no arguments, the parent's
    /// environment and working directory, and inherited stdio (for
    /// [`spawn`](Command::spawn) and [`status`](Command::status)).
    ///
    /// ```
    /// let command = zokio_io::process::Command::new("true");
    /// assert_eq!(command.as_std().get_program(), "true");
    /// ```
    pub fn new<S: AsRef<OsStr>>(program: S) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// The std builder inside.
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// The std builder inside, for the options this type has no method for.
    ///
    /// ```
    /// let mut command = zokio_io::process::Command::new("true");
    /// command.as_std_mut().arg("ignored");
    /// assert_eq!(command.as_std().get_args().count(), 1);
    /// ```
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// The std builder inside (losing [`kill_on_drop`](Command::kill_on_drop)).
    pub fn into_std(self) -> std::process::Command {
        self.std
    }

    /// Adds one argument.
    pub fn arg<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    ///
    /// ```
    /// use zokio_io::process::Command;
    ///
    /// futures_lite::future::block_on(async {
    ///     let output = Command::new("sh").args(["-c", "echo $GREETING"])
    ///         .env("GREETING", "hi")
    ///         .output()
    ///         .await?;
    ///     assert_eq!(output.stdout, b"hi\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn env<K, V>(&mut self, key: K, val: V) -> &mut Command
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.env(key, val);
        self
    }

    /// Sets environment variables for the child.
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable from the child's environment.
    pub fn env_remove<K: AsRef<OsStr>>(&mut self, key: K) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Gives the child an empty environment (plus what `env` adds after).
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Sets the child's working directory. One that does not exist makes
    /// [`spawn`](Command::spawn) fail with an error.
    pub fn current_dir<P: AsRef<Path>>(&mut self, dir: P) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// The child's standard input: [`Stdio::piped()`] makes
    /// [`Child::stdin`] a [`ChildStdin`]; [`Stdio::null()`] and
    /// [`Stdio::inherit()`] (the default) work as in std.
    pub fn stdin<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdin(cfg);
        self
    }

    /// The child's standard output; see [`stdin`](Command::stdin).
    pub fn stdout<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// The child's standard error; see [`stdin`](Command::stdin).
    pub fn stderr<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Whether dropping the [`Child`] before it was reaped kills the
    /// process (with `SIGKILL`). Off by default, as in std: a dropped child
    /// runs on, and is reaped in the background when it exits. Either way
    /// the process is reaped.
    ///
    /// ```
    /// use zokio_io::process::Command;
    ///
    /// let child = Command::new("sleep").arg("10").kill_on_drop(true).spawn()?;
    /// drop(child); // killed now, reaped in the background
    /// # std::io::Result::Ok(())
    /// ```
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// Whether [`kill_on_drop`](Command::kill_on_drop) is set.
    pub fn get_kill_on_drop(&self) -> bool {
        self.kill_on_drop
    }

    /// Runs the child as user `id` (`setuid`).
    pub fn uid(&mut self, id: u32) -> &mut Command {
        self.std.uid(id);
        self
    }

    /// Runs the child as group `id` (`setgid`).
    pub fn gid(&mut self, id: u32) -> &mut Command {
        self.std.gid(id);
        self
    }

    /// Puts the child in process group `pgroup` (0: a new group whose id is
    /// the child's pid).
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        self.std.process_group(pgroup);
        self
    }

    /// Sets the child's `argv[0]` (by default, the program as given).
    ///
    /// ```
    /// use zokio_io::process::Command;
    ///
    /// futures_lite::future::block_on(async {
    ///     let output = Command::new("sh").arg0("renamed").args(["-c", "echo $0"]).output().await?;
    ///     assert_eq!(output.stdout, b"renamed\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn arg0<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg0(arg);
        self
    }

    /// Runs `f` in the child after `fork` and before `exec`, as
    /// [`std::os::unix::process::CommandExt::pre_exec`].
    ///
    /// # Safety
    ///
    /// As std's: `f` runs in a forked copy of a possibly multi-threaded
    /// process, where only async-signal-safe operations are sound (no
    /// allocation, no locks another thread may have held).
    pub unsafe fn pre_exec<F>(&mut self, f: F) -> &mut Command
    where
        F: FnMut() -> io::Result<()> + Send + Sync + 'static,
    {
        // SAFETY: the caller upholds std's contract, passed on unchanged.
        unsafe { self.std.pre_exec(f) };
        self
    }

    /// Starts the child. Its pipes (the streams set to [`Stdio::piped()`])
    /// and its exit are registered with the current reactor: the entered
    /// runtime's, or the background one under any other executor (or none).
    ///
    /// Errors: those of std's `spawn` (a program that does not exist, a
    /// working directory that does not exist, no descriptors or processes
    /// left), and failures to watch the child (no descriptor left for its
    /// pidfd). In the latter case the child, already started, is killed
    /// and reaped before the error returns: a failed spawn leaves no
    /// process and no descriptor behind.
    ///
    /// # Panics
    ///
    /// On the threads of a runtime built without I/O, as every source of
    /// this crate does ([`Handle::current`](crate::Handle::current)), with
    /// a message naming the missing setting.
    ///
    /// ```
    /// use zokio_io::process::Command;
    ///
    /// let err = Command::new("/no/such/program").spawn().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn spawn(&mut self) -> io::Result<Child> {
        // Before the child exists, so that neither an error nor the panic
        // of a runtime without I/O leaves a child that nothing reaps.
        let mode = reaper::mode()?;
        let handle = Handle::current()?;
        // The pipes and the reaper below register with this same reactor.
        let _entered = handle.enter();
        let mut std_child = self.std.spawn()?;
        let pid = std_child.id();
        let watched = (|| {
            let stdin = std_child.stdin.take().map(ChildStdin::from_std);
            let stdout = std_child.stdout.take().map(ChildStdout::from_std);
            let stderr = std_child.stderr.take().map(ChildStderr::from_std);
            let (stdin, stdout, stderr) =
                (stdin.transpose()?, stdout.transpose()?, stderr.transpose()?);
            let reaper = Reaper::new(mode, pid)?;
            io::Result::Ok((reaper, stdin, stdout, stderr))
        })();
        match watched {
            Ok((reaper, stdin, stdout, stderr)) => Ok(Child::new(
                pid,
                reaper,
                self.kill_on_drop,
                stdin,
                stdout,
                stderr,
            )),
            Err(e) => {
                // Nothing could wait for it asynchronously; a killed child
                // exits at once, so this wait is short.
                let _ = std_child.kill();
                let _ = std_child.wait();
                Err(e)
            }
        }
    }

    /// Runs the child to its exit and returns its status. Spawns at once
    /// (as Tokio's does); the future waits. Stdio is inherited unless set
    /// otherwise, and pipes asked for are closed at once.
    ///
    /// ```
    /// use zokio_io::process::Command;
    ///
    /// futures_lite::future::block_on(async {
    ///     let status = Command::new("sh").args(["-c", "exit 7"]).status().await?;
    ///     assert_eq!(status.code(), Some(7));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn status(&mut self) -> impl Future<Output = io::Result<ExitStatus>> + use<> {
        let child = self.spawn();
        async {
            let mut child = child?;
            // Pipes the child may block on, which no one will read or write.
            drop((child.stdin.take(), child.stdout.take(), child.stderr.take()));
            child.wait().await
        }
    }

    /// Runs the child to its exit, collecting its stdout and stderr (this
    /// sets both to [`Stdio::piped()`] on the command). Spawns at once; the
    /// future waits.
    ///
    /// ```
    /// use zokio_io::process::Command;
    ///
    /// futures_lite::future::block_on(async {
    ///     let output = Command::new("sh").args(["-c", "echo out; echo err >&2"]).output().await?;
    ///     assert_eq!(output.stdout, b"out\n");
    ///     assert_eq!(output.stderr, b"err\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> + use<> {
        self.std.stdout(Stdio::piped());
        self.std.stderr(Stdio::piped());
        let child = self.spawn();
        async { child?.wait_with_output().await }
    }
}

impl From<std::process::Command> for Command {
    /// A command from std's builder, with `kill_on_drop` off.
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            kill_on_drop: false,
        }
    }
}
