//! Multi Most Common in Window prediction estimate, SP 800-90B section 6.3.7.
//!
//! Four predictors guess that the next symbol is the most common one among the last
//! `w` = 63, 255, 1023 and 4095 symbols (ties to the one seen most recently). A scoreboard
//! picks, before each prediction, the predictor that has been right most often (ties to
//! the one that reached its score last, then to the larger window); its predictions are
//! the ones counted. Predictions start once the smallest window is full.

use super::predictor::{prediction_result, Tally};
use crate::result::{Estimator, EstimatorResult};

/// The window sizes.
pub const WINDOWS: [usize; 4] = [63, 255, 1023, 4095];

/// The most common symbol of a sliding window, kept up to date in O(1) per step except
/// when the mode itself leaves (then one pass over the alphabet).
struct WindowMode {
    w: usize,
    counts: Vec<u32>,
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
        *c += 1;
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
        if out != self.mode {
            self.counts[out as usize] -= 1;
            // The maximum cannot drop; the newcomer takes over if it reaches it.
            self.enter(s, i);
            return;
        }
        self.counts[out as usize] -= 1;
        self.counts[s as usize] += 1;
        self.last[s as usize] = i;
        let cs = self.counts[s as usize];
        if cs >= self.mode_count {
            // Nothing can exceed the old maximum and `s` is the most recent symbol.
            self.mode_count = cs;
            self.mode = s;
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
    let alphabet = alphabet.max(1);
    let mut modes: Vec<WindowMode> = WINDOWS
        .iter()
        .map(|&w| WindowMode::new(data, w, alphabet))
        .collect();
    let mut scoreboard = [0u64; 4];
    let mut winner = 0usize;
    let mut tally = Tally::default();
    for i in WINDOWS[0]..len {
        let s = data[i];
        tally.push(modes[winner].mode == s);
        for (j, m) in modes.iter().enumerate() {
            if i >= m.w && m.mode == s {
                scoreboard[j] += 1;
                if scoreboard[j] >= scoreboard[winner] {
                    winner = j;
                }
            }
        }
        for m in modes.iter_mut() {
            if i >= m.w {
                m.slide(data, i);
            }
        }
    }
    prediction_result(
        Estimator::MultiMcw,
        &tally,
        (len - WINDOWS[0]) as u64,
        alphabet,
    )
}
