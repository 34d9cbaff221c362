//! The file a panic points at, as Tokio's `tests/support/panic.rs` gives it:
//! for the tests that check a panic names its caller's line.

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

/// Runs `f`, which must panic, and returns the file the panic points at
/// (through a panic hook, put back afterwards).
pub fn test_panic(f: impl FnOnce()) -> Option<String> {
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
