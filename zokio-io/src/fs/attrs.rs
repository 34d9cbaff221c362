//! Whether an open file's metadata can be read on the calling thread.
//!
//! std's `Metadata` can only come from std's own `stat` calls, and a `stat`
//! of a path may wait on a disk (a directory not in the cache) or a server
//! (NFS revalidating, a FUSE daemon answering): so `fs::metadata` goes to a
//! thread, as Tokio's does, at the cost of two thread wakes per call. Once
//! the file is open, though, its inode is in memory, and on a file system
//! that keeps its attributes in the inode (ext4, XFS, btrfs, tmpfs, ...)
//! reading them is a copy: no I/O, nothing to wait for. The io_uring
//! backend opens the path (`O_PATH`, which completes inside its submission
//! when the path is cached) and then asks [`kept_in_memory`] whether the
//! `stat` may run right there.
//!
//! The answer comes from the file's mount: one `statx` with
//! `AT_STATX_DONT_SYNC` (which never contacts a server or daemon) gives the
//! mount's id and device, and the mount's file system type comes from
//! `/proc/self/mountinfo`, read once per mount not seen before. Anything
//! unknown (an old kernel without mount ids, a file system not on the list,
//! a mount table that cannot be read) answers "no", and the `stat` goes to
//! a thread as before.

use std::io::{self, BufRead};
use std::os::fd::AsFd;

use std::sync::Mutex;

use rustix::fs::{AtFlags, StatxFlags, statx};

/// File systems whose `getattr` of an open inode reads memory only. An
/// overlay reads its upper or lower layer's inode, local directories in the
/// container setups that use it.
const IN_MEMORY: [&str; 16] = [
    "ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "bcachefs", "tmpfs", "ramfs", "vfat", "exfat",
    "ntfs3", "iso9660", "squashfs", "erofs", "overlay",
];

/// A mount, as `statx` names it: its id and its device. Both numbers can be
/// reused after an unmount; the pair is much less likely to be reused by a
/// mount of another kind than either alone.
type MountKey = (u64, (u32, u32));

/// Mounts seen so far and whether each keeps attributes in memory. Few
/// entries (one per mount a program touches): a scan is enough. A plain
/// lock, held for that scan only: no protocol here for loom to check.
static MOUNTS: Mutex<Vec<(MountKey, bool)>> = Mutex::new(Vec::new());

/// Whether `file`'s metadata can be read here without waiting on a device
/// or a server (see the module doc).
pub(crate) fn kept_in_memory(file: impl AsFd) -> bool {
    let flags = AtFlags::EMPTY_PATH | AtFlags::STATX_DONT_SYNC;
    let Ok(stx) = statx(file, c"", flags, StatxFlags::MNT_ID) else {
        return false;
    };
    if !StatxFlags::from_bits_retain(stx.stx_mask).contains(StatxFlags::MNT_ID) {
        return false;
    }
    let key = (stx.stx_mnt_id, (stx.stx_dev_major, stx.stx_dev_minor));
    let mut mounts = MOUNTS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(&(_, local)) = mounts.iter().find(|(k, _)| *k == key) {
        return local;
    }
    // A mount not seen before: read the table again (mounts come and go).
    let local = read_mount_table()
        .ok()
        .and_then(|table| table.into_iter().find(|(k, _)| *k == key))
        .is_some_and(|(_, fs_type)| IN_MEMORY.contains(&fs_type.as_str()));
    mounts.push((key, local));
    local
}

/// Every mount of this process's namespace, with its file system type.
fn read_mount_table() -> io::Result<Vec<(MountKey, String)>> {
    let file = std::fs::File::open("/proc/self/mountinfo")?;
    let mut table = Vec::new();
    for line in io::BufReader::new(file).lines() {
        if let Some(entry) = parse_mount_line(&line?) {
            table.push(entry);
        }
    }
    Ok(table)
}

/// One line of `mountinfo`: `id parent major:minor root point options
/// [optional fields...] - type source super-options`.
fn parse_mount_line(line: &str) -> Option<(MountKey, String)> {
    let mut fields = line.split(' ');
    let id = fields.next()?.parse().ok()?;
    let _parent = fields.next()?;
    let (major, minor) = fields.next()?.split_once(':')?;
    let device = (major.parse().ok()?, minor.parse().ok()?);
    let fs_type = fields.skip_while(|f| *f != "-").nth(1)?;
    Some(((id, device), fs_type.to_string()))
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_mountinfo_line_gives_id_device_and_type_past_the_optional_fields() {
        let line = "36 35 98:0 /mnt1 /mnt\\040two rw,noatime master:1 shared:7 - ext3 /dev/root rw";
        assert_eq!(
            parse_mount_line(line),
            Some(((36, (98, 0)), "ext3".to_string()))
        );
        let bare = "22 1 0:21 / /proc rw,nosuid - proc proc rw";
        assert_eq!(
            parse_mount_line(bare),
            Some(((22, (0, 21)), "proc".to_string()))
        );
        assert_eq!(parse_mount_line("garbage"), None);
        assert_eq!(parse_mount_line("1 2 3:4 / / rw"), None);
    }

    #[test]
    fn the_answer_follows_the_mount_table() {
        // Whatever this machine mounts where, the answer must match what the
        // table says of the file's mount.
        let expected = |path: &str| {
            let file = std::fs::File::open(path).unwrap();
            let stx = statx(&file, c"", AtFlags::EMPTY_PATH, StatxFlags::MNT_ID).unwrap();
            if !StatxFlags::from_bits_retain(stx.stx_mask).contains(StatxFlags::MNT_ID) {
                return false;
            }
            let key = (stx.stx_mnt_id, (stx.stx_dev_major, stx.stx_dev_minor));
            let table = read_mount_table().unwrap();
            let (_, fs_type) = table.iter().find(|(k, _)| *k == key).unwrap();
            IN_MEMORY.contains(&fs_type.as_str())
        };
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        let file = file.to_str().unwrap();
        for path in [file, "/proc/self/status"] {
            let open = std::fs::File::open(path).unwrap();
            assert_eq!(kept_in_memory(&open), expected(path), "{path}");
            // Cached: the same answer again.
            assert_eq!(kept_in_memory(&open), expected(path), "{path}");
        }
        // procfs computes its attributes: never on the list.
        assert!(!kept_in_memory(
            std::fs::File::open("/proc/self/status").unwrap()
        ));
    }
}
