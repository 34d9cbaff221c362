//! The ring's slot protocol on a socket pair: an operation's buffer and
//! result come back through its slot, a slot given back in flight is freed
//! only by its completion, the ring refuses operations beyond its
//! completion queue, and dropping a ring with receives in flight returns.

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::{Op, Socket, SocketRing, Started};

fn cx() -> Context<'static> {
    Context::from_waker(Waker::noop())
}

/// Waits on the ring until slot `key` completes.
fn complete(ring: &SocketRing, key: u32) -> (i32, Vec<u8>) {
    for _ in 0..1000 {
        if let Poll::Ready(done) = ring.poll(key, &cx()) {
            return done;
        }
        ring.wait(Some(Duration::from_millis(10)));
    }
    panic!("the operation never completed");
}

#[test]
fn a_receive_and_a_send_come_back_through_their_slots() {
    let ring = SocketRing::new(8).unwrap();
    let (ours, mut theirs) = UnixStream::pair().unwrap();
    let socket = ring.register(ours.as_raw_fd());
    let (recv, send) = (ring.slot(), ring.slot());

    let started = ring
        .start(recv, Op::Recv { socket, from: 0 }, vec![0; 16], &cx())
        .unwrap();
    assert!(matches!(started, Started::InFlight));
    ring.flush();
    assert!(ring.poll(recv, &cx()).is_pending(), "nothing was sent yet");
    theirs.write_all(b"ping").unwrap();
    let (n, buf) = complete(&ring, recv);
    assert_eq!(n, 4);
    assert_eq!(&buf[..4], b"ping");

    let out = b"pong".to_vec();
    let op = Op::Send { socket, from: 1 };
    assert!(matches!(
        ring.start(send, op, out, &cx()).unwrap(),
        Started::InFlight
    ));
    let (n, buf) = complete(&ring, send);
    assert_eq!(
        (n, &buf[..]),
        (3, &b"pong"[..]),
        "the buffer comes back whole"
    );
    let mut got = [0u8; 3];
    theirs.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"ong", "sent from `from` on");

    ring.release(recv, true);
    ring.release(send, false);
    ring.unregister(socket);
}

#[test]
fn a_slot_given_back_in_flight_is_reused_only_after_its_completion() {
    let ring = SocketRing::new(8).unwrap();
    let (ours, mut theirs) = UnixStream::pair().unwrap();
    let socket = Socket::Fd(ours.as_raw_fd());
    let first = ring.slot();
    ring.start(first, Op::Recv { socket, from: 0 }, vec![0; 16], &cx())
        .unwrap();
    ring.flush();
    // Given back without cancelling: the receive still owns the buffer.
    ring.release(first, false);
    let other = ring.slot();
    assert_ne!(other, first, "an orphaned slot is not handed out");
    theirs.write_all(b"x").unwrap();
    ring.wait(Some(Duration::from_secs(5)));
    assert_eq!(ring.slot(), first, "its completion freed it");
}

#[test]
fn operations_beyond_the_completion_queue_wait_for_room() {
    // Four entries: a completion queue of eight, seven operations at most.
    let ring = SocketRing::new(4).unwrap();
    let pairs: Vec<_> = (0..8).map(|_| UnixStream::pair().unwrap()).collect();
    let mut full = 0;
    for (ours, _) in &pairs {
        let op = Op::Recv {
            socket: Socket::Fd(ours.as_raw_fd()),
            from: 0,
        };
        match ring.start(ring.slot(), op, vec![0; 8], &cx()).unwrap() {
            Started::InFlight => {}
            Started::Full(buf) => {
                assert_eq!(buf.len(), 8, "the buffer comes back");
                full += 1;
            }
        }
    }
    assert_eq!(full, 1);
    drop(ring); // cancels the seven receives and waits for them
}

#[test]
fn dropping_a_ring_with_receives_in_flight_returns() {
    let ring = SocketRing::new(8).unwrap();
    let (ours, _theirs) = UnixStream::pair().unwrap();
    let socket = ring.register(ours.as_raw_fd());
    ring.start(ring.slot(), Op::Recv { socket, from: 0 }, vec![0; 8], &cx())
        .unwrap();
    ring.flush();
    let started = std::time::Instant::now();
    drop(ring);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the cancel completed"
    );
}
