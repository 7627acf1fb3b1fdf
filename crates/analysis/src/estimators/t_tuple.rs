//! t-Tuple estimate, SP 800-90B section 6.3.5.
//!
//! `t` is the largest tuple length whose most common tuple still occurs at least 35
//! times; `p_hat_max = max over i in 1..=t of (Q[i] / (L - i + 1))^(1/i)`, bounded above
//! at 99%. Counts come from [`crate::estimators::tuples`], shared with LRS (O(n log n)
//! time; parallel for bitstrings). Assumes `data[i] < alphabet`.

use crate::estimators::confidence::upper_bound;
use crate::estimators::tuples::{self, TupleCounts};
use crate::result::{Estimator, EstimatorResult};
use crate::vals;

/// The count a tuple must reach for its length to be used (step 1).
pub const CUTOFF: u64 = 35;

/// Runs the estimator on symbols translated to `0..alphabet`.
///
/// ```
/// use kqent_analysis::estimators::t_tuple;
/// let data: Vec<u8> = (0..2000u32).map(|i| (i * 7 % 3) as u8).collect();
/// let r = t_tuple::estimate(&data, 3);
/// assert!(r.h().is_some());
/// ```
pub fn estimate(data: &[u8], alphabet: usize) -> EstimatorResult {
    match tuples::analyze(data, alphabet) {
        Ok(counts) => from_counts(&counts),
        Err(reason) => EstimatorResult::not_applicable(Estimator::TTuple, reason),
    }
}

/// The largest `t` with `Q[t] >= 35` (0 when no symbol occurs 35 times).
pub fn threshold_length(counts: &TupleCounts) -> usize {
    (1..=counts.v)
        .take_while(|&t| counts.q[t] >= CUTOFF)
        .last()
        .unwrap_or(0)
}

/// Runs the estimator on counts already computed.
pub fn from_counts(counts: &TupleCounts) -> EstimatorResult {
    let t = threshold_length(counts);
    if t == 0 {
        return EstimatorResult::not_applicable(
            Estimator::TTuple,
            format!("no symbol occurs {CUTOFF} times in {} samples", counts.n),
        );
    }
    let n = counts.n;
    let p_hat_max = (1..=t)
        .map(|i| (counts.q[i] as f64 / (n - i + 1) as f64).powf(1.0 / i as f64))
        .fold(0.0f64, f64::max);
    let p_u = upper_bound(p_hat_max, n);
    EstimatorResult::estimate(
        Estimator::TTuple,
        -p_u.log2() + 0.0,
        vals![
            ("n", n),
            ("t", t),
            ("Q_t", counts.q[t]),
            ("p_hat_max", p_hat_max),
            ("p_u", p_u)
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_on_a_periodic_sequence() {
        // 0 1 2 repeated 40 times (L = 120): the t-tuple starting with 0 occurs at
        // positions 0, 3, ..., 120 - t, so Q[t] = floor((120 - t) / 3) + 1: 35 at t = 18,
        // 34 at t = 19.
        let data: Vec<u8> = (0..120).map(|i| (i % 3) as u8).collect();
        let c = tuples::analyze(&data, 3).unwrap();
        let t = threshold_length(&c);
        assert_eq!(c.q[1], 40);
        assert_eq!(t, 18);
        assert_eq!(c.q[18], 35);
        let r = from_counts(&c);
        let p_hat_max = (1..=t)
            .map(|i| (c.q[i] as f64 / (121 - i) as f64).powf(1.0 / i as f64))
            .fold(0.0, f64::max);
        assert_eq!(r.value("p_hat_max"), Some(p_hat_max));
        assert_eq!(r.value("t"), Some(18.0));
    }

    #[test]
    fn not_applicable_without_35_repeats() {
        let data: Vec<u8> = (0..100).map(|i| (i % 4) as u8).collect();
        assert!(estimate(&data, 4).h().is_none());
        assert!(estimate(&[0], 1).h().is_none());
    }
}
