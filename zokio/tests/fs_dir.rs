//! Tokio's tests/fs_dir.rs, ported to `zokio::fs` (all 7 tests), plus the
//! `Stream` side of `ReadDir`, a listing longer than one 32-entry chunk, and
//! `DirEntry::ino`, on the multi-thread runtime.

use tokio_test::{assert_err, assert_ok};
use zokio::fs;

use std::sync::{Arc, Mutex};
use tempfile::tempdir;

#[zokio::test]
async fn create_dir() {
    let base_dir = tempdir().unwrap();
    let new_dir = base_dir.path().join("foo");
    let new_dir_2 = new_dir.clone();

    assert_ok!(fs::create_dir(new_dir).await);

    assert!(new_dir_2.is_dir());
}

#[zokio::test]
async fn create_all() {
    let base_dir = tempdir().unwrap();
    let new_dir = base_dir.path().join("foo").join("bar");
    let new_dir_2 = new_dir.clone();

    assert_ok!(fs::create_dir_all(new_dir).await);
    assert!(new_dir_2.is_dir());
}

#[zokio::test]
async fn build_dir() {
    let base_dir = tempdir().unwrap();
    let new_dir = base_dir.path().join("foo").join("bar");
    let new_dir_2 = new_dir.clone();

    assert_ok!(fs::DirBuilder::new().recursive(true).create(new_dir).await);

    assert!(new_dir_2.is_dir());
    assert_err!(
        fs::DirBuilder::new()
            .recursive(false)
            .create(new_dir_2)
            .await
    );
}

#[zokio::test]
async fn build_dir_mode_read_only() {
    let base_dir = tempdir().unwrap();
    let new_dir = base_dir.path().join("abc");

    assert_ok!(
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o444)
            .create(&new_dir)
            .await
    );

    assert!(
        fs::metadata(new_dir)
            .await
            .expect("metadata result")
            .permissions()
            .readonly()
    );
}

#[zokio::test]
async fn remove() {
    let base_dir = tempdir().unwrap();
    let new_dir = base_dir.path().join("foo");
    let new_dir_2 = new_dir.clone();

    std::fs::create_dir(new_dir.clone()).unwrap();

    assert_ok!(fs::remove_dir(new_dir).await);
    assert!(!new_dir_2.exists());
}

#[zokio::test]
async fn read_inherent() {
    let base_dir = tempdir().unwrap();

    let p = base_dir.path();
    std::fs::create_dir(p.join("aa")).unwrap();
    std::fs::create_dir(p.join("bb")).unwrap();
    std::fs::create_dir(p.join("cc")).unwrap();

    let files = Arc::new(Mutex::new(Vec::new()));

    let f = files.clone();
    let p = p.to_path_buf();

    let mut entries = fs::read_dir(p).await.unwrap();

    while let Some(e) = assert_ok!(entries.next_entry().await) {
        let s = e.file_name().to_str().unwrap().to_string();
        f.lock().unwrap().push(s);
    }

    let mut files = files.lock().unwrap();
    files.sort(); // because the order is not guaranteed
    assert_eq!(
        *files,
        vec!["aa".to_string(), "bb".to_string(), "cc".to_string()]
    );
}

#[zokio::test]
async fn read_dir_entry_info() {
    let temp_dir = tempdir().unwrap();

    let file_path = temp_dir.path().join("a.txt");

    fs::write(&file_path, b"Hello File!").await.unwrap();

    let mut dir = fs::read_dir(temp_dir.path()).await.unwrap();

    let first_entry = dir.next_entry().await.unwrap().unwrap();

    assert_eq!(first_entry.path(), file_path);
    assert_eq!(first_entry.file_name(), "a.txt");
    assert!(first_entry.metadata().await.unwrap().is_file());
    assert!(first_entry.file_type().await.unwrap().is_file());
}

// Not Tokio's.

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_listing_as_a_stream_matches_std() {
    use futures_lite::StreamExt;
    use std::os::unix::fs::MetadataExt;

    let dir = tempdir().unwrap();
    // More than two chunks of 32, so the listing takes several trips.
    for i in 0..100 {
        std::fs::write(dir.path().join(format!("f{i:03}")), [i as u8]).unwrap();
    }
    std::fs::create_dir(dir.path().join("sub")).unwrap();

    let mut listed = Vec::new();
    let mut entries = fs::read_dir(dir.path()).await.unwrap();
    while let Some(entry) = entries.next().await {
        let entry = entry.unwrap();
        let meta = std::fs::symlink_metadata(entry.path()).unwrap();
        assert_eq!(entry.ino(), meta.ino(), "{:?}", entry.path());
        let is_dir = entry.file_type().await.unwrap().is_dir();
        listed.push((entry.file_name().into_string().unwrap(), is_dir));
    }
    assert!(
        entries.next().await.is_none(),
        "an ended listing stays ended"
    );
    assert_eq!(entries.next_entry().await.unwrap().map(|e| e.path()), None);

    let mut expected: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                e.file_type().unwrap().is_dir(),
            )
        })
        .collect();
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(listed.len(), 101);
}

#[zokio::test]
async fn listing_a_missing_directory_or_a_file_fails_as_std() {
    let dir = tempdir().unwrap();
    let missing = dir.path().join("missing");
    let err = fs::read_dir(&missing).await.unwrap_err();
    assert_eq!(err.kind(), std::fs::read_dir(&missing).unwrap_err().kind());

    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let err = fs::read_dir(&file).await.unwrap_err();
    assert_eq!(err.kind(), std::fs::read_dir(&file).unwrap_err().kind());
    assert_eq!(err.kind(), std::io::ErrorKind::NotADirectory);
}
