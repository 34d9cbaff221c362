//! Zokio's own tests of `fs::metadata`, `fs::symlink_metadata` and
//! `File::metadata`: each must answer exactly as std's call does, whichever
//! backend runs it (the io_uring one opens the path and reads the open
//! file's attributes in place; `cargo xtask ci` runs this file on both),
//! errors included, and must still answer when the process is out of
//! descriptors (the open fails; the path `stat` needs none).
#![cfg(all(not(loom), unix))]

use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;

use tempfile::tempdir;
use zokio::fs;

#[path = "support/fd_table.rs"]
mod fd_table;
use fd_table::{fill_fd_table, set_fd_limit};

/// The fields a user reads, compared one by one (times to the nanosecond).
fn assert_same(ours: &std::fs::Metadata, std: &std::fs::Metadata, what: &Path) {
    let fields = |m: &std::fs::Metadata| {
        (
            m.file_type(),
            m.len(),
            m.permissions().mode(),
            m.ino(),
            m.dev(),
            m.nlink(),
            m.uid(),
            m.gid(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime_nsec(),
        )
    };
    assert_eq!(fields(ours), fields(std), "{}", what.display());
}

fn same_error(ours: io::Error, std: io::Error, what: &Path) {
    assert_eq!(ours.kind(), std.kind(), "{}", what.display());
    assert_eq!(
        ours.raw_os_error(),
        std.raw_os_error(),
        "{}",
        what.display()
    );
}

#[zokio::test]
async fn metadata_answers_as_std_does_for_every_kind_of_path() {
    let temp = tempdir().unwrap();
    let dir = temp.path();
    let file = dir.join("file");
    std::fs::write(&file, vec![7u8; 3000]).unwrap();
    let locked = dir.join("locked");
    std::fs::write(&locked, b"secret").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    symlink(&file, dir.join("link")).unwrap();
    symlink(dir.join("nowhere"), dir.join("dangling")).unwrap();
    symlink(dir.join("loop_b"), dir.join("loop_a")).unwrap();
    symlink(dir.join("loop_a"), dir.join("loop_b")).unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();

    let paths = [
        file.clone(),
        locked,
        dir.join("link"),
        dir.join("dangling"),
        dir.join("loop_a"),
        dir.join("sub"),
        dir.to_path_buf(),
        dir.join("missing"),
        file.join("under_a_file"),
        "/dev/null".into(),
    ];
    for path in &paths {
        match (fs::metadata(path).await, std::fs::metadata(path)) {
            (Ok(ours), Ok(std)) => assert_same(&ours, &std, path),
            (Err(ours), Err(std)) => same_error(ours, std, path),
            (ours, std) => panic!("{}: ours {ours:?}, std {std:?}", path.display()),
        }
        match (
            fs::symlink_metadata(path).await,
            std::fs::symlink_metadata(path),
        ) {
            (Ok(ours), Ok(std)) => assert_same(&ours, &std, path),
            (Err(ours), Err(std)) => same_error(ours, std, path),
            (ours, std) => panic!("{}: ours {ours:?}, std {std:?}", path.display()),
        }
    }
    assert!(
        fs::symlink_metadata(dir.join("link"))
            .await
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(fs::metadata(dir.join("link")).await.unwrap().is_file());
    let err = fs::metadata(dir.join("missing")).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_sees_changes_made_since_the_last_call() {
    let temp = tempdir().unwrap();
    let path = temp.path().join("growing");
    let file = fs::File::create(&path).await.unwrap();
    for len in [0u64, 1, 4096, 4097] {
        file.set_len(len).await.unwrap();
        assert_eq!(fs::metadata(&path).await.unwrap().len(), len);
        assert_eq!(file.metadata().await.unwrap().len(), len);
        assert_same(
            &file.metadata().await.unwrap(),
            &std::fs::metadata(&path).unwrap(),
            &path,
        );
    }
}

const CHILD: &str = "ZOKIO_FS_METADATA_EMFILE_CHILD";

/// With every descriptor taken, `metadata` still answers (and as std does):
/// run in a child process, which lowers its own descriptor limit.
#[test]
fn metadata_answers_with_the_descriptor_table_full() {
    if std::env::var_os(CHILD).is_some() {
        return emfile_child();
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "metadata_answers_with_the_descriptor_table_full",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("metadata with a full table: ok"),
        "{stdout}"
    );
}

fn emfile_child() {
    let rt = zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let temp = tempdir().unwrap();
    let path = temp.path().join("f");
    std::fs::write(&path, b"12345").unwrap();
    rt.block_on(async {
        // The ring (and the blocking pool's first thread) are set up while
        // descriptors are still free.
        assert_eq!(fs::metadata(&path).await.unwrap().len(), 5);
        set_fd_limit(128);
        let hoard = fill_fd_table();
        for _ in 0..3 {
            assert_eq!(fs::metadata(&path).await.unwrap().len(), 5);
            assert!(fs::symlink_metadata(&path).await.unwrap().is_file());
        }
        drop(hoard);
    });
    println!("metadata with a full table: ok");
}
