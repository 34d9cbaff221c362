//! `zokio::io::{stdin, stdout, stderr}` (Tokio has no test file of its own
//! for them): this test binary runs itself as a child process with piped
//! standard streams, and the child echoes its input through Zokio's stdio,
//! inside a runtime (on its blocking pool) and outside one (on the
//! fallback threads); and the write-behind and dropped-read behaviours the
//! docs promise.
#![cfg(not(loom))]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use zokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const CHILD: &str = "ZOKIO_IO_STDIO_CHILD";

/// Runs this binary's test `name` as a child with `input` on its standard
/// input; returns its standard output and error, or fails after a bound.
fn run_child(name: &str, input: &[u8]) -> (String, String) {
    run_child_with(name, input, false)
}

/// As [`run_child`]; with `close_stdout`, the read end of the child's
/// standard output is closed once the test harness has said it is running
/// the test, so the test's writes fail (and so may the harness's summary:
/// the exit status is then not checked).
fn run_child_with(name: &str, input: &[u8], close_stdout: bool) -> (String, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1", "-q"])
        .env(CHILD, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if close_stdout {
        use std::io::Read;
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 256];
        let _ = stdout.read(&mut first);
        drop(stdout);
    }
    // Feed and drain the pipes on threads of their own: the child writes
    // while it reads, and a full pipe would stall both processes.
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&input));
    let pid = child.id();
    let (done, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    let Ok(out) = wait.recv_timeout(Duration::from_secs(30)) else {
        // The child is ours: stop it by its id.
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        panic!("the child {name} did not finish in 30 s");
    };
    let out = out.unwrap();
    feeder.join().unwrap().unwrap();
    assert!(
        close_stdout || out.status.success(),
        "child {name} failed: {out:?}"
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn lines_in_through_stdin_out_through_stdout_and_stderr() {
    if std::env::var_os(CHILD).is_some() {
        return echo_in_a_runtime();
    }
    let input: String = (0..2000).map(|i| format!("line {i}\n")).collect();
    let (out, err) = run_child(
        "lines_in_through_stdin_out_through_stdout_and_stderr",
        input.as_bytes(),
    );
    let echoed: Vec<&str> = out.lines().filter(|l| l.starts_with("echo ")).collect();
    assert_eq!(echoed.len(), 2000, "{out}");
    assert_eq!(echoed[1999], "echo line 1999");
    assert!(err.contains("lines: 2000"), "{err}");
}

fn echo_in_a_runtime() {
    let rt = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut lines = BufReader::new(zokio::io::stdin()).lines();
        let mut out = zokio::io::stdout();
        let mut count = 0;
        while let Some(line) = lines.next_line().await.unwrap() {
            out.write_all(format!("echo {line}\n").as_bytes())
                .await
                .unwrap();
            count += 1;
        }
        out.flush().await.unwrap();
        let mut err = zokio::io::stderr();
        err.write_all(format!("lines: {count}\n").as_bytes())
            .await
            .unwrap();
        err.shutdown().await.unwrap();
    });
}

#[test]
fn stdio_outside_a_runtime() {
    if std::env::var_os(CHILD).is_some() {
        return futures_lite::future::block_on(async {
            let mut all = Vec::new();
            zokio::io::stdin().read_to_end(&mut all).await.unwrap();
            let mut out = zokio::io::stdout();
            out.write_all(b"got ").await.unwrap();
            out.write_all(&all).await.unwrap();
            out.flush().await.unwrap();
        });
    }
    let payload = vec![b'x'; 300_000];
    let (out, _) = run_child("stdio_outside_a_runtime", &payload);
    let at = out.find("got ").expect("the child's output");
    assert_eq!(
        out[at + 4..].bytes().take_while(|&b| b == b'x').count(),
        300_000
    );
}

/// A write to a closed pipe fails in the background; the error comes back
/// from a later write or flush, not lost (the test harness ignores SIGPIPE,
/// as every Rust program does, so the write gets EPIPE).
#[test]
fn a_write_error_comes_back_on_a_later_call() {
    if std::env::var_os(CHILD).is_some() {
        let rt = zokio::Runtime::new().unwrap();
        let err = rt.block_on(async {
            let mut out = zokio::io::stdout();
            for _ in 0..100 {
                if let Err(err) = out.write_all(&[b'x'; 1024]).await {
                    return err;
                }
            }
            out.flush().await.unwrap_err()
        });
        eprintln!("write error: {:?}", err.kind());
        return;
    }
    let (_, err) = run_child_with("a_write_error_comes_back_on_a_later_call", b"", true);
    assert!(err.contains("write error: BrokenPipe"), "{err}");
}

/// A read dropped while its blocking job runs does not lose what that job
/// reads: the next read of the same `Stdin` gets it.
#[test]
fn a_dropped_stdin_read_is_not_lost() {
    use futures_util::FutureExt;

    if std::env::var_os(CHILD).is_some() {
        let rt = zokio::Runtime::new().unwrap();
        rt.block_on(async {
            let mut stdin = zokio::io::stdin();
            let mut buf = [0u8; 64];
            // Starts the blocking read, then drops the future (unless the
            // job was quick enough to finish within the one poll).
            let mut all = match stdin.read(&mut buf).now_or_never() {
                Some(read) => buf[..read.unwrap()].to_vec(),
                None => Vec::new(),
            };
            stdin.read_to_end(&mut all).await.unwrap();
            let mut out = zokio::io::stdout();
            out.write_all(b"read: ").await.unwrap();
            out.write_all(&all).await.unwrap();
            out.flush().await.unwrap();
        });
        return;
    }
    let (out, _) = run_child("a_dropped_stdin_read_is_not_lost", b"every byte");
    assert!(out.contains("read: every byte"), "{out}");
}
