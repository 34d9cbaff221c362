//! A port of tokio's tests/process_kill_on_drop.rs to `zokio::process`: its
//! one test, plus Zokio's check that the killed child is also reaped (gone
//! from the process table, not left a zombie).
//!
//! Each test body is bounded by a 60 s timeout (`within`), which tokio's
//! tests do not have.
#![cfg(all(not(loom), target_os = "linux"))]
#![warn(rust_2018_idioms)]

use std::io::ErrorKind;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio_test::assert_ok;
use zokio::io::AsyncReadExt;
use zokio::process::Command;
use zokio::time::sleep;

mod support {
    pub mod within;
}
use support::within::within;

/// Bounds a test in time, so that a lost wake-up fails it instead of
/// hanging CI.
const LIMIT: Duration = Duration::from_secs(60);

#[zokio::test]
async fn kill_on_drop() {
    within(LIMIT, async move {
        let mut cmd = Command::new("bash");
        cmd.args([
            "-c",
            "
       # Fork another child that won't get killed
       sh -c 'sleep 1; echo child ran' &
       disown -a

       # Await our death
       sleep 5
       echo hello from beyond the grave
    ",
        ]);

        let e = cmd.kill_on_drop(true).stdout(Stdio::piped()).spawn();
        if e.is_err() && e.as_ref().unwrap_err().kind() == ErrorKind::NotFound {
            println!("bash not available; skipping test");
            return;
        }
        let mut child = e.unwrap();

        sleep(Duration::from_secs(2)).await;

        let mut out = child.stdout.take().unwrap();
        drop(child);

        let mut msg = String::new();
        let read = zokio::time::timeout(Duration::from_secs(10), out.read_to_string(&mut msg));
        assert_ok!(
            read.await
                .expect("the grandchild's output ends within 10 s")
        );

        assert_eq!("child ran\n", msg);
    })
    .await;
}

/// Whether `pid` is still a child of this process (running or a zombie).
fn is_our_child(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // "pid (comm) state ppid ...": comm may hold spaces, so split after ')'.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let ppid: u32 = after.split(' ').nth(1).unwrap().parse().unwrap();
    ppid == std::process::id()
}

#[zokio::test]
async fn a_child_killed_on_drop_is_gone() {
    within(LIMIT, async move {
        let child = Command::new("sleep")
            .arg("100")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pid = child.id().unwrap();
        assert!(is_our_child(pid));
        drop(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while is_our_child(pid) {
            assert!(
                Instant::now() < deadline,
                "child {pid} still there after 10 s"
            );
            sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
}
