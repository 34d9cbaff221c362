//! `block_on` of an immediately ready future: zokio beside futures-lite and
//! tokio's current-thread runtime.
//!
//! `cargo bench -p zokio-core --bench block_on [-- --quick]`
#![cfg(not(loom))]

use std::future::ready;
use std::hint::black_box;

use zokio_bench::{Better, Runner, time};

fn main() {
    let mut runner = Runner::from_args();
    let calls: u64 = runner.size(2_000_000, 100_000);
    let tokio_rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime");
    let ns_per_call = move |run: &dyn Fn(u64) -> u64| {
        time(|| (0..calls).map(|i| run(black_box(i))).sum::<u64>()).as_nanos() as f64 / calls as f64
    };
    runner.compare(
        "block_on_ready",
        "ns/call",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(move || ns_per_call(&|i| zokio_core::block_on(ready(i)))),
            ),
            (
                "futures-lite",
                Box::new(move || ns_per_call(&|i| futures_lite::future::block_on(ready(i)))),
            ),
            (
                "tokio",
                Box::new(move || ns_per_call(&|i| tokio_rt.block_on(ready(i)))),
            ),
        ],
    );
}
