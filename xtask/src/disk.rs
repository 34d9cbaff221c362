//! Disk space during `ci`: a fresh CI machine may have only a few GiB free,
//! and `ci` builds the workspace six ways (tests, loom, two sanitizers with
//! std rebuilt, release, other targets), about 9 GiB in all. So each step's
//! line reports the space left, and a build that no later step reuses is
//! deleted once its step is done, but only where space is short: on a
//! roomy machine it stays, so the next run only relinks.

use std::path::Path;
use std::process::Command;

/// Below this much free space (MiB), `release` deletes a finished build.
const LOW_MIB: u64 = 16 * 1024;

/// Free space on the file system holding `path`, in MiB (`df -Pm`).
pub(crate) fn free_mib(path: &Path) -> Option<u64> {
    let out = Command::new("df").arg("-Pm").arg(path).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // The second line: file system, size, used, available, ...
    text.lines().nth(1)?.split_whitespace().nth(3)?.parse().ok()
}

/// Deletes the build directory `dir`, which no later step reads, if free
/// space on its file system is short.
pub(crate) fn release(dir: &Path) {
    release_below(dir, LOW_MIB);
}

fn release_below(dir: &Path, low_mib: u64) {
    // `df` fails on a path that does not exist: nothing to delete then.
    let Some(free) = free_mib(dir) else { return };
    if free >= low_mib {
        return;
    }
    match std::fs::remove_dir_all(dir) {
        // The file system frees the blocks lazily: the next step's line,
        // not a reading now, shows the space regained.
        Ok(()) => eprintln!(
            "xtask: {free} MiB free, under {low_mib}: deleted {}",
            dir.display()
        ),
        Err(err) => eprintln!("xtask: could not delete {}: {err}", dir.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::{free_mib, release_below};

    #[test]
    fn a_build_is_deleted_only_when_space_is_short() {
        let dir = std::env::temp_dir().join(format!("xtask-disk-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("deps")).unwrap();
        std::fs::write(dir.join("deps/artifact"), b"x").unwrap();
        assert!(free_mib(&dir).is_some_and(|mib| mib > 0));
        release_below(&dir, 0);
        assert!(
            dir.join("deps/artifact").exists(),
            "deleted with space to spare"
        );
        release_below(&dir, u64::MAX);
        assert!(!dir.exists(), "kept though space is short");
    }
}
