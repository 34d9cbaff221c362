//! A port of tokio's tests/process_issue_42.rs to `zokio::process`: its one
//! test, with `zokio::spawn` handles awaited in turn where tokio's uses the
//! futures crate's `join_all` (the children of a batch are still waited for
//! concurrently, by `futures_lite::future::zip` folded over the batch).
//!
//! Each test body is bounded by a 60 s timeout (`within`), which tokio's
//! tests do not have.
#![cfg(all(not(loom), target_os = "linux"))]
#![warn(rust_2018_idioms)]

use std::future::Future;
use std::pin::Pin;
use std::process::Stdio;
use std::time::Duration;
use zokio::process::Command;
use zokio::task;

mod support {
    pub mod within;
}
use support::within::within;

/// Bounds a test in time, so that a lost wake-up fails it instead of
/// hanging CI.
const LIMIT: Duration = Duration::from_secs(60);

type Wait = Pin<Box<dyn Future<Output = ()> + Send>>;

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_42() {
    within(LIMIT, async move {
        // We spawn a many batches of processes which should exit at roughly the
        // same time (modulo OS scheduling delays), to make sure that consuming
        // a readiness event for one process doesn't inadvertently starve another.
        // We then do this many times (in parallel) in an effort to stress test the
        // implementation to ensure there are no race conditions.
        // See alexcrichton/tokio-process#42 for background
        let join_handles: Vec<_> = (0..10usize)
            .map(|_| {
                task::spawn(async {
                    let processes = (0..10usize).map(|i| {
                        let mut child = Command::new("echo")
                            .arg(format!("I am spawned process #{i}"))
                            .stdin(Stdio::null())
                            .stdout(Stdio::null())
                            .stderr(Stdio::null())
                            .kill_on_drop(true)
                            .spawn()
                            .unwrap();

                        Box::pin(async move {
                            child.wait().await.unwrap();
                        }) as Wait
                    });
                    let all = processes.fold(Box::pin(async {}) as Wait, |all, one| {
                        Box::pin(async move {
                            futures_lite::future::zip(all, one).await;
                        })
                    });
                    all.await;
                })
            })
            .collect();

        let all = async {
            for handle in join_handles {
                handle.await.unwrap();
            }
        };
        zokio::time::timeout(Duration::from_secs(30), all)
            .await
            .expect("every child reaped within 30 s");
    })
    .await;
}
