//! The mock backend: deterministic, duration-like values from the seed, on a fake clock
//! with a fixed tick, so the whole pipeline runs the same on any OS and never sleeps.
//!
//! Model (all in ticks of [`MOCK_TICK_NS`]): a wait that finds events ready lasts
//! 24 + U(0..32) + U(0..32) ticks (about 1-2 µs) and reports a random non-empty subset of
//! the configured kinds; a wait that finds nothing lasts the timeout plus U(0..64) ticks.
//! The share of ready waits grows with the number of sources (n / (n + 4)); with
//! `--timeout-ms 0` or a level-triggered write watch every wait is short, as with the real
//! sources. Draining advances the clock by 8 + U(0..8) ticks.

use crate::backend::{kind_bits, Backend, Wait};
use crate::config::Sources;
use crate::CollectError;
use kqent_trace::SplitMix64;

/// The mock clock's tick: every mock duration is a multiple of it.
pub const MOCK_TICK_NS: u64 = 42;

/// Name of the mock clock in the metadata.
pub const MOCK_CLOCK: &str = "mock";

/// Uniform in `0..n` (n > 0) from kqent's one seeded generator; the modulo bias is
/// irrelevant for synthetic timings.
fn below(rng: &mut SplitMix64, n: u64) -> u64 {
    rng.next_u64() % n
}

/// The synthetic event source.
#[derive(Debug)]
pub(crate) struct Mock {
    rng: SplitMix64,
    clock: u64,
    timeout_ticks: u64,
    available: u32,
    sources: u64,
    always_ready: bool,
    pending: u32,
}

impl Mock {
    /// A mock source for `src`, its stream fixed by `seed`, its clock starting at `start_ns`
    /// (rounded down to a tick).
    pub(crate) fn new(src: &Sources, seed: u64, start_ns: u64) -> Mock {
        let mut available = 0;
        if src.timers > 0 {
            available |= kind_bits::TIMER;
        }
        if src.sockets > 0 {
            available |= kind_bits::SOCKET_READ | kind_bits::SOCKET_WRITE;
        }
        if src.watchers > 0 {
            available |= kind_bits::FILE;
        }
        let sources = (src.timers + src.sockets + src.watchers) as u64;
        Mock {
            rng: SplitMix64::new(seed),
            clock: start_ns / MOCK_TICK_NS * MOCK_TICK_NS,
            timeout_ticks: u64::from(src.timeout_ms.unsigned_abs()) * 1_000_000 / MOCK_TICK_NS,
            available,
            sources,
            always_ready: available != 0
                && (src.timeout_ms == 0 || (src.level_write && src.sockets > 0)),
            pending: 0,
        }
    }

    fn random_kinds(&mut self) -> u32 {
        let k = (self.rng.next_u64() as u32) & self.available;
        if k != 0 {
            k
        } else {
            // Lowest configured kind: keeps "ready" meaning at least one kind fired.
            self.available & self.available.wrapping_neg()
        }
    }
}

impl Backend for Mock {
    fn name(&self) -> &'static str {
        "mock"
    }

    fn now_ns(&mut self) -> u64 {
        self.clock
    }

    fn wait(&mut self) -> Result<Wait, CollectError> {
        let ready = self.available != 0
            && (self.always_ready || below(&mut self.rng, self.sources + 4) < self.sources);
        let ticks = if ready {
            24 + below(&mut self.rng, 32) + below(&mut self.rng, 32)
        } else {
            self.timeout_ticks + below(&mut self.rng, 64)
        };
        self.clock += ticks * MOCK_TICK_NS;
        if !ready {
            self.pending = 0;
            return Ok(Wait::Ready(0));
        }
        self.pending = self.random_kinds();
        let events = self.pending.count_ones() + below(&mut self.rng, 3) as u32;
        Ok(Wait::Ready(events))
    }

    fn drain(&mut self) -> Result<u32, CollectError> {
        self.clock += (8 + below(&mut self.rng, 8)) * MOCK_TICK_NS;
        Ok(std::mem::take(&mut self.pending))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources() -> Sources {
        Sources {
            timers: 8,
            sockets: 4,
            watchers: 4,
            timeout_ms: 1,
            poke_us: 500,
            level_write: false,
        }
    }

    fn run(m: &mut Mock, n: usize) -> Vec<(u64, Wait, u32)> {
        (0..n)
            .map(|_| {
                let t0 = m.now_ns();
                let w = m.wait().unwrap();
                let t1 = m.now_ns();
                let k = if w != Wait::Ready(0) {
                    m.drain().unwrap()
                } else {
                    0
                };
                (t1 - t0, w, k)
            })
            .collect()
    }

    #[test]
    fn deterministic_per_seed() {
        let a = run(&mut Mock::new(&sources(), 7, 0), 500);
        let b = run(&mut Mock::new(&sources(), 7, 0), 500);
        let c = run(&mut Mock::new(&sources(), 8, 0), 500);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn plausible_values_on_the_tick() {
        let out = run(&mut Mock::new(&sources(), 1, 0), 5000);
        let mut all_kinds = 0;
        let mut timeouts = 0;
        for (d, w, k) in &out {
            assert_eq!(d % MOCK_TICK_NS, 0);
            match w {
                Wait::Ready(0) => {
                    timeouts += 1;
                    assert!(*d >= 1_000_000 / MOCK_TICK_NS * MOCK_TICK_NS, "{d}");
                    assert_eq!(*k, 0);
                }
                Wait::Ready(n) => {
                    assert!(*n >= k.count_ones() && *k != 0);
                    assert!(*d < 100 * MOCK_TICK_NS, "{d}");
                }
                Wait::Interrupted => unreachable!(),
            }
            all_kinds |= k;
        }
        assert_eq!(all_kinds, 15, "every configured kind fires");
        // n / (n + 4) = 16/20 ready: about 1000 timeouts in 5000.
        assert!((700..1300).contains(&timeouts), "{timeouts}");
    }

    #[test]
    fn only_configured_kinds_and_zero_timeout() {
        let src = Sources {
            sockets: 0,
            watchers: 0,
            timeout_ms: 0,
            ..sources()
        };
        let out = run(&mut Mock::new(&src, 3, 0), 1000);
        assert!(out
            .iter()
            .all(|(_, w, k)| *k == kind_bits::TIMER && *w != Wait::Ready(0)));
        let none = Sources {
            timers: 0,
            sockets: 0,
            watchers: 0,
            ..sources()
        };
        let out = run(&mut Mock::new(&none, 3, 0), 100);
        assert!(out.iter().all(|(_, w, _)| *w == Wait::Ready(0)));
    }
}
