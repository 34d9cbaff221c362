//! A port of tokio's tests/process_change_of_runtime.rs to `zokio::process`:
//! both tests. The second differs on purpose: tokio's spawn outside a
//! runtime panics ("there is no reactor running"); Zokio's registers the
//! child with the background reactor and works, which is what the test
//! checks instead.
#![cfg(all(not(loom), target_os = "linux"))]
#![warn(rust_2018_idioms)]

use std::process::Stdio;
use std::time::Duration;
use zokio::{process::Command, runtime::Builder};

fn runtime() -> zokio::Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn process_spawned_and_wait_in_different_runtime() {
    let mut child = runtime().block_on(async {
        Command::new("true")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap()
    });
    runtime().block_on(async {
        let status = zokio::time::timeout(Duration::from_secs(10), child.wait())
            .await
            .expect("reaped on the second runtime");
        assert!(status.unwrap().success());
    });
}

#[test]
fn process_spawned_outside_runtime() {
    let mut child = Command::new("true")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let status = runtime().block_on(async {
        zokio::time::timeout(Duration::from_secs(10), child.wait())
            .await
            .expect("reaped")
    });
    assert!(status.unwrap().success());
}
