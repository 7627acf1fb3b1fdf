//! The raw monotonic clock each native backend timestamps with.
//!
//! Where the platform's clock counts ticks (macOS: `mach_absolute_time`, 24 MHz on Apple
//! Silicon), the backends record the ticks themselves and the trace carries the timebase:
//! converting to ns first would put the conversion's rounding (`floor(t * 125 / 3)`, which
//! depends on `t mod 3`) into the low bits that `lsb:K` assesses.

use kqent_trace::Timebase;

#[cfg(target_os = "macos")]
extern "C" {
    // libSystem; the libc crate deprecates its bindings in favour of the mach2 crate.
    fn mach_absolute_time() -> u64;
    fn mach_timebase_info(info: *mut MachTimebaseInfo) -> libc::c_int;
}

#[cfg(target_os = "macos")]
#[repr(C)]
struct MachTimebaseInfo {
    numer: u32,
    denom: u32,
}

/// Which clock a native backend reads, and its name for the metadata.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawClock {
    #[cfg_attr(target_os = "macos", allow(dead_code))]
    id: libc::clockid_t,
    name: &'static str,
    timebase: Option<Timebase>,
}

impl RawClock {
    /// The best raw monotonic clock of this platform: not slewed by NTP where the OS offers
    /// that, and the finest resolution available.
    pub(crate) fn best() -> RawClock {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let c = RawClock {
            id: libc::CLOCK_MONOTONIC_RAW,
            name: "CLOCK_MONOTONIC_RAW",
            timebase: None,
        };
        // The clock openentropy reads; CLOCK_UPTIME_RAW is the same counter in ns.
        #[cfg(target_os = "macos")]
        let c = RawClock {
            id: libc::CLOCK_UPTIME_RAW,
            name: "mach_absolute_time",
            timebase: Some(mach_timebase()),
        };
        #[cfg(target_os = "freebsd")]
        let c = RawClock {
            id: libc::CLOCK_MONOTONIC_PRECISE,
            name: "CLOCK_MONOTONIC_PRECISE",
            timebase: None,
        };
        #[cfg(not(any(
            target_os = "linux",
            target_os = "android",
            target_os = "macos",
            target_os = "freebsd"
        )))]
        let c = RawClock {
            id: libc::CLOCK_MONOTONIC,
            name: "CLOCK_MONOTONIC",
            timebase: None,
        };
        c
    }

    /// The clock openentropy's `mach_time()` reads: `mach_absolute_time` on macOS, and
    /// elsewhere `std::time::Instant`, i.e. CLOCK_MONOTONIC (slewed by NTP, unlike
    /// [`RawClock::best`]'s raw clocks).
    pub(crate) fn openentropy() -> RawClock {
        #[cfg(target_os = "macos")]
        let c = RawClock::best();
        #[cfg(not(target_os = "macos"))]
        let c = RawClock {
            id: libc::CLOCK_MONOTONIC,
            name: "CLOCK_MONOTONIC",
            timebase: None,
        };
        c
    }

    /// The clock's name as the metadata records it.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// The tick-to-ns conversion when [`RawClock::now_ns`] returns ticks.
    pub(crate) fn timebase(&self) -> Option<Timebase> {
        self.timebase
    }

    /// The clock's resolution in nanoseconds: one tick (rounded up) for a tick clock,
    /// otherwise `clock_getres` (0 if the OS does not say).
    pub(crate) fn resolution_ns(&self) -> u64 {
        if let Some(tb) = self.timebase {
            return tb.tick_ns().ceil() as u64;
        }
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec.
        let rc = unsafe { libc::clock_getres(self.id, &mut ts) };
        if rc != 0 {
            return 0;
        }
        to_ns(&ts)
    }

    /// Reads the clock: raw ticks when it has a [`RawClock::timebase`], else ns. On Linux
    /// and macOS this is a vDSO/commpage read, not a system call.
    #[cfg(target_os = "macos")]
    #[inline(always)]
    pub(crate) fn now_ns(&self) -> u64 {
        // SAFETY: no arguments, no preconditions.
        unsafe { mach_absolute_time() }
    }

    /// Reads the clock: raw ticks when it has a [`RawClock::timebase`], else ns. On Linux
    /// and macOS this is a vDSO/commpage read, not a system call.
    #[cfg(not(target_os = "macos"))]
    #[inline(always)]
    pub(crate) fn now_ns(&self) -> u64 {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec; the clock id exists on this platform
        // (chosen by cfg above), so the call cannot fail.
        unsafe { libc::clock_gettime(self.id, &mut ts) };
        to_ns(&ts)
    }
}

/// `mach_timebase_info`, or 1/1 (ns ticks) if it fails, which it does not on any macOS.
#[cfg(target_os = "macos")]
fn mach_timebase() -> Timebase {
    let mut info = MachTimebaseInfo { numer: 0, denom: 0 };
    // SAFETY: `info` is a valid, writable mach_timebase_info_data_t.
    let rc = unsafe { mach_timebase_info(&mut info) };
    if rc != 0 || info.denom == 0 {
        return Timebase { numer: 1, denom: 1 };
    }
    Timebase {
        numer: info.numer,
        denom: info.denom,
    }
}

#[inline(always)]
fn to_ns(ts: &libc::timespec) -> u64 {
    (ts.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(ts.tv_nsec as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_is_monotonic_and_has_a_resolution() {
        let c = RawClock::best();
        assert!(!c.name().is_empty());
        let res = c.resolution_ns();
        assert!(res > 0 && res < 1_000_000, "resolution {res} ns");
        let mut last = c.now_ns();
        for _ in 0..1000 {
            let t = c.now_ns();
            assert!(t >= last);
            last = t;
        }
    }
}
