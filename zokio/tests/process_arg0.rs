//! A port of tokio's tests/process_arg0.rs to `zokio::process`: its one test.
#![cfg(all(not(loom), target_os = "linux"))]
#![warn(rust_2018_idioms)]

use zokio::process::Command;

#[zokio::test]
async fn arg0() {
    let mut cmd = Command::new("sh");
    cmd.arg0("test_string").arg("-c").arg("echo $0");

    let output = cmd.output().await.unwrap();
    assert_eq!(output.stdout, b"test_string\n");
}
