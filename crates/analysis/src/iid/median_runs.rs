//! SP 800-90B sections 5.1.5 and 5.1.6: number of runs and longest run based on the
//! median. A sample is "above" when it is >= the median (0.5 for binary data).
//!
//! Both are computed 64 samples at a time from a bit mask (bit k: sample k is above), since
//! a shuffle-bound file (truerand_4bit: 1,559 permutations for the longest run) runs this
//! on every permutation: the run changes are `mask ^ (mask << 1)`, their number a popcount,
//! and the gaps between changes are walked only in a word that can hold a run longer than
//! the longest so far (a shift-and test tells), which after the first words is almost none.

/// (number of runs, longest run) of the above/below sequence.
///
/// ```
/// use kqent_analysis::iid::median_runs::median_runs;
/// // median 2: above? F T T F F T -> runs [F][T T][F F][T]
/// assert_eq!(median_runs(&[1, 2, 3, 0, 1, 5], 2.0), (4, 2));
/// ```
pub fn median_runs(data: &[u8], median: f64) -> (u64, u64) {
    let Some(&first) = data.first() else {
        return (0, 0);
    };
    // "v >= median" is monotone in v: the samples at or above the least such v are above.
    let threshold = (0..=255u8).find(|&v| f64::from(v) >= median);
    let mut runs = Runs {
        previous: u64::from(threshold.is_some_and(|t| first >= t)),
        changes: 0,
        longest: 0,
        current: 0,
        first_word: true,
    };
    let chunks = data.chunks_exact(64);
    let rest = chunks.remainder();
    for chunk in chunks {
        let mask = match (threshold, <&[u8; 64]>::try_from(chunk)) {
            (Some(t), Ok(chunk)) => above_mask(chunk, t),
            _ => 0,
        };
        runs.word(mask, 64);
    }
    if !rest.is_empty() {
        let mask = rest.iter().enumerate().fold(0u64, |m, (k, &v)| {
            m | u64::from(threshold.is_some_and(|t| v >= t)) << k
        });
        runs.word(mask, rest.len());
    }
    (runs.changes + 1, runs.longest.max(runs.current))
}

/// Bit k set when `chunk[k] >= t`: a vectorised comparison into 0/1 bytes, then each 8 of
/// them gathered into a byte by one multiplication (byte j's bit lands on bit 56 + j).
#[inline]
fn above_mask(chunk: &[u8; 64], t: u8) -> u64 {
    let mut flags = [0u8; 64];
    for (f, &v) in flags.iter_mut().zip(chunk) {
        *f = u8::from(v >= t);
    }
    let mut mask = 0u64;
    for (j, eight) in flags.chunks_exact(8).enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(eight);
        let x = u64::from_le_bytes(b);
        mask |= (x.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * j);
    }
    mask
}

/// Run state carried from one 64-sample word to the next.
struct Runs {
    /// Whether the last sample seen was above.
    previous: u64,
    /// Changes between neighbours so far.
    changes: u64,
    /// Longest finished run.
    longest: u64,
    /// Length of the run still open at the end of the last word.
    current: u64,
    first_word: bool,
}

impl Runs {
    /// Takes the next `len` (1 to 64) samples' above bits.
    #[inline]
    fn word(&mut self, mask: u64, len: usize) {
        // Bit k: sample k starts a new run (differs from the one before).
        let mut starts = mask ^ ((mask << 1) | self.previous);
        if len < 64 {
            starts &= (1u64 << len) - 1;
        }
        if self.first_word {
            starts &= !1;
            self.first_word = false;
        }
        self.previous = (mask >> (len - 1)) & 1;
        if starts == 0 {
            self.current += len as u64;
            return;
        }
        self.changes += u64::from(starts.count_ones());
        let (lo, hi) = (starts.trailing_zeros(), 63 - starts.leading_zeros());
        self.longest = self.longest.max(self.current + u64::from(lo));
        if hi > lo {
            // Runs that start and end inside this word: a run of r samples is r - 1 clear
            // bits between two starts. Walk them only if one can beat the longest.
            let between = !starts & ((1u64 << hi) - 1) & !((2u64 << lo) - 1);
            if self.longest < 63 && (self.longest == 0 || has_ones(between, self.longest as u32)) {
                let (mut rest, mut at) = (starts & !(1u64 << lo), lo);
                while rest != 0 {
                    let k = rest.trailing_zeros();
                    self.longest = self.longest.max(u64::from(k - at));
                    at = k;
                    rest &= rest - 1;
                }
            }
        }
        self.current = len as u64 - u64::from(hi);
    }
}

/// Whether `x` holds `m` (>= 1) consecutive set bits: shift-and doubling, then one shift by
/// the remainder (two overlapping windows of `have` bits cover `m`).
#[inline]
fn has_ones(x: u64, m: u32) -> bool {
    let mut y = x;
    let mut have = 1;
    while have * 2 <= m {
        y &= y >> have;
        have *= 2;
    }
    if have < m {
        y &= y >> (m - have);
    }
    y != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, one sample at a time.
    fn by_definition(data: &[u8], median: f64) -> (u64, u64) {
        let Some(&first) = data.first() else {
            return (0, 0);
        };
        let above = |v: u8| f64::from(v) >= median;
        let (mut runs, mut run, mut longest) = (1u64, 1u64, 1u64);
        let mut prev = above(first);
        for &v in &data[1..] {
            if above(v) == prev {
                run += 1;
            } else {
                runs += 1;
                run = 1;
            }
            longest = longest.max(run);
            prev = above(v);
        }
        (runs, longest)
    }

    #[test]
    fn runs_across_words_and_thresholds_outside_the_values() {
        let mut data = vec![3u8; 200];
        data.extend([0u8, 9].repeat(40));
        data.extend([7u8; 65]);
        for median in [-1.0, 0.0, 2.5, 3.0, 7.5, 255.0, 255.5, 300.0] {
            assert_eq!(
                median_runs(&data, median),
                by_definition(&data, median),
                "{median}"
            );
        }
        assert_eq!(median_runs(&[5; 1000], 2.0), (1, 1000));
        assert_eq!(median_runs(&[1], 2.0), (1, 1));
        assert!(has_ones(0b0111_0110, 3) && !has_ones(0b0111_0110, 4));
        assert!(has_ones(!0, 64) && !has_ones(!0 >> 1, 64));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        #[test]
        fn equals_the_definition(
            alphabet in 1u16..=256,
            len in 0usize..700,
            runs_of in 1usize..80,
            median in -2.0f64..260.0,
            seed in any::<u64>(),
        ) {
            // Random values held for random stretches up to `runs_of` samples: short and
            // long runs, across word boundaries.
            let mut r = crate::rng::Rng::new(seed, 0);
            let mut data = Vec::with_capacity(len);
            while data.len() < len {
                let v = r.below(u64::from(alphabet)) as u8;
                let k = 1 + r.below(runs_of as u64) as usize;
                data.extend(std::iter::repeat_n(v, k.min(len - data.len())));
            }
            let median = (median * 2.0).round() / 2.0;
            prop_assert_eq!(median_runs(&data, median), by_definition(&data, median));
        }
    }
}
