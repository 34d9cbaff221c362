//! Running out of descriptors on purpose, for the EMFILE tests (each runs in
//! a child process, since the limit is process-wide).

/// Sets this process's soft descriptor limit to `limit` (at most the hard
/// limit); returns the soft limit it replaced.
pub fn set_fd_limit(limit: u64) -> u64 {
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: both pointers are to live, properly typed rlimit structs.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut old) }, 0);
    let new = libc::rlimit {
        rlim_cur: limit.min(old.rlim_max),
        rlim_max: old.rlim_max,
    };
    // SAFETY: as above.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) }, 0);
    old.rlim_cur
}

/// Opens `/dev/null` until the table is full; dropping the result frees it.
pub fn fill_fd_table() -> Vec<std::fs::File> {
    let mut hoard = Vec::new();
    loop {
        match std::fs::File::open("/dev/null") {
            Ok(file) => hoard.push(file),
            Err(e) if e.raw_os_error() == Some(libc::EMFILE) => return hoard,
            Err(e) => panic!("unexpected error while filling the table: {e}"),
        }
    }
}
