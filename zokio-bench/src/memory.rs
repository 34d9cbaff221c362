//! Measuring memory: heap bytes per item, and resident memory, the same way
//! for every runtime.
//!
//! [`CountingAlloc`] forwards to the system allocator and counts bytes only
//! while [`live_bytes_per_item`] has counting on, so the rest of a bench
//! process pays one relaxed load per allocation. Resident memory is only
//! meaningful in a fresh process: [`run_in_child`] re-runs the bench binary
//! for one measurement and reads the figure it prints.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A global allocator that counts allocated and freed bytes while enabled.
///
/// ```ignore
/// #[global_allocator]
/// static ALLOC: zokio_bench::memory::CountingAlloc = zokio_bench::memory::CountingAlloc;
/// ```
#[derive(Debug)]
pub struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static FREED: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call forwards to `System` with the caller's arguments; the
// counters are plain atomics and allocate nothing.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        }
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Ordering::Relaxed) {
            FREED.fetch_add(layout.size(), Ordering::Relaxed);
        }
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATED.fetch_add(new_size, Ordering::Relaxed);
            FREED.fetch_add(layout.size(), Ordering::Relaxed);
        }
        // SAFETY: forwarded contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Net heap bytes (allocated minus freed, on every thread) per item while
/// `make` creates `items` items and `settle` lets the runtime reach a steady
/// state (every task polled once). Needs [`CountingAlloc`] as the global
/// allocator.
pub fn live_bytes_per_item(items: usize, make: impl FnOnce(), settle: impl FnOnce()) -> f64 {
    ALLOCATED.store(0, Ordering::SeqCst);
    FREED.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    make();
    settle();
    COUNTING.store(false, Ordering::SeqCst);
    let live = ALLOCATED.load(Ordering::SeqCst) as f64 - FREED.load(Ordering::SeqCst) as f64;
    live / items as f64
}

/// This process's resident memory in bytes (Linux; 0 elsewhere).
pub fn rss_bytes() -> u64 {
    let page = 4096;
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * page)
}

const CHILD_VAR: &str = "ZOKIO_BENCH_CHILD";

/// The measurement this process was started to make by [`run_in_child`], if any.
pub fn child_workload() -> Option<String> {
    std::env::var(CHILD_VAR).ok()
}

/// Prints a child's figure for [`run_in_child`] to read.
pub fn report_from_child(value: f64) {
    println!("zokio-bench-child-result {value}");
}

/// Runs this bench binary again with only `workload` to measure, and returns
/// the figure the child reported (NaN if it failed).
pub fn run_in_child(workload: &str) -> f64 {
    let Ok(exe) = std::env::current_exe() else {
        return f64::NAN;
    };
    let output = std::process::Command::new(exe)
        .env(CHILD_VAR, workload)
        .env_remove("ZOKIO_BENCH_OUT")
        .output();
    let Ok(output) = output else { return f64::NAN };
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("zokio-bench-child-result "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(f64::NAN)
}
