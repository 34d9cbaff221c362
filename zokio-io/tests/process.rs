//! `zokio_io::process` standalone, under `futures_lite::future::block_on`
//! and smol's executor, with no Zokio runtime: children register with the
//! background reactor. Also a child spawned on an `IoDriver` that is then
//! dropped, waited for afterwards (it moves to the background reactor).
//!
//! The tests run once with the default reaper (pidfds on this kernel), and
//! once more, all of them, in a child process forced onto the `SIGCHLD`
//! reaper (`ZOKIO_PROCESS_REAPER=signal`).
#![cfg(all(not(loom), target_os = "linux"))]

use std::process::Stdio;
use std::time::{Duration, Instant};

use futures_lite::future::block_on;
use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use zokio_io::IoDriver;
use zokio_io::process::Command;

fn is_our_child(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    after.split(' ').nth(1).unwrap().parse::<u32>().unwrap() == std::process::id()
}

/// Bounds a future in time (with smol's timer: no Zokio runtime here).
fn within<T>(limit: Duration, future: impl std::future::Future<Output = T>) -> T {
    let timeout = async {
        smol::Timer::after(limit).await;
        None
    };
    match block_on(futures_lite::future::or(
        async { Some(future.await) },
        timeout,
    )) {
        Some(output) => output,
        None => panic!("not done within {limit:?}"),
    }
}

#[test]
fn spawn_wait_and_output_under_block_on() {
    within(Duration::from_secs(30), async {
        let status = Command::new("sh")
            .args(["-c", "exit 5"])
            .status()
            .await
            .unwrap();
        assert_eq!(status.code(), Some(5));

        let output = Command::new("sh")
            .args(["-c", "echo out; echo err >&2"])
            .output()
            .await
            .unwrap();
        assert_eq!(output.stdout, b"out\n");
        assert_eq!(output.stderr, b"err\n");

        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let data = vec![42u8; 1 << 20];
        let write = async {
            stdin.write_all(&data).await.unwrap();
            drop(stdin);
        };
        let read = async {
            let mut got = Vec::new();
            stdout.read_to_end(&mut got).await.unwrap();
            got
        };
        let ((), got) = futures_lite::future::zip(write, read).await;
        assert!(got == data);
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn spawn_and_wait_under_smol() {
    let status = smol::block_on(async {
        let task = smol::spawn(async { Command::new("true").status().await });
        let timeout = async {
            smol::Timer::after(Duration::from_secs(60)).await;
            panic!("not reaped within 60 s");
        };
        futures_lite::future::or(task, timeout).await
    });
    assert!(status.unwrap().success());
}

#[test]
fn a_child_of_a_dropped_driver_is_waited_for_on_the_background_reactor() {
    let driver = IoDriver::new().unwrap();
    let guard = driver.handle().enter();
    let mut child = Command::new("sleep").arg("0.05").spawn().unwrap();
    drop(guard);
    drop(driver);
    let status = within(Duration::from_secs(10), child.wait()).unwrap();
    assert!(status.success());
}

/// The pidfd of a child that exited long ago is registered anew: adding it
/// to the background reactor's poller must report it readable at once.
#[test]
fn a_child_that_exited_before_it_moved_reactors_is_reaped_on_the_new_one() {
    let driver = IoDriver::new().unwrap();
    let guard = driver.handle().enter();
    let mut child = Command::new("true").spawn().unwrap();
    drop(guard);
    std::thread::sleep(Duration::from_millis(200)); // `true` has exited
    drop(driver);
    let status = within(Duration::from_secs(10), child.wait()).unwrap();
    assert!(status.success());
}

#[test]
fn an_orphan_is_reaped_without_any_executor() {
    let child = Command::new("sleep").arg("0.05").spawn().unwrap();
    let pid = child.id().unwrap();
    drop(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while is_our_child(pid) {
        assert!(Instant::now() < deadline, "orphan {pid} not reaped in 10 s");
        std::thread::sleep(Duration::from_millis(5));
    }
}

const REAPER: &str = "ZOKIO_PROCESS_REAPER";

/// How many of this process's descriptors are pidfds.
fn pidfds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .flatten()
        .filter(|fd| {
            std::fs::read_link(fd.path())
                .is_ok_and(|target| target.to_string_lossy().contains("pidfd"))
        })
        .count()
}

#[test]
fn the_reaper_in_use_is_the_one_chosen() {
    let mut child = Command::new("sleep")
        .arg("10")
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let watched_by_pidfd = pidfds() > 0;
    match std::env::var(REAPER).as_deref() {
        Ok("signal") => assert!(!watched_by_pidfd, "the SIGCHLD reaper opened a pidfd"),
        // This machine's kernel has pidfds (Linux 5.4+).
        _ => assert!(watched_by_pidfd, "no pidfd watches the child"),
    }
    within(Duration::from_secs(10), child.kill()).unwrap();
}

#[test]
fn every_test_here_passes_with_the_sigchld_reaper_too() {
    if std::env::var_os(REAPER).is_some() {
        return;
    }
    // Not under ThreadSanitizer, which defers an asynchronous signal that
    // lands on a thread inside a system call it does not intercept (a raw
    // `epoll_wait` from rustix, a futex park from std) until that thread's
    // next intercepted call: a `SIGCHLD` delivered to a thread that then
    // sleeps on is never handed to the handler, and the reaper waits
    // forever (seen in about one run in three). strace of a hung run shows
    // the kernel delivering `SIGCHLD` and no handler `write` after it; a
    // second `SIGCHLD` sent to the reactor thread completes the test. The
    // plain `cargo xtask ci` pass runs this re-run; `cargo xtask sanitize`
    // says which sanitizer runs.
    if std::env::var("ZOKIO_SANITIZER").is_ok_and(|s| s == "thread") {
        eprintln!("skipped under ThreadSanitizer: see the comment in this test");
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--nocapture")
        .env(REAPER, "signal")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "with {REAPER}=signal:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("test result: ok."), "{stdout}");
    assert!(
        stdout.contains("the_reaper_in_use_is_the_one_chosen ... ok"),
        "{stdout}"
    );
}

#[test]
fn waiting_where_only_a_shut_down_reactor_is_entered_is_an_error_and_the_child_is_still_reaped() {
    use zokio_core::Driver;
    let mut driver = IoDriver::new().unwrap();
    let guard = driver.handle().enter();
    let mut child = Command::new("sleep").arg("0.05").spawn().unwrap();
    let pid = child.id().unwrap();
    driver.shutdown();
    // Still entered: there is no reactor to move to.
    let err = within(Duration::from_secs(10), child.wait()).unwrap_err();
    assert!(err.to_string().contains("shut down"), "{err}");
    drop(guard);
    // Dropped unreaped: an orphan, reaped by the background reactor.
    drop(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while is_our_child(pid) {
        assert!(Instant::now() < deadline, "child {pid} not reaped in 10 s");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// As Tokio's: every type can move between threads and be shared.
#[test]
fn the_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Command>();
    send_sync::<zokio_io::process::Child>();
    send_sync::<zokio_io::process::ChildStdin>();
    send_sync::<zokio_io::process::ChildStdout>();
    send_sync::<zokio_io::process::ChildStderr>();
}
