//! The rest of the mix: timers, channels fanning in and out, `JoinSet`
//! groups aborted at random, blocking jobs, files and child processes. Each
//! loop runs until `stop` and checks what it did.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use zokio::sync::{CancellationToken, broadcast, mpsc};

use crate::Breakage;
use crate::ledger::{self, Ledger};

/// Sleeps of random lengths; each must not end before its deadline.
pub async fn timers(ledger: Arc<Ledger>, stop: CancellationToken, seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut set = zokio::task::JoinSet::new();
    while !stop.is_cancelled() {
        for _ in 0..8 {
            let length = Duration::from_micros(rng.u64(0..50_000));
            let ledger2 = ledger.clone();
            ledger.timers.started.inc();
            ledger::spawn_in(&ledger, &mut set, async move {
                let start = Instant::now();
                zokio::time::sleep(length).await;
                if start.elapsed() >= length {
                    ledger2.timers.ok.inc();
                } else {
                    ledger2
                        .timers
                        .failed("sleep", &format!("{length:?} ended early"), false);
                }
            });
        }
        while set.join_next().await.is_some() {}
    }
}

/// Fan-in: producers send numbered messages over one mpsc channel; the
/// consumer checks each producer's numbers arrive once, in order.
/// Fan-out: one broadcast sender, subscribers checking the same.
pub async fn channels(
    ledger: Arc<Ledger>,
    stop: CancellationToken,
    seed: u64,
    breakage: Option<Breakage>,
) {
    const PRODUCERS: usize = 4;
    let mut rng = fastrand::Rng::with_seed(seed);
    while !stop.is_cancelled() {
        let (tx, mut rx) = mpsc::channel::<(usize, u64)>(64);
        let burst = rng.u64(1..500);
        let mut producers = zokio::task::JoinSet::new();
        for p in 0..PRODUCERS {
            let tx = tx.clone();
            let ledger2 = ledger.clone();
            ledger::spawn_in(&ledger, &mut producers, async move {
                for seq in 0..burst {
                    if tx.send((p, seq)).await.is_err() {
                        return;
                    }
                    ledger2.messages_sent.inc();
                }
            });
        }
        drop(tx);
        let mut next = [0u64; PRODUCERS];
        let mut received = 0u64;
        while let Some((p, seq)) = rx.recv().await {
            received += 1;
            if breakage == Some(Breakage::LoseMessage) && received % 1000 == 0 {
                continue;
            }
            if seq != next[p] {
                ledger.messages_misordered.inc();
            }
            next[p] = seq + 1;
            ledger.messages_received.inc();
        }
        while producers.join_next().await.is_some() {}

        let (tx, _) = broadcast::channel::<u64>(1024);
        let mut subscribers = zokio::task::JoinSet::new();
        for _ in 0..3 {
            let mut rx = tx.subscribe();
            let ledger2 = ledger.clone();
            ledger::spawn_in(&ledger, &mut subscribers, async move {
                let mut next = 0;
                while let Ok(seq) = rx.recv().await {
                    if seq != next {
                        ledger2.messages_misordered.inc();
                    }
                    next = seq + 1;
                    ledger2.messages_received.inc();
                }
            });
        }
        for seq in 0..burst.min(1000) {
            if tx.send(seq).is_ok() {
                ledger.messages_sent.add(3);
            }
            if seq % 64 == 0 {
                zokio::task::yield_now().await;
            }
        }
        drop(tx);
        while subscribers.join_next().await.is_some() {}
        zokio::time::sleep(Duration::from_millis(rng.u64(5..20))).await;
    }
}

/// Groups of tasks, some aborted at a random moment: each task ends as
/// finished or cancelled, never lost.
pub async fn joinsets(ledger: Arc<Ledger>, stop: CancellationToken, seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    while !stop.is_cancelled() {
        let mut set = zokio::task::JoinSet::new();
        for _ in 0..rng.usize(1..16) {
            let length = Duration::from_micros(rng.u64(0..20_000));
            ledger::spawn_in(&ledger, &mut set, async move {
                zokio::time::sleep(length).await;
                length
            });
        }
        ledger.joinsets.started.inc();
        zokio::time::sleep(Duration::from_micros(rng.u64(0..15_000))).await;
        match rng.u8(0..3) {
            0 => set.abort_all(),
            1 => drop(set.spawn(async { Duration::ZERO })),
            _ => {}
        }
        let mut outcomes_bad = 0;
        while let Some(outcome) = set.join_next().await {
            if let Err(e) = outcome {
                if !e.is_cancelled() {
                    outcomes_bad += 1;
                }
            }
        }
        match outcomes_bad {
            0 => ledger.joinsets.ok.inc(),
            n => ledger
                .joinsets
                .failed("joinset", &format!("{n} tasks ended otherwise"), false),
        }
    }
}

/// Blocking jobs on the pool, each checked.
pub async fn blocking(ledger: Arc<Ledger>, stop: CancellationToken, seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    while !stop.is_cancelled() {
        let n = rng.u64(0..1000);
        let sleep = Duration::from_micros(rng.u64(0..2000));
        ledger.blocking.started.inc();
        let job = zokio::task::spawn_blocking(move || {
            std::thread::sleep(sleep);
            (0..n).sum::<u64>()
        });
        match job.await {
            Ok(sum) if sum == n * n.saturating_sub(1) / 2 => ledger.blocking.ok.inc(),
            Ok(_) => ledger.blocking.failed("blocking", &"a wrong sum", false),
            Err(e) => ledger.blocking.failed("blocking", &e, ledger.is_stopping()),
        }
        zokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Files of random contents written, read back and removed.
pub async fn files(ledger: Arc<Ledger>, stop: CancellationToken, seed: u64, dir: PathBuf) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut n = 0u64;
    while !stop.is_cancelled() {
        n += 1;
        let path = dir.join(format!("file-{}", n % 16));
        let len = rng.usize(0..256 << 10);
        let data: Vec<u8> = std::iter::repeat_with(|| rng.u8(..)).take(len).collect();
        ledger.files.started.inc();
        let round = async {
            zokio::fs::write(&path, &data).await?;
            let back = zokio::fs::read(&path).await?;
            let meta = zokio::fs::metadata(&path).await?;
            zokio::fs::remove_file(&path).await?;
            std::io::Result::Ok(back == data && meta.len() == len as u64)
        };
        match round.await {
            Ok(true) => ledger.files.ok.inc(),
            Ok(false) => ledger.files.failed("file", &"contents differ", false),
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                ledger.files.io_failed("file", &e, ledger.is_stopping())
            }
        }
        zokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Child processes: `cat` fed random bytes through its pipes.
pub async fn processes(ledger: Arc<Ledger>, stop: CancellationToken, seed: u64) {
    use zokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut rng = fastrand::Rng::with_seed(seed);
    while !stop.is_cancelled() {
        let len = rng.usize(0..64 << 10);
        let data: Vec<u8> = std::iter::repeat_with(|| rng.u8(..)).take(len).collect();
        ledger.processes.started.inc();
        let round = async {
            let mut child = zokio::process::Command::new("cat")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .kill_on_drop(true)
                .spawn()?;
            let mut stdin = child.stdin.take().expect("piped stdin");
            let mut stdout = child.stdout.take().expect("piped stdout");
            let write = async {
                stdin.write_all(&data).await?;
                drop(stdin);
                std::io::Result::Ok(())
            };
            let mut back = Vec::new();
            let (written, read) = zokio::join!(write, stdout.read_to_end(&mut back));
            written?;
            read?;
            let status = child.wait().await?;
            std::io::Result::Ok(status.success() && back == data)
        };
        match zokio::time::timeout(Duration::from_secs(10), round).await {
            Ok(Ok(true)) => ledger.processes.ok.inc(),
            Ok(Ok(false)) => ledger.processes.failed("cat", &"output differs", false),
            Ok(Err(e)) => ledger.processes.io_failed("cat", &e, ledger.is_stopping()),
            Err(_) => ledger.processes.failed("cat", &"not done in 10 s", false),
        }
        zokio::time::sleep(Duration::from_millis(50)).await;
    }
}
