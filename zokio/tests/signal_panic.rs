//! Port of tokio/tests/signal_panic.rs (1 of 1 test): on a runtime built
//! without I/O, `signal` panics, and the panic names the caller's line.
//! Plus Zokio's rule for bad input where I/O is enabled: an error, no panic.
#![cfg(unix)]
#![cfg(panic = "unwind")]

use zokio::runtime::Builder;
use zokio::signal::unix::{SignalKind, signal};

mod support {
    pub mod panic;
}
use support::panic::test_panic;

#[test]
fn signal_panic_caller() {
    let panic_location_file = test_panic(|| {
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
