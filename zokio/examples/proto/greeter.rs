//! The Rust for `greeter.proto`: prost messages and a tonic server and
//! client, in the shape `tonic-prost-build` generates.
//!
//! Written by hand (prost's derive for the messages, tonic's `server::Grpc`
//! and `client::Grpc` for the service), not by a build script: a build
//! script would run `protoc` for every build of the `zokio` crate, users of
//! the library included, only for this example. A project of its own would
//! use `tonic-prost-build` (with `protoc-bin-vendored` if no protoc is
//! installed) and get the same items.
//!
//! Shared by `examples/grpc.rs` and `tests/web_tonic.rs` through `#[path]`.
#![allow(dead_code)]

/// `greeter.HelloRequest`
#[derive(Clone, PartialEq, prost::Message)]
pub struct HelloRequest {
    #[prost(string, tag = "1")]
    pub name: String,
}

/// `greeter.HelloReply`
#[derive(Clone, PartialEq, prost::Message)]
pub struct HelloReply {
    #[prost(string, tag = "1")]
    pub message: String,
}

/// `greeter.CountRequest`
#[derive(Clone, PartialEq, prost::Message)]
pub struct CountRequest {
    #[prost(uint32, tag = "1")]
    pub upto: u32,
    #[prost(uint32, tag = "2")]
    pub interval_ms: u32,
}

/// `greeter.Number`
#[derive(Clone, PartialEq, prost::Message)]
pub struct Number {
    #[prost(uint32, tag = "1")]
    pub value: u32,
}

const SERVICE: &str = "greeter.Greeter";
const SAY_HELLO: &str = "/greeter.Greeter/SayHello";
const COUNT: &str = "/greeter.Greeter/Count";

pub mod greeter_server {
    use std::convert::Infallible;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::task::{Context, Poll};

    use tonic::codegen::{BoxFuture, StdError, http};
    use tonic::{Request, Response, Status};

    use super::{CountRequest, HelloReply, HelloRequest, Number};

    /// What a `greeter.Greeter` server implements.
    pub trait Greeter: Send + Sync + 'static {
        /// The stream `count` answers with.
        type CountStream: tonic::codegen::tokio_stream::Stream<Item = Result<Number, Status>>
            + Send
            + 'static;

        fn say_hello(
            &self,
            request: Request<HelloRequest>,
        ) -> impl Future<Output = Result<Response<HelloReply>, Status>> + Send;

        fn count(
            &self,
            request: Request<CountRequest>,
        ) -> impl Future<Output = Result<Response<Self::CountStream>, Status>> + Send;
    }

    /// A `Greeter` as a tower service of HTTP/2 requests (add it to tonic's
    /// `Routes`, or serve it as it is).
    #[derive(Debug)]
    pub struct GreeterServer<T> {
        inner: Arc<T>,
    }

    impl<T> GreeterServer<T> {
        pub fn new(inner: T) -> Self {
            GreeterServer {
                inner: Arc::new(inner),
            }
        }
    }

    impl<T> Clone for GreeterServer<T> {
        fn clone(&self) -> Self {
            GreeterServer {
                inner: self.inner.clone(),
            }
        }
    }

    impl<T> tonic::server::NamedService for GreeterServer<T> {
        const NAME: &'static str = super::SERVICE;
    }

    struct SayHelloSvc<T>(Arc<T>);

    impl<T: Greeter> tonic::server::UnaryService<HelloRequest> for SayHelloSvc<T> {
        type Response = HelloReply;
        type Future = BoxFuture<Response<HelloReply>, Status>;

        fn call(&mut self, request: Request<HelloRequest>) -> Self::Future {
            let inner = self.0.clone();
            Box::pin(async move { inner.say_hello(request).await })
        }
    }

    struct CountSvc<T>(Arc<T>);

    impl<T: Greeter> tonic::server::ServerStreamingService<CountRequest> for CountSvc<T> {
        type Response = Number;
        type ResponseStream = T::CountStream;
        type Future = BoxFuture<Response<T::CountStream>, Status>;

        fn call(&mut self, request: Request<CountRequest>) -> Self::Future {
            let inner = self.0.clone();
            Box::pin(async move { inner.count(request).await })
        }
    }

    impl<T, B> tonic::codegen::Service<http::Request<B>> for GreeterServer<T>
    where
        T: Greeter,
        B: tonic::codegen::Body + Send + 'static,
        B::Error: Into<StdError> + Send + 'static,
    {
        type Response = http::Response<tonic::body::Body>;
        type Error = Infallible;
        type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

        fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, req: http::Request<B>) -> Self::Future {
            let inner = self.inner.clone();
            match req.uri().path() {
                super::SAY_HELLO => Box::pin(async move {
                    let mut grpc = tonic::server::Grpc::new(tonic_prost::ProstCodec::default());
                    Ok(grpc.unary(SayHelloSvc(inner), req).await)
                }),
                super::COUNT => Box::pin(async move {
                    let mut grpc = tonic::server::Grpc::new(tonic_prost::ProstCodec::default());
                    Ok(grpc.server_streaming(CountSvc(inner), req).await)
                }),
                other => {
                    let status = Status::unimplemented(format!("no method {other}"));
                    Box::pin(async move { Ok(status.into_http()) })
                }
            }
        }
    }
}

pub mod greeter_client {
    use tonic::codegen::{Body, Bytes, GrpcMethod, StdError, http};
    use tonic::{IntoRequest, Response, Status, Streaming};

    use super::{CountRequest, HelloReply, HelloRequest, Number};

    /// A `greeter.Greeter` client over any HTTP/2 tower service (such as
    /// hyper-util's pooled client on Zokio's connector).
    #[derive(Debug, Clone)]
    pub struct GreeterClient<T> {
        inner: tonic::client::Grpc<T>,
    }

    impl<T> GreeterClient<T>
    where
        T: tonic::client::GrpcService<tonic::body::Body>,
        T::Error: Into<StdError>,
        T::ResponseBody: Body<Data = Bytes> + Send + 'static,
        <T::ResponseBody as Body>::Error: Into<StdError> + Send,
    {
        /// Sends every call to `origin` (`http://host:port`) through `inner`.
        pub fn with_origin(inner: T, origin: http::Uri) -> Self {
            GreeterClient {
                inner: tonic::client::Grpc::with_origin(inner, origin),
            }
        }

        async fn ready(&mut self) -> Result<(), Status> {
            self.inner
                .ready()
                .await
                .map_err(|e| Status::unknown(format!("Service was not ready: {}", e.into())))
        }

        pub async fn say_hello(
            &mut self,
            request: impl IntoRequest<HelloRequest>,
        ) -> Result<Response<HelloReply>, Status> {
            self.ready().await?;
            let mut request = request.into_request();
            request
                .extensions_mut()
                .insert(GrpcMethod::new(super::SERVICE, "SayHello"));
            let path = http::uri::PathAndQuery::from_static(super::SAY_HELLO);
            self.inner
                .unary(request, path, tonic_prost::ProstCodec::default())
                .await
        }

        pub async fn count(
            &mut self,
            request: impl IntoRequest<CountRequest>,
        ) -> Result<Response<Streaming<Number>>, Status> {
            self.ready().await?;
            let mut request = request.into_request();
            request
                .extensions_mut()
                .insert(GrpcMethod::new(super::SERVICE, "Count"));
            let path = http::uri::PathAndQuery::from_static(super::COUNT);
            self.inner
                .server_streaming(request, path, tonic_prost::ProstCodec::default())
                .await
        }
    }
}
