//! Port of tokio/tests/signal_multi_rt.rs (1 of 1 test): one delivery wakes
//! listeners on four runtimes, each on its own thread, ten times over.
#![cfg(unix)]

mod support {
    pub mod signal;
}
use support::signal::{send_signal, within};

use std::sync::mpsc::channel;
use std::thread;
use std::time::Duration;

use zokio::runtime::{Builder, CurrentThreadRuntime};
use zokio::signal::unix::{SignalKind, signal};

#[test]
fn multi_loop() {
    // An "ordinary" (non-future) channel
    let (sender, receiver) = channel();
    // Run multiple times, to make sure there are no race conditions
    for _ in 0..10 {
        // Run multiple event loops, each one in its own thread
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let sender = sender.clone();
                thread::spawn(move || {
                    let rt = rt();
                    rt.block_on(async {
                        let mut signal = signal(SignalKind::hangup()).unwrap();
                        sender.send(()).unwrap();
                        within("SIGHUP", signal.recv()).await
                    })
                })
            })
            .collect();
        // Wait for them to declare they're ready
        for &_ in threads.iter() {
            receiver
                .recv_timeout(Duration::from_secs(5))
                .expect("listener ready");
        }
        // Send a signal
        send_signal(libc::SIGHUP);
        // Make sure the threads terminated correctly
        for t in threads {
            assert_eq!(t.join().unwrap(), Some(()));
        }
    }
}

fn rt() -> CurrentThreadRuntime {
    Builder::new_current_thread().enable_all().build().unwrap()
}
