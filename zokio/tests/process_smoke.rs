//! A port of tokio's tests/process_smoke.rs to `zokio::process`: its one
//! test (the Unix branch; Zokio's process module is Linux-only).
//!
//! Each test body is bounded by a 60 s timeout (`within`), which tokio's
//! tests do not have.
#![cfg(all(not(loom), target_os = "linux"))]
#![warn(rust_2018_idioms)]

use tokio_test::assert_ok;
use zokio::process::Command;

mod support {
    pub mod within;
}
use support::within::within;

/// Bounds a test in time, so that a lost wake-up fails it instead of
/// hanging CI.
const LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

#[zokio::test]
async fn simple() {
    within(LIMIT, async move {
        let mut cmd = Command::new("sh");
        cmd.arg("-c");

        let mut child = cmd.arg("exit 2").spawn().unwrap();

        let id = child.id().expect("missing id");
        assert!(id > 0);

        let status = assert_ok!(child.wait().await);
        assert_eq!(status.code(), Some(2));

        // test that the `.wait()` method is fused just like the stdlib
        let status = assert_ok!(child.wait().await);
        assert_eq!(status.code(), Some(2));

        // Can't get id after process has exited
        assert_eq!(child.id(), None);
        drop(child.kill());
    })
    .await;
}
