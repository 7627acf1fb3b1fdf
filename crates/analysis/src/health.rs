//! Continuous health tests of SP 800-90B section 4.4: the Repetition Count Test (4.4.1) and
//! the Adaptive Proportion Test (4.4.2), their cutoffs for a claimed min-entropy `H` and a
//! false-positive rate `alpha`, and where they fire on a recorded sequence.
//!
//! The cutoffs follow the text: RCT `C = 1 + ceil(-log2(alpha) / H)`; APT window `W = 1024`
//! for a binary source and `W = 512` otherwise, `C = 1 + CRITBINOM(W, 2^-H, 1 - alpha)`
//! (footnote 10), i.e. one more than the smallest `k` with `P[Binomial(W, 2^-H) <= k] >= 1 -
//! alpha`. They reproduce the section's Table 2 (see the tests).
//!
//! A real health test raises an alarm at its first failure; to show *where* a recorded
//! sequence would have raised them, [`run`] keeps going and reports each run (RCT) and each
//! window (APT) that reached its cutoff once, at the sample where it did.

use serde::{Deserialize, Serialize};
use statrs::distribution::{Binomial, DiscreteCDF};

use crate::{AnalysisError, Symbols};

/// APT window for a binary source (exactly two distinct values), SP 800-90B 4.4.2.
pub const BINARY_WINDOW: usize = 1024;
/// APT window for a non-binary source, SP 800-90B 4.4.2.
pub const NON_BINARY_WINDOW: usize = 512;
/// The false-positive rate SP 800-90B recommends (2^-20).
pub const DEFAULT_ALPHA: f64 = 1.0 / 1_048_576.0;

/// Cutoffs of both tests for one claimed entropy rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cutoffs {
    /// Claimed min-entropy per symbol, in bits.
    pub h: f64,
    /// False-positive probability per test decision.
    pub alpha: f64,
    /// Whether the source is binary (decides the APT window).
    pub binary: bool,
    /// RCT cutoff: a run of this many identical symbols fails.
    pub rct_cutoff: u64,
    /// APT window size W.
    pub apt_window: usize,
    /// APT cutoff: this many occurrences of a window's first symbol within the window fail.
    /// Above `apt_window` the test cannot fire.
    pub apt_cutoff: u64,
}

/// One place where a test fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Index of the sample at which the count reached the cutoff.
    pub index: usize,
    /// Start of the run (RCT) or of the window (APT).
    pub start: usize,
    /// The repeated symbol (RCT) or the window's first symbol (APT).
    pub symbol: u8,
    /// Final count: length of the whole run (RCT) or occurrences of `symbol` in the whole
    /// window (APT); at least the cutoff.
    pub count: u64,
}

/// Summary figures of a health-test run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCounts {
    /// Samples tested.
    pub samples: usize,
    /// Number of RCT failures (runs that reached the cutoff).
    pub rct_failures: usize,
    /// Longest run of identical symbols.
    pub longest_run: u64,
    /// APT windows tested (the last may be partial).
    pub apt_windows: usize,
    /// Number of APT failures (windows that reached the cutoff).
    pub apt_failures: usize,
    /// Highest count of a window's first symbol in its window.
    pub max_window_count: u64,
}

/// Where both tests fire on a sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthReport {
    /// The cutoffs used.
    pub cutoffs: Cutoffs,
    /// Every RCT failure, in order.
    pub rct_failures: Vec<Failure>,
    /// Every APT failure, in order.
    pub apt_failures: Vec<Failure>,
    /// Totals.
    pub counts: HealthCounts,
}

/// Computes both cutoffs. `h` must be positive and finite, `alpha` in (0, 1); the caller
/// checks `h` against the symbol width (it cannot exceed it).
///
/// ```
/// use kqent_analysis::health::{cutoffs, DEFAULT_ALPHA};
/// let c = cutoffs(1.0, DEFAULT_ALPHA, true).unwrap();
/// assert_eq!((c.rct_cutoff, c.apt_window, c.apt_cutoff), (21, 1024, 589));
/// ```
pub fn cutoffs(h: f64, alpha: f64, binary: bool) -> Result<Cutoffs, AnalysisError> {
    if !(h.is_finite() && h > 0.0) {
        return Err(AnalysisError::InvalidArgument(format!(
            "the claimed min-entropy H must be a positive number of bits, got {h}"
        )));
    }
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(AnalysisError::InvalidArgument(format!(
            "the false-positive rate alpha must be in (0, 1), got {alpha}"
        )));
    }
    let apt_window = if binary {
        BINARY_WINDOW
    } else {
        NON_BINARY_WINDOW
    };
    Ok(Cutoffs {
        h,
        alpha,
        binary,
        rct_cutoff: rct_cutoff(h, alpha),
        apt_window,
        apt_cutoff: apt_cutoff(h, alpha, apt_window),
    })
}

/// `1 + ceil(-log2(alpha) / h)`. A ratio within 1e-9 of an integer is taken as that
/// integer: `H` is usually typed as a decimal (0.1, 0.2) that binary floating point only
/// approximates, and the spec means the exact quotient.
fn rct_cutoff(h: f64, alpha: f64) -> u64 {
    let x = -alpha.log2() / h;
    let nearest = x.round();
    let ceil = if (x - nearest).abs() <= 1e-9 * nearest.max(1.0) {
        nearest
    } else {
        x.ceil()
    };
    // Saturates for absurdly small H: a cutoff no sequence can reach.
    1u64.saturating_add(ceil as u64)
}

/// `1 + CRITBINOM(W, 2^-h, 1 - alpha)`: one more than the smallest `k` with
/// `P[X <= k] >= 1 - alpha`, found as the smallest `k` with `P[X > k] <= alpha` (the upper
/// tail is computed directly, which avoids cancellation near 1).
fn apt_cutoff(h: f64, alpha: f64, window: usize) -> u64 {
    let w = window as u64;
    let p = (-h).exp2();
    let Ok(dist) = Binomial::new(p, w) else {
        // 2^-h is in (0, 1) for any positive finite h, so this cannot happen; the
        // conservative answer is a cutoff the test can never reach.
        return w + 1;
    };
    let (mut lo, mut hi) = (0u64, w); // sf(w) == 0 <= alpha: the answer is in [lo, hi]
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if dist.sf(mid) <= alpha {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    1 + lo
}

/// Runs both tests over `symbols` and reports where they fire.
///
/// ```
/// use kqent_analysis::{health, Symbols};
/// let c = health::cutoffs(4.0, health::DEFAULT_ALPHA, false).unwrap(); // RCT cutoff 6
/// let mut data: Vec<u8> = (0..64u8).map(|i| i % 16).collect();
/// data.splice(10..10, [7u8; 6]);
/// let r = health::run(&Symbols::new(data, 4).unwrap(), &c);
/// assert_eq!(r.rct_failures.len(), 1);
/// assert_eq!(r.rct_failures[0].index, 15);
/// ```
pub fn run(symbols: &Symbols, c: &Cutoffs) -> HealthReport {
    let data = symbols.as_slice();
    let (rct_failures, longest_run) = repetition_count(data, c.rct_cutoff);
    let (apt_failures, apt_windows, max_window_count) =
        adaptive_proportion(data, c.apt_window, c.apt_cutoff);
    HealthReport {
        cutoffs: *c,
        counts: HealthCounts {
            samples: data.len(),
            rct_failures: rct_failures.len(),
            longest_run,
            apt_windows,
            apt_failures: apt_failures.len(),
            max_window_count,
        },
        rct_failures,
        apt_failures,
    }
}

/// 4.4.1: `B` counts the current run; it fails when `B >= C`. One failure per run.
fn repetition_count(data: &[u8], cutoff: u64) -> (Vec<Failure>, u64) {
    let mut failures: Vec<Failure> = Vec::new();
    let mut longest = 0u64;
    let mut start = 0usize;
    while start < data.len() {
        let a = data[start];
        let len = data[start..].iter().take_while(|&&x| x == a).count();
        let run = len as u64;
        longest = longest.max(run);
        if run >= cutoff {
            failures.push(Failure {
                // The sample at which B reached C (C >= 1, so it lies within the run).
                index: start + (cutoff as usize) - 1,
                start,
                symbol: a,
                count: run,
            });
        }
        start += len;
    }
    (failures, longest)
}

/// 4.4.2: consecutive, non-overlapping windows of `w` samples; `B` counts the window's
/// first sample `A` and its repeats; the window fails when `B >= C`. A final partial window
/// is tested as far as the data goes.
fn adaptive_proportion(data: &[u8], w: usize, cutoff: u64) -> (Vec<Failure>, usize, u64) {
    let mut failures = Vec::new();
    let mut max_count = 0u64;
    let mut windows = 0usize;
    for (k, win) in data.chunks(w).enumerate() {
        windows += 1;
        let a = win[0];
        let mut b = 0u64;
        let mut fired_at = None;
        for (i, &x) in win.iter().enumerate() {
            if x == a {
                b += 1;
                if b == cutoff {
                    fired_at = Some(k * w + i);
                }
            }
        }
        max_count = max_count.max(b);
        if let Some(index) = fired_at {
            failures.push(Failure {
                index,
                start: k * w,
                symbol: a,
                count: b,
            });
        }
    }
    (failures, windows, max_count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(data: Vec<u8>, bits: u8) -> Symbols {
        Symbols::new(data, bits).unwrap()
    }

    /// SP 800-90B Table 2 (alpha = 2^-20): binary sources, W = 1024.
    #[test]
    fn apt_cutoffs_match_table_2_binary() {
        for (h, want) in [(0.2, 941), (0.4, 840), (0.6, 748), (0.8, 664), (1.0, 589)] {
            let c = cutoffs(h, DEFAULT_ALPHA, true).unwrap();
            assert_eq!(c.apt_window, 1024);
            assert_eq!(c.apt_cutoff, want, "H = {h}");
        }
    }

    /// SP 800-90B Table 2 (alpha = 2^-20): non-binary sources, W = 512.
    #[test]
    fn apt_cutoffs_match_table_2_non_binary() {
        for (h, want) in [(0.5, 410), (1.0, 311), (2.0, 177), (4.0, 62), (8.0, 13)] {
            let c = cutoffs(h, DEFAULT_ALPHA, false).unwrap();
            assert_eq!(c.apt_window, 512);
            assert_eq!(c.apt_cutoff, want, "H = {h}");
        }
    }

    /// The cutoff is the smallest c with P[X >= c] <= alpha, checked by summing the
    /// binomial terms exactly in log space (independent of statrs).
    #[test]
    fn apt_cutoff_is_the_smallest_count_with_tail_below_alpha() {
        fn tail_ge(w: u64, p: f64, c: u64) -> f64 {
            let ln_fact = |n: u64| (1..=n).map(|i| (i as f64).ln()).sum::<f64>();
            (c..=w)
                .map(|k| {
                    (ln_fact(w) - ln_fact(k) - ln_fact(w - k)
                        + k as f64 * p.ln()
                        + (w - k) as f64 * (1.0 - p).ln())
                    .exp()
                })
                .sum()
        }
        for (h, binary) in [
            (0.3, true),
            (0.7, true),
            (1.5, false),
            (3.0, false),
            (6.0, false),
        ] {
            for alpha in [DEFAULT_ALPHA, 1e-3, 2f64.powi(-30)] {
                let c = cutoffs(h, alpha, binary).unwrap();
                let (w, p) = (c.apt_window as u64, (-h).exp2());
                assert!(tail_ge(w, p, c.apt_cutoff) <= alpha * (1.0 + 1e-9), "H {h}");
                assert!(tail_ge(w, p, c.apt_cutoff - 1) > alpha, "H {h}");
            }
        }
    }

    #[test]
    fn rct_cutoffs_follow_the_formula() {
        let rct = |h: f64| cutoffs(h, DEFAULT_ALPHA, false).unwrap().rct_cutoff;
        assert_eq!(rct(1.0), 21);
        assert_eq!(rct(2.0), 11);
        assert_eq!(rct(8.0), 4); // 1 + ceil(2.5)
        assert_eq!(rct(0.5), 41);
        assert_eq!(rct(0.1), 201); // 20 / 0.1 is 200, not 200.000...01
        assert_eq!(rct(0.2), 101);
        assert_eq!(rct(3.0), 8); // 1 + ceil(6.67)
        assert_eq!(cutoffs(1.0, 2f64.powi(-30), true).unwrap().rct_cutoff, 31);
    }

    #[test]
    fn invalid_arguments_are_rejected() {
        assert!(cutoffs(0.0, DEFAULT_ALPHA, false).is_err());
        assert!(cutoffs(-1.0, DEFAULT_ALPHA, false).is_err());
        assert!(cutoffs(f64::NAN, DEFAULT_ALPHA, false).is_err());
        assert!(cutoffs(1.0, 0.0, false).is_err());
        assert!(cutoffs(1.0, 1.0, false).is_err());
        assert!(cutoffs(1.0, f64::NAN, false).is_err());
    }

    #[test]
    fn rct_fires_once_per_run_at_the_cutoff_sample() {
        let c = Cutoffs {
            h: 1.0,
            alpha: DEFAULT_ALPHA,
            binary: false,
            rct_cutoff: 3,
            apt_window: 512,
            apt_cutoff: 10_000,
        };
        //          0  1  2  3  4  5  6  7  8  9 10 11
        let data = vec![1, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 5];
        let r = run(&sym(data, 3), &c);
        assert_eq!(
            r.rct_failures,
            vec![
                Failure {
                    index: 5,
                    start: 3,
                    symbol: 3,
                    count: 5
                },
                Failure {
                    index: 10,
                    start: 8,
                    symbol: 4,
                    count: 3
                },
            ]
        );
        assert_eq!(r.counts.longest_run, 5);
        assert_eq!(r.counts.rct_failures, 2);
        assert!(r.apt_failures.is_empty());
    }

    #[test]
    fn rct_run_one_short_of_cutoff_does_not_fire() {
        let c = cutoffs(2.0, DEFAULT_ALPHA, false).unwrap(); // cutoff 11
        let mut data: Vec<u8> = (0..100u8).map(|i| i % 4).collect();
        data.splice(50..50, [1u8; 9]); // with its neighbour: a run of 10
        let r = run(&sym(data.clone(), 2), &c);
        assert_eq!(r.counts.longest_run, 10);
        assert!(r.rct_failures.is_empty());
        data.insert(50, 1);
        let r = run(&sym(data, 2), &c);
        assert_eq!(r.rct_failures.len(), 1);
        assert_eq!(r.rct_failures[0].count, 11);
    }

    #[test]
    fn apt_fires_in_the_window_that_reaches_the_cutoff() {
        let c = Cutoffs {
            h: 1.0,
            alpha: DEFAULT_ALPHA,
            binary: false,
            rct_cutoff: 1000,
            apt_window: 8,
            apt_cutoff: 4,
        };
        let data = vec![
            0, 1, 2, 3, 0, 1, 2, 3, // window 0: '0' twice
            5, 1, 5, 2, 5, 3, 5, 5, // window 1: '5' reaches 4 at index 14, 5 in all
            7, 7, 7, 1, 2, 3, 4, 6, // window 2: '7' three times
            2, 2, 2, 2, // partial window 3: reaches 4 at index 27
        ];
        let r = run(&sym(data, 3), &c);
        assert_eq!(
            r.apt_failures,
            vec![
                Failure {
                    index: 14,
                    start: 8,
                    symbol: 5,
                    count: 5
                },
                Failure {
                    index: 27,
                    start: 24,
                    symbol: 2,
                    count: 4
                },
            ]
        );
        assert_eq!(r.counts.apt_windows, 4);
        assert_eq!(r.counts.max_window_count, 5);
    }

    #[test]
    fn a_stuck_source_fires_both_tests_everywhere() {
        let c = cutoffs(1.0, DEFAULT_ALPHA, true).unwrap();
        let r = run(&sym(vec![1; 4096], 1), &c);
        assert_eq!(r.rct_failures.len(), 1);
        assert_eq!(r.rct_failures[0].index, 20);
        assert_eq!(r.apt_failures.len(), 4);
        assert_eq!(r.apt_failures[1].index, 1024 + 588);
    }

    #[test]
    fn balanced_data_never_fires() {
        let c = cutoffs(1.0, DEFAULT_ALPHA, true).unwrap();
        let data: Vec<u8> = (0..100_000u32)
            .map(|i| ((i * 2654435761) >> 31) as u8 & 1)
            .collect();
        let r = run(&sym(data, 1), &c);
        assert!(
            r.rct_failures.is_empty() && r.apt_failures.is_empty(),
            "{r:?}"
        );
    }
}
