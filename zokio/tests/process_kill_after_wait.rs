//! A port of tokio's tests/process_kill_after_wait.rs to `zokio::process`:
//! its one test (the Unix branch).
#![cfg(all(not(loom), target_os = "linux"))]
#![warn(rust_2018_idioms)]

use zokio::process::Command;

#[zokio::test]
async fn kill_after_wait() {
    let mut cmd = Command::new("sh");
    cmd.arg("-c");

    let mut child = cmd.arg("exit 2").spawn().unwrap();

    child.start_kill().unwrap();

    child.wait().await.unwrap();

    // Kill after `wait` is fine.
    child.start_kill().unwrap();
    child.kill().await.unwrap();
}
