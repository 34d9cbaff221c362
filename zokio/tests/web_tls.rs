//! tokio-rustls over Zokio's TCP sockets (through `zokio::compat::tokio_io`)
//! with a self-signed certificate made in the test by rcgen: a TLS echo, an
//! HTTP/1 exchange inside TLS (hyper on `HyperIo` over the TLS stream made
//! futures-io again), and a handshake refused for an untrusted certificate.
//! No Tokio runtime runs: only tokio's I/O traits are involved. (Tokio has no
//! TLS tests; tokio-rustls's own tests do a handshake and an echo, as here.)
#![cfg(all(feature = "hyper", feature = "tokio-io", not(loom)))]

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::{TlsAcceptor, TlsConnector};
use zokio::compat::hyper::{HyperIo, HyperTimer};
use zokio::compat::tokio_io::{FuturesAsyncReadCompatExt, TokioAsyncReadCompatExt};
use zokio::net::{TcpListener, TcpStream};

mod support {
    pub mod within;
}
use support::within::within;

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A self-signed certificate for `localhost`, a server config using it, and
/// a client config trusting it.
fn configs() -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let server = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    let mut roots = RootCertStore::empty();
    roots.add(cert).unwrap();
    let client = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    (Arc::new(server), Arc::new(client))
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_echo_over_zokio_sockets() {
    within(Duration::from_secs(20), async {
        let (server_config, client_config) = configs();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = TlsAcceptor::from(server_config);
        let server = zokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut tls = acceptor.accept(stream.compat()).await.unwrap();
            let mut buf = vec![0u8; 64 * 1024];
            let mut echoed = 0;
            loop {
                let n = tls.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                tls.write_all(&buf[..n]).await.unwrap();
                echoed += n;
            }
            tls.shutdown().await.unwrap();
            echoed
        });

        let stream = TcpStream::connect(addr).await.unwrap();
        let connector = TlsConnector::from(client_config);
        let name = ServerName::try_from("localhost").unwrap();
        let tls = connector.connect(name, stream.compat()).await.unwrap();
        let (_, session) = tls.get_ref();
        assert!(session.protocol_version().is_some());
        let (mut reader, mut writer) = tokio::io::split(tls);
        // 1 MiB each way, written and read concurrently (records interleave).
        let payload: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
        let sent = payload.clone();
        let writing = zokio::spawn(async move {
            writer.write_all(&sent).await.unwrap();
            writer.shutdown().await.unwrap();
        });
        let mut back = Vec::new();
        reader.read_to_end(&mut back).await.unwrap();
        writing.await.unwrap();
        assert_eq!(back.len(), payload.len());
        assert!(back == payload, "the echo differs");
        assert_eq!(server.await.unwrap(), payload.len());
    })
    .await;
}

#[zokio::test]
async fn https_request_with_hyper_inside_tls() {
    within(Duration::from_secs(20), async {
        let (server_config, client_config) = configs();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = TlsAcceptor::from(server_config);
        zokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let tls = acceptor.accept(stream.compat()).await.unwrap();
            let service = hyper::service::service_fn(|req: Request<Incoming>| async move {
                let body = format!("secure {}", req.uri().path());
                Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body))))
            });
            // tokio's traits back to futures-io, then hyper's.
            hyper::server::conn::http1::Builder::new()
                .timer(HyperTimer)
                .serve_connection(HyperIo::new(tls.compat()), service)
                .await
                .unwrap();
        });

        let stream = TcpStream::connect(addr).await.unwrap();
        let tls = TlsConnector::from(client_config)
            .connect(ServerName::try_from("localhost").unwrap(), stream.compat())
            .await
            .unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(HyperIo::new(tls.compat()))
            .await
            .unwrap();
        zokio::spawn(conn);
        for path in ["/a", "/b"] {
            let request = Request::get(format!("https://localhost{path}"))
                .header("host", "localhost")
                .body(Full::new(Bytes::new()))
                .unwrap();
            let response = sender.send_request(request).await.unwrap();
            assert_eq!(response.status(), 200);
            let body = response.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(body, format!("secure {path}"));
        }
    })
    .await;
}

#[zokio::test]
async fn untrusted_certificate_fails_the_handshake() {
    within(Duration::from_secs(20), async {
        let (server_config, _) = configs();
        // A client trusting a different self-signed certificate.
        let (_, other_client) = configs();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = TlsAcceptor::from(server_config);
        let server = zokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            acceptor.accept(stream.compat()).await.map(|_| ())
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let e = TlsConnector::from(other_client)
            .connect(ServerName::try_from("localhost").unwrap(), stream.compat())
            .await
            .map(|_| ())
            .unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData, "{e}");
        assert!(e.to_string().contains("certificate"), "{e}");
        assert!(server.await.unwrap().is_err());
    })
    .await;
}
