//! A bound on a test's run time for ports whose waits are many: if the test
//! is still running after the limit, the process aborts with the test's
//! name instead of hanging CI.

use std::sync::mpsc;
use std::time::Duration;

/// How long one test may run.
const LIMIT: Duration = Duration::from_secs(30);

/// Aborts the process if not dropped within [`LIMIT`].
pub struct Watchdog(#[allow(dead_code)] mpsc::Sender<()>);

impl Watchdog {
    pub fn start() -> Watchdog {
        let (done, wait) = mpsc::channel::<()>();
        let name = std::thread::current().name().unwrap_or("a test").to_owned();
        std::thread::spawn(move || {
            // A disconnect (the guard dropped) ends the wait at once.
            if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(LIMIT) {
                eprintln!("{name} ran longer than {LIMIT:?}: aborting");
                std::process::abort();
            }
        });
        Watchdog(done)
    }
}
