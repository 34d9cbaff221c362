//! The `tracing` feature as tokio-console sees it: console-subscriber's
//! layer records a Zokio runtime's spans and events, its aggregator builds
//! the task and resource lists, and this test reads them through the same
//! gRPC API `tokio-console` uses, over loopback.
//!
//! The tasks: a yielder (polls and self-wakes), a waiter (a waker cloned
//! into a channel and woken from another task), a sleeper (a `Sleep`
//! resource), a blocking job, a local task, and one left idle until the
//! end (alive, not completed). Each is named and spawned on a known line.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use console_api::field::{Name, Value};
use console_api::instrument::InstrumentRequest;
use console_api::instrument::instrument_client::InstrumentClient;
use console_api::resources::Resource;
use console_api::resources::resource::kind::{Kind, Known};
use console_api::tasks::{Stats, Task};
use console_subscriber::{ConsoleLayer, ServerParts};
use tracing_subscriber::layer::SubscriberExt;
use zokio::task::Builder;

/// How long the test waits for the console's view to settle before it
/// fails with what it saw.
const DEADLINE: Duration = Duration::from_secs(20);

/// The task list as a console client accumulates it from the updates.
#[derive(Default)]
struct View {
    tasks: HashMap<u64, Task>,
    stats: HashMap<u64, Stats>,
    resources: Vec<Resource>,
}

impl View {
    fn apply(&mut self, update: console_api::instrument::Update) {
        if let Some(tasks) = update.task_update {
            for task in tasks.new_tasks {
                let id = task.id.as_ref().map_or(0, |id| id.id);
                self.tasks.insert(id, task);
            }
            self.stats.extend(tasks.stats_update);
        }
        if let Some(resources) = update.resource_update {
            self.resources.extend(resources.new_resources);
        }
    }

    /// The task named `name`, with its console id.
    fn named(&self, name: &str) -> Option<(u64, &Task)> {
        self.tasks
            .iter()
            .find(|(_, task)| field(task, "task.name") == Some(name.to_owned()))
            .map(|(id, task)| (*id, task))
    }

    fn stats_of(&self, name: &str) -> Option<&Stats> {
        self.named(name).and_then(|(id, _)| self.stats.get(&id))
    }

    fn polls(&self, name: &str) -> u64 {
        self.stats_of(name)
            .and_then(|s| s.poll_stats.as_ref())
            .map_or(0, |p| p.polls)
    }

    fn completed(&self, name: &str) -> bool {
        self.stats_of(name).is_some_and(|s| s.dropped_at.is_some())
    }

    /// What the test waits for: every task seen, the finished ones marked
    /// completed with their polls and wakes counted, and the timer.
    fn settled(&self) -> bool {
        ["yielder", "waiter", "sleeper", "blocking", "local"]
            .iter()
            .all(|name| self.completed(name))
            && self.polls("yielder") >= 6
            && self.stats_of("waiter").is_some_and(|s| s.wakes >= 1)
            && self.polls("idle") >= 1
            && self.resources.iter().any(|r| r.concrete_type == "Sleep")
    }
}

/// The value of the field `name` of `task`, as text.
fn field(task: &Task, name: &str) -> Option<String> {
    task.fields.iter().find_map(|f| {
        let Some(Name::StrName(n)) = &f.name else {
            return None;
        };
        if n != name {
            return None;
        }
        match f.value.as_ref()? {
            Value::DebugVal(v) | Value::StrVal(v) => Some(v.clone()),
            Value::U64Val(v) => Some(v.to_string()),
            Value::I64Val(v) => Some(v.to_string()),
            Value::BoolVal(v) => Some(v.to_string()),
        }
    })
}

/// Serves console-subscriber's aggregator and gRPC service on a Tokio
/// runtime of its own thread (as `console_subscriber::init` does), and
/// returns the loopback address it listens on.
fn serve_console(server: console_subscriber::Server) -> SocketAddr {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        // The console's own tasks and connections stay out of what it records.
        let _quiet = tracing::dispatcher::set_default(&tracing::Dispatch::none());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let ServerParts {
                instrument_server,
                aggregator,
                ..
            } = server.into_parts();
            tokio::spawn(aggregator.run());
            let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
            let _ = tonic::transport::Server::builder()
                .add_service(instrument_server)
                .serve_with_incoming(incoming)
                .await;
        });
    });
    rx.recv_timeout(DEADLINE)
        .expect("the console server started")
}

/// Watches the updates at `addr` until `settled` holds or the deadline
/// passes, and returns the view either way.
fn watch(addr: SocketAddr, settled: impl Fn(&View) -> bool) -> View {
    let _quiet = tracing::dispatcher::set_default(&tracing::Dispatch::none());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let mut view = View::default();
        let watching = async {
            let mut client = InstrumentClient::connect(format!("http://{addr}"))
                .await
                .expect("connect to the console server");
            let mut updates = client
                .watch_updates(InstrumentRequest {})
                .await
                .expect("watch updates")
                .into_inner();
            while let Some(update) = updates.message().await.expect("an update") {
                view.apply(update);
                if settled(&view) {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(DEADLINE, watching).await;
        view
    })
}

/// The spawn location the console shows for a task: file, line.
fn location(task: &Task) -> (String, u32) {
    let loc = task.location.clone().unwrap_or_default();
    (loc.file.unwrap_or_default(), loc.line.unwrap_or_default())
}

#[test]
fn console_builds_the_task_list_of_a_zokio_runtime() {
    let (layer, server) = ConsoleLayer::builder()
        .publish_interval(Duration::from_millis(20))
        .retention(Duration::from_secs(600))
        .build();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
        .expect("the only subscriber of this test binary");
    let addr = serve_console(server);

    let rt = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut lines = HashMap::new();
    let (release_idle, idle_released) = zokio::sync::oneshot::channel::<()>();
    // The idle task's handle comes out of the block as a value to await later.
    #[allow(clippy::async_yields_async)]
    let idle = rt.block_on(async {
        lines.insert("yielder", line!() + 1);
        let yielder = Builder::new().name("yielder").spawn(async {
            for _ in 0..5 {
                zokio::task::yield_now().await;
            }
        });
        let (wake_waiter, waiting) = zokio::sync::oneshot::channel::<u32>();
        let waited = async { waiting.await.unwrap() };
        lines.insert("waiter", line!() + 1);
        let waiter = Builder::new().name("waiter").spawn(waited);
        lines.insert("sleeper", line!() + 1);
        let sleeper = Builder::new().name("sleeper").spawn(async {
            zokio::time::sleep(Duration::from_millis(30)).await;
        });
        lines.insert("blocking", line!() + 1);
        let blocking = Builder::new().name("blocking").spawn_blocking(|| 2 + 2);
        lines.insert("idle", line!() + 1);
        let idle = Builder::new().name("idle").spawn(idle_released);

        zokio::time::sleep(Duration::from_millis(20)).await;
        wake_waiter.send(7).unwrap();
        yielder.unwrap().await.unwrap();
        assert_eq!(waiter.unwrap().await.unwrap(), 7);
        sleeper.unwrap().await.unwrap();
        assert_eq!(blocking.unwrap().await.unwrap(), 4);
        idle.unwrap()
    });
    let local_rt = zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    zokio::task::LocalSet::new().block_on(&local_rt, async {
        let here = std::rc::Rc::new(1);
        let read = async move { *here };
        lines.insert("local", line!() + 1);
        let local = Builder::new().name("local").spawn_local(read);
        assert_eq!(local.unwrap().await.unwrap(), 1);
    });

    let view = watch(addr, View::settled);
    let summary = || {
        let mut seen: Vec<_> = view
            .tasks
            .iter()
            .map(|(id, t)| (field(t, "task.name"), view.stats.get(id)))
            .collect();
        seen.sort_by(|a, b| a.0.cmp(&b.0));
        format!("{seen:#?}")
    };

    for (name, kind) in [
        ("yielder", "task"),
        ("waiter", "task"),
        ("sleeper", "task"),
        ("blocking", "blocking"),
        ("idle", "task"),
        ("local", "local"),
    ] {
        let Some((_, task)) = view.named(name) else {
            panic!("no task named {name} in the console's list: {}", summary());
        };
        assert_eq!(field(task, "kind").as_deref(), Some(kind), "{name}'s kind");
        let (file, line) = location(task);
        assert!(
            file.ends_with("tests/tracing_console.rs"),
            "{name} spawned in {file}"
        );
        assert_eq!(line, lines[name], "{name}'s spawn line");
        assert!(
            field(task, "task.id").is_some_and(|id| id.parse::<u64>().is_ok_and(|id| id > 0)),
            "{name} carries Zokio's task id"
        );
    }
    for name in ["yielder", "waiter", "sleeper", "blocking", "local"] {
        assert!(view.completed(name), "{name} is completed: {}", summary());
    }
    assert!(!view.completed("idle"), "idle is alive: {}", summary());

    let yielder = view.stats_of("yielder").unwrap();
    assert!(
        view.polls("yielder") >= 6,
        "5 yields, 6 polls: {}",
        summary()
    );
    assert!(yielder.wakes >= 5 && yielder.self_wakes >= 5, "{yielder:?}");
    let waiter = view.stats_of("waiter").unwrap();
    assert!(
        waiter.waker_clones >= 1,
        "the channel keeps a clone: {waiter:?}"
    );
    assert!(waiter.wakes >= 1, "the send wakes it: {waiter:?}");
    assert!(view.polls("waiter") >= 2, "{waiter:?}");
    let idle_stats = view.stats_of("idle").unwrap();
    assert!(
        idle_stats.waker_clones > idle_stats.waker_drops,
        "idle's waker is kept: {idle_stats:?}"
    );

    let sleep = view
        .resources
        .iter()
        .find(|r| r.concrete_type == "Sleep")
        .expect("the sleeper's timer is a resource");
    assert_eq!(
        sleep.kind.clone().and_then(|k| k.kind),
        Some(Kind::Known(Known::Timer as i32))
    );
    let (file, _) = (
        sleep
            .location
            .clone()
            .unwrap_or_default()
            .file
            .unwrap_or_default(),
        0,
    );
    assert!(
        file.ends_with("tests/tracing_console.rs"),
        "the Sleep was made in {file}"
    );

    release_idle.send(()).unwrap();
    rt.block_on(idle).unwrap().unwrap();
}
