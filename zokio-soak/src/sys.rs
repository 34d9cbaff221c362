//! What the soak reads from the operating system: resident memory, open
//! descriptors, and the descriptor limit it lowers for the EMFILE fault.

/// Resident set size in bytes (`/proc/self/statm`), `None` if it cannot
/// be read (no descriptor to open it with).
pub fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * page.max(0) as u64)
}

/// Bytes the allocator has handed out and not had back (glibc's
/// `mallinfo2`: in use in the heaps plus mmapped blocks). Unlike resident
/// memory it does not move with fragmentation or with heaps the allocator
/// keeps: a leak shows here first.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn heap_in_use() -> Option<u64> {
    // SAFETY: mallinfo2 has no preconditions; it reads the allocator's state.
    let info = unsafe { libc::mallinfo2() };
    Some(info.uordblks as u64 + info.hblkhd as u64)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn heap_in_use() -> Option<u64> {
    None
}

/// Descriptors open in this process (the listing's own is not counted).
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|dir| dir.count().saturating_sub(1))
        .unwrap_or(0)
}

/// The soft descriptor limit.
pub fn fd_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: a pointer to a live, properly typed rlimit struct.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    limit.rlim_cur
}

/// Sets the soft descriptor limit (the hard one unchanged).
pub fn set_fd_limit(soft: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: pointers to live, properly typed rlimit structs.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        limit.rlim_cur = soft.min(limit.rlim_max);
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
    }
}

/// Sends `SIGTERM` to this process.
pub fn terminate_self() {
    // SAFETY: kill(2) with this process's own pid and a valid signal.
    unsafe { libc::kill(libc::getpid(), libc::SIGTERM) };
}
