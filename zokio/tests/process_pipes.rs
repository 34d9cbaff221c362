//! Zokio's own tests of a child's pipes: 10 MiB through `cat` with both
//! ends driven at once, `output()` collecting both streams, connecting two
//! children through a pipe turned back into `Stdio`, and the descriptors.
#![cfg(all(not(loom), target_os = "linux"))]
#![warn(rust_2018_idioms)]

use std::os::fd::{AsFd, AsRawFd};
use std::process::Stdio;
use std::time::Duration;
use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::process::Command;

mod support {
    pub mod within;
}
use support::within::within;

/// Bounds a test in time, so that a lost wake-up fails it instead of
/// hanging CI.
const LIMIT: Duration = Duration::from_secs(60);

const TEN_MIB: usize = 10 << 20;

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_mib_through_cat_intact() {
    within(LIMIT, async move {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        // Not a repeating pattern of a pipe's size: a lost or doubled chunk shows.
        let data: Vec<u8> = (0..TEN_MIB).map(|i| (i % 251) as u8).collect();
        let sent = data.clone();
        let writer = zokio::spawn(async move {
            stdin.write_all(&sent).await.unwrap();
            // Dropped here: cat sees the end of its input.
        });
        let reader = async {
            let mut received = Vec::with_capacity(TEN_MIB);
            stdout.read_to_end(&mut received).await.unwrap();
            received
        };
        let received = zokio::time::timeout(Duration::from_secs(60), reader)
            .await
            .expect("10 MiB through cat within 60 s");
        writer.await.unwrap();
        assert_eq!(received.len(), data.len());
        assert!(received == data, "the bytes differ");
        assert!(child.wait().await.unwrap().success());
    })
    .await;
}

#[zokio::test]
async fn output_collects_stdout_and_stderr() {
    within(LIMIT, async move {
        let output = Command::new("sh")
            .args(["-c", "echo to-out; echo to-err >&2; exit 4"])
            .output()
            .await
            .unwrap();
        assert_eq!(output.status.code(), Some(4));
        assert_eq!(output.stdout, b"to-out\n");
        assert_eq!(output.stderr, b"to-err\n");
    })
    .await;
}

#[zokio::test]
async fn output_of_a_child_filling_both_pipes_does_not_deadlock() {
    within(LIMIT, async move {
        // 1 MiB to each stream, far over a pipe's 64 KiB: both are read at once.
        let script = "head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2";
        let output = zokio::time::timeout(
            Duration::from_secs(30),
            Command::new("sh").args(["-c", script]).output(),
        )
        .await
        .expect("within 30 s")
        .unwrap();
        assert!(output.status.success());
        assert_eq!(output.stdout.len(), 1 << 20);
        assert_eq!(output.stderr.len(), 1 << 20);
    })
    .await;
}

#[zokio::test]
async fn a_pipe_becomes_the_stdin_of_another_child() {
    within(LIMIT, async move {
        let mut echo = Command::new("echo")
            .arg("hello world!")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let tr_stdin: Stdio = echo.stdout.take().unwrap().try_into().unwrap();
        let tr = Command::new("tr")
            .args(["a-z", "A-Z"])
            .stdin(tr_stdin)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let (echoed, output) = futures_lite::future::zip(echo.wait(), tr.wait_with_output()).await;
        assert!(echoed.unwrap().success());
        let output = output.unwrap();
        assert!(output.status.success());
        assert_eq!(output.stdout, b"HELLO WORLD!\n");
    })
    .await;
}

/// The pipes' descriptors are there to use (tokio's process_raw_handle
/// checks the Windows handle; this is the Unix counterpart), non-blocking
/// while Zokio owns them and blocking again once handed back.
#[zokio::test]
async fn pipe_descriptors_are_exposed_and_handed_back_blocking() {
    within(LIMIT, async move {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let flags = |fd: i32| {
            // SAFETY: F_GETFL takes no pointer; `fd` is open while borrowed below.
            unsafe { libc::fcntl(fd, libc::F_GETFL) }
        };
        assert_eq!(stdin.as_raw_fd(), stdin.as_fd().as_raw_fd());
        assert_ne!(flags(stdin.as_raw_fd()) & libc::O_NONBLOCK, 0);
        assert_ne!(flags(stdout.as_raw_fd()) & libc::O_NONBLOCK, 0);
        let owned = stdin.into_owned_fd().unwrap();
        assert_eq!(flags(owned.as_raw_fd()) & libc::O_NONBLOCK, 0);
        // Writing through the handed-back descriptor still reaches cat.
        let mut file = std::fs::File::from(owned);
        std::io::Write::write_all(&mut file, b"back").unwrap();
        drop(file);
        let mut text = String::new();
        let mut stdout = stdout;
        stdout.read_to_string(&mut text).await.unwrap();
        assert_eq!(text, "back");
        assert!(child.wait().await.unwrap().success());
    })
    .await;
}

#[zokio::test]
async fn wait_closes_stdin_so_cat_can_exit() {
    within(LIMIT, async move {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        assert!(child.stdin.is_some());
        let status = zokio::time::timeout(Duration::from_secs(10), child.wait())
            .await
            .expect("cat exits once its stdin closes");
        assert!(status.unwrap().success());
        assert!(child.stdin.is_none());
    })
    .await;
}

#[zokio::test]
async fn command_builder_options_reach_the_child() {
    within(LIMIT, async move {
        let dir = std::env::temp_dir();
        let mut command = Command::new("sh");
        command
            .args(["-c", "echo $A:$B:$C:$(pwd)"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap())
            .envs([("A", "1"), ("B", "2")])
            .env("C", "3")
            .env_remove("C")
            .current_dir(&dir)
            .stdin(Stdio::null());
        assert!(!command.get_kill_on_drop());
        command.kill_on_drop(true);
        assert!(command.get_kill_on_drop());
        let output = command.output().await.unwrap();
        let expected = format!("1:2::{}\n", dir.canonicalize().unwrap().display());
        assert_eq!(String::from_utf8(output.stdout).unwrap(), expected);

        // A new process group (its id is the child's pid), and uid/gid set to
        // our own (allowed unprivileged).
        // SAFETY: getuid/getgid take no arguments and cannot fail.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        let mut sleeper = Command::new("sleep")
            .arg("10")
            .process_group(0)
            .uid(uid)
            .gid(gid)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pid = sleeper.id().unwrap();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        // "pid (comm) state ppid pgrp ...".
        let pgrp: u32 = stat[stat.rfind(')').unwrap() + 2..]
            .split(' ')
            .nth(2)
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(pgrp, pid);
        sleeper.kill().await.unwrap();

        let from_std = Command::from(std::process::Command::new("true"))
            .output()
            .await
            .unwrap();
        assert!(from_std.status.success() && from_std.stdout.is_empty());

        let std = command.into_std();
        assert_eq!(std.get_program(), "sh");
    })
    .await;
}
