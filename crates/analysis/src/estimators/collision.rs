//! Collision estimate, SP 800-90B section 6.3.2 (binary data only).
//!
//! Assumes a bitstring (two distinct values). On binary data every collision time is 2
//! (`s_i = s_{i+1}`) or 3, so the expectation of step 7 reduces to
//! `E(p) = 2 + 2p(1 - p)`; the search of step 7 for `p` in `[1/2, 1]` is solved in closed
//! form, `p = 1/2 + sqrt(5/4 - X'/2)`, instead of by bisection (the reference tool does the
//! same). When `X'` lies above `E(1/2) = 2.5` no `p` exists and step 8's bound applies:
//! `p = 1/2`, one bit of entropy per bit. `X'` below `E(1) = 2` is clamped to 2 (p = 1).
//! One pass, O(n) time, O(1) memory; sequential.

use crate::estimators::confidence::ZALPHA;
use crate::result::{Estimator, EstimatorResult};
use crate::vals;

/// Runs the estimator on a bitstring (values 0/1, one per byte).
///
/// ```
/// use kqent_analysis::estimators::collision;
/// // Alternating bits never collide after two: every t_i is 3, X' = 3 > 2.5, so the
/// // search fails and the estimate falls back to its bound of 1 bit.
/// let bits: Vec<u8> = (0..3000).map(|i| (i % 2) as u8).collect();
/// let r = collision::estimate(&bits);
/// assert_eq!(r.h(), Some(1.0));
/// assert_eq!(r.value("fallback"), Some(1.0));
/// ```
pub fn estimate(bits: &[u8]) -> EstimatorResult {
    let n = bits.len();
    // Steps 1-4: walk the sequence, recording the time to each collision.
    let (mut i, mut v, mut sum_t, mut sum_t2) = (0usize, 0u64, 0u64, 0u64);
    while i + 1 < n {
        let t = if bits[i] == bits[i + 1] {
            2
        } else if i + 2 < n {
            3
        } else {
            break;
        };
        v += 1;
        sum_t += t;
        sum_t2 += t * t;
        i += t as usize;
    }
    if v < 2 {
        return EstimatorResult::not_applicable(
            Estimator::Collision,
            format!("needs at least 2 collisions to estimate their spread, found {v} in {n} bits"),
        );
    }
    // Step 5: mean and sample standard deviation of the collision times.
    let vf = v as f64;
    let x_bar = sum_t as f64 / vf;
    let sigma_hat = ((sum_t2 as f64 - sum_t as f64 * x_bar) / (vf - 1.0)).sqrt();
    // Step 6: lower confidence bound on the mean.
    let x_prime = (x_bar - ZALPHA * sigma_hat / vf.sqrt()).max(2.0);
    // Steps 7-8: solve E(p) = X' for p in [1/2, 1], or fall back to p = 1/2.
    let (p, fallback) = if x_prime < 2.5 {
        (0.5 + (1.25 - 0.5 * x_prime).sqrt(), false)
    } else {
        (0.5, true)
    };
    let h = if fallback { 1.0 } else { -p.log2() + 0.0 };
    EstimatorResult::estimate(
        Estimator::Collision,
        h,
        vals![
            ("v", v),
            ("sum_t", sum_t),
            ("X_bar", x_bar),
            ("sigma_hat", sigma_hat),
            ("X_bar_prime", x_prime),
            ("p", p),
            ("fallback", u8::from(fallback))
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_bits_give_zero() {
        let r = estimate(&[1u8; 100]);
        assert_eq!(r.value("X_bar"), Some(2.0));
        assert_eq!(r.value("p"), Some(1.0));
        assert_eq!(r.h(), Some(0.0));
    }

    #[test]
    fn hand_computed_small_sequence() {
        // 0 0 | 1 0 1 | 1 1 | 0 1 0 | 0 0 -> t = 2, 3, 2, 3, 2 ; leftover none.
        let bits = [0, 0, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0];
        let r = estimate(&bits);
        assert_eq!(r.value("v"), Some(5.0));
        let x_bar = 12.0 / 5.0;
        let var = ((4.0 + 9.0 + 4.0 + 9.0 + 4.0) - 12.0 * x_bar) / 4.0;
        let x_prime = (x_bar - ZALPHA * f64::sqrt(var) / 5f64.sqrt()).max(2.0);
        // X' is clamped to 2 here: p = 1.
        assert_eq!(r.value("X_bar_prime"), Some(x_prime));
        assert_eq!(r.value("p"), Some(0.5 + (1.25 - 0.5 * x_prime).sqrt()));
    }

    #[test]
    fn search_failure_falls_back_to_the_bound() {
        // Mostly alternating bits: X' > 2.5, no p in [1/2, 1] solves step 7.
        let mut bits: Vec<u8> = (0..10_000).map(|i| (i % 2) as u8).collect();
        bits[5000] ^= 1;
        let r = estimate(&bits);
        assert!(r.value("X_bar_prime").unwrap() > 2.5);
        assert_eq!(r.value("fallback"), Some(1.0));
        assert_eq!(r.value("p"), Some(0.5));
        assert_eq!(r.h(), Some(1.0));
    }

    #[test]
    fn too_short_is_not_applicable() {
        assert!(estimate(&[0, 1]).h().is_none());
        assert!(estimate(&[]).h().is_none());
    }
}
