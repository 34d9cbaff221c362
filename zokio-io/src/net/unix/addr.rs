//! Unix socket addresses from paths, with Linux's abstract names.

use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;

/// The address `path` names. On Linux a path that starts with a NUL byte
/// (`"\0name"`) is an abstract name (no file; it vanishes with the last
/// socket bound to it), as Tokio and the C API read it; elsewhere, and for
/// any other path, it is a file system path.
pub(crate) fn socket_addr(path: &Path) -> io::Result<SocketAddr> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use std::os::unix::ffi::OsStrExt;
        if let Some(name) = path.as_os_str().as_bytes().strip_prefix(b"\0") {
            #[cfg(target_os = "linux")]
            use std::os::linux::net::SocketAddrExt;
            #[cfg(target_os = "android")]
            use std::os::android::net::SocketAddrExt;
            return SocketAddr::from_abstract_name(name);
        }
    }
    SocketAddr::from_pathname(path)
}

#[cfg(all(test, not(loom), target_os = "linux"))]
mod tests {
    use super::*;
    use std::os::linux::net::SocketAddrExt;

    #[test]
    fn a_leading_nul_is_an_abstract_name() {
        let addr = socket_addr(Path::new("\0zokio-abstract")).unwrap();
        assert_eq!(addr.as_abstract_name(), Some(&b"zokio-abstract"[..]));
        assert!(addr.as_pathname().is_none());
    }

    #[test]
    fn other_paths_are_paths_and_bad_ones_are_errors() {
        let addr = socket_addr(Path::new("/tmp/zokio.sock")).unwrap();
        assert_eq!(addr.as_pathname(), Some(Path::new("/tmp/zokio.sock")));
        let long = "x".repeat(200);
        assert!(socket_addr(Path::new(&long)).is_err());
        assert!(socket_addr(Path::new("a\0b")).is_err());
    }
}
