//! The tick check for clocks that count ticks: durations in ns that were converted from a
//! tick counter whose period is not a whole number of ns.
//!
//! On Apple Silicon `mach_absolute_time` counts at 24 MHz (`numer/denom = 125/3` ns per
//! tick). A duration converted first, `floor(t1 * 125/3) - floor(t0 * 125/3)`, is
//! `floor(k * 125/3)` or one more for `k = t1 - t0` ticks, depending on `t0 mod 3`: its
//! low bits carry the conversion's rounding on top of the 41.67 ns step, so `lsb:K` on
//! such ns partly measures an artefact. The GCD check (`tick_ns`) cannot see it (the GCD
//! of such durations is usually 1); this check can. kqent itself records the raw ticks
//! where the clock counts them, with the timebase in the trace, and extracts from those.

use kqent_trace::Timebase;

/// Tick periods that are not whole nanoseconds, in ns per tick as `numer/denom`: Apple
/// Silicon's 24 MHz counter and the 19.2 MHz ARM generic timer. Whole-ns periods (25 MHz,
/// 100 MHz, ...) show in the GCD of the durations already.
pub const FRACTIONAL_TICKS: [Timebase; 2] = [
    Timebase {
        numer: 125,
        denom: 3,
    },
    Timebase {
        numer: 625,
        denom: 12,
    },
];

/// Fewest distinct non-zero durations the check judges on. A distinct ns value fits 125/3
/// with probability about 2/41.7, so 16 fit by chance with probability below 10^-20; a
/// trace with fewer distinct values (two values 1000 and 1001 fit 24 ticks) says nothing.
pub const MIN_DURATIONS: usize = 16;

/// Whether `d` ns can be the difference of two floored conversions of tick counts:
/// `floor(k * p)` or `floor(k * p) + 1` for `k` the nearest whole number of ticks.
fn fits(d: u64, tb: Timebase) -> bool {
    let (n, m) = (u128::from(tb.numer), u128::from(tb.denom));
    let d = u128::from(d);
    // k = round(d / p) = round(d * m / n).
    let k = (2 * d * m + n) / (2 * n);
    let lo = k * n / m;
    d == lo || d == lo + 1
}

/// The fractional tick period the ns `durations` were converted from, if every non-zero
/// one fits it and they hold at least [`MIN_DURATIONS`] distinct values; `None` for
/// genuine ns durations and for raw ticks.
///
/// ```
/// use kqent_analysis::ticks::derived_from_ticks;
/// // Waits of 5..45 ticks starting at assorted counts, converted to ns one end at a time.
/// let ns: Vec<u64> = (0..100u64)
///     .map(|t| (t * 7 + 5 + t % 40) * 125 / 3 - (t * 7) * 125 / 3)
///     .collect();
/// assert_eq!(derived_from_ticks(&ns).map(|t| (t.numer, t.denom)), Some((125, 3)));
/// let raw: Vec<u64> = (0..100u64).map(|i| 1000 + i * 37 % 101).collect();
/// assert!(derived_from_ticks(&raw).is_none());
/// ```
pub fn derived_from_ticks(durations: &[u64]) -> Option<Timebase> {
    let mut distinct: Vec<u64> = durations.iter().copied().filter(|&d| d > 0).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < MIN_DURATIONS {
        return None;
    }
    FRACTIONAL_TICKS.into_iter().find(|&tb| {
        // Durations shorter than one tick cannot come from it (a 0-tick duration is 0).
        distinct
            .iter()
            .all(|&d| d as f64 >= tb.tick_ns().floor() && fits(d, tb))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use crate::Extraction;

    const APPLE: Timebase = Timebase {
        numer: 125,
        denom: 3,
    };

    /// A simulated 24 MHz counter: timestamps pairs (t0, t1) with jittered gaps.
    fn ticks(n: usize, seed: u64) -> Vec<(u64, u64)> {
        let mut rng = Rng::new(seed, 0);
        let mut t = 1_000_003u64;
        (0..n)
            .map(|_| {
                t += 40 + rng.next_u64() % 500;
                let t0 = t;
                t += 20 + rng.next_u64() % 60;
                (t0, t)
            })
            .collect()
    }

    #[test]
    fn ns_derived_from_24_mhz_ticks_are_flagged_raw_ticks_are_not() {
        let pairs = ticks(10_000, 1);
        let raw: Vec<u64> = pairs.iter().map(|&(a, b)| b - a).collect();
        let ns: Vec<u64> = pairs
            .iter()
            .map(|&(a, b)| APPLE.to_ns(b) - APPLE.to_ns(a))
            .collect();
        assert_eq!(derived_from_ticks(&ns), Some(APPLE));
        assert_eq!(derived_from_ticks(&raw), None);
        // Genuine 1 GHz durations of the same magnitude are not flagged.
        let genuine: Vec<u64> = raw
            .iter()
            .zip(&pairs)
            .map(|(&k, &(a, _))| k * 41 + a % 41)
            .collect();
        assert_eq!(derived_from_ticks(&genuine), None);
        // Too few distinct values to judge: 1000 and 1001 ns fit 24 ticks by chance.
        assert_eq!(derived_from_ticks(&ns[..10]), None);
        let two: Vec<u64> = (0..3000).map(|i| 1000 + i % 2).collect();
        assert_eq!(derived_from_ticks(&two), None);
        // The trace's conversion for people gives the same ns from the raw ticks' ends.
        assert_eq!(APPLE.to_ns(24), 1000);
    }

    #[test]
    fn lsb_on_raw_ticks_sees_the_counter_not_the_conversion() {
        // Every wait lasts exactly 25 ticks (1041.67 ns); only its start varies.
        let starts: Vec<u64> = ticks(3000, 2).into_iter().map(|(a, _)| a).collect();
        let raw: Vec<u64> = starts.iter().map(|_| 25).collect();
        let ns: Vec<u64> = starts
            .iter()
            .map(|&t0| APPLE.to_ns(t0 + 25) - APPLE.to_ns(t0))
            .collect();
        // In ticks there is nothing to extract: one value, lsb:1 constant.
        let s = Extraction::Lsb(1).apply_raw(&raw);
        assert!(s.iter().all(|&b| b == 1));
        // In ns the rounding (t0 mod 3) makes 1041 or 1042: lsb:1 varies although the
        // wait never did, which an assessment would count as entropy.
        let s = Extraction::Lsb(1).apply_raw(&ns);
        assert!(s.contains(&0) && s.contains(&1));
        assert!(ns.iter().all(|&d| d == 1041 || d == 1042));
        // Two distinct values are too few for the tick check to judge.
        assert_eq!(derived_from_ticks(&ns), None);
    }
}
