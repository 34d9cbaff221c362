//! Port of the cases of tokio/tests/rt_common.rs that exercise what issue 18
//! added here: one `Runtime` type for every flavor (Tokio's `rt_test!` macro
//! builds its three runtimes behind one `fn rt() -> Arc<Runtime>`, which
//! needs it), nested runtimes, a runtime built inside `block_on` or kept in
//! a thread-local, and a `LocalSet` driven by `block_on`. Ported: 6 of its
//! tests (`send_sync_bound`, `nested_rt`, `create_rt_in_block_on`,
//! `runtime_in_thread_local`, `local_set_block_on_socket`,
//! `local_set_client_server_block_on`), each on the three runtimes. The
//! rest of rt_common (spawning, I/O, timers, coop, shutdown) tests behaviour
//! that other files cover and is not ported here.
#![cfg(not(loom))]

macro_rules! rt_test {
    ($($t:tt)*) => {
        mod current_thread_scheduler {
            $($t)*

            fn rt() -> Arc<Runtime> {
                zokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap()
                    .into()
            }
        }

        mod threaded_scheduler_4_threads {
            $($t)*

            fn rt() -> Arc<Runtime> {
                zokio::runtime::Builder::new_multi_thread()
                    .worker_threads(4)
                    .enable_all()
                    .build()
                    .unwrap()
                    .into()
            }
        }

        mod threaded_scheduler_1_thread {
            $($t)*

            fn rt() -> Arc<Runtime> {
                zokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .unwrap()
                    .into()
            }
        }
    }
}

#[test]
fn send_sync_bound() {
    use zokio::runtime::Runtime;
    fn is_send<T: Send + Sync>() {}

    is_send::<Runtime>();
}

rt_test! {
    use zokio::io::{AsyncReadExt, AsyncWriteExt};
    use zokio::net::{TcpListener, TcpStream};
    use zokio::runtime::Runtime;
    use zokio::sync::oneshot;
    use zokio::task;

    use std::sync::{mpsc, Arc};

    #[test]
    #[should_panic]
    fn nested_rt() {
        let rt1 = rt();
        let rt2 = rt();

        rt1.block_on(async { rt2.block_on(async { "hello" }) });
    }

    #[test]
    fn create_rt_in_block_on() {
        let rt1 = rt();
        let rt2 = rt1.block_on(async { rt() });
        let out = rt2.block_on(async { "ZOMG" });

        assert_eq!(out, "ZOMG");
    }

    #[test]
    fn runtime_in_thread_local() {
        use std::cell::RefCell;
        use std::thread;

        thread_local!(
            static R: RefCell<Option<Runtime>> = const { RefCell::new(None) };
        );

        thread::spawn(|| {
            R.with(|cell| {
                let rt = rt();
                let rt = Arc::try_unwrap(rt).unwrap();
                *cell.borrow_mut() = Some(rt);
            });

            let _rt = rt();
        }).join().unwrap();
    }

    #[test]
    fn local_set_block_on_socket() {
        let rt = rt();
        let local = task::LocalSet::new();

        local.block_on(&rt, async move {
            let (tx, rx) = oneshot::channel();

            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();

            task::spawn_local(async move {
                let _ = listener.accept().await;
                tx.send(()).unwrap();
            });

            TcpStream::connect(&addr).await.unwrap();
            rx.await.unwrap();
        });
    }

    #[test]
    fn local_set_client_server_block_on() {
        let rt = rt();
        let (tx, rx) = mpsc::channel();

        let local = task::LocalSet::new();

        local.block_on(&rt, async move { client_server_local(tx).await });

        assert!(rx.try_recv().is_ok());
        assert!(rx.try_recv().is_err());
    }

    async fn client_server_local(tx: mpsc::Sender<()>) {
        let server = TcpListener::bind("127.0.0.1:0").await.unwrap();

        // Get the assigned address
        let addr = server.local_addr().unwrap();

        // Spawn the server
        task::spawn_local(async move {
            // Accept a socket
            let (mut socket, _) = server.accept().await.unwrap();

            // Write some data
            socket.write_all(b"hello").await.unwrap();
        });

        let mut client = TcpStream::connect(&addr).await.unwrap();

        let mut buf = vec![];
        client.read_to_end(&mut buf).await.unwrap();

        assert_eq!(buf, b"hello");
        tx.send(()).unwrap();
    }
}
