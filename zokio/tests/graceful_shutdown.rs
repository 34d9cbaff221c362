//! Runs the `graceful_shutdown` example as a user would (a process of its
//! own), with requests in flight, sends it SIGTERM (or SIGINT), and checks
//! that every in-flight request got its whole answer, that it stopped
//! accepting, and that it exited 0.
//!
//! Finding the binary. Cargo gives tests the path of `[[bin]]` targets
//! (`CARGO_BIN_EXE_*`) but not of examples, and `cargo test --test
//! graceful_shutdown` does not build examples at all. So the test asks the
//! cargo that built it (`env!("CARGO")`) to build the example with this
//! test's own target directory, profile and features: a no-op taking a few
//! tens of milliseconds after a plain `cargo test` (which builds examples),
//! a build of the example alone otherwise, and never a stale binary. Where
//! cargo cannot run (a test binary copied elsewhere), the binary next to
//! this one (`<target>/<profile>/examples/`) is used if present; otherwise
//! the test fails saying how to build it.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

const EXAMPLE: &str = "graceful_shutdown";
const IN_FLIGHT: usize = 4;
/// Each request's work in the server: long enough that the signal comes
/// while every request is in flight.
const DELAY_MS: &str = "300";
/// A cold build of the example alone, on a loaded machine.
const BUILD_TIMEOUT: Duration = Duration::from_secs(600);

/// Kills the child (the server, or cargo) if the test fails before it exits.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// The target directory, profile and (when cross-compiling) target triple
/// this test binary was built for, from its path
/// `<target>[/<triple>]/<profile>/deps/<test>`.
fn build_layout() -> Option<(PathBuf, String, Option<String>)> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let profile = match profile_dir.file_name()?.to_str()? {
        "debug" => "dev".to_string(),
        other => other.to_string(),
    };
    let parent = profile_dir.parent()?;
    if parent.join("CACHEDIR.TAG").exists() {
        return Some((parent.to_path_buf(), profile, None));
    }
    let triple = parent.file_name()?.to_str()?.to_string();
    Some((parent.parent()?.to_path_buf(), profile, Some(triple)))
}

/// The example's path, built (or found up to date) once per test process.
fn example_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(build_example).clone()
}

fn build_example() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let beside = exe
        .parent()
        .and_then(Path::parent)
        .expect("<profile>/deps/<test>")
        .join("examples")
        .join(EXAMPLE);
    if let Some((target_dir, profile, triple)) = build_layout() {
        let mut build = Command::new(env!("CARGO"));
        build
            .args(["build", "--quiet", "-p", "zokio", "--example", EXAMPLE])
            .arg("--target-dir")
            .arg(&target_dir)
            .args(["--profile", &profile])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if let Some(triple) = triple {
            build.args(["--target", &triple]);
        }
        // The same features as this test, so that cargo reuses the library
        // it already built instead of building another variant.
        let features: Vec<&str> = [
            (cfg!(feature = "hyper"), "hyper"),
            (cfg!(feature = "hyper-client"), "hyper-client"),
            (cfg!(feature = "tokio-io"), "tokio-io"),
            (cfg!(feature = "tokio-rt"), "tokio-rt"),
            (cfg!(feature = "tracing"), "tracing"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        if !features.is_empty() {
            build.args(["--features", &features.join(",")]);
        }
        match build.spawn() {
            Ok(child) => {
                let status = wait_bounded(Server(child), BUILD_TIMEOUT, "cargo build");
                assert!(
                    status.success(),
                    "building the {EXAMPLE} example failed ({status})"
                );
            }
            Err(e) => eprintln!("cannot run cargo ({e}); using {}", beside.display()),
        }
    }
    assert!(
        beside.exists(),
        "{} is missing: build it with `cargo build -p zokio --example {EXAMPLE}`",
        beside.display()
    );
    beside
}

/// Waits for `child` to exit, killing it (through the guard) after `limit`.
fn wait_bounded(mut child: Server, limit: Duration, what: &str) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.0.try_wait().expect("wait for a child") {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not finish within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Forwards the server's stdout, line by line, to a channel.
fn lines_of(child: &mut Child) -> Receiver<String> {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The next stdout line, within `deadline`.
fn next_line(lines: &Receiver<String>, deadline: Instant, waiting_for: &str) -> String {
    let left = deadline.saturating_duration_since(Instant::now());
    lines
        .recv_timeout(left)
        .unwrap_or_else(|e| panic!("waiting for {waiting_for}: {e}"))
}

fn send(child: &Child, signum: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).expect("a pid fits pid_t");
    // SAFETY: kill(2) takes no pointers; `pid` is our child, not yet reaped
    // (the `Server` guard waits for it only after this).
    let rc = unsafe { libc::kill(pid, signum) };
    assert_eq!(rc, 0, "kill({pid}, {signum})");
}

fn shuts_down_gracefully_on(signum: libc::c_int, name: &str) {
    // Bounds the whole scenario (the build has its own bound): every wait
    // below stops at this deadline.
    let binary = example_binary();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut server = Server(
        Command::new(binary)
            .args(["127.0.0.1:0", DELAY_MS, "5"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("the example starts"),
    );
    let lines = lines_of(&mut server.0);
    let first = next_line(&lines, deadline, "the bound address");
    let addr = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line {first:?} is not `listening on <addr>`"))
        .to_string();

    let connect = || {
        let stream = TcpStream::connect(&addr).expect("connect to the example");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
    };
    let mut requests: Vec<(usize, TcpStream)> = (0..IN_FLIGHT)
        .map(|i| {
            let mut stream = connect();
            writeln!(stream, "request {i}").unwrap();
            (i, stream)
        })
        .collect();
    // Connected, never sends its request: not in flight at shutdown.
    let mut idle = connect();
    // Each "received" line is printed once a request has arrived, before its
    // 300 ms of work: after all of them, every request is in flight.
    for _ in 0..IN_FLIGHT {
        let line = next_line(&lines, deadline, "the requests to arrive");
        assert!(line.starts_with("received "), "unexpected line {line:?}");
    }
    send(&server.0, signum);

    let stopped = next_line(&lines, deadline, "the shutdown notice");
    assert!(
        stopped.starts_with(&format!("{name}: stopped accepting")),
        "unexpected line {stopped:?}"
    );
    // The listener is closed before that line is printed.
    assert!(
        TcpStream::connect(&addr).is_err(),
        "a connection was accepted after shutdown began"
    );

    for (i, stream) in &mut requests {
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .unwrap_or_else(|e| panic!("request {i}'s answer: {e}"));
        assert_eq!(answer, format!("ok request {i}\n"), "request {i}");
    }
    // Closed unanswered: with EOF if the server had accepted it, with a
    // reset if it was still in the backlog when the listener closed.
    let mut nothing = Vec::new();
    match idle.read_to_end(&mut nothing) {
        Ok(_) => assert!(nothing.is_empty(), "an idle connection gets no answer"),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("the idle connection: {e}"),
    }

    let drained = next_line(&lines, deadline, "the drain count");
    assert_eq!(drained, format!("drained {IN_FLIGHT} in-flight requests"));
    let left = deadline.saturating_duration_since(Instant::now());
    let status = wait_bounded(server, left, "the example's exit");
    assert!(status.success(), "exit status {status}");
}

#[test]
fn drains_in_flight_requests_and_exits_0_on_sigterm() {
    shuts_down_gracefully_on(libc::SIGTERM, "SIGTERM");
}

#[test]
fn drains_in_flight_requests_and_exits_0_on_sigint() {
    shuts_down_gracefully_on(libc::SIGINT, "SIGINT");
}
