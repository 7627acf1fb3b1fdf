//! Lag prediction estimate, SP 800-90B section 6.3.8.
//!
//! 128 predictors: the lag-`d` one guesses that the next symbol repeats the one `d` symbols
//! back. A scoreboard picks, before each prediction, the lag that has been right most
//! often (ties to the one that reached its score last, then to the longer lag); its
//! predictions are the ones counted.
//!
//! The scoreboard is sequential, but a lag's record over 64 consecutive symbols is one
//! word, `!(S[i..i+64] ^ S[i-d..i-d+64])` taken over the symbols' bit planes. Within a
//! block of 64 symbols only the lags that could reach the leading score need stepping one
//! symbol at a time; every other lag just adds the block's popcount. On typical data that
//! leaves one or two lags to step, so the cost is a few word operations per lag and block.

use super::predictor::{prediction_result, Scoreboard};
use crate::result::{Estimator, EstimatorResult};

/// Number of lags, `D`.
pub const D: usize = 128;

/// Zero words in front of each plane so that `get(pos - d)` never indexes below 0.
const PAD_WORDS: usize = D / 64 + 1;

/// The symbols' bit planes, packed 64 positions per word, least significant first.
struct Planes {
    planes: Vec<Vec<u64>>,
}

impl Planes {
    fn new(data: &[u8], nbits: u32) -> Self {
        let words = data.len().div_ceil(64) + PAD_WORDS + 1;
        let planes = (0..nbits)
            .map(|b| {
                let mut p = vec![0u64; words];
                for (w, chunk) in data.chunks(64).enumerate() {
                    let mut acc = 0u64;
                    for (t, &s) in chunk.iter().enumerate() {
                        acc |= u64::from((s >> b) & 1) << t;
                    }
                    p[w + PAD_WORDS] = acc;
                }
                p
            })
            .collect();
        Planes { planes }
    }

    /// Positions `pos .. pos + 64` of plane `p` (`pos` may be down to `-64 * PAD_WORDS`).
    #[inline]
    fn get(plane: &[u64], pos: isize) -> u64 {
        let at = (pos + (PAD_WORDS * 64) as isize) as usize;
        let (w, s) = (at / 64, at % 64);
        if s == 0 {
            plane[w]
        } else {
            (plane[w] >> s) | (plane[w + 1] << (64 - s))
        }
    }

    /// Bit `t` set when symbol `base + t` equals symbol `base + t - lag`.
    #[inline]
    fn matches(&self, base: usize, lag: usize) -> u64 {
        let mut diff = 0u64;
        for p in &self.planes {
            diff |= Self::get(p, base as isize) ^ Self::get(p, base as isize - lag as isize);
        }
        !diff
    }
}

/// Runs the estimate on symbols already translated to `0..alphabet`.
///
/// ```
/// use kqent_analysis::estimators::lag;
/// let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 11) as u8).collect();
/// let r = lag::estimate(&data, 11);
/// assert!(r.h().unwrap() < 0.05); // period 11: lag 11 is always right
/// ```
pub fn estimate(data: &[u8], alphabet: usize) -> EstimatorResult {
    let len = data.len();
    if len < 3 {
        return EstimatorResult::not_applicable(
            Estimator::Lag,
            format!("needs at least 3 samples, the input has {len}"),
        );
    }
    let top = data.iter().copied().max().unwrap_or(0);
    let nbits = (8 - top.leading_zeros()).max(1);
    let planes = Planes::new(data, nbits);

    let mut board = Scoreboard::new(D);
    let mut words = [0u64; D];
    for base in (0..len).step_by(64) {
        let count = (len - base).min(64);
        let valid = if count >= 64 {
            u64::MAX
        } else {
            (1u64 << count) - 1
        };
        for (d, word) in words.iter_mut().enumerate() {
            let lag = d + 1;
            let mut m = planes.matches(base, lag) & valid;
            if base < lag {
                // Lag `lag` has no prediction before position `lag`.
                let skip = lag - base;
                m = if skip >= 64 {
                    0
                } else {
                    m & (u64::MAX << skip)
                };
            }
            *word = m;
        }
        if base == 0 {
            // Symbol 0 has no predecessor: predictions start at symbol 1.
            for w in words.iter_mut() {
                *w >>= 1;
            }
            board.block(&words, None, count as u32 - 1);
        } else {
            board.block(&words, None, count as u32);
        }
    }
    prediction_result(Estimator::Lag, &board.tally, (len - 1) as u64, alphabet)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimators::predictor::{testing::sample, Tally};

    /// SP 800-90B 6.3.8 step by step, every lag checked at every symbol.
    fn naive(data: &[u8], k: usize) -> EstimatorResult {
        let mut score = [0u64; D];
        let mut winner = 0;
        let mut tally = Tally::default();
        for i in 1..data.len() {
            tally.push(data[i] == data[i - winner - 1]);
            for d in 0..D.min(i) {
                if data[i - d - 1] == data[i] {
                    score[d] += 1;
                    if score[d] >= score[winner] {
                        winner = d;
                    }
                }
            }
        }
        prediction_result(Estimator::Lag, &tally, (data.len() - 1) as u64, k)
    }

    #[test]
    fn blockwise_scoreboard_matches_the_definition() {
        for (seed, len, k, repeat) in [
            (1, 3, 2, 0),
            (2, 130, 2, 0),
            (3, 20_000, 2, 0),
            (4, 20_000, 2, 200),
            (5, 20_000, 5, 100),
            (6, 20_001, 256, 40),
            (7, 10_000, 1, 0),
        ] {
            let data = sample(seed, len, k, repeat);
            assert_eq!(estimate(&data, k), naive(&data, k), "seed {seed}");
        }
        // Periodic data: many lags tie at the top for the whole input.
        let periodic: Vec<u8> = (0..10_000u32).map(|i| (i % 6) as u8).collect();
        assert_eq!(estimate(&periodic, 6), naive(&periodic, 6));
    }
}
