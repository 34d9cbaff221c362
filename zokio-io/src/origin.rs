//! Where a socket's incoming data arrives, asked of the kernel less often
//! while the answer stays the same.
//!
//! A placement hint costs one `getsockopt` (about 200 ns here, some 5% of a
//! loopback echo round trip's CPU time). Once a connection's two ends have
//! settled on one CPU the answer rarely changes, so each unchanged answer
//! doubles the number of events that reuse it, up to [`MAX_REUSE`]; a changed
//! answer goes back to asking every event, so a connection that moves is
//! followed at once.

use zokio_core::sync::atomic::{AtomicU32, Ordering};

/// Most events that reuse one answer before the kernel is asked again: small,
/// because a stale hint sends the reader away from its data.
pub(crate) const MAX_REUSE: u32 = 8;

const NO_CPU: u32 = 0xFFFF;

/// A socket's last known data CPU and how long to trust it. Packed in one
/// word: CPU (16 bits), events left to reuse it (8), the next reuse run (8).
///
/// Only `IoDriver::park` touches it, and that takes `&mut IoDriver`: one
/// park at a time, ordered by whatever hands the driver between threads. So
/// `Relaxed` suffices; the atomic is there for `Sync`.
pub(crate) struct OriginCache(AtomicU32);

impl OriginCache {
    pub(crate) fn new() -> OriginCache {
        OriginCache(AtomicU32::new(pack(NO_CPU, 0, 1)))
    }

    /// The socket's data CPU: the cached one while it has uses left,
    /// otherwise `ask`'s answer (which is remembered).
    pub(crate) fn get(&self, ask: impl FnOnce() -> Option<usize>) -> Option<usize> {
        let (cpu, left, run) = unpack(self.0.load(Ordering::Relaxed));
        if left > 0 {
            self.0.store(pack(cpu, left - 1, run), Ordering::Relaxed);
            return Some(cpu as usize);
        }
        let answer = ask()
            .and_then(|c| u32::try_from(c).ok())
            .filter(|&c| c < NO_CPU);
        let next = match answer {
            // The same CPU again: trust it for longer.
            Some(c) if c == cpu => pack(c, run, (run * 2).min(MAX_REUSE)),
            // A new CPU (or none): ask again next time.
            Some(c) => pack(c, 0, 1),
            None => pack(NO_CPU, 0, 1),
        };
        self.0.store(next, Ordering::Relaxed);
        answer.map(|c| c as usize)
    }
}

fn pack(cpu: u32, left: u32, run: u32) -> u32 {
    cpu | (left << 16) | (run << 24)
}

fn unpack(word: u32) -> (u32, u32, u32) {
    (word & 0xFFFF, (word >> 16) & 0xFF, word >> 24)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// Calls `get` with a kernel that answers `cpu`, and says whether it was asked.
    fn asked(cache: &OriginCache, cpu: Option<usize>) -> (Option<usize>, bool) {
        let was_asked = Cell::new(false);
        let got = cache.get(|| {
            was_asked.set(true);
            cpu
        });
        (got, was_asked.get())
    }

    #[test]
    fn a_steady_answer_is_reused_for_doubling_runs_up_to_the_cap() {
        let cache = OriginCache::new();
        let mut pattern = String::new();
        for _ in 0..40 {
            let (got, was_asked) = asked(&cache, Some(3));
            assert_eq!(got, Some(3));
            pattern.push(if was_asked { 'A' } else { '.' });
        }
        // Asked, asked (first match: reuse 1), reuse 2, 4, then 8 each time.
        assert_eq!(&pattern[..26], "AA.A..A....A........A.....");
        assert!(
            pattern[11..]
                .split('A')
                .skip(1)
                .all(|run| run.len() <= MAX_REUSE as usize)
        );
    }

    #[test]
    fn a_changed_answer_is_asked_again_at_the_next_event() {
        let cache = OriginCache::new();
        for _ in 0..20 {
            asked(&cache, Some(0));
        }
        // Drain the current run, whatever is left of it.
        while !asked(&cache, Some(1)).1 {}
        // The kernel now says 1: the next event asks again rather than trust it.
        assert_eq!(asked(&cache, Some(1)), (Some(1), true));
        assert_eq!(asked(&cache, Some(1)), (Some(1), false));
    }

    #[test]
    fn no_answer_is_never_reused() {
        let cache = OriginCache::new();
        for _ in 0..5 {
            assert_eq!(asked(&cache, None), (None, true));
        }
        // Beyond the packed width: treated as no answer, not truncated.
        assert_eq!(asked(&cache, Some(1 << 20)), (None, true));
        assert_eq!(asked(&cache, Some(2)), (Some(2), true));
    }
}
