//! Which CPU each worker runs on, and which worker runs on a CPU: what a
//! worker needs to hand a task to the worker where its data arrived.
//!
//! Workers are not pinned; each notes its CPU every few dozen ticks and after
//! it parks, and the map is a hint. A lookup checks both directions, so a
//! worker that moved is not named for its old CPU.

use zokio_core::sync::atomic::{AtomicUsize, Ordering};

const UNKNOWN: usize = usize::MAX;

pub(crate) struct WorkerCpus {
    /// Per worker: the CPU it last noted.
    cpu_of: Box<[AtomicUsize]>,
    /// Per CPU: the worker that last noted it. Empty where the CPU cannot be
    /// read, which turns placement off.
    worker_on: Box<[AtomicUsize]>,
}

impl WorkerCpus {
    pub(crate) fn new(workers: usize) -> WorkerCpus {
        let cpus = if current_cpu().is_some() {
            configured_cpus()
        } else {
            0
        };
        let unknown = |_| AtomicUsize::new(UNKNOWN);
        WorkerCpus {
            cpu_of: (0..workers).map(unknown).collect(),
            worker_on: (0..cpus).map(unknown).collect(),
        }
    }

    /// True if workers' CPUs are known on this system.
    pub(crate) fn is_enabled(&self) -> bool {
        !self.worker_on.is_empty()
    }

    /// Records the CPU `worker` (the caller) runs on now.
    pub(crate) fn note(&self, worker: usize) {
        if let Some(cpu) = current_cpu() {
            self.note_cpu(worker, cpu);
        }
    }

    fn note_cpu(&self, worker: usize, cpu: usize) {
        // Only the worker itself stores its entry, and a store only on change
        // keeps the lines shared while the worker stays put.
        if self.cpu_of[worker].load(Ordering::Relaxed) != cpu {
            self.cpu_of[worker].store(cpu, Ordering::Relaxed);
        }
        // Checked even when we did not move: a worker that shared our CPU
        // for a while may have claimed it and then left, and a CPU whose
        // entry names a worker that moved away names nobody. (Workers 0 and 1
        // start on CPU 0, 1 claims it, then moves to CPU 1: without this,
        // CPU 0 named nobody for the rest of the run, and 1 never handed
        // anything to 0.)
        if let Some(slot) = self.worker_on.get(cpu) {
            if slot.load(Ordering::Relaxed) != worker {
                slot.store(worker, Ordering::Relaxed);
            }
        }
    }

    /// The worker that runs on `cpu`, as far as the last notes tell.
    pub(crate) fn worker_on(&self, cpu: usize) -> Option<usize> {
        let worker = self.worker_on.get(cpu)?.load(Ordering::Relaxed);
        let moved = self.cpu_of.get(worker)?.load(Ordering::Relaxed) != cpu;
        (!moved).then_some(worker)
    }
}

/// The CPU the calling thread runs on (glibc reads it from the thread's
/// restartable-sequence area or the vDSO: no system call).
#[cfg(all(any(target_os = "linux", target_os = "android"), not(loom)))]
fn current_cpu() -> Option<usize> {
    // SAFETY: `sched_getcpu` takes no arguments and touches no memory of ours.
    let cpu = unsafe { libc::sched_getcpu() };
    usize::try_from(cpu).ok()
}

/// Elsewhere (and in loom models, which must not depend on the OS
/// scheduler) workers have no known CPU.
#[cfg(not(all(any(target_os = "linux", target_os = "android"), not(loom))))]
fn current_cpu() -> Option<usize> {
    None
}

#[cfg(all(any(target_os = "linux", target_os = "android"), not(loom)))]
fn configured_cpus() -> usize {
    // SAFETY: `sysconf` reads a system constant.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_CONF) };
    usize::try_from(n).unwrap_or(0)
}

#[cfg(not(all(any(target_os = "linux", target_os = "android"), not(loom))))]
fn configured_cpus() -> usize {
    0
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn with_cpus(workers: usize, cpus: usize) -> WorkerCpus {
        let unknown = |_| AtomicUsize::new(UNKNOWN);
        WorkerCpus {
            cpu_of: (0..workers).map(unknown).collect(),
            worker_on: (0..cpus).map(unknown).collect(),
        }
    }

    #[test]
    fn a_worker_that_moved_is_not_named_for_its_old_cpu() {
        let map = with_cpus(2, 4);
        assert_eq!(map.worker_on(0), None, "nothing noted yet");
        map.note_cpu(0, 2);
        map.note_cpu(1, 3);
        assert_eq!((map.worker_on(2), map.worker_on(3)), (Some(0), Some(1)));
        map.note_cpu(0, 1);
        assert_eq!(map.worker_on(2), None);
        assert_eq!(map.worker_on(1), Some(0));
        assert_eq!(map.worker_on(99), None, "a CPU beyond the table");
    }

    #[test]
    fn a_cpu_is_named_again_by_its_worker_after_a_visitor_left() {
        let map = with_cpus(2, 2);
        map.note_cpu(0, 0);
        map.note_cpu(1, 0); // both start on CPU 0; 1 noted last
        map.note_cpu(1, 1); // 1 moves away
        assert_eq!(map.worker_on(0), None, "CPU 0 names 1, which left");
        map.note_cpu(0, 0); // 0 never moved: its next note claims CPU 0 back
        assert_eq!((map.worker_on(0), map.worker_on(1)), (Some(0), Some(1)));
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn a_worker_notes_the_cpu_it_runs_on() {
        let map = WorkerCpus::new(1);
        assert!(map.is_enabled());
        map.note(0);
        let cpu = map.cpu_of[0].load(Ordering::Relaxed);
        assert_eq!(map.worker_on(cpu), Some(0));
    }
}
