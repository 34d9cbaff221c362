//! Turning `ToSocketAddrs` input into addresses, with errors instead of panics.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

/// Resolves `addr` with std's resolver (a host name is looked up on this
/// thread). Every failure, including an empty result, is `InvalidInput`.
pub(crate) fn resolve(addr: impl ToSocketAddrs) -> io::Result<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid socket address: {e}"),
            )
        })?
        .collect();
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the address resolved to no socket address",
        ));
    }
    Ok(addrs)
}

/// Runs `f` on each address in turn and returns the first success, or the
/// last error.
pub(crate) async fn each_addr<T, F, Fut>(addr: impl ToSocketAddrs, mut f: F) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let mut last_error = None;
    for addr in resolve(addr)? {
        match f(addr).await {
            Ok(value) => return Ok(value),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.expect("`resolve` returns at least one address"))
}
