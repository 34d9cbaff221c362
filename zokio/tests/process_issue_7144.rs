//! A port of tokio's tests/process_issue_7144.rs to `zokio::process`: its
//! one test. Twenty `strace -D sleep 5` children get SIGINT; each must be
//! reaped (strace's detached tracer makes the exit arrive in an unusual
//! order). Like tokio's, it does nothing where `strace` cannot run.
//!
//! Each test body is bounded by a 60 s timeout (`within`), which tokio's
//! tests do not have.
#![cfg(all(not(loom), target_os = "linux"))]
#![warn(rust_2018_idioms)]

use std::time::Duration;
use zokio::process::Command;
use zokio::time::sleep;

mod support {
    pub mod within;
}
use support::within::within;

/// Bounds a test in time, so that a lost wake-up fails it instead of
/// hanging CI.
const LIMIT: Duration = Duration::from_secs(60);

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_7144() {
    within(LIMIT, async move {
        let mut threads = vec![];
        for _ in 0..20 {
            threads.push(zokio::spawn(test_one()));
        }
        for thread in threads {
            zokio::time::timeout(Duration::from_secs(30), thread)
                .await
                .expect("reaped within 30 s")
                .unwrap();
        }
    })
    .await;
}

async fn has_strace() -> bool {
    Command::new("strace").arg("-V").output().await.is_ok()
}

async fn test_one() {
    if !has_strace().await {
        return;
    }

    let mut t = Command::new("strace")
        .args("-o /dev/null -D sleep 5".split(' '))
        .spawn()
        .unwrap();
    sleep(Duration::from_millis(100)).await;
    // SAFETY: `kill` takes no pointer; the pid is our unreaped child's.
    unsafe { libc::kill(t.id().unwrap() as _, libc::SIGINT) };
    t.wait().await.unwrap();
}
