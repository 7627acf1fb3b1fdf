//! Most Common Value estimate, SP 800-90B section 6.3.1.
//!
//! Assumes nothing about the alphabet beyond `data[i] < alphabet`. One counting pass:
//! O(n) time, O(k) memory; sequential (it is memory-bound and takes milliseconds).

use crate::estimators::confidence::upper_bound;
use crate::result::{Estimator, EstimatorResult};
use crate::vals;

/// Runs the estimator on symbols translated to `0..alphabet`.
///
/// `p_hat` is the proportion of the most common value, `p_u` its 99% upper bound, and
/// the min-entropy is `-log2(p_u)`.
///
/// ```
/// use kqent_analysis::estimators::mcv;
/// let r = mcv::estimate(&[0, 1, 0, 0], 2);
/// assert_eq!(r.value("mode"), Some(3.0));
/// assert_eq!(r.value("p_hat"), Some(0.75));
/// ```
pub fn estimate(data: &[u8], alphabet: usize) -> EstimatorResult {
    let n = data.len();
    if n < 2 {
        return EstimatorResult::not_applicable(
            Estimator::Mcv,
            format!("needs at least 2 samples, has {n}"),
        );
    }
    let mut counts = [0u64; 256];
    for &s in data {
        counts[s as usize] += 1;
    }
    let mode = counts.iter().copied().max().unwrap_or(0);
    let p_hat = mode as f64 / n as f64;
    let p_u = upper_bound(p_hat, n);
    let h = -p_u.log2() + 0.0; // + 0.0 turns -0.0 into 0.0
    EstimatorResult::estimate(
        Estimator::Mcv,
        h,
        vals![
            ("k", alphabet),
            ("n", n),
            ("mode", mode),
            ("p_hat", p_hat),
            ("p_u", p_u)
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        // 10 samples, mode 4: p_hat = 0.4, p_u = 0.4 + 2.5758 * sqrt(0.24 / 9).
        let r = estimate(&[0, 1, 2, 0, 1, 0, 2, 0, 3, 1], 4);
        let p_u = 0.4 + 2.575_829_303_548_901 * (0.24f64 / 9.0).sqrt();
        assert_eq!(r.value("mode"), Some(4.0));
        assert!((r.value("p_u").unwrap() - p_u).abs() < 1e-15);
        assert!((r.h().unwrap() + p_u.log2()).abs() < 1e-15);
    }

    #[test]
    fn constant_data_has_no_entropy_and_tiny_input_is_not_applicable() {
        assert_eq!(estimate(&[1, 1, 1], 2).h(), Some(0.0));
        assert_eq!(estimate(&[1], 2).h(), None);
    }
}
