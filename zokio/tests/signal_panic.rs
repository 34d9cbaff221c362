//! Port of tokio/tests/signal_panic.rs (1 of 1 test): on a runtime built
//! without I/O, `signal` panics, and the panic names the caller's line.
//! Plus Zokio's rule for bad input where I/O is enabled: an error, no panic.
#![cfg(unix)]
#![cfg(panic = "unwind")]

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use zokio::runtime::Builder;
use zokio::signal::unix::{SignalKind, signal};

/// Runs `f`, which must panic, and returns the file the panic points at.
fn panic_location(f: impl FnOnce()) -> Option<String> {
    let location = Arc::new(Mutex::new(None));
    let seen = location.clone();
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        *seen.lock().unwrap() = info.location().map(|l| l.file().to_string());
    }));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(previous);
    assert!(result.is_err(), "expected a panic");
    location.lock().unwrap().take()
}

#[test]
fn signal_panic_caller() {
    let panic_location_file = panic_location(|| {
        let rt = Builder::new_current_thread().build().unwrap();

        rt.block_on(async {
            let kind = SignalKind::from_raw(-1);
            let _ = signal(kind);
        });
    });

    // The panic location should be in this file
    assert_eq!(panic_location_file.as_deref(), Some(file!()));
}

#[zokio::test]
async fn bad_input_on_a_runtime_with_io_is_an_error() {
    let err = signal(SignalKind::from_raw(-1)).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("-1"), "{err}");
}
