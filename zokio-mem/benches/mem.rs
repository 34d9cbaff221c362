//! zokio-mem beside the allocators it competes with, timed in turn
//! (A B C A B C ...) over several rounds, medians reported.
//!
//! - `BufPool` take/return of 4 KiB and 64 KiB buffers against allocating
//!   and freeing a zeroed `Vec<u8>` of the same size.
//! - `PoolAlloc` against `System` and mimalloc on a small-object alloc/free
//!   loop, each called directly through `GlobalAlloc`.
//! - `PoolAlloc` against `System` and mimalloc as the *global* allocator of
//!   a spawn-many workload: 10,000 zokio-core tasks spawned into a queue,
//!   run by a minimal single-thread executor written here, and their
//!   `JoinHandle`s awaited with `zokio_core::block_on`. A process has one
//!   global allocator, so each sample runs in a child process (this binary,
//!   `--child=<allocator>`), the children of one round started in turn.
//!
//! `cargo bench -p zokio-mem --bench mem [-- --quick]`

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::{CStr, c_char, c_int};
use std::fmt::Write as _;
use std::hint::black_box;
use std::io::Write as _;
use std::process::Command;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;

use mimalloc::MiMalloc;
use zokio_core::task::{Runnable, ScheduleHint};
use zokio_mem::{BufPool, PoolAlloc};

/// Which allocator serves this process: chosen from `argv` before `main`
/// (and before std allocates anything), fixed for the process's life.
static MODE: AtomicU8 = AtomicU8::new(SYSTEM);
const SYSTEM: u8 = 0;
const POOL: u8 = 1;
const MIMALLOC: u8 = 2;

static GLOBAL_POOL: PoolAlloc = PoolAlloc::new();

struct Switch;

// SAFETY: every call is forwarded to one allocator, the same for the whole
// process (MODE is set once, before any allocation), so each block is freed
// by the allocator that made it.
unsafe impl GlobalAlloc for Switch {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        unsafe {
            match MODE.load(Ordering::Relaxed) {
                POOL => GLOBAL_POOL.alloc(layout),
                MIMALLOC => MiMalloc.alloc(layout),
                _ => System.alloc(layout),
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from the caller.
        unsafe {
            match MODE.load(Ordering::Relaxed) {
                POOL => GLOBAL_POOL.dealloc(ptr, layout),
                MIMALLOC => MiMalloc.dealloc(ptr, layout),
                _ => System.dealloc(ptr, layout),
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        unsafe {
            match MODE.load(Ordering::Relaxed) {
                POOL => GLOBAL_POOL.alloc_zeroed(layout),
                MIMALLOC => MiMalloc.alloc_zeroed(layout),
                _ => System.alloc_zeroed(layout),
            }
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        unsafe {
            match MODE.load(Ordering::Relaxed) {
                POOL => GLOBAL_POOL.realloc(ptr, layout, new_size),
                MIMALLOC => MiMalloc.realloc(ptr, layout, new_size),
                _ => System.realloc(ptr, layout, new_size),
            }
        }
    }
}

#[global_allocator]
static ALLOCATOR: Switch = Switch;

/// Reads `--child=<allocator>` from `argv` before `main`, without allocating.
extern "C" fn choose_allocator(
    argc: c_int,
    argv: *const *const c_char,
    _env: *const *const c_char,
) {
    for i in 0..usize::try_from(argc).unwrap_or(0) {
        // SAFETY: glibc passes `argc` valid, NUL-terminated `argv` strings to
        // `.init_array` functions.
        let arg = unsafe { CStr::from_ptr(*argv.add(i)) }.to_bytes();
        let mode = match arg {
            b"--child=pool" => POOL,
            b"--child=mimalloc" => MIMALLOC,
            _ => continue,
        };
        MODE.store(mode, Ordering::Relaxed);
    }
}

#[used]
#[unsafe(link_section = ".init_array")]
static CHOOSE_ALLOCATOR: extern "C" fn(c_int, *const *const c_char, *const *const c_char) =
    choose_allocator;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    if let Some(child) = args.iter().find_map(|a| a.strip_prefix("--child=")) {
        return spawn_many_child(child, quick);
    }
    let rounds = if quick { 3 } else { 11 };
    let mut report = Report::default();

    static BUFS: BufPool = BufPool::new();
    for (size, iters) in [(4096, 200_000), (65536, 20_000)] {
        let iters = if quick { iters / 20 } else { iters };
        let pool = move || {
            time_per_op(iters, || {
                let buf = BUFS.take(size);
                black_box(&buf);
            })
        };
        let vec = move || {
            time_per_op(iters, || {
                let v = vec![0u8; size];
                black_box(&v);
            })
        };
        let workload = format!("take/return a {} KiB buffer", size / 1024);
        report.compare(
            &workload,
            "ns/op",
            rounds,
            vec![
                ("zokio-mem BufPool", Box::new(pool)),
                ("zeroed Vec<u8>", Box::new(vec)),
            ],
        );
    }

    static SMALL_POOL: PoolAlloc = PoolAlloc::new();
    let pairs = if quick { 50_000 } else { 1_000_000 };
    report.compare(
        "small-object alloc/free loop",
        "ns/pair",
        rounds,
        vec![
            (
                "zokio-mem PoolAlloc",
                Box::new(move || small_objects(&SMALL_POOL, pairs)),
            ),
            ("System", Box::new(move || small_objects(&System, pairs))),
            (
                "mimalloc",
                Box::new(move || small_objects(&MiMalloc, pairs)),
            ),
        ],
    );

    let child = |name: &'static str| -> Box<dyn FnMut() -> f64> {
        Box::new(move || {
            let mut cmd = Command::new(std::env::current_exe().expect("the bench binary"));
            cmd.arg(format!("--child={name}"));
            if quick {
                cmd.arg("--quick");
            }
            let out = cmd.output().expect("run a spawn_many child");
            assert!(
                out.status.success(),
                "spawn_many child {name} failed: {out:?}"
            );
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .expect("a spawn_many child prints ns per task")
        })
    };
    report.compare(
        "spawn_many (10k tasks, own executor), global allocator",
        "ns/task",
        rounds,
        vec![
            ("zokio-mem PoolAlloc", child("pool")),
            ("System", child("system")),
            ("mimalloc", child("mimalloc")),
        ],
    );
    report.finish();
}

/// Nanoseconds per call of `op`, over `iters` calls.
fn time_per_op(iters: u64, mut op: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        op();
    }
    start.elapsed().as_nanos() as f64 / iters as f64
}

/// Allocates 64 objects of mixed small sizes, touches them, frees them;
/// returns nanoseconds per alloc/free pair.
fn small_objects<A: GlobalAlloc>(alloc: &A, pairs: u64) -> f64 {
    const SIZES: [usize; 8] = [16, 24, 32, 48, 64, 96, 128, 256];
    let layouts = SIZES.map(|s| Layout::from_size_align(s, 8).expect("layout"));
    let mut ptrs = [std::ptr::null_mut::<u8>(); 64];
    let start = Instant::now();
    for _ in 0..pairs / 64 {
        for (i, p) in ptrs.iter_mut().enumerate() {
            // SAFETY: the layouts are not zero-sized; the block is written
            // within its size and freed below with the same layout.
            unsafe {
                *p = alloc.alloc(layouts[i % 8]);
                p.write(i as u8);
            }
        }
        for (i, p) in ptrs.iter().enumerate() {
            // SAFETY: allocated above with this layout, freed once.
            unsafe { alloc.dealloc(black_box(*p), layouts[i % 8]) };
        }
    }
    start.elapsed().as_nanos() as f64 / (pairs / 64 * 64) as f64
}

thread_local! {
    static QUEUE: RefCell<VecDeque<Runnable>> = const { RefCell::new(VecDeque::new()) };
}

/// The spawn_many workload: nanoseconds per task to spawn `n` tasks into a
/// queue, run them, and await their handles.
fn spawn_many(n: u64) -> f64 {
    let schedule = |task: Runnable, _: ScheduleHint| QUEUE.with(|q| q.borrow_mut().push_back(task));
    let start = Instant::now();
    let mut handles = Vec::with_capacity(n as usize);
    for i in 0..n {
        let (runnable, handle) = zokio_core::task::spawn(async move { black_box(i) * 2 }, schedule);
        runnable.schedule();
        handles.push(handle);
    }
    while let Some(task) = QUEUE.with(|q| q.borrow_mut().pop_front()) {
        task.run();
    }
    let sum: u64 = handles
        .into_iter()
        .map(|h| zokio_core::block_on(h).expect("task finished"))
        .sum();
    assert_eq!(sum, n * (n - 1));
    start.elapsed().as_nanos() as f64 / n as f64
}

/// One sample of spawn_many under this process's allocator: the median of
/// a few runs after a warm-up, printed for the parent.
fn spawn_many_child(_name: &str, quick: bool) {
    let n = if quick { 1_000 } else { 10_000 };
    spawn_many(n);
    let mut runs: Vec<f64> = (0..if quick { 3 } else { 9 })
        .map(|_| spawn_many(n))
        .collect();
    println!("{}", median(&mut runs));
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

type Candidate = (&'static str, Box<dyn FnMut() -> f64>);

#[derive(Default)]
struct Report {
    rows: String,
}

impl Report {
    /// Times every candidate once per round, in turn, after one warm-up
    /// run each; prints medians and the ratio zokio/peer.
    fn compare(
        &mut self,
        workload: &str,
        unit: &str,
        rounds: usize,
        mut candidates: Vec<Candidate>,
    ) {
        for (_, run) in &mut candidates {
            black_box(run());
        }
        let mut samples = vec![Vec::new(); candidates.len()];
        for _ in 0..rounds {
            for ((_, run), s) in candidates.iter_mut().zip(&mut samples) {
                s.push(run());
            }
        }
        let medians: Vec<f64> = samples.iter_mut().map(|s| median(s)).collect();
        println!("\n{workload}: median of {rounds} rounds");
        println!("{:<24} {:>12} {:>16}", "candidate", unit, "zokio / peer");
        for ((name, _), m) in candidates.iter().zip(&medians) {
            println!("{name:<24} {m:>12.2} {:>15.3}x", medians[0] / m);
            let _ = writeln!(self.rows, "{workload}\t{name}\t{m}\t{unit}\tlower");
        }
    }

    /// Appends the rows to `$ZOKIO_BENCH_OUT`, for `cargo xtask bench`.
    fn finish(self) {
        let Ok(path) = std::env::var("ZOKIO_BENCH_OUT") else {
            return;
        };
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(self.rows.as_bytes()));
        if let Err(e) = written {
            eprintln!("zokio-mem bench: cannot append to {path}: {e}");
        }
    }
}
