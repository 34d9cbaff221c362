//! Socket addresses from what users pass: [`ToSocketAddrs`], resolved without
//! blocking the caller's thread.
//!
//! An address that already is one (a `SocketAddr`, an IP and a port, a string
//! that parses as `ip:port`) is used as it is, with no system call and no
//! thread. Only a host name is looked up, and the lookup (std's resolver,
//! `getaddrinfo`, which blocks) runs on the blocking pool
//! ([`offload`](crate::offload)), so a task resolving never stops the other
//! tasks of its worker.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::sync::Mutex;

/// Anything that names one or more socket addresses: what
/// [`TcpStream::connect`](crate::net::TcpStream::connect),
/// [`TcpListener::bind`](crate::net::TcpListener::bind),
/// [`UdpSocket`](crate::net::UdpSocket)'s methods and [`lookup_host`] take.
///
/// It is implemented for the types Tokio's `ToSocketAddrs` is: `SocketAddr`,
/// `SocketAddrV4`, `SocketAddrV6`, `(IpAddr, u16)`, `(Ipv4Addr, u16)`,
/// `(Ipv6Addr, u16)`, `&[SocketAddr]`, `&str` and `String` (`"host:port"`),
/// `(&str, u16)` and `(String, u16)`, and references to any of them. The
/// trait is sealed: its method is an implementation detail.
///
/// ```
/// use zokio_io::net::lookup_host;
///
/// futures_lite::future::block_on(async {
///     // An IP and a port: used as they are, no lookup.
///     let addrs: Vec<_> = lookup_host(("127.0.0.1", 8080)).await?.collect();
///     assert_eq!(addrs, ["127.0.0.1:8080".parse().unwrap()]);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub trait ToSocketAddrs: sealed::ToSocketAddrsPriv {}

pub(crate) mod sealed {
    use super::*;

    /// What an address turns into: addresses at once, or a host to look up.
    #[derive(Debug)]
    pub enum Resolve {
        /// Already addresses (or already an error): nothing to look up.
        Ready(io::Result<Vec<SocketAddr>>),
        /// A host name and port, for the resolver.
        Lookup(String, u16),
    }

    /// The sealed half of [`ToSocketAddrs`](super::ToSocketAddrs).
    pub trait ToSocketAddrsPriv {
        /// This address, or the host to look up.
        fn to_resolve(&self) -> Resolve;
    }
}

use sealed::{Resolve, ToSocketAddrsPriv};

macro_rules! ready_addrs {
    ($($ty:ty => |$this:ident| $addrs:expr;)*) => {$(
        impl ToSocketAddrs for $ty {}
        impl ToSocketAddrsPriv for $ty {
            fn to_resolve(&self) -> Resolve {
                let $this = self;
                Resolve::Ready(Ok($addrs))
            }
        }
    )*};
}

ready_addrs! {
    SocketAddr => |a| vec![*a];
    SocketAddrV4 => |a| vec![SocketAddr::V4(*a)];
    SocketAddrV6 => |a| vec![SocketAddr::V6(*a)];
    (IpAddr, u16) => |a| vec![SocketAddr::new(a.0, a.1)];
    (Ipv4Addr, u16) => |a| vec![SocketAddr::new(IpAddr::V4(a.0), a.1)];
    (Ipv6Addr, u16) => |a| vec![SocketAddr::new(IpAddr::V6(a.0), a.1)];
    [SocketAddr] => |a| a.to_vec();
}

impl<const N: usize> ToSocketAddrs for [SocketAddr; N] {}
impl<const N: usize> ToSocketAddrsPriv for [SocketAddr; N] {
    fn to_resolve(&self) -> Resolve {
        Resolve::Ready(Ok(self.to_vec()))
    }
}

impl ToSocketAddrs for str {}
impl ToSocketAddrsPriv for str {
    fn to_resolve(&self) -> Resolve {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return Resolve::Ready(Ok(vec![addr]));
        }
        // As std: the port follows the last colon.
        let Some((host, port)) = self.rsplit_once(':') else {
            return Resolve::Ready(Err(invalid(format!(
                "invalid socket address {self:?}: expected \"host:port\""
            ))));
        };
        match port.parse::<u16>() {
            Ok(port) => Resolve::Lookup(host.to_owned(), port),
            Err(_) => Resolve::Ready(Err(invalid(format!(
                "invalid socket address {self:?}: invalid port value"
            )))),
        }
    }
}

impl ToSocketAddrs for String {}
impl ToSocketAddrsPriv for String {
    fn to_resolve(&self) -> Resolve {
        self.as_str().to_resolve()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl ToSocketAddrsPriv for (&str, u16) {
    fn to_resolve(&self) -> Resolve {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => Resolve::Ready(Ok(vec![SocketAddr::new(ip, port)])),
            Err(_) => Resolve::Lookup(host.to_owned(), port),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl ToSocketAddrsPriv for (String, u16) {
    fn to_resolve(&self) -> Resolve {
        (self.0.as_str(), self.1).to_resolve()
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrsPriv + ?Sized> ToSocketAddrsPriv for &T {
    fn to_resolve(&self) -> Resolve {
        (**self).to_resolve()
    }
}

/// Performs a DNS resolution: the socket addresses `host` names.
///
/// `host` is any [`ToSocketAddrs`]: `"example.com:80"`, `("localhost", 0)`,
/// or an address (returned as it is, without a lookup). A host name is
/// looked up with the system's resolver on the blocking pool (the runtime's,
/// or smol's outside a Zokio runtime), never on the calling thread.
///
/// A malformed address, a name that does not resolve or one that resolves to
/// nothing is an `InvalidInput` error.
///
/// ```
/// use zokio_io::net::lookup_host;
///
/// futures_lite::future::block_on(async {
///     for addr in lookup_host("localhost:3000").await? {
///         assert_eq!(addr.port(), 3000);
///         assert!(addr.ip().is_loopback());
///     }
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn lookup_host(host: impl ToSocketAddrs) -> io::Result<impl Iterator<Item = SocketAddr>> {
    resolve(&host).await.map(Vec::into_iter)
}

/// The addresses `addr` names, at least one.
pub(crate) async fn resolve(addr: &(impl ToSocketAddrs + ?Sized)) -> io::Result<Vec<SocketAddr>> {
    let addrs = match addr.to_resolve() {
        Resolve::Ready(addrs) => addrs?,
        Resolve::Lookup(host, port) => {
            let resolver = *RESOLVER.lock().unwrap_or_else(|e| e.into_inner());
            crate::offload::spawn_blocking(move || resolver(&host, port))
                .await?
                .map_err(|e| invalid(format!("invalid socket address: {e}")))?
        }
    };
    if addrs.is_empty() {
        return Err(invalid("the address resolved to no socket address".into()));
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
    for addr in resolve(&addr).await? {
        match f(addr).await {
            Ok(value) => return Ok(value),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| invalid("the address resolved to no socket address".into())))
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// A host-name resolver: blocking, run on the blocking pool.
pub(crate) type Resolver = fn(&str, u16) -> io::Result<Vec<SocketAddr>>;

/// The resolver host names go to: std's, except in tests that need one that
/// blocks on cue.
pub(crate) static RESOLVER: Mutex<Resolver> = Mutex::new(system_resolver);

/// std's resolver (`getaddrinfo`).
pub(crate) fn system_resolver(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    std::net::ToSocketAddrs::to_socket_addrs(&(host, port)).map(Iterator::collect)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::future::poll_fn;
    use std::sync::mpsc;
    use std::task::Poll;
    use std::time::Duration;
    use zokio_core::blocking::{Blocking, BlockingHandle};
    use zokio_core::task::Runnable;

    /// The name the slow resolver answers for; every other goes to std.
    const SLOW_HOST: &str = "slow.zokio.test";

    /// The tick count the slow resolver waits for before it answers.
    static RELEASE: Mutex<Option<mpsc::Receiver<()>>> = Mutex::new(None);

    fn slow_resolver(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        if host != SLOW_HOST {
            return system_resolver(host, port);
        }
        let release = RELEASE.lock().unwrap().take().expect("one slow lookup");
        // Bounded: if this ran on the polling thread, the ticker could never
        // release it, and the test fails instead of hanging.
        release
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| io::Error::other("the ticking task was stalled"))?;
        Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))])
    }

    struct ThreadPerJob;

    impl Blocking for ThreadPerJob {
        fn run(&self, job: Runnable) {
            std::thread::spawn(move || job.run());
        }
    }

    fn lookup_while_ticking() {
        let (release, released) = mpsc::channel();
        *RELEASE.lock().unwrap() = Some(released);
        *RESOLVER.lock().unwrap() = slow_resolver;
        // One thread polls both, as a current-thread worker does.
        let mut ticks = 0;
        let mut release = Some(release);
        let ticker = poll_fn(|cx| {
            ticks += 1;
            if ticks == 100 {
                // Ticks kept coming while the lookup was outstanding.
                release.take().unwrap().send(()).unwrap();
                return Poll::Ready(());
            }
            cx.waker().wake_by_ref();
            Poll::Pending
        });
        let (addrs, ()) = futures_lite::future::block_on(futures_lite::future::zip(
            async { resolve(&(SLOW_HOST, 7)).await },
            ticker,
        ));
        assert_eq!(addrs.unwrap(), [SocketAddr::from(([127, 0, 0, 1], 7))]);
    }

    /// The issue's acceptance test: a task whose lookup blocks does not stop
    /// the task next to it on the same thread.
    #[test]
    fn a_blocking_lookup_does_not_stall_its_neighbour() {
        {
            let _pool = zokio_core::context::enter(BlockingHandle::new(ThreadPerJob));
            lookup_while_ticking();
        }
        // And the same standalone, on the fallback pool.
        lookup_while_ticking();
    }

    /// A pool that records each job it is given (and runs it).
    struct Counting(std::sync::Arc<std::sync::atomic::AtomicUsize>);

    impl Blocking for Counting {
        fn run(&self, job: Runnable) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            std::thread::spawn(move || job.run());
        }
    }

    #[test]
    fn addresses_and_ip_literals_never_go_to_the_pool() {
        let jobs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let _pool = zokio_core::context::enter(BlockingHandle::new(Counting(jobs.clone())));
        futures_lite::future::block_on(async {
            let addr: SocketAddr = "127.0.0.1:80".parse().unwrap();
            assert_eq!(resolve(&addr).await.unwrap(), [addr]);
            assert_eq!(resolve("127.0.0.1:80").await.unwrap(), [addr]);
            assert_eq!(resolve(&("127.0.0.1", 80)).await.unwrap(), [addr]);
            let v6: SocketAddr = "[::1]:80".parse().unwrap();
            assert_eq!(resolve("[::1]:80").await.unwrap(), [v6]);
            assert_eq!(resolve(&("::1", 80)).await.unwrap(), [v6]);
            assert_eq!(resolve(&[addr, v6][..]).await.unwrap(), [addr, v6]);
        });
        assert_eq!(jobs.load(std::sync::atomic::Ordering::SeqCst), 0);
        futures_lite::future::block_on(async {
            assert!(!resolve("localhost:80").await.unwrap().is_empty());
        });
        assert_eq!(jobs.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn malformed_addresses_are_invalid_input() {
        futures_lite::future::block_on(async {
            for bad in ["no-port", "localhost:port", "localhost:99999"] {
                let err = resolve(bad).await.unwrap_err();
                assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad}: {err}");
            }
            let none: &[SocketAddr] = &[];
            assert_eq!(
                resolve(none).await.unwrap_err().kind(),
                io::ErrorKind::InvalidInput
            );
        });
    }
}
