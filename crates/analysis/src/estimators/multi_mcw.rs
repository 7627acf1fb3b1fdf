//! Multi Most Common in Window prediction estimate, SP 800-90B section 6.3.7.
//!
//! Four predictors guess that the next symbol is the most common one among the last
//! `w` = 63, 255, 1023 and 4095 symbols (ties to the one seen most recently). A scoreboard
//! picks, before each prediction, the predictor that has been right most often (ties to
//! the one that reached its score last, then to the larger window); its predictions are
//! the ones counted. Predictions start once the smallest window is full.

use super::predictor::{prediction_result, Scoreboard};
use crate::result::{Estimator, EstimatorResult};
use rayon::prelude::*;

/// The window sizes.
pub const WINDOWS: [usize; 4] = [63, 255, 1023, 4095];

/// The most common symbol of a sliding window, kept up to date in O(1) per step except
/// when the mode itself leaves and another symbol comes close to it (then one pass over
/// the alphabet).
struct WindowMode {
    w: usize,
    counts: Vec<u32>,
    /// `freq[c]`: number of symbols counted `c` times (`c <= w`). It settles in O(1) the
    /// common case of a mode far ahead of the rest (biased data) losing one.
    freq: Vec<u32>,
    /// Position of each symbol's latest occurrence.
    last: Vec<usize>,
    mode: u8,
    mode_count: u32,
}

impl WindowMode {
    /// The window over `data[..w]`.
    fn new(data: &[u8], w: usize, alphabet: usize) -> Self {
        let mut m = WindowMode {
            w,
            counts: vec![0; alphabet],
            freq: (0..=w)
                .map(|c| if c == 0 { alphabet as u32 } else { 0 })
                .collect(),
            last: vec![0; alphabet],
            mode: 0,
            mode_count: 0,
        };
        for (i, &s) in data[..w].iter().enumerate() {
            m.enter(s, i);
        }
        m
    }

    /// Adds symbol `s` at position `i` (the newest): it wins any tie.
    #[inline]
    fn enter(&mut self, s: u8, i: usize) {
        let c = &mut self.counts[s as usize];
        self.freq[*c as usize] -= 1;
        *c += 1;
        self.freq[*c as usize] += 1;
        self.last[s as usize] = i;
        if *c >= self.mode_count {
            self.mode_count = *c;
            self.mode = s;
        }
    }

    /// Slides the window to end at position `i` (symbol `data[i]` enters, `data[i - w]`
    /// leaves).
    #[inline]
    fn slide(&mut self, data: &[u8], i: usize) {
        let out = data[i - self.w];
        let s = data[i];
        let c = &mut self.counts[out as usize];
        self.freq[*c as usize] -= 1;
        *c -= 1;
        self.freq[*c as usize] += 1;
        if out != self.mode {
            // The maximum cannot drop; the newcomer takes over if it reaches it.
            self.enter(s, i);
            return;
        }
        let c = &mut self.counts[s as usize];
        self.freq[*c as usize] -= 1;
        *c += 1;
        self.freq[*c as usize] += 1;
        self.last[s as usize] = i;
        let cs = *c;
        if cs >= self.mode_count {
            // Nothing can exceed the old maximum and `s` is the most recent symbol.
            self.mode_count = cs;
            self.mode = s;
            return;
        }
        let m = self.mode_count as usize;
        if self.freq[m] == 0 && self.freq[m - 1] == 1 {
            // Nobody else holds the old maximum, nor the mode's new count: it stays.
            self.mode_count -= 1;
            return;
        }
        // The mode lost one: find the new maximum, latest occurrence first on ties.
        let mut best = (0u32, 0usize, 0u8);
        for (k, (&c, &p)) in self.counts.iter().zip(&self.last).enumerate() {
            if c > best.0 || (c == best.0 && c > 0 && p > best.1) {
                best = (c, p, k as u8);
            }
        }
        self.mode_count = best.0;
        self.mode = best.2;
    }
}

/// Runs the estimate on symbols already translated to `0..alphabet`.
///
/// ```
/// use kqent_analysis::estimators::multi_mcw;
/// let data: Vec<u8> = (0..10_000u32).map(|i| u8::from(i % 10 != 0)).collect();
/// let r = multi_mcw::estimate(&data, 2);
/// let h = r.h().unwrap();
/// assert!(h > 0.1 && h < 0.2, "{h}"); // always guesses 1, right 90% of the time
/// ```
pub fn estimate(data: &[u8], alphabet: usize) -> EstimatorResult {
    let len = data.len();
    let w_max = WINDOWS[3];
    if len <= w_max {
        return EstimatorResult::not_applicable(
            Estimator::MultiMcw,
            format!("needs more than {w_max} samples (its largest window), the input has {len}"),
        );
    }
    let top = data.iter().copied().max().unwrap_or(0);
    let k = alphabet.max(usize::from(top) + 1);
    let mut windows: Vec<Window> = WINDOWS
        .iter()
        .map(|&w| Window::new(data, w, k, top <= 1))
        .collect();
    let n = len - WINDOWS[0];
    let mut board = Scoreboard::new(WINDOWS.len());
    let mut words = [0u64; 4];
    for c in 0..n.div_ceil(CHUNK) {
        // The windows' records are independent of each other: fill them in parallel.
        windows.par_iter_mut().for_each(|w| w.run_chunk(data, c));
        let steps = (n - c * CHUNK).min(CHUNK);
        for b in 0..steps.div_ceil(64) {
            for (word, w) in words.iter_mut().zip(&windows) {
                *word = w.record[b];
            }
            board.block(&words, None, (steps - 64 * b).min(64) as u32);
        }
    }
    prediction_result(Estimator::MultiMcw, &board.tally, n as u64, alphabet)
}

/// Steps per chunk: records are kept for one chunk at a time. (Small under test, so that
/// the unit tests cross chunk boundaries.)
const CHUNK: usize = if cfg!(test) { 1 << 10 } else { 1 << 16 };

/// One window predictor and its record over the current chunk.
struct Window {
    w: usize,
    mode: Mode,
    /// Bit `t` set when it predicted the chunk's `t`-th symbol right.
    record: Vec<u64>,
}

/// How a window finds its most common symbol.
enum Mode {
    /// Bits: the number of ones in the window; an odd window has no ties, the mode is
    /// the majority.
    Binary(usize),
    /// Any alphabet.
    General(WindowMode),
}

impl Window {
    /// The window predictor, its window over the first `w` symbols.
    fn new(data: &[u8], w: usize, alphabet: usize, binary: bool) -> Self {
        let mode = if binary {
            Mode::Binary(data[..w].iter().map(|&b| usize::from(b)).sum())
        } else {
            Mode::General(WindowMode::new(data, w, alphabet))
        };
        Window {
            w,
            mode,
            record: vec![0; CHUNK / 64],
        }
    }

    /// Predicts the steps of chunk `chunk` (step `s` is symbol `s + 63`); the window
    /// predicts from symbol `w` on.
    fn run_chunk(&mut self, data: &[u8], chunk: usize) {
        let n = data.len() - WINDOWS[0];
        let s0 = chunk * CHUNK;
        let s1 = (s0 + CHUNK).min(n);
        let w = self.w;
        self.record.fill(0);
        let first = s0.max(w - WINDOWS[0]);
        match &mut self.mode {
            Mode::Binary(ones) => {
                for s in first..s1 {
                    let i = s + WINDOWS[0];
                    let guess = u8::from(2 * *ones > w);
                    let t = s - s0;
                    self.record[t / 64] |= u64::from(guess == data[i]) << (t % 64);
                    *ones = *ones + usize::from(data[i]) - usize::from(data[i - w]);
                }
            }
            Mode::General(m) => {
                for s in first..s1 {
                    let i = s + WINDOWS[0];
                    let t = s - s0;
                    self.record[t / 64] |= u64::from(m.mode == data[i]) << (t % 64);
                    m.slide(data, i);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimators::predictor::{testing::sample, Tally};

    /// The mode of `window`, ties to the symbol seen last.
    fn mode(window: &[u8]) -> u8 {
        let mut counts = [0usize; 256];
        let mut last = [0usize; 256];
        for (i, &s) in window.iter().enumerate() {
            counts[s as usize] += 1;
            last[s as usize] = i;
        }
        (0..256)
            .max_by_key(|&s| (counts[s], last[s]))
            .map(|s| s as u8)
            .unwrap()
    }

    /// SP 800-90B 6.3.7 step by step, each window's mode recounted at every symbol.
    fn naive(data: &[u8], k: usize) -> EstimatorResult {
        let mut score = [0u64; 4];
        let mut winner = 0;
        let mut tally = Tally::default();
        for i in WINDOWS[0]..data.len() {
            let guesses: Vec<Option<u8>> = WINDOWS
                .iter()
                .map(|&w| (i >= w).then(|| mode(&data[i - w..i])))
                .collect();
            tally.push(guesses[winner] == Some(data[i]));
            for j in 0..4 {
                if guesses[j] == Some(data[i]) {
                    score[j] += 1;
                    if score[j] >= score[winner] {
                        winner = j;
                    }
                }
            }
        }
        prediction_result(Estimator::MultiMcw, &tally, (data.len() - 63) as u64, k)
    }

    #[test]
    fn incremental_modes_match_the_definition() {
        for (seed, len, k, repeat) in [
            (1, 4_096, 2, 0),
            (2, 9_000, 2, 150),
            (3, 9_000, 3, 60),
            (4, 9_000, 256, 0),
            (5, 9_000, 40, 200),
        ] {
            let data = sample(seed, len, k, repeat);
            assert_eq!(estimate(&data, k), naive(&data, k), "seed {seed}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// The O(1) step for a mode far ahead (biased data), and the pass over the alphabet
        /// when others come close, against the definition: one symbol at some bias over
        /// random others, a random block repeated, or a few symbols evenly.
        #[test]
        fn window_modes_match_the_definition_on_biased_and_periodic_data(
            kind in 0usize..3,
            k in 2usize..=256,
            bias in 0u64..16,
            period in 1usize..300,
            seed in proptest::prelude::any::<u64>(),
            len in 4_096usize..6_000,
        ) {
            let mut x = seed | 1;
            let mut next = move || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            };
            let mut symbol = move || (next() % k as u64) as u8;
            let data: Vec<u8> = match kind {
                0 => (0..len).map(|_| if (symbol() as u64) % 16 < bias { 0 } else { symbol() }).collect(),
                1 => {
                    let block: Vec<u8> = (0..period).map(|_| symbol()).collect();
                    block.iter().cycle().take(len).copied().collect()
                }
                _ => (0..len).map(|_| symbol() % 3).collect(),
            };
            proptest::prop_assert_eq!(estimate(&data, k), naive(&data, k));
        }
    }

    #[test]
    fn too_short_is_not_applicable() {
        assert!(estimate(&[0; 4095], 1).h().is_none());
        assert!(estimate(&[0; 4096], 1).h().is_some());
    }
}
