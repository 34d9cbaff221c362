//! A port of tokio's tests/process_issue_2174.rs to `zokio::process`: its
//! one test. A writer blocked on a full stdin pipe fails once the child is
//! killed (EPIPE), instead of hanging.
//!
//! Each test body is bounded by a 60 s timeout (`within`), which tokio's
//! tests do not have.
#![cfg(all(not(loom), target_os = "linux"))]
#![warn(rust_2018_idioms)]

use std::process::Stdio;
use std::time::Duration;
use tokio_test::assert_err;
use zokio::io::AsyncWriteExt;
use zokio::process::Command;
use zokio::time;

mod support {
    pub mod within;
}
use support::within::within;

/// Bounds a test in time, so that a lost wake-up fails it instead of
/// hanging CI.
const LIMIT: Duration = Duration::from_secs(60);

#[zokio::test]
async fn issue_2174() {
    within(LIMIT, async move {
        let mut child = Command::new("sleep")
            .arg("2")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();

        // Writes will buffer up to 65_636. This *should* loop at least 8 times
        // and then register interest.
        let handle = zokio::spawn(async move {
            let data = [0u8; 8192];
            loop {
                input.write_all(&data).await.unwrap();
            }
        });

        // Sleep enough time so that the child process's stdin's buffer fills.
        time::sleep(Duration::from_secs(1)).await;

        // Kill the child process.
        child.kill().await.unwrap();

        let joined = time::timeout(Duration::from_secs(10), handle)
            .await
            .expect("the writer fails once the child is gone");
        assert_err!(joined);
    })
    .await;
}
