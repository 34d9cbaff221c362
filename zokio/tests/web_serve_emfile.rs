//! `zokio::compat::hyper::serve` out of file descriptors: `accept` fails
//! with `EMFILE`, the error goes to the hook, the loop pauses and retries,
//! and once descriptors are free the waiting peer is served. Alone in its
//! binary because it exhausts the process's descriptors.
#![cfg(all(feature = "hyper", not(loom), target_os = "linux"))]

use std::convert::Infallible;
use std::future::IntoFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use zokio::compat::hyper::Server;
use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::net::{TcpListener, TcpStream};

#[path = "support/fd_table.rs"]
mod fd_table;
use fd_table::{fill_fd_table, set_fd_limit};

#[zokio::test]
async fn emfile_on_accept_backs_off_and_recovers() {
    // A low soft limit keeps the exhaustion loop short.
    let old_limit = set_fd_limit(256);

    let result = zokio::time::timeout(Duration::from_secs(20), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accept_errors = Arc::new(AtomicUsize::new(0));
        let counted = accept_errors.clone();
        let hello = tower::service_fn(|_req: Request<Incoming>| async {
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"hello"))))
        });
        zokio::spawn(
            Server::new()
                .on_error(move |e| {
                    assert!(e.is_accept(), "{e}");
                    assert!(e.to_string().contains("accept failed"), "{e}");
                    counted.fetch_add(1, Ordering::SeqCst);
                })
                .serve(listener, hello)
                .into_future(),
        );
        // Let the server task start and wait in accept.
        zokio::task::yield_now().await;

        // One descriptor left: the client's socket takes it, so the
        // server's accept has none.
        let mut held = fill_fd_table();
        held.truncate(held.len() - 1);
        let mut client = TcpStream::connect(addr).await.unwrap();
        client
            .write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        while accept_errors.load(Ordering::SeqCst) < 2 {
            zokio::time::sleep(Duration::from_millis(5)).await;
        }
        drop(held);

        let mut reply = Vec::new();
        client.read_to_end(&mut reply).await.unwrap();
        let reply = String::from_utf8(reply).unwrap();
        assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
        assert!(reply.ends_with("hello"), "{reply}");
        // Backing off: a handful of retries over the wait, not a spin.
        let errors = accept_errors.load(Ordering::SeqCst);
        assert!((2..50).contains(&errors), "{errors} accept errors");
    })
    .await;

    set_fd_limit(old_limit);
    result.expect("timed out");
}
