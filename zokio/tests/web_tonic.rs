//! tonic 0.14 on Zokio over loopback: a unary and a server-streaming call,
//! status codes, metadata, and a call to a method the server lacks; the
//! server is tonic's `Routes` on `zokio::compat::hyper::serve`, the client
//! tonic's `client::Grpc` on hyper-util's pooled client with
//! `ZokioConnector`. No Tokio runtime runs. (Tokio has no gRPC tests; these
//! follow tonic's own integration tests' cases: unary status, streaming
//! order, unimplemented.)
#![cfg(all(feature = "hyper-client", not(loom)))]

#[path = "../examples/proto/greeter.rs"]
mod greeter;

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use greeter::greeter_client::GreeterClient;
use greeter::greeter_server::{Greeter, GreeterServer};
use greeter::{CountRequest, HelloReply, HelloRequest, Number};
use hyper_util::client::legacy::Client;
use tonic::codegen::tokio_stream::Stream;
use tonic::{Code, Request, Response, Status};
use zokio::compat::hyper::{HyperExecutor, HyperTimer, ZokioConnector, serve};
use zokio::net::TcpListener;

async fn within<T>(limit: Duration, fut: impl std::future::Future<Output = T>) -> T {
    zokio::time::timeout(limit, fut).await.expect("timed out")
}

struct TestGreeter;

impl Greeter for TestGreeter {
    type CountStream = Pin<Box<dyn Stream<Item = Result<Number, Status>> + Send>>;

    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let shout = request.metadata().get("x-shout").is_some();
        let name = request.into_inner().name;
        if name.is_empty() {
            return Err(Status::invalid_argument("empty name"));
        }
        let message = format!("Hello, {name}!");
        let mut response = Response::new(HelloReply {
            message: if shout {
                message.to_uppercase()
            } else {
                message
            },
        });
        response
            .metadata_mut()
            .insert("x-served-by", "zokio".parse().unwrap());
        Ok(response)
    }

    async fn count(
        &self,
        request: Request<CountRequest>,
    ) -> Result<Response<Self::CountStream>, Status> {
        let CountRequest { upto, interval_ms } = request.into_inner();
        let interval = Duration::from_millis(u64::from(interval_ms));
        let numbers = futures_util::stream::unfold(1, move |n| async move {
            if n > upto {
                return None;
            }
            zokio::time::sleep(interval).await;
            // A status in the stream ends it with that status.
            if n == 13 {
                return Some((Err(Status::aborted("unlucky")), upto + 1));
            }
            Some((Ok(Number { value: n }), n + 1))
        });
        Ok(Response::new(Box::pin(numbers)))
    }
}

async fn start() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let routes = tonic::service::Routes::new(GreeterServer::new(TestGreeter));
    zokio::spawn(serve(listener, routes).into_future());
    addr
}

type Channel = Client<ZokioConnector, tonic::body::Body>;

fn client(addr: SocketAddr) -> GreeterClient<Channel> {
    let http = Client::builder(HyperExecutor)
        .http2_only(true)
        .timer(HyperTimer)
        .pool_timer(HyperTimer)
        .build(ZokioConnector::new());
    GreeterClient::with_origin(http, format!("http://{addr}").parse().unwrap())
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unary_call_with_metadata_and_status() {
    within(Duration::from_secs(20), async {
        let addr = start().await;
        let mut client = client(addr);

        let reply = client
            .say_hello(HelloRequest {
                name: "Zokio".into(),
            })
            .await
            .unwrap();
        assert_eq!(reply.metadata().get("x-served-by").unwrap(), "zokio");
        assert_eq!(reply.into_inner().message, "Hello, Zokio!");

        let mut request = Request::new(HelloRequest {
            name: "tonic".into(),
        });
        request
            .metadata_mut()
            .insert("x-shout", "1".parse().unwrap());
        let reply = client.say_hello(request).await.unwrap();
        assert_eq!(reply.into_inner().message, "HELLO, TONIC!");

        let status = client.say_hello(HelloRequest::default()).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), "empty name");

        // Many concurrent calls over the client's one HTTP/2 connection.
        let calls: Vec<_> = (0..50)
            .map(|i| {
                let mut client = client.clone();
                zokio::spawn(async move {
                    client
                        .say_hello(HelloRequest {
                            name: format!("n{i}"),
                        })
                        .await
                        .map(|r| r.into_inner().message)
                })
            })
            .collect();
        for (i, call) in calls.into_iter().enumerate() {
            assert_eq!(call.await.unwrap().unwrap(), format!("Hello, n{i}!"));
        }
    })
    .await;
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_streaming_delivers_in_order_as_produced() {
    within(Duration::from_secs(20), async {
        let addr = start().await;
        let mut client = client(addr);
        let started = Instant::now();
        let mut stream = client
            .count(CountRequest {
                upto: 5,
                interval_ms: 30,
            })
            .await
            .unwrap()
            .into_inner();
        let mut got = Vec::new();
        let mut first_at = None;
        while let Some(n) = stream.next().await {
            first_at.get_or_insert_with(|| started.elapsed());
            got.push(n.unwrap().value);
        }
        let total = started.elapsed();
        assert_eq!(got, [1, 2, 3, 4, 5]);
        // Streamed, not buffered: the first number came well before the last.
        let first_at = first_at.unwrap();
        assert!(total >= Duration::from_millis(150), "{total:?}");
        assert!(
            total - first_at >= Duration::from_millis(100),
            "{first_at:?} of {total:?}"
        );

        // A status mid-stream ends it with that status.
        let mut stream = client
            .count(CountRequest {
                upto: 20,
                interval_ms: 0,
            })
            .await
            .unwrap()
            .into_inner();
        let mut values = Vec::new();
        let status = loop {
            match stream.next().await {
                Some(Ok(n)) => values.push(n.value),
                Some(Err(status)) => break status,
                None => panic!("the stream ended without its status"),
            }
        };
        assert_eq!(values, (1..13).collect::<Vec<_>>());
        assert_eq!(status.code(), Code::Aborted);
    })
    .await;
}

#[zokio::test]
async fn unknown_service_is_unimplemented() {
    within(Duration::from_secs(20), async {
        let addr = start().await;
        let http: Channel = Client::builder(HyperExecutor)
            .http2_only(true)
            .build(ZokioConnector::new());
        let mut grpc =
            tonic::client::Grpc::with_origin(http, format!("http://{addr}").parse().unwrap());
        grpc.ready().await.unwrap();
        let status = grpc
            .unary::<_, HelloReply, _>(
                Request::new(HelloRequest { name: "x".into() }),
                "/greeter.Nobody/SayHello".parse().unwrap(),
                tonic_prost::ProstCodec::default(),
            )
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unimplemented);
    })
    .await;
}
