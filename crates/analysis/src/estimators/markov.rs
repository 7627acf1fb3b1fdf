//! Markov estimate, SP 800-90B section 6.3.3 (binary data only).
//!
//! Fits a first-order Markov chain to the bitstring and bounds the probability of the most
//! likely 128-bit sequence among the six candidates of step 3 (all zeros, alternating,
//! 0 then ones, 1 then zeros, alternating from 1, all ones). Like the reference tool,
//! `P_0`/`P_1` count every bit while the transition counts use the `n - 1` pairs, and a
//! sequence that needs a zero-probability transition is left out. One pass, O(n) time,
//! O(1) memory; sequential.

use crate::result::{Estimator, EstimatorResult};
use crate::vals;

/// Runs the estimator on a bitstring (values 0/1, one per byte).
///
/// ```
/// use kqent_analysis::estimators::markov;
/// let r = markov::estimate(&[0, 1, 1, 0, 1, 0, 0, 1]);
/// assert!(r.h().unwrap() > 0.0 && r.h().unwrap() <= 1.0);
/// ```
pub fn estimate(bits: &[u8]) -> EstimatorResult {
    let n = bits.len();
    if n < 2 {
        return EstimatorResult::not_applicable(
            Estimator::Markov,
            format!("needs at least 2 bits, has {n}"),
        );
    }
    let (mut c0, mut c00, mut c10) = (0u64, 0u64, 0u64);
    for w in bits.windows(2) {
        match (w[0] == 0, w[1] == 0) {
            (true, true) => {
                c0 += 1;
                c00 += 1;
            }
            (true, false) => c0 += 1,
            (false, true) => c10 += 1,
            (false, false) => {}
        }
    }
    let c1 = (n as u64 - 1) - c0;
    let (p00, p01) = if c0 > 0 {
        let p = c00 as f64 / c0 as f64;
        (p, 1.0 - p)
    } else {
        (0.0, 0.0)
    };
    let (p10, p11) = if c1 > 0 {
        let p = c10 as f64 / c1 as f64;
        (p, 1.0 - p)
    } else {
        (0.0, 0.0)
    };
    let zeros = c0 + u64::from(bits[n - 1] == 0);
    let p0 = zeros as f64 / n as f64;
    let p1 = 1.0 - p0;

    // -log2 of each candidate sequence's probability, where it is possible at all.
    let candidates = [
        (p00 > 0.0, -p0.log2() - 127.0 * p00.log2()),
        (
            p01 > 0.0 && p10 > 0.0,
            -p0.log2() - 64.0 * p01.log2() - 63.0 * p10.log2(),
        ),
        (
            p01 > 0.0 && p11 > 0.0,
            -p0.log2() - p01.log2() - 126.0 * p11.log2(),
        ),
        (
            p10 > 0.0 && p00 > 0.0,
            -p1.log2() - p10.log2() - 126.0 * p00.log2(),
        ),
        (
            p10 > 0.0 && p01 > 0.0,
            -p1.log2() - 64.0 * p10.log2() - 63.0 * p01.log2(),
        ),
        (p11 > 0.0, -p1.log2() - 127.0 * p11.log2()),
    ];
    let h_min = candidates
        .iter()
        .filter(|(possible, _)| *possible)
        .map(|&(_, h)| h)
        .fold(128.0f64, f64::min);
    let h = (h_min / 128.0).min(1.0) + 0.0;
    EstimatorResult::estimate(
        Estimator::Markov,
        h,
        vals![
            ("P_0", p0),
            ("P_1", p1),
            ("P_00", p00),
            ("P_01", p01),
            ("P_10", p10),
            ("P_11", p11),
            ("p_max", (-h_min).exp2())
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        // 0 0 1 1 1 0: pairs 00 01 11 11 10 -> C_0 = 2 (C_00 = 1), C_1 = 3 (C_10 = 1).
        let r = estimate(&[0, 0, 1, 1, 1, 0]);
        assert_eq!(r.value("P_0"), Some(0.5));
        assert_eq!(r.value("P_00"), Some(0.5));
        assert_eq!(r.value("P_10"), Some(1.0 / 3.0));
        let p11: f64 = 2.0 / 3.0;
        let seqs = [
            1.0 + 127.0,                               // 00..0
            1.0 + 64.0 - 63.0 * (1.0f64 / 3.0).log2(), // 0101..
            1.0 + 1.0 - 126.0 * p11.log2(),            // 011..1
            1.0 - (1.0f64 / 3.0).log2() + 126.0,       // 100..0
            1.0 - 64.0 * (1.0f64 / 3.0).log2() + 63.0, // 1010..
            1.0 - 127.0 * p11.log2(),                  // 11..1
        ];
        let h_min = seqs.iter().copied().fold(f64::INFINITY, f64::min);
        assert!((r.h().unwrap() - h_min / 128.0).abs() < 1e-12);
    }

    #[test]
    fn constant_and_tiny_inputs() {
        assert!(estimate(&[0]).h().is_none());
        // All ones: only the 11..1 sequence is possible, with probability 1.
        assert_eq!(estimate(&[1; 50]).h(), Some(0.0));
    }
}
