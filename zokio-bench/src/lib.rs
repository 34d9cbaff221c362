//! The harness behind every Zokio benchmark binary.
//!
//! A benchmark compares *candidates* (Zokio first, then its peers) on one
//! *workload*. Every candidate is built before any timing starts; then each
//! round times every candidate once, in turn (A B C A B C ...), so that drift
//! on a shared machine hits all of them alike, and the report is the median
//! over rounds. The printed table gives each median and Zokio's advantage over
//! each peer (above 1.0 means Zokio is better, whichever way the unit points).
//!
//! When `ZOKIO_BENCH_OUT` names a file, each result is also appended to it as a
//! tab-separated row, which `cargo xtask bench` gathers into `BENCHMARKS.md`.
//! When `ZOKIO_BENCH_SAMPLES` is set, every candidate's samples are printed
//! in the order they were taken (to stderr), to see the spread behind a median.
//!
//! Arguments every bench binary accepts: `--quick` (few rounds, small sizes:
//! proves the harness, judges nothing), `--filter TEXT` (only workloads whose
//! name contains TEXT), `--rounds N`, `--candidate NAME[,NAME...]` (only the
//! candidates of those names run, and nothing is recorded: to profile one
//! candidate, e.g. under callgrind, where the difference of two `--rounds`
//! counts is the cost of the extra rounds alone, or to see how two of them
//! interleave without the rest).
//!
//! ```
//! use zokio_bench::{Better, Runner, time};
//!
//! let mut runner = Runner::from_args_iter(["--quick"]);
//! let n = runner.size(1_000, 100);
//! runner.compare("sum", "ns/op", Better::Lower, vec![
//!     ("zokio", Box::new(move || time(|| (0..n).sum::<u64>()).as_nanos() as f64 / n as f64)),
//!     ("peer", Box::new(move || time(|| (0..n).rev().sum::<u64>()).as_nanos() as f64 / n as f64)),
//! ]);
//! ```

pub mod memory;

use std::fmt::Write as _;
use std::hint::black_box;
use std::io::Write as _;
use std::time::{Duration, Instant};

/// Which direction of the unit is good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Time, bytes, latency.
    Lower,
    /// Throughput.
    Higher,
}

/// One candidate: its name and a closure that runs the workload once and
/// returns the measured value in the workload's unit.
pub type Candidate<'a> = (&'static str, Box<dyn FnMut() -> f64 + 'a>);

/// Runs workloads and reports them.
#[derive(Debug)]
pub struct Runner {
    quick: bool,
    filter: Option<String>,
    candidate: Option<String>,
    rounds: usize,
}

/// Times `f`, keeping its result alive so the work is not optimized away.
pub fn time<R>(f: impl FnOnce() -> R) -> Duration {
    let start = Instant::now();
    black_box(f());
    start.elapsed()
}

impl Runner {
    /// Reads the process arguments (unknown ones, like cargo's `--bench`, are ignored).
    pub fn from_args() -> Runner {
        Runner::from_args_iter(std::env::args().skip(1))
    }

    /// Reads the given arguments.
    pub fn from_args_iter<I, S>(args: I) -> Runner
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut runner = Runner {
            quick: false,
            filter: None,
            candidate: None,
            rounds: 0,
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_ref() {
                "--quick" => runner.quick = true,
                "--filter" => runner.filter = args.next().map(|f| f.as_ref().to_string()),
                "--candidate" => runner.candidate = args.next().map(|c| c.as_ref().to_string()),
                "--rounds" => {
                    runner.rounds = args
                        .next()
                        .and_then(|n| n.as_ref().parse().ok())
                        .unwrap_or(0)
                }
                _ => {}
            }
        }
        if runner.rounds == 0 {
            runner.rounds = if runner.quick { 3 } else { 11 };
        }
        runner
    }

    /// True under `--quick`.
    pub fn is_quick(&self) -> bool {
        self.quick
    }

    /// `full`, or `quick` under `--quick`: the size of a workload.
    pub fn size<T>(&self, full: T, quick: T) -> T {
        if self.quick { quick } else { full }
    }

    /// True if `workload` passes `--filter`.
    pub fn wants(&self, workload: &str) -> bool {
        self.filter
            .as_ref()
            .is_none_or(|f| workload.contains(f.as_str()))
    }

    /// Runs `workload` on every candidate, interleaved over the rounds, and
    /// reports medians; the first candidate is Zokio. Returns the medians in
    /// candidate order (empty if the filter skipped the workload; under
    /// `--candidate`, that candidate's alone, unrecorded).
    pub fn compare(
        &mut self,
        workload: &str,
        unit: &str,
        better: Better,
        mut candidates: Vec<Candidate<'_>>,
    ) -> Vec<f64> {
        if !self.wants(workload) {
            return Vec::new();
        }
        if let Some(only) = &self.candidate {
            candidates.retain(|(name, _)| only.split(',').any(|o| o == *name));
        }
        let mut samples = vec![Vec::with_capacity(self.rounds); candidates.len()];
        // One untimed pass to warm caches, thread pools and lazy statics.
        for (_, run) in &mut candidates {
            black_box(run());
        }
        for round in 0..self.rounds {
            eprint!("\r  {workload}: round {}/{}   ", round + 1, self.rounds);
            let _ = std::io::stderr().flush();
            for ((_, run), samples) in candidates.iter_mut().zip(&mut samples) {
                samples.push(run());
            }
        }
        eprint!("\r{}\r", " ".repeat(workload.len() + 24));
        if std::env::var_os("ZOKIO_BENCH_SAMPLES").is_some() {
            for ((name, _), samples) in candidates.iter().zip(&samples) {
                let samples: Vec<String> = samples.iter().map(|v| format!("{v:.0}")).collect();
                eprintln!("  {name} samples: {}", samples.join(" "));
            }
        }
        let medians: Vec<f64> = samples.iter_mut().map(|s| median(s)).collect();
        let names: Vec<&str> = candidates.iter().map(|(n, _)| *n).collect();
        print!("{}", table(workload, unit, better, &names, &medians));
        if self.candidate.is_none() {
            self.record(workload, unit, better, &names, &medians);
        }
        medians
    }

    fn record(&self, workload: &str, unit: &str, better: Better, names: &[&str], medians: &[f64]) {
        record(workload, unit, better, names, medians);
    }
}

/// Appends one workload's medians (Zokio first) to `$ZOKIO_BENCH_OUT`, for
/// `cargo xtask bench`; does nothing when it is not set. For benches that
/// time their candidates with a loop of their own instead of
/// [`Runner::compare`].
pub fn record(workload: &str, unit: &str, better: Better, names: &[&str], medians: &[f64]) {
    let Ok(path) = std::env::var("ZOKIO_BENCH_OUT") else {
        return;
    };
    let better = match better {
        Better::Lower => "lower",
        Better::Higher => "higher",
    };
    let mut rows = String::new();
    for (name, value) in names.iter().zip(medians) {
        let _ = writeln!(rows, "{workload}\t{name}\t{value}\t{unit}\t{better}");
    }
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(rows.as_bytes()));
    if let Err(e) = written {
        eprintln!("zokio-bench: cannot append to {path}: {e}");
    }
}

/// Zokio's advantage over a peer: above 1 when Zokio is better.
pub fn advantage(better: Better, zokio: f64, peer: f64) -> f64 {
    match better {
        Better::Lower => peer / zokio,
        Better::Higher => zokio / peer,
    }
}

/// The median of `samples` (sorted in place); NaN for none.
pub fn median(samples: &mut [f64]) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn table(workload: &str, unit: &str, better: Better, names: &[&str], medians: &[f64]) -> String {
    let mut out = format!(
        "{workload} ({unit}, {} is better)\n",
        match better {
            Better::Lower => "lower",
            Better::Higher => "higher",
        }
    );
    for (i, (name, value)) in names.iter().zip(medians).enumerate() {
        // Ratios are Zokio's advantage; a table of peers alone (their rows
        // join Zokio's in `cargo xtask bench`) has none.
        let ratio = if i == 0 || names[0] != "zokio" {
            String::new()
        } else {
            format!("zokio {:.2}x", advantage(better, medians[0], *value))
        };
        let _ = writeln!(out, "  {name:<24} {value:>14.2}  {ratio}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_advantages() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(advantage(Better::Lower, 2.0, 4.0), 2.0);
        assert_eq!(advantage(Better::Higher, 2.0, 4.0), 0.5);
    }

    #[test]
    fn candidates_run_interleaved_once_per_round_after_a_warmup() {
        let order = std::cell::RefCell::new(Vec::new());
        let mut runner = Runner::from_args_iter(["--rounds", "3"]);
        let medians = runner.compare(
            "w",
            "u",
            Better::Lower,
            vec![
                (
                    "a",
                    Box::new(|| {
                        order.borrow_mut().push('a');
                        1.0
                    }),
                ),
                (
                    "b",
                    Box::new(|| {
                        order.borrow_mut().push('b');
                        2.0
                    }),
                ),
            ],
        );
        assert_eq!(medians, vec![1.0, 2.0]);
        assert_eq!(order.into_inner().iter().collect::<String>(), "abababab");
    }

    /// The medians of candidates `a` (1.0), `b` (2.0) and `c` (3.0) under
    /// `--candidate only`; a candidate filtered out panics if it is run.
    fn medians_of_candidates(only: &str) -> Vec<f64> {
        let mut runner = Runner::from_args_iter(["--rounds", "2", "--candidate", only]);
        let wanted = |name: &str| only.split(',').any(|o| o == name);
        let candidate = |name: &'static str, value: f64| -> Candidate<'static> {
            match wanted(name) {
                true => (name, Box::new(move || value)),
                false => (name, Box::new(|| panic!("filtered out"))),
            }
        };
        runner.compare(
            "w",
            "u",
            Better::Lower,
            vec![
                candidate("a", 1.0),
                candidate("b", 2.0),
                candidate("c", 3.0),
            ],
        )
    }

    #[test]
    fn a_candidate_filter_runs_that_candidate_alone() {
        assert_eq!(medians_of_candidates("b"), vec![2.0]);
    }

    #[test]
    fn a_candidate_list_runs_those_candidates_in_their_order() {
        assert_eq!(medians_of_candidates("c,a"), vec![1.0, 3.0]);
    }

    #[test]
    fn the_filter_skips_other_workloads() {
        let mut runner = Runner::from_args_iter(["--filter", "spawn"]);
        assert!(runner.wants("spawn_many"));
        assert!(
            runner
                .compare(
                    "yield_many",
                    "ns",
                    Better::Lower,
                    vec![("a", Box::new(|| 1.0))]
                )
                .is_empty()
        );
    }
}
