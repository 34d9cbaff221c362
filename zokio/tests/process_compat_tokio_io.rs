//! A child's pipes through `zokio::compat::tokio_io`: tokio's
//! `AsyncRead`/`AsyncWrite` over `ChildStdin`/`ChildStdout`, for libraries
//! written against tokio's traits. Only tokio's traits: no tokio runtime.
#![cfg(all(feature = "tokio-io", not(loom), target_os = "linux"))]

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::compat::tokio_io::{FuturesAsyncReadCompatExt, FuturesAsyncWriteCompatExt};
use zokio::process::Command;

mod support {
    pub mod within;
}
use support::within::within;

/// Bounds a test in time, so that a lost wake-up fails it instead of
/// hanging CI.
const LIMIT: Duration = Duration::from_secs(60);

#[zokio::test]
async fn pipes_speak_tokio_io_through_compat() {
    within(LIMIT, async move {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap().compat_write();
        let mut stdout = child.stdout.take().unwrap().compat();
        let round_trip = async {
            stdin.write_all(b"through tokio's traits").await.unwrap();
            stdin.shutdown().await.unwrap();
            drop(stdin);
            let mut text = String::new();
            stdout.read_to_string(&mut text).await.unwrap();
            text
        };
        let text = zokio::time::timeout(Duration::from_secs(10), round_trip)
            .await
            .expect("within 10 s");
        assert_eq!(text, "through tokio's traits");
        assert!(child.wait().await.unwrap().success());
    })
    .await;
}
