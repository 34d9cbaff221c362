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
            #[cfg(target_os = "android")]
            use std::os::android::net::SocketAddrExt;
            #[cfg(target_os = "linux")]
            use std::os::linux::net::SocketAddrExt;
            return SocketAddr::from_abstract_name(name);
        }
    }
    SocketAddr::from_pathname(path)
}

/// The path form of `addr` that [`socket_addr`] reads back: the path, or on
/// Linux the abstract name after a NUL byte. An unnamed address has none.
pub(crate) fn socket_path(addr: &SocketAddr) -> io::Result<std::path::PathBuf> {
    if let Some(path) = addr.as_pathname() {
        return Ok(path.to_owned());
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        #[cfg(target_os = "android")]
        use std::os::android::net::SocketAddrExt;
        #[cfg(target_os = "linux")]
        use std::os::linux::net::SocketAddrExt;
        use std::os::unix::ffi::OsStrExt;
        if let Some(name) = addr.as_abstract_name() {
            let bytes = [&b"\0"[..], name].concat();
            return Ok(std::ffi::OsStr::from_bytes(&bytes).into());
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        "an unnamed Unix socket address cannot be connected to",
    ))
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

    #[test]
    fn socket_path_reads_back() {
        for path in ["/tmp/zokio.sock", "\0zokio-abstract"] {
            let addr = socket_addr(Path::new(path)).unwrap();
            assert_eq!(socket_path(&addr).unwrap(), Path::new(path));
        }
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let unnamed = a.local_addr().unwrap();
        assert_eq!(
            socket_path(&unnamed).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
    }
}
