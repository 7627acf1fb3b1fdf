//! SP 800-90B section 5.2.5: the length of the longest repeated substring test. With
//! p_col the collision probability of the symbol frequencies and W the length of the
//! longest repeated substring, the number of colliding W-length pairs among the
//! N = C(n - W + 1, 2) pairs is taken as binomial: the test passes when
//! Pr(X >= 1) = 1 - (1 - p_col^W)^N is at least 1/1000.

use serde::{Deserialize, Serialize};

use crate::estimators::suffix::{lcp_in_suffix_order, MAX_LEN};

/// The LRS test's numbers and outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LrsTestResult {
    /// Collision probability sum_i p_i^2.
    pub p_col: f64,
    /// Length of the longest repeated substring.
    pub w: u64,
    /// Number of pairs of W-length substrings, C(n - W + 1, 2).
    pub pairs: f64,
    /// Pr(X >= 1) under the IID assumption.
    pub pr_at_least_one: f64,
    /// `pr_at_least_one >= 0.001`.
    pub pass: bool,
}

/// Length of the longest substring occurring at least twice (overlaps allowed) in `data`
/// (values below `alphabet`): the largest LCP of adjacent suffixes. 0 when nothing repeats.
///
/// ```
/// use kqent_analysis::iid::lrs::longest_repeat;
/// assert_eq!(longest_repeat(&[1, 0, 2, 0, 2, 0], 3), 3); // "0 2 0"
/// assert_eq!(longest_repeat(&[0, 1, 2], 3), 0);
/// ```
pub fn longest_repeat(data: &[u8], alphabet: usize) -> usize {
    if data.len() < 2 || data.len() > MAX_LEN {
        return 0;
    }
    let lcp = lcp_in_suffix_order(data, alphabet);
    lcp.iter().copied().max().unwrap_or(0).max(0) as usize
}

/// Runs the test on translated symbols `data` over `alphabet` symbols.
///
/// ```
/// use kqent_analysis::iid::lrs::lrs_test;
/// let data: Vec<u8> = (0..2000u32).map(|i| ((i * 7919) % 13) as u8).collect();
/// assert!(!lrs_test(&data, 13).pass); // periodic: repeats far longer than chance allows
/// ```
pub fn lrs_test(data: &[u8], alphabet: usize) -> LrsTestResult {
    let n = data.len();
    let mut counts = vec![0u64; alphabet.max(256)];
    for &v in data {
        counts[v as usize] += 1;
    }
    let p_col: f64 = counts
        .iter()
        .map(|&c| {
            let p = c as f64 / n.max(1) as f64;
            p * p
        })
        .sum();
    let w = longest_repeat(data, alphabet);
    let m = (n.saturating_sub(w) + 1) as f64;
    let pairs = m * (m - 1.0) / 2.0;
    // A single symbol: every substring collides; the reference passes it outright.
    if p_col > 1.0 - f64::EPSILON {
        return LrsTestResult {
            p_col,
            w: w as u64,
            pairs,
            pr_at_least_one: 1.0,
            pass: true,
        };
    }
    // log of the probability that one pair of W-strings differs; log1p keeps it accurate
    // when p_col^W is tiny.
    let log_no_collision = (-p_col.powi(w as i32)).ln_1p();
    let pr_at_least_one = -(pairs * log_no_collision).exp_m1();
    LrsTestResult {
        p_col,
        w: w as u64,
        pairs,
        pr_at_least_one,
        pass: 0.999f64.ln() >= pairs * log_no_collision,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn brute(data: &[u8]) -> usize {
        let n = data.len();
        let mut best = 0;
        for i in 0..n {
            for j in i + 1..n {
                let mut l = 0;
                while j + l < n && data[i + l] == data[j + l] {
                    l += 1;
                }
                best = best.max(l);
            }
        }
        best
    }

    #[test]
    fn longest_repeat_matches_brute_force() {
        for (seed, alphabet, n) in [(1, 2, 300), (2, 3, 200), (3, 256, 500), (4, 4, 1000)] {
            let mut r = Rng::new(seed, 0);
            let d: Vec<u8> = (0..n).map(|_| r.below(alphabet) as u8).collect();
            assert_eq!(longest_repeat(&d, alphabet as usize), brute(&d), "{seed}");
        }
        let rep: Vec<u8> = (0..200).map(|i| (i % 7) as u8).collect();
        assert_eq!(longest_repeat(&rep, 7), 193);
        assert_eq!(longest_repeat(&[1, 1, 1, 1], 2), 3);
    }

    #[test]
    fn uniform_bytes_by_hand() {
        // 0..=255 twice: W = 256, p_col = 1/256, N = C(512 - 256 + 1, 2) = 32896.
        let d: Vec<u8> = (0..512u32).map(|i| (i % 256) as u8).collect();
        let r = lrs_test(&d, 256);
        assert_eq!(r.w, 256);
        assert!((r.p_col - 1.0 / 256.0).abs() < 1e-15);
        assert_eq!(r.pairs, 32896.0);
        assert!(!r.pass);
    }
}
