//! Tokio's tests/fs_open_options.rs, ported to `zokio::fs::OpenOptions`
//! (8 of its 9 tests: the FreeBSD/macOS `custom_flags` one does not apply
//! on Linux, where its Linux twin runs), plus what its Debug-output checks
//! stand for, tested by opening files.

use std::io::Write;

use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use tempfile::NamedTempFile;
use zokio::fs::OpenOptions;

const HELLO: &[u8] = b"hello world...";

#[zokio::test]
async fn open_with_open_options_and_read() {
    let mut tempfile = NamedTempFile::new().unwrap();
    tempfile.write_all(HELLO).unwrap();

    let mut file = OpenOptions::new().read(true).open(tempfile).await.unwrap();

    let mut buf = [0; 1024];
    let n = file.read(&mut buf).await.unwrap();

    assert_eq!(n, HELLO.len());
    assert_eq!(&buf[..n], HELLO);
}

#[zokio::test]
async fn open_options_write() {
    // TESTING HACK: use Debug output to check the stored data
    assert!(format!("{:?}", OpenOptions::new().write(true)).contains("write: true"));
}

#[zokio::test]
async fn open_options_append() {
    // TESTING HACK: use Debug output to check the stored data
    assert!(format!("{:?}", OpenOptions::new().append(true)).contains("append: true"));
}

#[zokio::test]
async fn open_options_truncate() {
    // TESTING HACK: use Debug output to check the stored data
    assert!(format!("{:?}", OpenOptions::new().truncate(true)).contains("truncate: true"));
}

#[zokio::test]
async fn open_options_create() {
    // TESTING HACK: use Debug output to check the stored data
    assert!(format!("{:?}", OpenOptions::new().create(true)).contains("create: true"));
}

#[zokio::test]
async fn open_options_create_new() {
    // TESTING HACK: use Debug output to check the stored data
    assert!(format!("{:?}", OpenOptions::new().create_new(true)).contains("create_new: true"));
}

#[zokio::test]
async fn open_options_mode() {
    let mode = format!("{:?}", OpenOptions::new().mode(0o644));
    // TESTING HACK: use Debug output to check the stored data
    assert!(
        mode.contains("mode: 420") || mode.contains("mode: 0o000644"),
        "mode is: {mode}"
    );
}

#[zokio::test]
#[cfg(target_os = "linux")]
async fn open_options_custom_flags_linux() {
    // TESTING HACK: use Debug output to check the stored data
    assert!(
        format!("{:?}", OpenOptions::new().custom_flags(libc::O_TRUNC))
            .contains("custom_flags: 512")
    );
}

// Not Tokio's: the options above, observed on real files.

#[zokio::test]
async fn append_and_create_new_and_truncate_behave_as_std() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");

    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .await
        .unwrap();
    file.write_all(b"first").await.unwrap();
    file.flush().await.unwrap();
    let err = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);

    let mut file = OpenOptions::new().append(true).open(&path).await.unwrap();
    file.write_all(b" second").await.unwrap();
    file.flush().await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"first second");

    OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&path)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"");

    let err = OpenOptions::new().open(&path).await.unwrap_err();
    let std_err = std::fs::OpenOptions::new().open(&path).unwrap_err();
    assert_eq!(err.kind(), std_err.kind(), "no access mode: std's error");
}

#[zokio::test]
async fn mode_and_custom_flags_reach_open() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();

    let path = dir.path().join("private");
    OpenOptions::new()
        .write(true)
        .create(true)
        .mode(0o600)
        .open(&path)
        .await
        .unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    let err = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&link)
        .await
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ELOOP));
}
