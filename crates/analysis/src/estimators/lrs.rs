//! Longest Repeated Substring (LRS) estimate, SP 800-90B section 6.3.6.
//!
//! `u` is the smallest tuple length whose most common tuple occurs fewer than 35 times,
//! `v` the length of the longest repeated substring; for each `W` in `u..=v`,
//! `P_W = S[W] / C(L - W + 1, 2)` (the collision probability of `W`-tuples) and
//! `p_hat = max (P_W)^(1/W)`, bounded above at 99%. Not applicable when `v < u`. Counts
//! come from [`crate::estimators::tuples`], shared with t-Tuple (O(n log n) time;
//! parallel for bitstrings). Assumes `data[i] < alphabet`.

use crate::estimators::confidence::upper_bound;
use crate::estimators::t_tuple::threshold_length;
use crate::estimators::tuples::{self, TupleCounts};
use crate::result::{Estimator, EstimatorResult};
use crate::vals;

/// Runs the estimator on symbols translated to `0..alphabet`.
///
/// ```
/// use kqent_analysis::estimators::lrs;
/// let data: Vec<u8> = (0..5000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8 & 1).collect();
/// let r = lrs::estimate(&data, 2);
/// assert!(r.h().unwrap() <= 1.0);
/// ```
pub fn estimate(data: &[u8], alphabet: usize) -> EstimatorResult {
    match tuples::analyze(data, alphabet) {
        Ok(counts) => from_counts(&counts),
        Err(reason) => EstimatorResult::not_applicable(Estimator::Lrs, reason),
    }
}

/// Runs the estimator on counts already computed.
pub fn from_counts(counts: &TupleCounts) -> EstimatorResult {
    let u = threshold_length(counts) + 1;
    let (n, v) = (counts.n, counts.v);
    if v < u {
        return EstimatorResult::not_applicable(
            Estimator::Lrs,
            format!("the longest repeated substring (v = {v}) is shorter than u = {u}"),
        );
    }
    let p_hat = (u..=v)
        .map(|w| {
            let tuples = (n - w + 1) as f64;
            let pairs = tuples * (tuples - 1.0) / 2.0;
            (counts.s[w] as f64 / pairs).powf(1.0 / w as f64)
        })
        .fold(0.0f64, f64::max);
    let p_u = upper_bound(p_hat, n);
    EstimatorResult::estimate(
        Estimator::Lrs,
        -p_u.log2() + 0.0,
        vals![("n", n), ("u", u), ("v", v), ("p_hat", p_hat), ("p_u", p_u)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        // "0 0 0 1" repeated: with 40 copies Q[t] stays >= 35 for a while, then falls.
        let data: Vec<u8> = (0..160).map(|i| u8::from(i % 4 == 3)).collect();
        let c = tuples::analyze(&data, 2).unwrap();
        let r = from_counts(&c);
        let u = threshold_length(&c) + 1;
        assert_eq!(r.value("u"), Some(u as f64));
        assert_eq!(r.value("v"), Some(156.0));
        let p: f64 = (u..=156)
            .map(|w| {
                let m = (161 - w) as f64;
                (c.s[w] as f64 / (m * (m - 1.0) / 2.0)).powf(1.0 / w as f64)
            })
            .fold(0.0, f64::max);
        assert_eq!(r.value("p_hat"), Some(p));
    }

    #[test]
    fn not_applicable_when_nothing_repeats_past_u() {
        assert!(estimate(&[0, 1, 2, 3], 4).h().is_none());
        assert!(estimate(&[], 2).h().is_none());
    }
}
