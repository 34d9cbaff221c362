//! Zokio's automation, run as `cargo xtask <command>`.
//!
//! Every step prints the command it runs, and the first failing step fails the
//! whole command with a non-zero exit.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

mod disk;
#[cfg(test)]
mod modules;
mod report;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  ci          fmt check, clippy (warnings denied), tests, docs (warnings denied), loom,
              and the sanitizers over the crates with unsafe code or atomics
  loom        the loom model tests (--cfg loom, release, bounded preemptions)
  bench       the side-by-side benchmarks, written to BENCHMARKS.md and benchmarks.svg;
              --quick (proves the harness), --filter TEXT, --rounds N
  sanitize    the tests under AddressSanitizer and ThreadSanitizer (nightly);
              --full runs every crate, not only those with unsafe code or atomics
              (and the facade's sync primitives)
  soak        a mixed service under load with faults injected, invariants checked at
              the end (zokio-soak); --minutes N (default 10) or --seconds N, --seed S
";

/// The soak `cargo xtask ci` runs: a minute, with a fixed seed.
const CI_SOAK: &[&str] = &["--seconds", "60", "--seed", "1"];

/// Crates whose tests run under the sanitizers by default: those with unsafe
/// code or atomic protocols.
const SANITIZED_CRATES: &[&str] = &[
    "zokio-core",
    "zokio-mem",
    "zokio-io",
    "zokio-sched",
    "zokio-time",
];

/// The facade's fs test files, which `ci` runs a second time on the
/// blocking-pool backend (`ZOKIO_FS_BACKEND=blocking`).
const FS_TESTS: &[&str] = &[
    "fs_file",
    "fs_file_semantics",
    "fs_paths",
    "fs_dir",
    "fs_open_options",
    "fs_prop",
    "fs_metadata",
];

/// The facade's own unsafe code and atomics are its sync primitives: under
/// the sanitizers its unit tests (which include their invariants) and these
/// test files run, not its ecosystem and example tests.
const SANITIZED_FACADE_TESTS: &[&str] = &[
    "sync_mpsc",
    "sync_mpsc_weak",
    "sync_mpsc_stress",
    "sync_oneshot",
    "sync_broadcast",
    "sync_watch",
    "sync_notify",
    "sync_once_cell",
    "sync_set_once",
    "sync_semaphore",
    "sync_semaphore_owned",
    "sync_mutex",
    "sync_mutex_owned",
    "sync_rwlock",
    "sync_cancellation_token",
    "macros_select",
    // The thread-per-core flavor: spawns, wakes and shutdown across workers
    // (rt_common runs Tokio's cases on it, and on the other flavors).
    "rt_tpc",
    "rt_common",
    // Its io_uring sockets: buffers the kernel fills, slots freed by
    // completions, rings dropped with operations in flight.
    "net_local_tcp",
];

/// Loom explores every interleaving with at most this many preemptions, which
/// finds the bugs that matter in practice and keeps the run in minutes.
const LOOM_MAX_PREEMPTIONS: &str = "3";

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let result = match command {
        "ci" => ci(),
        "loom" => loom(rest),
        "bench" => bench(rest),
        "sanitize" => sanitize(rest, false),
        "soak" => soak(rest),
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => {
            eprintln!("xtask {command}: ok in {:.0?}", started.elapsed());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("xtask {command}: FAILED: {err}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// A cargo invocation rooted at the workspace, with `RUSTFLAGS` cleared so
/// that settings from the caller's shell do not leak into a step.
fn cargo(args: &[&str]) -> Command {
    let mut cmd = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root()).args(args).env_remove("RUSTFLAGS");
    cmd
}

fn run(cmd: &mut Command) -> Result {
    let shown = show(cmd);
    eprintln!("\n==> {shown}");
    let started = Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    // Each step's time, so a slow CI run shows where its minutes went.
    let free = disk::free_mib(&root()).map_or(String::new(), |mib| format!(" ({mib} MiB free)"));
    eprintln!("<== {:.0?}{free}: {shown}", started.elapsed());
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` exited with {status}"))
    }
}

fn show(cmd: &Command) -> String {
    let envs: Vec<String> = cmd
        .get_envs()
        .filter_map(|(k, v)| Some(format!("{}={}", k.to_str()?, v?.to_str()?)))
        .collect();
    let args: Vec<String> = cmd
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let prog = cmd.get_program().to_string_lossy();
    let prog = if prog.ends_with("cargo") {
        "cargo".into()
    } else {
        prog
    };
    format!(
        "{}{}{} {}",
        envs.join(" "),
        if envs.is_empty() { "" } else { " " },
        prog,
        args.join(" ")
    )
}

fn has_nextest() -> bool {
    cargo(&["nextest", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `task_size` measures tasks in zokio-core's own graph; its figure holds for
/// a Zokio user only while nothing in the facade's graph turns async-task's
/// `std` feature on (16 more bytes in every task, see
/// zokio-core/tests/task_size.rs). smol's `blocking` crate once did, unseen.
fn async_task_std_stays_off() -> Result {
    for features in [None, Some("--all-features")] {
        let mut args = vec![
            "tree",
            "-p",
            "zokio",
            "-e",
            "normal,features",
            "-i",
            "async-task",
        ];
        args.extend(features);
        let out = cargo(&args)
            .output()
            .map_err(|e| format!("could not run cargo tree: {e}"))?;
        let tree = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || tree.contains("async-task feature \"std\"") {
            return Err(format!(
                "async-task's `std` feature is on in zokio's graph ({}), which makes every \
                 task 16 bytes bigger:\n{tree}{}",
                features.unwrap_or("default features"),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    Ok(())
}

fn ci() -> Result {
    run(&mut cargo(&["fmt", "--all", "--", "--check"]))?;
    // Every feature on: the ecosystem adapters are off by default but tested.
    let all = "--all-features";
    run(&mut cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        all,
        "--",
        "-D",
        "warnings",
    ]))?;
    let nextest = has_nextest();
    if nextest {
        run(&mut cargo(&[
            "nextest",
            "run",
            "--workspace",
            all,
            "--no-fail-fast",
        ]))?;
        run(&mut cargo(&["test", "--workspace", all, "--doc"]))?;
    } else {
        run(&mut cargo(&["test", "--workspace", all]))?;
    }
    // The fs tests once more with the ring off: files then run on the
    // blocking pool, the backend of kernels without io_uring. The backend
    // is read at run time, so nextest reuses the workspace build above.
    let mut blocking_fs = if nextest {
        let mut filter = FS_TESTS
            .iter()
            .map(|t| format!("binary({t})"))
            .collect::<Vec<_>>();
        filter.push("(package(zokio-io) & (kind(lib) | binary(fs_standalone)))".into());
        let mut cmd = cargo(&["nextest", "run", "--workspace", all, "-E"]);
        cmd.arg(filter.join(" | "));
        cmd
    } else {
        let mut cmd = cargo(&["test", "--workspace", all]);
        for test in FS_TESTS.iter().chain(&["fs_standalone"]) {
            cmd.args(["--test", test]);
        }
        cmd
    };
    run(blocking_fs.env("ZOKIO_FS_BACKEND", "blocking"))?;
    // Task sizes depend on async-task's `std` feature, which the workspace
    // build unifies on through peers' dev-dependencies: measure them in the
    // graph a zokio user gets (see zokio-core/tests/task_size.rs).
    run(&mut cargo(&[
        "test",
        "-p",
        "zokio-core",
        "--test",
        "task_size",
        "--",
        "--ignored",
    ]))?;
    async_task_std_stays_off()?;
    run(cargo(&["doc", "--workspace", all, "--no-deps"]).env("RUSTDOCFLAGS", "-D warnings"))?;
    // Proves the bench harness end to end on tiny sizes; judges no speed.
    bench(&["--quick".to_string()])?;
    // The sanitize step's memcheck run, here: it builds on the test run's
    // dependencies, so it goes before that build may be deleted.
    valgrind_lifecycle()?;
    let target = root().join("target");
    disk::release(&target.join("debug"));
    other_unixes()?;
    loom(&[])?;
    disk::release(&target.join("loom"));
    sanitize(&[], true)?;
    soak(&CI_SOAK.iter().map(|a| a.to_string()).collect::<Vec<_>>())
}

/// The crates with loom models: those whose `src/loom_models/` exists. The
/// models are unit tests inside the crate (`#[cfg(all(test, loom))] mod
/// loom_models;` in its root), so that they can reach its internals.
fn loom_crates() -> Result<Vec<String>> {
    let mut crates = Vec::new();
    for entry in std::fs::read_dir(root()).map_err(|e| e.to_string())? {
        let dir = entry.map_err(|e| e.to_string())?.path();
        if dir.join("Cargo.toml").is_file() && dir.join("src/loom_models").is_dir() {
            crates.push(dir.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    crates.sort();
    Ok(crates)
}

fn loom(args: &[String]) -> Result {
    let crates = loom_crates()?;
    if crates.is_empty() {
        return Err("no loom models (`<crate>/src/loom_models/`) found".into());
    }
    let mut cmd = cargo(&["test", "--release", "--target-dir", "target/loom", "--lib"]);
    for krate in &crates {
        cmd.args(["-p", krate]);
    }
    cmd.arg("--").args(args);
    // Line tables keep a failing model's backtrace readable; the release
    // profile's fuller debug info (for perf) would only slow this build.
    cmd.env("RUSTFLAGS", "--cfg loom")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "line-tables-only")
        .env("LOOM_MAX_PREEMPTIONS", LOOM_MAX_PREEMPTIONS);
    run(&mut cmd)
}

/// The bench targets only (`--benches` would also run every library and
/// binary under libtest, which rejects `--quick`), with the features the HTTP
/// workload and the Tokio bridge's need.
const BENCH_ARGS: &[&str] = &[
    "bench",
    "--workspace",
    "--bench",
    "*",
    "--features",
    "zokio/hyper,zokio/tokio-rt",
];

/// `--quick` proves the harness and judges no speed, so it builds the
/// benches in the graph the test run has built already (every feature, the
/// dev profile): only the bench binaries compile, not a release build of
/// every peer (6.5 minutes of a cold CI run).
const QUICK_BENCH_ARGS: &[&str] = &[
    "bench",
    "--workspace",
    "--bench",
    "*",
    "--all-features",
    "--profile",
    "dev",
];

/// Builds every bench target, runs them all with `args` (`--quick`,
/// `--filter`, `--rounds`), and writes `BENCHMARKS.md` and `benchmarks.svg`
/// from what they measured.
fn bench(args: &[String]) -> Result {
    let quick = args.iter().any(|a| a == "--quick");
    ensure_wrk()?;
    let (bench_args, probe_profile) = match quick {
        true => (QUICK_BENCH_ARGS, "dev"),
        false => (BENCH_ARGS, "release"),
    };
    run(cargo(bench_args).arg("--no-run"))?;
    let rows_file = root().join("target/bench-rows.tsv");
    let _ = std::fs::remove_file(&rows_file);
    // Zokio's memory figures, measured in a build with no peer in its
    // dependency graph (see zokio-bench/src/bin/task-memory.rs); first, so
    // Zokio leads those workloads' rows.
    let mut probe = cargo(&[
        "run",
        "--profile",
        probe_profile,
        "-p",
        "zokio-bench",
        "--features",
        "probe",
        "--bin",
        "task-memory",
        "--",
    ]);
    probe.args(args).env("ZOKIO_BENCH_OUT", &rows_file);
    run(&mut probe)?;
    let mut cmd = cargo(bench_args);
    cmd.arg("--").args(args).env("ZOKIO_BENCH_OUT", &rows_file);
    run(&mut cmd)?;
    traced_bench(args, &rows_file)?;

    let text = std::fs::read_to_string(&rows_file).unwrap_or_default();
    let groups = report::group(&report::parse(&text));
    if groups.is_empty() {
        return Err("the bench binaries reported no results".into());
    }
    let table = report::markdown_table(&groups);
    println!("\n{table}");
    if quick {
        eprintln!("xtask bench: --quick proves the harness only; BENCHMARKS.md is left as it was");
        return Ok(());
    }
    let machine = machine_description();
    let date = Command::new("date").arg("-u").arg("+%Y-%m-%d").output();
    let date = date
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let command = format!("cargo xtask bench {}", args.join(" "));
    let md = format!(
        "# Benchmarks\n\n\
         Measured on {date} on {machine}, with `{}`.\n\n\
         Every runtime is built first; then each round times every runtime once, in turn, and each \
         figure is the median over the rounds. \"zokio's advantage\" is above 1 when Zokio is better, \
         whichever way the unit points.\n\n\
         ![Zokio's advantage per workload](benchmarks.svg)\n\n{table}",
        command.trim()
    );
    std::fs::write(root().join("BENCHMARKS.md"), md).map_err(|e| e.to_string())?;
    std::fs::write(root().join("benchmarks.svg"), report::svg(&groups))
        .map_err(|e| e.to_string())?;
    eprintln!("xtask bench: wrote BENCHMARKS.md and benchmarks.svg");
    Ok(())
}

/// Zokio's `tracing` feature beside Tokio's instrumented build
/// (zokio/benches/traced.rs). `--cfg tokio_unstable` changes Tokio's whole
/// build and everything above it, so the bench has a target dir of its own,
/// which leaves the main build's cache valid; a first build there takes a
/// few minutes, later ones only relink.
fn traced_bench(args: &[String], rows_file: &Path) -> Result {
    if args.iter().any(|a| a == "--quick") {
        // Its build alone takes 8 CPU-minutes (13 on a shared 2-core
        // machine): too much for the harness check CI runs; clippy and the
        // other steps build the bench without the cfg, where it reports no row.
        eprintln!("xtask bench: --quick skips the traced bench (its own tokio_unstable build)");
        return Ok(());
    }
    let mut cmd = cargo(&[
        "bench",
        "--target-dir",
        "target/bench-traced",
        "-p",
        "zokio",
        "--features",
        "tracing",
        "--bench",
        "traced",
        "--",
    ]);
    cmd.args(args)
        .env("RUSTFLAGS", "--cfg tokio_unstable")
        .env("ZOKIO_BENCH_OUT", rows_file);
    run(&mut cmd)
}

/// The HTTP workload loads each server with `wrk`; a fresh machine gets it
/// from Debian's packages.
fn ensure_wrk() -> Result {
    let present = |cmd: &str| {
        Command::new(cmd)
            .arg("--version")
            .output()
            .is_ok_and(|out| !out.stdout.is_empty() || !out.stderr.is_empty())
    };
    if present("wrk") {
        return Ok(());
    }
    eprintln!("xtask bench: `wrk` is missing; installing it from Debian's packages");
    let sudo = |args: &[&str]| {
        let mut cmd = if is_root() {
            Command::new(args[0])
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg(args[0]);
            sudo
        };
        cmd.args(&args[1..])
            .env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run(&mut sudo(&["apt-get", "update", "-qq"]))?;
    run(&mut sudo(&["apt-get", "install", "-y", "-qq", "wrk"]))?;
    if present("wrk") {
        Ok(())
    } else {
        Err("`wrk` is still missing after `apt-get install wrk`".into())
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

fn machine_description() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "an unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} cores")
}

fn nightly_has_rust_src() -> bool {
    Command::new("rustup")
        .args(["component", "list", "--installed", "--toolchain", "nightly"])
        .output()
        .is_ok_and(|out| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l.starts_with("rust-src"))
        })
}

/// Runs `zokio/tests/lifecycle.rs` (build, spawn, TCP on loopback, timers,
/// shutdown with pending tasks) under valgrind's memcheck: any memory error or
/// definitely lost byte fails the step. A missing valgrind fails it too, rather
/// than skipping the check.
fn valgrind_lifecycle() -> Result {
    let version = Command::new("valgrind").arg("--version").output();
    if !version.is_ok_and(|out| out.status.success()) {
        return Err("valgrind is required (`apt-get install valgrind`); \
                    refusing to skip the memcheck run"
            .into());
    }
    let mut build = cargo(&[
        "test",
        "-p",
        "zokio",
        "--test",
        "lifecycle",
        "--no-run",
        "--message-format=json",
    ]);
    eprintln!("\n==> {}", show(&build));
    let out = build
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "building the lifecycle test exited with {}",
            out.status
        ));
    }
    // One JSON object per line; the test binary is the `lifecycle` test
    // target's artifact with an `executable`.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let binary = stdout
        .lines()
        .filter(|l| l.contains(r#""reason":"compiler-artifact""#))
        .filter(|l| l.contains(r#""kind":["test"]"#) && l.contains(r#""name":"lifecycle""#))
        .find_map(|l| {
            let start = l.find(r#""executable":""#)? + r#""executable":""#.len();
            let len = l[start..].find('"')?;
            Some(l[start..start + len].to_string())
        })
        .ok_or("cargo reported no executable for the `lifecycle` test")?;
    run(Command::new("valgrind")
        .current_dir(root())
        .args([
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--error-exitcode=1",
            "--quiet",
        ])
        .arg(&binary)
        .arg("--test-threads=1"))
}

/// Unix targets the library crates must build for, though only Linux runs
/// the tests here: what differs elsewhere (`polling` for the reactor, the
/// `SIGCHLD` reaper for processes, no io_uring) is type-checked.
const OTHER_UNIXES: &[&str] = &["x86_64-apple-darwin", "x86_64-unknown-freebsd"];

/// `cargo check` of the library crates for [`OTHER_UNIXES`], installing
/// their standard libraries with rustup if missing.
fn other_unixes() -> Result {
    for target in OTHER_UNIXES {
        run(Command::new("rustup").args(["target", "add", target]))?;
        run(&mut cargo(&[
            "check",
            "--target",
            target,
            "-p",
            "zokio",
            "-p",
            "zokio-io",
            "--features",
            "zokio/hyper",
        ]))?;
    }
    Ok(())
}

/// Runs the soak program (zokio-soak, release build) with `args`; it exits
/// non-zero when an invariant fails, and prints its report either way.
fn soak(args: &[String]) -> Result {
    let mut cmd = cargo(&["run", "--release", "-p", "zokio-soak", "--"]);
    cmd.args(args);
    run(&mut cmd)
}

/// Runs the tests under AddressSanitizer, then ThreadSanitizer.
///
/// ThreadSanitizer does not see the synchronization of a std built without
/// it (its futex-based `Once`, `Arc`'s fences), and reports std's own
/// hand-offs as races. So std is rebuilt instrumented (`-Zbuild-std`, which
/// needs the nightly `rust-src` component): installed here if missing, and
/// the run refused with a clear message if it cannot be, rather than run
/// against a prebuilt std and fail for a reason that is not Zokio's.
/// From `ci` (`from_ci`), which has run the memcheck step already, each
/// pass's build is deleted once it is done if disk space is short (see
/// `disk`).
fn sanitize(args: &[String], from_ci: bool) -> Result {
    let full = args.iter().any(|a| a == "--full");
    if !from_ci {
        valgrind_lifecycle()?;
    }
    let nightly = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .output();
    if !nightly.is_ok_and(|out| out.status.success()) {
        return Err(
            "the nightly toolchain is required (`rustup toolchain install nightly`); \
                    refusing to skip the sanitizers"
                .into(),
        );
    }
    if !nightly_has_rust_src() {
        eprintln!("xtask sanitize: installing the nightly rust-src component (for -Zbuild-std)");
        let added = Command::new("rustup")
            .args(["component", "add", "rust-src", "--toolchain", "nightly"])
            .status();
        if !added.is_ok_and(|s| s.success()) || !nightly_has_rust_src() {
            return Err(
                "ThreadSanitizer needs std rebuilt instrumented, from the nightly rust-src \
                 component, which could not be installed (`rustup component add rust-src \
                 --toolchain nightly`); refusing a run against an uninstrumented std, whose \
                 synchronization ThreadSanitizer cannot see"
                    .into(),
            );
        }
    }
    let tsan_options = "halt_on_error=1:second_deadlock_stack=1".to_string();
    let runs = [
        (
            "address",
            "-Zsanitizer=address".to_string(),
            (
                "ASAN_OPTIONS",
                "detect_leaks=1:detect_stack_use_after_return=1".to_string(),
            ),
            false,
        ),
        (
            "thread",
            "-Zsanitizer=thread".to_string(),
            ("TSAN_OPTIONS", tsan_options),
            true,
        ),
    ];
    for (name, flags, (options_var, options), rebuild_std) in runs {
        let target_dir = format!("target/sanitize-{name}");
        // The default run's facade tests need none of the web stack and
        // peers among the facade's dev-dependencies: `zokio_sanitize` leaves
        // them out of the instrumented build (zokio/Cargo.toml). `--full`
        // runs every test, so it builds them all.
        let slim = if full { "" } else { " --cfg zokio_sanitize" };
        let test_command = |targets: &[&str]| {
            let mut cmd = Command::new("rustup");
            cmd.current_dir(root())
                .args(["run", "nightly", "cargo", "test"])
                .args(rebuild_std.then_some("-Zbuild-std"))
                .args([
                    "--target",
                    "x86_64-unknown-linux-gnu",
                    "--target-dir",
                    &target_dir,
                ])
                .args(targets)
                .env("RUSTFLAGS", format!("{flags} -Cdebuginfo=1{slim}"))
                .env(options_var, &options)
                .env("RUST_TEST_THREADS", "2")
                // Read by the one test that leaves a run to the plain pass.
                .env("ZOKIO_SANITIZER", name);
            cmd
        };
        if full {
            run(&mut test_command(&[
                "--lib",
                "--tests",
                "--workspace",
                "--exclude",
                "xtask",
            ]))?;
            continue;
        }
        let mut layers = vec!["--lib", "--tests"];
        for krate in SANITIZED_CRATES {
            layers.extend(["-p", krate]);
        }
        run(&mut test_command(&layers))?;
        let mut facade = vec!["-p", "zokio", "--lib"];
        for test in SANITIZED_FACADE_TESTS {
            facade.extend(["--test", test]);
        }
        run(&mut test_command(&facade))?;
        if from_ci {
            disk::release(&root().join(&target_dir));
        }
    }
    Ok(())
}

#[cfg(test)]
mod loom_coverage {
    //! Every atomic protocol that DESIGN.md names (and those the crates
    //! added) has a loom model that `cargo xtask loom` runs.

    use super::{loom_crates, root};

    /// The protocols, and the model file (`<crate>/src/loom_models/<file>.rs`)
    /// of each.
    const PROTOCOLS: &[(&str, &str, &str)] = &[
        (
            "ring queue (push, pop, steal, overflow)",
            "zokio-sched",
            "queue",
        ),
        (
            "injector use and the idle/parking handshake, on the real worker loop",
            "zokio-sched",
            "worker",
        ),
        ("LIFO slot hand-off", "zokio-sched", "lifo"),
        ("worker inbox hand-off (placement)", "zokio-sched", "inbox"),
        (
            "thread-per-core outside-spawn inbox (round-robin spawn, shutdown race)",
            "zokio-sched",
            "thread_per_core",
        ),
        ("the workers' shared driver", "zokio-sched", "driver_cell"),
        (
            "owned-task registry (first wait recorded in the run, finish on another worker, shutdown)",
            "zokio-sched",
            "owned",
        ),
        (
            "block_in_place's loan of a worker (reclaim flag and the stand-in's sleep)",
            "zokio-sched",
            "block_in_place",
        ),
        (
            "the stall watchdog's poll marks (task and poll number)",
            "zokio-sched",
            "stall",
        ),
        (
            "task records for dumps (seqlock-validated reads, the tagged free stack)",
            "zokio-sched",
            "dump",
        ),
        (
            "task state (wake, abort, detach, join)",
            "zokio-core",
            "task",
        ),
        ("thread parker", "zokio-core", "park"),
        (
            "timer entry state (fire, cancel, reset)",
            "zokio-time",
            "entry",
        ),
        ("time driver park", "zokio-time", "driver"),
        (
            "blocking jobs in flight (counted out before the job's handle reports it)",
            "zokio-core",
            "blocking",
        ),
        (
            "atomic waker (sockets and timers)",
            "zokio-core",
            "atomic_waker",
        ),
        (
            "mpsc block list, receiver sleep handshake and closing",
            "zokio",
            "mpsc",
        ),
        ("oneshot state word and waker slots", "zokio", "oneshot"),
        (
            "fair batch semaphore (Semaphore, Mutex, RwLock, bounded mpsc)",
            "zokio",
            "batch_semaphore",
        ),
        ("Notify permits and waiter list", "zokio", "notify"),
        (
            "watch version word and per-thread parking lists",
            "zokio",
            "watch",
        ),
        ("broadcast slots and lagging", "zokio", "broadcast"),
        ("OnceCell initialisation hand-over", "zokio", "once_cell"),
        ("SetOnce", "zokio", "set_once"),
        ("CancellationToken tree", "zokio", "cancellation"),
        ("pool depot", "zokio-mem", "depot"),
        ("readiness word", "zokio-io", "readiness"),
        (
            "signal pending flag and listener broadcast",
            "zokio-io",
            "signal",
        ),
        ("io_uring eventfd suppression", "zokio-io", "uring_eventfd"),
    ];

    #[test]
    fn every_atomic_protocol_has_a_loom_model_that_xtask_loom_runs() {
        let crates = loom_crates().unwrap();
        let mut missing = Vec::new();
        for &(protocol, krate, file) in PROTOCOLS {
            let models = root().join(krate).join("src/loom_models");
            let path = models.join(format!("{file}.rs"));
            let Ok(text) = std::fs::read_to_string(&path) else {
                missing.push(format!("{protocol}: no {}", path.display()));
                continue;
            };
            // Either loom's own entry point or `zokio_core::sync::model`,
            // which is `loom::model` under `--cfg loom`.
            let runs = text.matches("loom::model(").count() + text.matches(" model(||").count();
            if runs == 0 || !text.contains("#[test]") {
                missing.push(format!(
                    "{protocol}: {file}.rs has no `#[test]` running a loom model"
                ));
            }
            let declared = std::fs::read_to_string(models.join("mod.rs")).unwrap_or_default();
            if !declared.lines().any(|l| l.trim() == format!("mod {file};")) {
                missing.push(format!(
                    "{protocol}: {krate}'s loom_models does not declare `mod {file};`"
                ));
            }
            if !crates.iter().any(|k| k == krate) {
                missing.push(format!(
                    "{protocol}: `cargo xtask loom` does not run {krate}"
                ));
            }
        }
        assert!(
            missing.is_empty(),
            "loom coverage gaps:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn async_task_std_is_off_in_the_facade_graph() {
        super::async_task_std_stays_off().unwrap();
    }

    #[test]
    fn loom_models_are_built_only_under_loom() {
        // A model module without the `loom` cfg would also build (and run its
        // models unchecked) in the ordinary test run; and with `tests/` files
        // the models could not reach the crate's internals.
        for krate in loom_crates().unwrap() {
            let lib = std::fs::read_to_string(root().join(&krate).join("src/lib.rs")).unwrap();
            assert!(
                lib.contains("#[cfg(all(test, loom))]\nmod loom_models;"),
                "{krate}/src/lib.rs must declare `#[cfg(all(test, loom))] mod loom_models;`"
            );
            let tests = root().join(&krate).join("tests");
            for entry in std::fs::read_dir(&tests).into_iter().flatten().flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                assert!(
                    !name.starts_with("loom_"),
                    "{krate}/tests/{name}: loom models live in src/loom_models/"
                );
            }
        }
    }
}
