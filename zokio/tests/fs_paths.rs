//! Tokio's path-function tests, ported to `zokio::fs`: tests/fs.rs (2 of
//! 2), fs_copy.rs (2 of 2), fs_link.rs (5 of 5), fs_remove_dir_all.rs,
//! fs_remove_file.rs, fs_rename.rs, fs_try_exists.rs, fs_write.rs (1 of 1
//! each) and fs_canonicalize_dir.rs (1 of 2: the other is Windows-only).
//! One binary for them all keeps the build short. fs_try_exists's
//! permission check runs here as root too: where root may search the
//! directory anyway, the answer must be std's.

use std::io::Write;

use tempfile::tempdir;
use tokio_test::assert_ok;
use zokio::fs;

// tests/fs.rs

#[zokio::test]
async fn path_read_write() {
    let temp = tempdir().unwrap();
    let dir = temp.path();

    assert_ok!(fs::write(dir.join("bar"), b"bytes").await);
    let out = assert_ok!(fs::read(dir.join("bar")).await);

    assert_eq!(out, b"bytes");
}

#[zokio::test]
async fn try_clone_should_preserve_max_buf_size() {
    let buf_size = 128;
    let temp = tempdir().unwrap();
    let dir = temp.path();

    let mut file = fs::File::create(dir.join("try_clone_should_preserve_max_buf_size"))
        .await
        .unwrap();
    file.set_max_buf_size(buf_size);

    let cloned = file.try_clone().await.unwrap();

    assert_eq!(cloned.max_buf_size(), buf_size);
}

// tests/fs_copy.rs

#[zokio::test]
async fn copy() {
    let dir = tempdir().unwrap();

    let source_path = dir.path().join("foo.txt");
    let dest_path = dir.path().join("bar.txt");

    fs::write(&source_path, b"Hello File!").await.unwrap();
    fs::copy(&source_path, &dest_path).await.unwrap();

    let from = fs::read(&source_path).await.unwrap();
    let to = fs::read(&dest_path).await.unwrap();

    assert_eq!(from, to);
}

#[zokio::test]
async fn copy_permissions() {
    let dir = tempdir().unwrap();
    let from_path = dir.path().join("foo.txt");
    let to_path = dir.path().join("bar.txt");

    let from = zokio::fs::File::create(&from_path).await.unwrap();
    let mut from_perms = from.metadata().await.unwrap().permissions();
    from_perms.set_readonly(true);
    from.set_permissions(from_perms.clone()).await.unwrap();

    zokio::fs::copy(from_path, &to_path).await.unwrap();

    let to_perms = zokio::fs::metadata(to_path).await.unwrap().permissions();

    assert_eq!(from_perms, to_perms);
}

// tests/fs_link.rs

#[zokio::test]
async fn test_hard_link() {
    let dir = tempdir().unwrap();
    let src = dir.path().join("src.txt");
    let dst = dir.path().join("dst.txt");

    std::fs::File::create(&src)
        .unwrap()
        .write_all(b"hello")
        .unwrap();

    fs::hard_link(&src, &dst).await.unwrap();

    std::fs::File::create(&src)
        .unwrap()
        .write_all(b"new-data")
        .unwrap();

    let content = fs::read(&dst).await.unwrap();
    assert_eq!(content, b"new-data");

    // test that this is not a symlink:
    assert!(fs::read_link(&dst).await.is_err());
}

#[zokio::test]
async fn test_symlink() {
    let dir = tempdir().unwrap();
    let src = dir.path().join("src.txt");
    let dst = dir.path().join("dst.txt");

    std::fs::File::create(&src)
        .unwrap()
        .write_all(b"hello")
        .unwrap();

    fs::symlink(&src, &dst).await.unwrap();

    std::fs::File::create(&src)
        .unwrap()
        .write_all(b"new-data")
        .unwrap();

    let content = fs::read(&dst).await.unwrap();
    assert_eq!(content, b"new-data");

    let read = fs::read_link(dst.clone()).await.unwrap();
    assert!(read == src);

    let symlink_meta = fs::symlink_metadata(dst.clone()).await.unwrap();
    assert!(symlink_meta.file_type().is_symlink());
}

#[zokio::test]
async fn test_hard_link_error_source_not_found() {
    let dir = tempdir().unwrap();
    let src = dir.path().join("nonexistent.txt");
    let dst = dir.path().join("dst.txt");

    let err = fs::hard_link(&src, &dst).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
}

#[zokio::test]
async fn test_hard_link_error_destination_already_exists() {
    let dir = tempdir().unwrap();
    let src = dir.path().join("src.txt");
    let dst = dir.path().join("dst.txt");

    std::fs::write(&src, b"source content").unwrap();
    std::fs::write(&dst, b"destination content").unwrap();

    let err = fs::hard_link(&src, &dst).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
}

#[zokio::test]
async fn test_hard_link_error_source_is_directory() {
    let dir = tempdir().unwrap();
    let src_dir = dir.path().join("src_directory");
    let dst = dir.path().join("dst.txt");

    fs::create_dir(&src_dir).await.unwrap();

    // On most systems, hard linking directories is not allowed.
    let err = fs::hard_link(&src_dir, &dst).await.unwrap_err();
    assert!(
        err.kind() == std::io::ErrorKind::PermissionDenied
            || err.kind() == std::io::ErrorKind::Other
    );
}

// tests/fs_remove_dir_all.rs

#[zokio::test]
async fn remove_dir_all() {
    let temp_dir = tempdir().unwrap();

    let test_dir = temp_dir.path().join("test");
    fs::create_dir(&test_dir).await.unwrap();

    let file_path = test_dir.as_path().join("a.txt");

    fs::write(&file_path, b"Hello File!").await.unwrap();

    fs::remove_dir_all(test_dir.as_path()).await.unwrap();

    // The directory and its contents are gone (Tokio tolerates an error
    // here; the path's parent exists, so none can occur).
    assert!(!fs::try_exists(test_dir).await.unwrap());
    assert!(!fs::try_exists(file_path).await.unwrap());
}

// tests/fs_remove_file.rs

#[zokio::test]
async fn remove_file() {
    let temp_dir = tempdir().unwrap();

    let file_path = temp_dir.path().join("a.txt");

    fs::write(&file_path, b"Hello File!").await.unwrap();

    assert!(fs::try_exists(&file_path).await.unwrap());

    fs::remove_file(&file_path).await.unwrap();

    assert!(!fs::try_exists(file_path).await.unwrap());
}

// tests/fs_rename.rs

#[zokio::test]
async fn rename_file() {
    let temp_dir = tempdir().unwrap();

    let file_path = temp_dir.path().join("a.txt");

    fs::write(&file_path, b"Hello File!").await.unwrap();

    assert!(fs::try_exists(&file_path).await.unwrap());

    let new_file_path = temp_dir.path().join("b.txt");

    fs::rename(&file_path, &new_file_path).await.unwrap();

    assert!(fs::try_exists(new_file_path).await.unwrap());

    assert!(!fs::try_exists(file_path).await.unwrap());
}

// tests/fs_try_exists.rs

#[zokio::test]
async fn try_exists() {
    use std::os::unix::prelude::PermissionsExt;

    let dir = tempdir().unwrap();

    let existing_path = dir.path().join("foo.txt");
    fs::write(&existing_path, b"Hello File!").await.unwrap();
    let nonexisting_path = dir.path().join("bar.txt");

    assert!(fs::try_exists(existing_path).await.unwrap());
    assert!(!fs::try_exists(nonexisting_path).await.unwrap());

    let permission_denied_directory_path = dir.path().join("baz");
    fs::create_dir(&permission_denied_directory_path)
        .await
        .unwrap();
    let permission_denied_file_path = permission_denied_directory_path.join("baz.txt");
    fs::write(&permission_denied_file_path, b"Hello File!")
        .await
        .unwrap();
    let mut perms = zokio::fs::metadata(&permission_denied_directory_path)
        .await
        .unwrap()
        .permissions();

    perms.set_mode(0o244);
    fs::set_permissions(&permission_denied_directory_path, perms)
        .await
        .unwrap();
    let result = fs::try_exists(&permission_denied_file_path).await;
    match std::fs::exists(&permission_denied_file_path) {
        // Root may search the directory anyway.
        Ok(exists) => assert_eq!(result.unwrap(), exists),
        Err(std_err) => {
            assert_eq!(std_err.kind(), std::io::ErrorKind::PermissionDenied);
            assert_eq!(
                result.unwrap_err().kind(),
                std::io::ErrorKind::PermissionDenied
            );
        }
    }
}

// tests/fs_write.rs

#[zokio::test]
async fn write() {
    let dir = tempdir().unwrap();
    let path = dir.path().join("test.txt");

    fs::write(&path, "Hello, World!").await.unwrap();

    let contents = fs::read_to_string(&path).await.unwrap();
    assert_eq!(contents, "Hello, World!");
}

// tests/fs_canonicalize_dir.rs

#[zokio::test]
async fn canonicalize_root_dir_unix() {
    assert_eq!(fs::canonicalize("/.").await.unwrap().to_str().unwrap(), "/");
}
