//! Zokio's own tests of bad input to `zokio::process`: a missing program, a
//! bad working directory, a failing `pre_exec`, a bad reaper setting, no
//! process left for the user (EAGAIN), and descriptor exhaustion (EMFILE)
//! at every point of a spawn, with either reaper. Each is an `io::Error`,
//! never a panic, and leaves no descriptor and no zombie. A runtime built
//! without I/O panics at `spawn` (as every reactor source does), before any
//! child starts.
//!
//! One test in this file, each check in turn: the descriptor counts would
//! see other tests' descriptors otherwise. EMFILE and EAGAIN run in child
//! processes, because they lower `RLIMIT_NOFILE` and `RLIMIT_NPROC` (as
//! zokio-io/tests/emfile.rs does).
#![cfg(all(not(loom), target_os = "linux"))]
#![warn(rust_2018_idioms)]

use std::io;
use std::process::Stdio;
use zokio::process::Command;

#[path = "support/fd_table.rs"]
mod fd_table;
use fd_table::{fill_fd_table, set_fd_limit};

mod support {
    pub mod within;
}
use support::within::within;

const CHILD: &str = "ZOKIO_PROCESS_ERRORS_CHILD";

/// Bounds a test in time, so that a lost wake-up fails it instead of
/// hanging CI.
const LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Open descriptors, counted without opening one (the EMFILE test counts
/// with a full table).
fn open_fds() -> usize {
    // SAFETY: F_GETFD takes no pointer; a closed `fd` only yields EBADF.
    (0..4096)
        .filter(|&fd| unsafe { libc::fcntl(fd, libc::F_GETFD) } != -1)
        .count()
}

/// Children of this process still in the process table (any state).
fn our_children() -> Vec<(u32, char)> {
    let me = std::process::id();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let mut fields = stat[stat.rfind(')').unwrap() + 2..].split(' ');
        let state = fields.next().unwrap().chars().next().unwrap();
        if fields.next().unwrap().parse::<u32>().unwrap() == me {
            found.push((pid, state));
        }
    }
    found
}

#[test]
fn bad_input_is_an_error_and_leaks_nothing() {
    match std::env::var(CHILD).as_deref() {
        Ok("emfile") => return emfile_child(),
        Ok("reaper") => return bad_reaper_setting_child(),
        Ok("eagain") => return eagain_child(),
        _ => {}
    }
    spawn_on_a_runtime_without_io_panics_before_starting_a_child();
    let rt = zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(within(LIMIT, async {
        // Warm up: the first spawn probes pidfd support once.
        assert!(Command::new("true").status().await.unwrap().success());
        let fds = open_fds();

        let err = Command::new("/no/such/program").spawn().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
        let err = Command::new("no-such-program-on-path")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
        let err = Command::new("/no/such/program").output().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
        let err = Command::new("/no/such/program").status().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");

        let err = Command::new("true")
            .current_dir("/no/such/directory")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
        // A file is no directory either.
        let err = Command::new("true")
            .current_dir("/proc/self/stat")
            .spawn()
            .unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOTDIR), "{err}");
        // Not executable.
        let err = Command::new("/proc/self/stat").spawn().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied, "{err}");

        let mut failing = Command::new("true");
        // SAFETY: the closure only builds an error value from an integer,
        // which allocates nothing.
        unsafe { failing.pre_exec(|| Err(io::Error::from_raw_os_error(libc::EDOM))) };
        let err = failing.stdout(Stdio::piped()).spawn().unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EDOM), "{err}");

        assert_eq!(open_fds(), fds, "a failed spawn leaked a descriptor");
        assert_eq!(our_children(), vec![], "a failed spawn left a process");
    }));

    // In child processes of this test binary: EMFILE, and a bad setting.
    run_child("emfile", "emfile checked", "auto");
    run_child("emfile", "emfile checked", "signal");
    run_child("reaper", "setting checked", "threads");
    run_child("eagain", "eagain checked", "auto");
}

fn run_child(what: &str, says: &str, reaper: &str) {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "bad_input_is_an_error_and_leaks_nothing",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, what)
        .env("ZOKIO_PROCESS_REAPER", reaper)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{what} child failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(says), "{what} child did not run:\n{stdout}");
}

/// The reaper is chosen (and its setting read) once, at the first spawn:
/// a bad value fails every spawn, before any child exists.
fn bad_reaper_setting_child() {
    for _ in 0..2 {
        let err = Command::new("true").spawn().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains("ZOKIO_PROCESS_REAPER"), "{err}");
    }
    assert_eq!(our_children(), vec![]);
    println!("setting checked");
}

/// `fork` failing with EAGAIN: no process may be added for this user
/// (`RLIMIT_NPROC`, which root ignores, so root first becomes `nobody`).
fn eagain_child() {
    // SAFETY: getuid and setuid take no pointers.
    if unsafe { libc::getuid() } == 0 {
        // SAFETY: as above; glibc applies it to every thread.
        let dropped = unsafe { libc::setuid(65534) };
        assert_eq!(dropped, 0, "cannot drop root to test EAGAIN");
    }
    let limit = libc::rlimit {
        rlim_cur: 1,
        rlim_max: 1,
    };
    // SAFETY: a pointer to a live, properly typed rlimit struct.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NPROC, &limit) }, 0);
    let rt = zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(within(LIMIT, async {
        let fds = open_fds();
        for _ in 0..3 {
            let err = Command::new("true")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::EAGAIN), "{err}");
            let err = Command::new("true").output().await.unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::EAGAIN), "{err}");
        }
        assert_eq!(open_fds(), fds, "a failed spawn leaked a descriptor");
    }));
    println!("eagain checked");
}

fn emfile_child() {
    let rt = zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(within(LIMIT, async {
        assert!(Command::new("true").status().await.unwrap().success());
        set_fd_limit(256);
        let mut hoard = fill_fd_table();
        // With 0, 1, 2... descriptors free, a spawn fails at each of its
        // steps in turn (std's pipes, its exec-error pipe, our pipe
        // registrations, the pidfd), until it has all it needs. Without
        // pipes std may spawn with no descriptor at all (posix_spawn), so
        // only the pidfd fails: the child, running by then, must be killed
        // and reaped before the error returns.
        let (mut failed, mut spawned) = (0, 0);
        for piped in [true, false] {
            for free in 0..12 {
                let kept = hoard.len() - free;
                drop(hoard.split_off(kept));
                let fds = open_fds();
                let mut command = Command::new("sleep");
                command.arg("10").kill_on_drop(true);
                if piped {
                    command
                        .stdin(Stdio::piped())
                        .stdout(Stdio::piped())
                        .stderr(Stdio::piped());
                }
                match command.spawn() {
                    Err(e) => {
                        assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "{free} free: {e}");
                        failed += 1;
                    }
                    Ok(mut child) => {
                        spawned += 1;
                        child.kill().await.unwrap();
                    }
                }
                assert_eq!(open_fds(), fds, "{free} free: a descriptor leaked");
                // Reading /proc takes descriptors of its own.
                hoard.truncate(hoard.len().saturating_sub(8));
                assert_eq!(our_children(), vec![], "{free} free: a process was left");
                // Back to a full table for the next round.
                while let Ok(file) = std::fs::File::open("/dev/null") {
                    hoard.push(file);
                }
            }
        }
        assert!(
            failed > 0 && spawned > 0,
            "failed {failed}, spawned {spawned}"
        );
        drop(hoard);
    }));
    println!("emfile checked");
}

/// A runtime built without I/O panics at `spawn` (as every reactor source
/// does, naming the missing setting), before any child is started.
fn spawn_on_a_runtime_without_io_panics_before_starting_a_child() {
    let rt = zokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let marker = std::env::temp_dir().join(format!("zokio-no-io-{}", std::process::id()));
    let _ = std::fs::remove_file(&marker);
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            let _ = Command::new("touch").arg(&marker).spawn();
        })
    }));
    let message = panicked.expect_err("spawn without I/O panics");
    let message = message
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| message.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    assert!(message.contains("enable_io"), "{message}");
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(!marker.exists(), "a child was started");
}
