//! Not a port: a property test of `zokio::fs` against `std::fs`.
//!
//! Each case runs a random sequence of operations (create, write, append,
//! patch through a `File`, read, rename, remove, mkdir, read_dir, metadata)
//! on a small set of names, once through `zokio::fs` in one temporary
//! directory and once through `std::fs` in another, and requires every
//! result (value or `io::ErrorKind`) and the final trees to be equal.
//! Seeded and bounded: 64 cases of 40 operations; set `ZOKIO_FS_PROP_SEED`
//! to replay a failure the message reports.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use futures_lite::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use zokio::fs;

const CASES: u64 = 64;
const OPS: usize = 40;
const NAMES: [&str; 7] = ["a", "b", "c", "d1", "d2", "d1/a", "d1/d3"];

#[derive(Debug, Clone)]
enum Op {
    Create(&'static str),
    Write(&'static str, Vec<u8>),
    Append(&'static str, Vec<u8>),
    /// Through an open `File`: seek, write, then read everything back.
    Patch(&'static str, u64, Vec<u8>),
    Read(&'static str),
    Rename(&'static str, &'static str),
    Remove(&'static str),
    Mkdir(&'static str),
    ReadDir(&'static str),
    MetadataLen(&'static str),
}

/// What an operation gave: its value rendered, or the error's kind.
type Outcome = Result<String, std::io::ErrorKind>;

fn random_op(rng: &mut fastrand::Rng) -> Op {
    let name = |rng: &mut fastrand::Rng| NAMES[rng.usize(..NAMES.len())];
    let bytes = |rng: &mut fastrand::Rng| {
        let len = rng.usize(0..64);
        std::iter::repeat_with(|| rng.u8(..))
            .take(len)
            .collect::<Vec<_>>()
    };
    match rng.u8(0..10) {
        0 => Op::Create(name(rng)),
        1 => Op::Write(name(rng), bytes(rng)),
        2 => Op::Append(name(rng), bytes(rng)),
        3 => Op::Patch(name(rng), rng.u64(0..80), bytes(rng)),
        4 => Op::Read(name(rng)),
        5 => Op::Rename(name(rng), name(rng)),
        6 => Op::Remove(name(rng)),
        7 => Op::Mkdir(name(rng)),
        8 => Op::ReadDir(if rng.bool() { "." } else { name(rng) }),
        _ => Op::MetadataLen(name(rng)),
    }
}

fn outcome<T: std::fmt::Debug>(res: std::io::Result<T>) -> Outcome {
    res.map(|value| format!("{value:?}"))
        .map_err(|err| err.kind())
}

fn sorted_listing(mut names: Vec<(String, bool)>) -> Vec<(String, bool)> {
    names.sort();
    names
}

async fn run_zokio(root: &Path, op: &Op) -> Outcome {
    let at = |name: &str| root.join(name);
    match op {
        Op::Create(name) => outcome(fs::File::create(at(name)).await.map(drop)),
        Op::Write(name, bytes) => outcome(fs::write(at(name), bytes).await),
        Op::Append(name, bytes) => outcome(
            async {
                let mut file = fs::OpenOptions::new().append(true).open(at(name)).await?;
                file.write_all(bytes).await?;
                file.flush().await
            }
            .await,
        ),
        Op::Patch(name, offset, bytes) => outcome(
            async {
                let mut file = fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(at(name))
                    .await?;
                file.seek(SeekFrom::Start(*offset)).await?;
                file.write_all(bytes).await?;
                let end = file.seek(SeekFrom::Current(0)).await?;
                file.seek(SeekFrom::Start(0)).await?;
                let mut all = Vec::new();
                file.read_to_end(&mut all).await?;
                Ok((end, all))
            }
            .await,
        ),
        Op::Read(name) => outcome(fs::read(at(name)).await),
        Op::Rename(from, to) => outcome(fs::rename(at(from), at(to)).await),
        Op::Remove(name) => outcome(fs::remove_file(at(name)).await),
        Op::Mkdir(name) => outcome(fs::create_dir(at(name)).await),
        Op::ReadDir(name) => outcome(
            async {
                let mut entries = fs::read_dir(at(name)).await?;
                let mut names = Vec::new();
                while let Some(entry) = entries.next_entry().await? {
                    let is_dir = entry.file_type().await?.is_dir();
                    names.push((entry.file_name().into_string().unwrap(), is_dir));
                }
                Ok(sorted_listing(names))
            }
            .await,
        ),
        Op::MetadataLen(name) => outcome(
            fs::metadata(at(name))
                .await
                .map(|meta| (meta.is_dir(), if meta.is_dir() { 0 } else { meta.len() })),
        ),
    }
}

fn run_std(root: &Path, op: &Op) -> Outcome {
    let at = |name: &str| root.join(name);
    match op {
        Op::Create(name) => outcome(std::fs::File::create(at(name)).map(drop)),
        Op::Write(name, bytes) => outcome(std::fs::write(at(name), bytes)),
        Op::Append(name, bytes) => outcome((|| {
            let mut file = std::fs::OpenOptions::new().append(true).open(at(name))?;
            file.write_all(bytes)?;
            file.flush()
        })()),
        Op::Patch(name, offset, bytes) => outcome((|| {
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(at(name))?;
            file.seek(SeekFrom::Start(*offset))?;
            file.write_all(bytes)?;
            let end = file.stream_position()?;
            file.seek(SeekFrom::Start(0))?;
            let mut all = Vec::new();
            file.read_to_end(&mut all)?;
            Ok((end, all))
        })()),
        Op::Read(name) => outcome(std::fs::read(at(name))),
        Op::Rename(from, to) => outcome(std::fs::rename(at(from), at(to))),
        Op::Remove(name) => outcome(std::fs::remove_file(at(name))),
        Op::Mkdir(name) => outcome(std::fs::create_dir(at(name))),
        Op::ReadDir(name) => outcome((|| {
            let mut names = Vec::new();
            for entry in std::fs::read_dir(at(name))? {
                let entry = entry?;
                let is_dir = entry.file_type()?.is_dir();
                names.push((entry.file_name().into_string().unwrap(), is_dir));
            }
            Ok(sorted_listing(names))
        })()),
        Op::MetadataLen(name) => outcome(
            std::fs::metadata(at(name))
                .map(|meta| (meta.is_dir(), if meta.is_dir() { 0 } else { meta.len() })),
        ),
    }
}

/// Every path under `root` with its contents (`None` for a directory).
fn tree(root: &Path) -> Vec<(PathBuf, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            if path.is_dir() {
                stack.push(path);
                out.push((rel, None));
            } else {
                out.push((rel, Some(std::fs::read(&path).unwrap())));
            }
        }
    }
    out.sort();
    out
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_operation_sequences_match_std() {
    let base_seed = std::env::var("ZOKIO_FS_PROP_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(0x5eed_f500);
    let cases = if std::env::var("ZOKIO_FS_PROP_SEED").is_ok() {
        1
    } else {
        CASES
    };
    let mut failed_ops = 0;
    for case in 0..cases {
        let seed = base_seed + case;
        let mut rng = fastrand::Rng::with_seed(seed);
        let ops: Vec<Op> = (0..OPS).map(|_| random_op(&mut rng)).collect();
        let (ours, theirs) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        for (i, op) in ops.iter().enumerate() {
            let got = run_zokio(ours.path(), op).await;
            let expected = run_std(theirs.path(), op);
            assert_eq!(
                got,
                expected,
                "ZOKIO_FS_PROP_SEED={seed}: operation {i} ({op:?}) differs; ops so far: {:?}",
                &ops[..=i]
            );
            failed_ops += usize::from(expected.is_err());
        }
        assert_eq!(
            tree(ours.path()),
            tree(theirs.path()),
            "ZOKIO_FS_PROP_SEED={seed}: the trees differ after {ops:?}"
        );
    }
    // The sequences must exercise both outcomes to mean anything.
    assert!(
        failed_ops > 0 && failed_ops < (cases as usize) * OPS,
        "{failed_ops} failures"
    );
}
