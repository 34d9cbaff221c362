//! A port of tokio's tests/process_arg0.rs to `zokio::process`: its one test.
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
async fn arg0() {
    within(LIMIT, async move {
        let mut cmd = Command::new("sh");
        cmd.arg0("test_string").arg("-c").arg("echo $0");

        let output = cmd.output().await.unwrap();
        assert_eq!(output.stdout, b"test_string\n");
    })
    .await;
}
