//! Assembling runtimes from layers of your choice.
//!
//! `cargo run --release -p zokio --example custom_runtime`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use zokio::runtime::{Layers, Runtime, SchedulerConfig};
use zokio_core::{Driver, ThreadParker};
use zokio_time::TimeDriver;

/// A driver of our own: the plain thread parker, counting how often the
/// runtime went idle.
struct CountingParker {
    inner: ThreadParker,
    parks: Arc<AtomicU64>,
}

impl Driver for CountingParker {
    type Unparker = <ThreadParker as Driver>::Unparker;

    fn park(&mut self, timeout: Option<Duration>) {
        self.parks.fetch_add(1, Ordering::Relaxed);
        self.inner.park(timeout);
    }

    fn unparker(&self) -> Self::Unparker {
        self.inner.unparker()
    }
}

fn main() -> std::io::Result<()> {
    // 1. A current-thread runtime with timers but no reactor.
    let driver = TimeDriver::new(ThreadParker::new());
    let layers = Layers {
        time: Some(driver.handle()),
        io: None,
    };
    let rt = Runtime::current_thread(driver, layers, SchedulerConfig::default())?;
    let set = zokio::task::LocalSet::new();
    rt.block_on(set.run_until(async {
        let local = std::rc::Rc::new("a !Send value");
        zokio::task::spawn_local(async move {
            zokio::time::sleep(Duration::from_millis(5)).await;
            println!("current-thread + timers: slept with {local}");
        })
        .await
        .expect("local task");
    }));

    // 2. The work-stealing scheduler over our own driver, with timers on top.
    let parks = Arc::new(AtomicU64::new(0));
    let driver = TimeDriver::new(CountingParker {
        inner: ThreadParker::new(),
        parks: parks.clone(),
    });
    let layers = Layers {
        time: Some(driver.handle()),
        io: None,
    };
    let config = SchedulerConfig {
        worker_threads: 2,
        ..SchedulerConfig::default()
    };
    let rt = Runtime::multi_thread(driver, layers, config)?;
    let sum = rt.block_on(async {
        let tasks: Vec<_> = (0..10u64)
            .map(|i| {
                zokio::spawn(async move {
                    zokio::time::sleep(Duration::from_millis(i)).await;
                    i
                })
            })
            .collect();
        let mut sum = 0;
        for t in tasks {
            sum += t.await.expect("task");
        }
        sum
    });
    println!(
        "multi-thread over a custom driver: sum {sum}, the driver was parked {} times",
        parks.load(Ordering::Relaxed)
    );
    Ok(())
}
