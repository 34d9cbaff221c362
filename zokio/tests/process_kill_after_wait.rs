//! A port of tokio's tests/process_kill_after_wait.rs to `zokio::process`:
//! its one test (the Unix branch).
//!
//! Each test body is bounded by a 60 s timeout (`within`), which tokio's
//! tests do not have.
#![cfg(all(not(loom), target_os = "linux"))]
#![warn(rust_2018_idioms)]

use zokio::process::Command;

mod support {
    pub mod within;
}
use support::within::within;

/// Bounds a test in time, so that a lost wake-up fails it instead of
/// hanging CI.
const LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

#[zokio::test]
async fn kill_after_wait() {
    within(LIMIT, async move {
        let mut cmd = Command::new("sh");
        cmd.arg("-c");

        let mut child = cmd.arg("exit 2").spawn().unwrap();

        child.start_kill().unwrap();

        child.wait().await.unwrap();

        // Kill after `wait` is fine.
        child.start_kill().unwrap();
        child.kill().await.unwrap();
    })
    .await;
}
