//! The `tracing` feature's price beside Tokio's (see `traced/bench.rs`).
//!
//! Without the feature this bench only says so: `cargo bench --bench '*'`
//! builds every bench, and this one must not force `tracing` on the rest.

#[cfg(feature = "tracing")]
#[path = "traced/bench.rs"]
mod bench;

fn main() {
    #[cfg(feature = "tracing")]
    bench::main();
    #[cfg(not(feature = "tracing"))]
    eprintln!("traced: built without the `tracing` feature; no row (cargo xtask bench runs it)");
}
