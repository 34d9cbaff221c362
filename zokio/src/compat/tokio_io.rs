//! tokio's `AsyncRead`/`AsyncWrite` over Zokio's sockets, for libraries
//! written against tokio's I/O traits (h2, tokio-tungstenite, tokio-rustls).
//!
//! This re-exports tokio-util's compat layer, which converts between the
//! futures-io traits Zokio's types implement and tokio's, in both directions.
//! Only tokio's I/O *traits* are involved: no tokio runtime runs.
//!
//! ```
//! use zokio::compat::tokio_io::FuturesAsyncReadCompatExt;
//! use tokio::io::AsyncReadExt;
//!
//! zokio::run(async {
//!     let listener = zokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     zokio::spawn(async move {
//!         use zokio::io::AsyncWriteExt;
//!         let (mut s, _) = listener.accept().await.unwrap();
//!         s.write_all(b"via tokio traits").await.unwrap();
//!     });
//!     let stream = zokio::net::TcpStream::connect(addr).await.unwrap();
//!     let mut compat = stream.compat(); // now a tokio::io::AsyncRead + AsyncWrite
//!     let mut text = String::new();
//!     compat.read_to_string(&mut text).await.unwrap();
//!     assert_eq!(text, "via tokio traits");
//! });
//! ```

pub use tokio_util::compat::{
    Compat, FuturesAsyncReadCompatExt, FuturesAsyncWriteCompatExt, TokioAsyncReadCompatExt,
    TokioAsyncWriteCompatExt,
};
