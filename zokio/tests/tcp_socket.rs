//! A port of tokio's tests/tcp_socket.rs to `zokio::net::TcpSocket`: every
//! test (the connects and accepts, and each option's set-and-get), with each
//! wait bounded by a timeout. Tests added below the ported ones are Zokio's.
#![cfg(not(loom))]
#![warn(rust_2018_idioms)]

use std::future::Future;
use std::time::Duration;
use tokio_test::assert_ok;
use zokio::net::TcpSocket;

/// Fails the test instead of hanging it.
async fn bounded<F: Future>(f: F) -> F::Output {
    zokio::time::timeout(Duration::from_secs(10), f)
        .await
        .expect("timed out")
}

#[zokio::test]
async fn basic_usage_v4() {
    // Create server
    let addr = assert_ok!("127.0.0.1:0".parse());
    let srv = assert_ok!(TcpSocket::new_v4());
    assert_ok!(srv.bind(addr));

    let srv = assert_ok!(srv.listen(128));

    // Create client & connect
    let addr = srv.local_addr().unwrap();
    let cli = assert_ok!(TcpSocket::new_v4());
    let _cli = assert_ok!(bounded(cli.connect(addr)).await);

    // Accept
    let _ = assert_ok!(bounded(srv.accept()).await);
}

#[zokio::test]
async fn basic_usage_v6() {
    // Create server
    let addr = assert_ok!("[::1]:0".parse());
    let srv = assert_ok!(TcpSocket::new_v6());
    assert_ok!(srv.bind(addr));

    let srv = assert_ok!(srv.listen(128));

    // Create client & connect
    let addr = srv.local_addr().unwrap();
    let cli = assert_ok!(TcpSocket::new_v6());
    let _cli = assert_ok!(bounded(cli.connect(addr)).await);

    // Accept
    let _ = assert_ok!(bounded(srv.accept()).await);
}

#[zokio::test]
async fn bind_before_connect() {
    // Create server
    let any_addr = assert_ok!("127.0.0.1:0".parse());
    let srv = assert_ok!(TcpSocket::new_v4());
    assert_ok!(srv.bind(any_addr));

    let srv = assert_ok!(srv.listen(128));

    // Create client & connect
    let addr = srv.local_addr().unwrap();
    let cli = assert_ok!(TcpSocket::new_v4());
    assert_ok!(cli.bind(any_addr));
    let _cli = assert_ok!(bounded(cli.connect(addr)).await);

    // Accept
    let _ = assert_ok!(bounded(srv.accept()).await);
}

#[zokio::test]
async fn basic_linger() {
    // Create server
    let addr = assert_ok!("127.0.0.1:0".parse());
    let srv = assert_ok!(TcpSocket::new_v4());
    assert_ok!(srv.bind(addr));

    assert!(srv.linger().unwrap().is_none());

    srv.set_zero_linger().unwrap();
    assert_eq!(srv.linger().unwrap(), Some(Duration::new(0, 0)));
}

/// Macro to create a simple test to set and get a socket option.
macro_rules! test {
    // Test using the `arg`ument as expected return value.
    ($get_fn: ident, $set_fn: ident ( $arg: expr ) ) => {
        test!($get_fn, $set_fn($arg), $arg);
    };
    ($get_fn: ident, $set_fn: ident ( $arg: expr ), $expected: expr ) => {
        #[test]
        fn $get_fn() {
            test!(__ new_v4, $get_fn, $set_fn($arg), $expected);
            test!(__ new_v6, $get_fn, $set_fn($arg), $expected);
        }
    };
    // Only test using a IPv4 socket.
    (IPv4 $get_fn: ident, $set_fn: ident ( $arg: expr ) ) => {
        #[test]
        fn $get_fn() {
            test!(__ new_v4, $get_fn, $set_fn($arg), $arg);
        }
    };
    // Only test using a IPv6 socket.
    (IPv6 $get_fn: ident, $set_fn: ident ( $arg: expr ) ) => {
        #[test]
        fn $get_fn() {
            test!(__ new_v6, $get_fn, $set_fn($arg), $arg);
        }
    };

    // Internal to this macro.
    (__ $constructor: ident, $get_fn: ident, $set_fn: ident ( $arg: expr ), $expected: expr ) => {
        let socket = TcpSocket::$constructor().expect("failed to create `TcpSocket`");

        let initial = socket.$get_fn().expect("failed to get initial value");
        let arg = $arg;
        assert_ne!(initial, arg, "initial value and argument are the same");

        socket.$set_fn(arg).expect("failed to set option");
        let got = socket.$get_fn().expect("failed to get value");
        let expected = $expected;
        assert_eq!(got, expected, "set and get values differ");
    };
}

const SET_BUF_SIZE: u32 = 4096;
// Linux doubles the buffer size for kernel usage, and exposes that when
// retrieving the buffer size.

#[cfg(not(any(target_os = "android", target_os = "linux")))]
const GET_BUF_SIZE: u32 = SET_BUF_SIZE;

#[cfg(any(target_os = "android", target_os = "linux"))]
const GET_BUF_SIZE: u32 = 2 * SET_BUF_SIZE;

test!(keepalive, set_keepalive(true));

test!(reuseaddr, set_reuseaddr(true));

test!(reuseport, set_reuseport(true));

test!(
    send_buffer_size,
    set_send_buffer_size(SET_BUF_SIZE),
    GET_BUF_SIZE
);

test!(
    recv_buffer_size,
    set_recv_buffer_size(SET_BUF_SIZE),
    GET_BUF_SIZE
);

test!(linger, set_linger(Some(Duration::from_secs(10))));

test!(nodelay, set_nodelay(true));

#[cfg(any(target_os = "android", target_os = "linux", target_os = "macos"))]
test!(IPv6 tclass_v6, set_tclass_v6(96));

test!(IPv4 tos_v4, set_tos_v4(96));

// Zokio's own tests.

/// Two listeners share a port with `SO_REUSEPORT`, and both accept.
#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reuseport_lets_two_listeners_share_a_port() {
    let first = TcpSocket::new_v4().unwrap();
    first.set_reuseport(true).unwrap();
    first.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = first.local_addr().unwrap();
    let second = TcpSocket::new_v4().unwrap();
    second.set_reuseport(true).unwrap();
    second.bind(addr).unwrap();
    let (first, second) = (first.listen(16).unwrap(), second.listen(16).unwrap());
    assert_eq!(first.local_addr().unwrap(), second.local_addr().unwrap());
}

/// Without `SO_REUSEPORT`, a taken port is `AddrInUse`, not a panic.
#[zokio::test]
async fn binding_a_taken_port_is_an_error() {
    let first = TcpSocket::new_v4().unwrap();
    first.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = first.local_addr().unwrap();
    let _listener = first.listen(16).unwrap();
    let second = TcpSocket::new_v4().unwrap();
    assert_eq!(
        second.bind(addr).unwrap_err().kind(),
        std::io::ErrorKind::AddrInUse
    );
}

/// A refused connect is `ConnectionRefused`.
#[zokio::test]
async fn connect_to_a_closed_port_is_refused() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let err = bounded(TcpSocket::new_v4().unwrap().connect(addr))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
}
