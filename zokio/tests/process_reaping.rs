//! Zokio's own tests of reaping: many children at once, children dropped
//! unwaited (orphans), on a runtime no one drives any more, and killed on
//! drop. Every child must leave the process table: none stays a zombie.
//! All of them run again in a child process forced onto the `SIGCHLD`
//! reaper (`ZOKIO_PROCESS_REAPER=signal`).
#![cfg(all(not(loom), target_os = "linux"))]
#![warn(rust_2018_idioms)]

use std::process::Stdio;
use std::time::{Duration, Instant};
use zokio::process::Command;

mod support {
    pub mod within;
}
use support::within::within;

/// Bounds a test in time, so that a lost wake-up fails it instead of
/// hanging CI.
const LIMIT: Duration = Duration::from_secs(60);

/// `pid`'s state letter if it is a child of this process ('Z': zombie).
fn child_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid ...": comm may hold spaces, so split after ')'.
    let mut fields = stat[stat.rfind(')')? + 2..].split(' ');
    let state = fields.next()?.chars().next()?;
    let ppid: u32 = fields.next()?.parse().ok()?;
    (ppid == std::process::id()).then_some(state)
}

/// Waits (up to 10 s) until none of `pids` is a child of ours any more.
fn assert_all_gone(pids: &[u32]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left: Vec<_> = pids
            .iter()
            .filter_map(|&pid| child_state(pid).map(|state| (pid, state)))
            .collect();
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "children still there after 10 s (pid, state): {left:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_children_spawned_concurrently_are_all_reaped() {
    within(LIMIT, async move {
        let tasks: Vec<_> = (0..1000)
            .map(|_| {
                zokio::spawn(async {
                    let mut child = Command::new("true").spawn().unwrap();
                    let pid = child.id().unwrap();
                    let status = child.wait().await.unwrap();
                    assert!(status.success());
                    pid
                })
            })
            .collect();
        let all = async {
            let mut pids = Vec::new();
            for task in tasks {
                pids.push(task.await.unwrap());
            }
            pids
        };
        let pids = zokio::time::timeout(Duration::from_secs(60), all)
            .await
            .expect("1,000 children reaped within 60 s");
        // `wait` returned, so each was reaped then: none may be left, even for
        // a moment (a pid reused since by a child of another test is running,
        // not a zombie of ours).
        let zombies: Vec<_> = pids
            .iter()
            .filter(|&&pid| child_state(pid) == Some('Z'))
            .collect();
        assert!(zombies.is_empty(), "zombies: {zombies:?}");
    })
    .await;
}

#[zokio::test]
async fn children_dropped_without_wait_are_reaped() {
    within(LIMIT, async move {
        let mut pids = Vec::new();
        for _ in 0..50 {
            // Exits at once: mostly dropped before it has exited, sometimes after.
            let child = Command::new("true").spawn().unwrap();
            pids.push(child.id().unwrap());
        }
        for _ in 0..5 {
            // Still running when dropped: reaped by the background reactor later.
            let child = Command::new("sleep").arg("0.2").spawn().unwrap();
            pids.push(child.id().unwrap());
        }
        assert_all_gone(&pids);
    })
    .await;
}

#[test]
fn an_orphan_is_reaped_although_its_runtime_is_never_driven_again() {
    let rt = zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pid = rt.block_on(async {
        let child = Command::new("sleep").arg("0.1").spawn().unwrap();
        child.id().unwrap()
    });
    // `rt` lives on, but nothing runs it; nothing is spawned again either.
    assert_all_gone(&[pid]);
    drop(rt);
}

#[test]
fn an_orphan_outlives_the_runtime_it_was_spawned_on() {
    let rt = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let pid = rt.block_on(async {
        let child = Command::new("sleep").arg("0.2").spawn().unwrap();
        child.id().unwrap()
    });
    drop(rt);
    assert_all_gone(&[pid]);
}

#[zokio::test]
async fn kill_on_drop_kills_and_reaps_and_plain_drop_does_not_kill() {
    within(LIMIT, async move {
        let killed = Command::new("sleep")
            .arg("100")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let killed_pid = killed.id().unwrap();
        let mut survivor = Command::new("sleep")
            .arg("100")
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let survivor_pid = survivor.id().unwrap();
        drop(killed);
        assert_all_gone(&[killed_pid]);
        assert_eq!(child_state(survivor_pid).map(|s| s != 'Z'), Some(true));
        survivor.kill().await.unwrap();
        assert_eq!(child_state(survivor_pid), None);
    })
    .await;
}

#[zokio::test]
async fn try_wait_reaps_without_waiting() {
    within(LIMIT, async move {
        let mut child = Command::new("sleep").arg("0.05").spawn().unwrap();
        let pid = child.id().unwrap();
        assert_eq!(child.try_wait().unwrap(), None);
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "sleep 0.05 still running after 10 s"
            );
            zokio::time::sleep(Duration::from_millis(5)).await;
        };
        assert!(status.success());
        assert_eq!(child.id(), None);
        assert_eq!(child_state(pid), None);
        // Fused, and kill after exit is fine.
        assert_eq!(child.wait().await.unwrap(), status);
        child.start_kill().unwrap();
    })
    .await;
}

#[zokio::test]
async fn a_killed_child_reports_the_signal() {
    within(LIMIT, async move {
        use std::os::unix::process::ExitStatusExt;
        let mut child = Command::new("sleep").arg("100").spawn().unwrap();
        child.start_kill().unwrap();
        let status = child.wait().await.unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        assert_eq!(status.code(), None);
        let status = Command::new("sh")
            .args(["-c", "kill -TERM $$"])
            .status()
            .await
            .unwrap();
        assert_eq!(status.signal(), Some(libc::SIGTERM));
    })
    .await;
}

#[zokio::test]
async fn a_cancelled_wait_loses_nothing() {
    within(LIMIT, async move {
        let mut child = Command::new("sleep").arg("0.1").spawn().unwrap();
        let cancelled = zokio::time::timeout(Duration::from_millis(10), child.wait()).await;
        assert!(cancelled.is_err(), "sleep 0.1 outlived 10 ms");
        let status = zokio::time::timeout(Duration::from_secs(10), child.wait())
            .await
            .expect("reaped within 10 s");
        assert!(status.unwrap().success());
    })
    .await;
}

#[test]
fn every_test_here_passes_with_the_sigchld_reaper_too() {
    const REAPER: &str = "ZOKIO_PROCESS_REAPER";
    if std::env::var_os(REAPER).is_some() {
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
        stdout.contains("children_dropped_without_wait_are_reaped ... ok"),
        "{stdout}"
    );
}
