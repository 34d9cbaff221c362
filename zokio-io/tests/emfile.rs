//! `accept` under descriptor exhaustion: the error reaches the caller and the
//! listener works again once descriptors are free. Runs in a child process,
//! because it lowers `RLIMIT_NOFILE`.
#![cfg(not(loom))]

use std::io;
use std::process::Command;

use futures_lite::future::block_on;
use zokio_io::net::{TcpListener, TcpStream};

const CHILD: &str = "ZOKIO_IO_EMFILE_CHILD";

#[test]
fn accept_survives_emfile() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "accept_survives_emfile",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("emfile checked"),
        "child did not run:\n{stdout}"
    );
}

fn child() {
    block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Queue two connections while descriptors are still available.
        let first = std::net::TcpStream::connect(addr).unwrap();
        let second = TcpStream::connect(addr).await.unwrap();

        let limit = libc::rlimit {
            rlim_cur: 128,
            rlim_max: libc::RLIM_INFINITY,
        };
        let mut old = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: both pointers are to live, properly typed rlimit structs.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut old) }, 0);
        let limit = libc::rlimit {
            rlim_max: old.rlim_max,
            ..limit
        };
        // SAFETY: as above.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);

        let mut hoard = Vec::new();
        loop {
            match std::fs::File::open("/dev/null") {
                Ok(file) => hoard.push(file),
                Err(e) if e.raw_os_error() == Some(libc::EMFILE) => break,
                Err(e) => panic!("unexpected error while filling the table: {e}"),
            }
        }
        let err = listener.accept().await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
        // Again: the listener reports it each time instead of hanging.
        let err = listener.accept().await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");

        hoard.truncate(hoard.len() - 4);
        let (a, _) = listener.accept().await.unwrap();
        let (b, _) = listener.accept().await.unwrap();
        let mut peers = [a.peer_addr().unwrap(), b.peer_addr().unwrap()];
        peers.sort();
        let mut expected = [first.local_addr().unwrap(), second.local_addr().unwrap()];
        expected.sort();
        assert_eq!(peers, expected);
        io::Result::Ok(())
    })
    .unwrap();
    println!("emfile checked");
}
