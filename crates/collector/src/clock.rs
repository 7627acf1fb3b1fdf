//! The raw monotonic clock each native backend timestamps with.

/// Which clock a native backend reads, and its name for the metadata.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawClock {
    id: libc::clockid_t,
    name: &'static str,
}

impl RawClock {
    /// The best raw monotonic clock of this platform: not slewed by NTP where the OS offers
    /// that, and the finest resolution available.
    pub(crate) fn best() -> RawClock {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let c = RawClock {
            id: libc::CLOCK_MONOTONIC_RAW,
            name: "CLOCK_MONOTONIC_RAW",
        };
        #[cfg(any(target_os = "macos", target_os = "ios"))]
        let c = RawClock {
            id: libc::CLOCK_UPTIME_RAW,
            name: "CLOCK_UPTIME_RAW",
        };
        #[cfg(target_os = "freebsd")]
        let c = RawClock {
            id: libc::CLOCK_MONOTONIC_PRECISE,
            name: "CLOCK_MONOTONIC_PRECISE",
        };
        #[cfg(not(any(
            target_os = "linux",
            target_os = "android",
            target_os = "macos",
            target_os = "ios",
            target_os = "freebsd"
        )))]
        let c = RawClock {
            id: libc::CLOCK_MONOTONIC,
            name: "CLOCK_MONOTONIC",
        };
        c
    }

    /// The clock's name as the metadata records it.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// `clock_getres` in nanoseconds (0 if the OS does not say).
    pub(crate) fn resolution_ns(&self) -> u64 {
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

    /// Reads the clock. On Linux and macOS this is a vDSO/commpage read, not a system call.
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
