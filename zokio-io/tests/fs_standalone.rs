//! Not a port: `zokio_io::fs` used alone, with no Zokio runtime, under
//! futures-lite's `block_on`, smol's executor and tokio's runtime, where
//! operations run on the `blocking` crate's pool; and the
//! `ZOKIO_FS_BACKEND` variable, checked in child processes of this test
//! binary (it is read once per process).

use std::path::Path;
use std::time::Duration;

use futures_lite::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use futures_lite::{FutureExt, StreamExt};
use zokio_io::fs;

/// Fails the test rather than hanging it (async-io's timer, through smol,
/// runs under any executor).
async fn bounded<T>(future: impl std::future::Future<Output = T>) -> T {
    future
        .or(async {
            smol::Timer::after(Duration::from_secs(20)).await;
            panic!("an fs operation took over 20 s");
        })
        .await
}

/// Every kind of operation once, as a user of another executor would.
async fn exercise(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir.join("sub/inner")).await?;
    fs::write(dir.join("sub/a"), b"alpha").await?;
    assert_eq!(fs::read_to_string(dir.join("sub/a")).await?, "alpha");
    fs::copy(dir.join("sub/a"), dir.join("sub/b")).await?;
    fs::rename(dir.join("sub/b"), dir.join("sub/c")).await?;

    let mut file = fs::File::create(dir.join("sub/inner/f")).await?;
    file.write_all(b"0123456789").await?;
    file.flush().await?;
    file.sync_all().await?;
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(dir.join("sub/inner/f"))
        .await?;
    file.seek(std::io::SeekFrom::Start(5)).await?;
    let mut rest = String::new();
    file.read_to_string(&mut rest).await?;
    assert_eq!(rest, "56789");
    assert_eq!(file.metadata().await?.len(), 10);

    let mut names: Vec<_> = fs::read_dir(dir.join("sub"))
        .await?
        .map(|entry| entry.map(|e| e.file_name().into_string().unwrap()))
        .try_collect::<_, _, Vec<_>>()
        .await?;
    names.sort();
    assert_eq!(names, ["a", "c", "inner"]);

    fs::remove_file(dir.join("sub/a")).await?;
    assert!(!fs::try_exists(dir.join("sub/a")).await?);
    fs::remove_dir_all(dir.join("sub")).await?;
    assert!(!fs::try_exists(dir.join("sub")).await?);
    Ok(())
}

#[test]
fn under_futures_lite_block_on() {
    let dir = tempfile::tempdir().unwrap();
    futures_lite::future::block_on(bounded(exercise(dir.path()))).unwrap();
}

#[test]
fn under_smol() {
    let dir = tempfile::tempdir().unwrap();
    let ex = smol::Executor::new();
    smol::block_on(ex.run(async {
        let path = dir.path().to_owned();
        ex.spawn(async move { bounded(exercise(&path)).await })
            .await
    }))
    .unwrap();
}

#[test]
fn under_tokio_multi_thread() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let path = dir.path().to_owned();
    rt.block_on(async { tokio::spawn(async move { bounded(exercise(&path)).await }).await })
        .unwrap()
        .unwrap();
}

#[test]
fn the_calls_run_off_the_callers_thread() {
    // `/proc/thread-self` names the thread that resolves it.
    let here = std::fs::read_link("/proc/thread-self").unwrap();
    let there =
        futures_lite::future::block_on(bounded(fs::read_link("/proc/thread-self"))).unwrap();
    assert_ne!(
        here, there,
        "the blocking call ran on the executor's thread"
    );
}

/// Runs this binary's test `name` (ignored in normal runs) with the variable set.
fn run_child(name: &str, backend: &str) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--ignored", "--test-threads=1"])
        .env("ZOKIO_FS_BACKEND", backend)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "child {name} with ZOKIO_FS_BACKEND={backend} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"));
}

#[test]
fn the_backend_variable_forces_or_rejects() {
    run_child("child_with_forced_blocking_backend", "blocking");
    run_child("child_with_an_unknown_backend", "io-ring-of-power");
}

#[test]
#[ignore = "run by the_backend_variable_forces_or_rejects with ZOKIO_FS_BACKEND set"]
fn child_with_forced_blocking_backend() {
    if std::env::var("ZOKIO_FS_BACKEND").as_deref() != Ok("blocking") {
        return eprintln!("not run as a child: nothing to check");
    }
    let dir = tempfile::tempdir().unwrap();
    futures_lite::future::block_on(bounded(exercise(dir.path()))).unwrap();
}

#[test]
#[ignore = "run by the_backend_variable_forces_or_rejects with ZOKIO_FS_BACKEND set"]
fn child_with_an_unknown_backend() {
    if std::env::var("ZOKIO_FS_BACKEND").as_deref() != Ok("io-ring-of-power") {
        return eprintln!("not run as a child: nothing to check");
    }
    let dir = tempfile::tempdir().unwrap();
    let err = futures_lite::future::block_on(fs::write(dir.path().join("f"), "x")).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("ZOKIO_FS_BACKEND"), "{err}");
    assert!(!dir.path().join("f").exists(), "nothing ran");
    let err = futures_lite::future::block_on(fs::metadata(dir.path())).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}
