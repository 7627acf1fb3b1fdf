//! The clock-only control (`--backend clock`): times nothing. Each sample is two raw-clock
//! reads back to back, with no wait call between them, written in the same trace format
//! and assessed by the same analysis as a real backend, so that the measurement's own
//! floor (clock granularity, read cost jitter, interrupts) is visible beside the sources.
//! The knobs are recorded but open no source: the control is the same whatever they say.

use crate::backend::{Backend, Wait};
use crate::clock::RawClock;
use crate::CollectError;

/// Name of the backend in the metadata and on the command line.
pub const CLOCK_BACKEND: &str = "clock";

/// The control: the platform's raw clock and nothing to wait for.
#[derive(Debug)]
pub(crate) struct ClockOnly {
    clock: RawClock,
}

impl ClockOnly {
    pub(crate) fn new() -> ClockOnly {
        ClockOnly {
            clock: RawClock::best(),
        }
    }
}

impl Backend for ClockOnly {
    fn name(&self) -> &'static str {
        CLOCK_BACKEND
    }

    #[inline(always)]
    fn now_ns(&mut self) -> u64 {
        self.clock.now_ns()
    }

    /// No call at all: the window is the gap between two clock reads.
    #[inline(always)]
    fn wait(&mut self) -> Result<Wait, CollectError> {
        Ok(Wait::Ready(0))
    }

    fn drain(&mut self) -> Result<u32, CollectError> {
        Ok(0)
    }
}

/// User + system CPU time of this process so far, ns (`None` if the OS does not say).
pub(crate) fn process_cpu_ns() -> Option<u64> {
    // SAFETY: rusage is plain data, filled by getrusage.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is valid and writable.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return None;
    }
    let ns = |t: libc::timeval| {
        (t.tv_sec as u64)
            .saturating_mul(1_000_000_000)
            .saturating_add(t.tv_usec as u64 * 1000)
    };
    Some(ns(ru.ru_utime).saturating_add(ns(ru.ru_stime)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_clock_and_waits_for_nothing() {
        let mut c = ClockOnly::new();
        let a = c.now_ns();
        assert_eq!(c.wait().unwrap(), Wait::Ready(0));
        assert!(c.now_ns() >= a);
        assert_eq!(c.drain().unwrap(), 0);
        assert_eq!(c.name(), "clock");
        let t0 = process_cpu_ns().unwrap();
        let mut x = 0u64;
        for i in 0..2_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert!(process_cpu_ns().unwrap() >= t0);
    }
}
