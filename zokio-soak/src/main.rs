//! Zokio's soak and fault suite (`cargo xtask soak [--minutes N] [--seed S]`).
//!
//! One process runs a mixed service on the default runtime for a while:
//! HTTP/1 over hyper (keep-alive and new connections), a TCP echo, timers
//! of random lengths, channels fanning in and out, `JoinSet` groups aborted
//! at random, blocking jobs, files in a temporary directory and child
//! processes, each driven by clients on loopback at a fixed rate from one
//! seed. Faults come at random moments from the same seed and are logged
//! ([`faults`]). Near the end the process sends itself `SIGTERM`, and the
//! graceful path runs: load stops, servers finish what is in flight, the
//! runtime shuts down.
//!
//! Then the invariants are checked and printed ([`check`]): every operation
//! got exactly one outcome, and no failure but the faults' kinds; every
//! channel message arrived once, in order; every spawned future was
//! dropped exactly once (finished, panicked, or cancelled by an abort or
//! the shutdown); resident memory did not grow after warm-up; descriptors
//! are back to the count before the runtime started; the echo's p99 stayed
//! within 3x of the first window's. Any failure exits with status 1.
//!
//! `--break leak` (memory kept per HTTP request) and `--break lose-message`
//! (the consumer drops a message in a thousand) plant a defect, to show
//! that the invariants catch it.

mod check;
mod echo;
mod faults;
mod http;
mod ledger;
mod sys;
mod work;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use zokio::signal::unix::{SignalKind, signal};
use zokio::sync::CancellationToken;

use ledger::Ledger;

/// A defect planted on purpose (`--break`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Breakage {
    Leak,
    LoseMessage,
}

/// What the command line asked for.
#[derive(Debug)]
pub(crate) struct Options {
    pub(crate) duration: Duration,
    pub(crate) seed: u64,
    pub(crate) breakage: Option<Breakage>,
}

fn parse(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        duration: Duration::from_secs(600),
        seed: 1,
        breakage: None,
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--minutes" => {
                options.duration = Duration::from_secs(60 * number(&value("--minutes")?)?)
            }
            "--seconds" => options.duration = Duration::from_secs(number(&value("--seconds")?)?),
            "--seed" => options.seed = number(&value("--seed")?)?,
            "--break" => {
                options.breakage = Some(match value("--break")?.as_str() {
                    "leak" => Breakage::Leak,
                    "lose-message" => Breakage::LoseMessage,
                    other => {
                        return Err(format!("--break takes leak or lose-message, not {other}"));
                    }
                })
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if options.duration < Duration::from_secs(20) {
        return Err("a soak runs for at least 20 seconds".into());
    }
    Ok(options)
}

fn number(s: &str) -> Result<u64, String> {
    s.parse().map_err(|_| format!("{s} is not a number"))
}

/// How long the shutdown may wait for blocking threads: the stuck jobs
/// never return by themselves, so a shutdown that waits for them takes
/// exactly this long.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(3);

/// Panics the faults cause on purpose print one line, not a backtrace.
fn quiet_planted_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str));
        match message {
            Some(m) if m.starts_with("soak:") => eprintln!("soak: planted panic: {m}"),
            _ => default(info),
        }
    }));
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(e) => {
            eprintln!(
                "soak: {e}\nusage: zokio-soak [--minutes N | --seconds N] [--seed S] [--break leak|lose-message]"
            );
            return ExitCode::from(2);
        }
    };
    eprintln!("soak: {options:?}");
    quiet_planted_panics();
    // The signal pipe lives as long as the process; made before the count
    // of descriptors, so the counts before and after compare like with like.
    {
        let rt = zokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        rt.block_on(async { drop(signal(SignalKind::terminate())) });
    }
    let fds_before = sys::open_fds();
    let window = (options.duration / 6).clamp(Duration::from_secs(5), Duration::from_secs(60));
    let ledger = Ledger::new(window);
    let rt = zokio::Runtime::new().expect("the default runtime");
    let run = rt.block_on(run(&options, ledger.clone()));
    let shutdown = Instant::now();
    rt.shutdown_timeout(SHUTDOWN_TIMEOUT);
    let shutdown_took = shutdown.elapsed();
    // The stuck jobs return now; their threads, the last holders of the
    // runtime's reactor, exit and close its descriptors.
    ledger.stuck_jobs.lock().unwrap().clear();
    let deadline = Instant::now() + Duration::from_secs(5);
    while sys::open_fds() != fds_before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let figures = check::Figures {
        run,
        shutdown_took,
        fds_before,
        fds_after: sys::open_fds(),
    };
    match check::report(&options, &ledger, &figures) {
        true => ExitCode::SUCCESS,
        false => ExitCode::FAILURE,
    }
}

/// Seconds since the start, resident bytes, heap bytes in use.
pub(crate) type MemorySample = (f64, u64, Option<u64>);

/// What the run measured besides the ledger.
pub(crate) struct RunFigures {
    /// Memory, once a second.
    pub(crate) rss: Vec<MemorySample>,
    /// When the stop began, in seconds since the start.
    pub(crate) stopped_at: f64,
    pub(crate) sigterm_arrived: bool,
    pub(crate) drained: bool,
}

async fn run(options: &Options, ledger: Arc<Ledger>) -> RunFigures {
    let start = Instant::now();
    let seed = options.seed;
    let mut sigterm = signal(SignalKind::terminate()).expect("a SIGTERM listener");
    let dir = std::env::temp_dir().join(format!("zokio-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");

    let servers_stop = CancellationToken::new();
    let load_stop = CancellationToken::new();
    let http_listener = zokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let http_addr = http_listener.local_addr().expect("addr");
    let echo_listener = zokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let echo_addr = echo_listener.local_addr().expect("addr");
    let mut servers = zokio::task::JoinSet::new();
    ledger::spawn_in(
        &ledger,
        &mut servers,
        http::serve(http_listener, ledger.clone(), servers_stop.clone()),
    );
    ledger::spawn_in(
        &ledger,
        &mut servers,
        echo::serve(echo_listener, ledger.clone(), servers_stop.clone()),
    );

    let mut load = zokio::task::JoinSet::new();
    let l = &ledger;
    let s = || load_stop.clone();
    ledger::spawn_in(
        l,
        &mut load,
        http::load(l.clone(), http_addr, s(), seed, 200, options.breakage),
    );
    for i in 0..8 {
        ledger::spawn_in(
            l,
            &mut load,
            echo::client(
                l.clone(),
                echo_addr,
                s(),
                seed ^ (i + 100),
                Duration::from_millis(20),
            ),
        );
    }
    ledger::spawn_in(l, &mut load, work::timers(l.clone(), s(), seed ^ 1));
    ledger::spawn_in(
        l,
        &mut load,
        work::channels(l.clone(), s(), seed ^ 2, options.breakage),
    );
    ledger::spawn_in(l, &mut load, work::joinsets(l.clone(), s(), seed ^ 3));
    ledger::spawn_in(l, &mut load, work::blocking(l.clone(), s(), seed ^ 4));
    ledger::spawn_in(
        l,
        &mut load,
        work::files(l.clone(), s(), seed ^ 5, dir.clone()),
    );
    ledger::spawn_in(l, &mut load, work::processes(l.clone(), s(), seed ^ 6));
    ledger::spawn_in(
        l,
        &mut load,
        faults::inject(
            l.clone(),
            s(),
            seed ^ 7,
            Duration::from_millis(1500),
            http_addr,
        ),
    );

    // Resident memory once a second, and SIGTERM at nine tenths of the run.
    let sampler = {
        let stop = load_stop.clone();
        zokio::spawn(async move {
            let mut samples = Vec::new();
            let mut ticker = zokio::time::interval(Duration::from_secs(1));
            loop {
                zokio::select! {
                    _ = stop.cancelled() => return samples,
                    _ = ticker.tick() => {
                        // None while the fd-limit fault leaves no descriptor
                        // to read /proc with.
                        if let Some(rss) = sys::rss_bytes() {
                            let heap = sys::heap_in_use();
                            samples.push((start.elapsed().as_secs_f64(), rss, heap));
                        }
                    }
                }
            }
        })
    };
    let term_at = options.duration.mul_f64(0.9);
    zokio::spawn(async move {
        zokio::time::sleep(term_at).await;
        eprintln!("soak: sending SIGTERM to itself");
        sys::terminate_self();
    });
    let sigterm_arrived =
        zokio::time::timeout(options.duration + Duration::from_secs(30), sigterm.recv())
            .await
            .is_ok_and(|got| got.is_some());

    // The graceful path: load stops, what is in flight finishes, servers
    // stop accepting and finish their connections.
    let stopped_at = start.elapsed().as_secs_f64();
    ledger
        .stopping
        .store(true, std::sync::atomic::Ordering::Relaxed);
    load_stop.cancel();
    let load_done = zokio::time::timeout(Duration::from_secs(20), async {
        while load.join_next().await.is_some() {}
    })
    .await
    .is_ok();
    servers_stop.cancel();
    let servers_done = zokio::time::timeout(Duration::from_secs(10), async {
        while servers.join_next().await.is_some() {}
    })
    .await
    .is_ok();
    let rss = sampler.await.unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    RunFigures {
        rss,
        stopped_at,
        sigterm_arrived,
        drained: load_done && servers_done,
    }
}
