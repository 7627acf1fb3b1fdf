//! SP 800-90B sections 5.1.5 and 5.1.6: number of runs and longest run based on the
//! median. A sample is "above" when it is >= the median (0.5 for binary data).
//!
//! Both come 64 samples at a time from bit masks ([`super::bit_runs`]), since a
//! shuffle-bound file (truerand_4bit: 1,559 permutations for the longest run) computes them
//! on every permutation.

use super::bit_runs::{pack_flags, BitRuns};

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
    let mut runs = BitRuns::new(threshold.is_some_and(|t| first >= t));
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
    runs.finish()
}

/// Bit k set when `chunk[k] >= t`: a comparison the compiler vectorises, then packed.
#[inline]
fn above_mask(chunk: &[u8; 64], t: u8) -> u64 {
    let mut flags = [0u8; 64];
    for (f, &v) in flags.iter_mut().zip(chunk) {
        *f = u8::from(v >= t);
    }
    pack_flags(&flags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, one sample at a time.
    fn by_definition(data: &[u8], median: f64) -> (u64, u64) {
        if data.is_empty() {
            return (0, 0);
        }
        let above: Vec<bool> = data.iter().map(|&v| f64::from(v) >= median).collect();
        crate::iid::bit_runs::runs_by_definition(&above)
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
