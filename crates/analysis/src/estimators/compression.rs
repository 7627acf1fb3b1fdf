//! Compression estimate, SP 800-90B section 6.3.4 (binary data only).
//!
//! Splits the bitstring into 6-bit blocks, primes a Maurer-style dictionary with the first
//! `d = 1000` blocks, and averages `log2` of the distance back to each later block's
//! previous occurrence. `p` solves `E(p) = X'` (step 7's `G` function, summed with the
//! telescoped form that needs one pass over `1..=num_blocks` per evaluation) by bisection on
//! `[2^-6, 1]`; when `E(2^-6) <= X'` there is no solution and step 8's bound applies
//! (`p = 2^-6`, one bit per bit). Complexity: O(n) to build the statistic plus
//! O(num_blocks) per bisection step (about 50 steps); the two `G` terms of each step run
//! in parallel (rayon::join), the sums themselves stay sequential so they are deterministic.

use crate::estimators::confidence::ZALPHA;
use crate::result::{Estimator, EstimatorResult};
use crate::vals;

/// Block size `b` in bits.
const B: usize = 6;
/// Dictionary initialisation length `d` in blocks.
const D: usize = 1000;
/// Alphabet of blocks, `2^b`.
const BLOCK_VALUES: usize = 1 << B;
/// Entries of the log2 table (8 MB).
const LOG_TABLE_LEN: usize = 1 << 20;

/// Runs the estimator on a bitstring (values 0/1, one per byte).
///
/// ```
/// use kqent_analysis::estimators::compression;
/// // Fewer than d + 2 = 1002 blocks of 6 bits: not applicable.
/// assert!(compression::estimate(&[0u8; 6000]).h().is_none());
/// assert!(compression::estimate(&[0u8; 6 * 1001]).h().is_none());
/// assert!(compression::estimate(&[0u8; 6 * 1002]).h().is_some());
/// ```
pub fn estimate(bits: &[u8]) -> EstimatorResult {
    let num_blocks = bits.len() / B;
    // Step 5 divides by v - 1 = num_blocks - d - 1: one block after the dictionary has no
    // spread to estimate. The reference divides by zero there (and then reports 0 bits or
    // full entropy depending on whether that one distance is 1); like the collision
    // estimate, this one says it cannot estimate instead.
    if num_blocks < D + 2 {
        return EstimatorResult::not_applicable(
            Estimator::Compression,
            format!(
                "needs at least {} blocks of {B} bits ({} bits: the {D}-block dictionary and 2 \
                 to estimate the spread), has {} bits",
                D + 2,
                (D + 2) * B,
                bits.len()
            ),
        );
    }
    let block = |i: usize| {
        bits[i * B..(i + 1) * B]
            .iter()
            .fold(0usize, |acc, &b| (acc << 1) | usize::from(b & 1))
    };
    // Steps 2-4: last position (1-based) of each block value, then the test statistic.
    let mut last = [0usize; BLOCK_VALUES];
    for i in 0..D {
        last[block(i)] = i + 1;
    }
    let v = num_blocks - D;
    let (mut sum, mut sum_c) = (0.0f64, 0.0f64);
    let (mut sq, mut sq_c) = (0.0f64, 0.0f64);
    for i in D..num_blocks {
        let b = block(i);
        let dist = ((i + 1 - last[b]) as f64).log2();
        kahan_add(&mut sum, &mut sum_c, dist);
        kahan_add(&mut sq, &mut sq_c, dist * dist);
        last[b] = i + 1;
    }
    let vf = v as f64;
    let x_bar = sum / vf;
    let sigma_hat = 0.5907 * (sq / (vf - 1.0) - x_bar * x_bar).sqrt();
    // Step 6: lower confidence bound on the mean.
    let x_prime = x_bar - ZALPHA * sigma_hat / vf.sqrt();

    // Steps 7-8.
    // log2 of 1..: tabulated up to a bound (most G sums underflow long before), computed
    // past it, so memory stays small for long inputs.
    let log_table: Vec<f64> = (0..=num_blocks.min(LOG_TABLE_LEN))
        .map(|i| (i.max(1) as f64).log2())
        .collect();
    let expect = |p: f64| expected_statistic(p, num_blocks, &log_table);
    let p_min = 1.0 / BLOCK_VALUES as f64;
    let p = if expect(p_min) > x_prime {
        bisect(p_min, x_prime, expect)
    } else {
        None
    };
    let (p, h, fallback) = match p {
        Some(p) if p > p_min => (p, -p.log2() / B as f64 + 0.0, false),
        _ => (p_min, 1.0, true),
    };
    EstimatorResult::estimate(
        Estimator::Compression,
        h,
        vals![
            ("num_blocks", num_blocks),
            ("v", v),
            ("X_bar", x_bar),
            ("sigma_hat", sigma_hat),
            ("X_bar_prime", x_prime),
            ("p", p),
            ("fallback", u8::from(fallback))
        ],
    )
}

/// Bisection for `E(p) = target` on `[lo, 1]`, `E` decreasing, `E(lo) > target`: runs
/// until the bracket stops shrinking in doubles (at most 1076 halvings, the reference's cap).
fn bisect(lo: f64, target: f64, expect: impl Fn(f64) -> f64) -> Option<f64> {
    let (mut lo, mut hi) = (lo, 1.0f64);
    let mut p = (lo + hi) / 2.0;
    for _ in 0..1076 {
        let e = expect(p);
        if e == target {
            return Some(p);
        }
        if e > target {
            lo = p;
        } else {
            hi = p;
        }
        let next = (lo + hi) / 2.0;
        if next <= lo || next >= hi {
            return Some(hi);
        }
        p = next;
    }
    Some(p)
}

/// `E(p) = G(p) + (2^b - 1) G(q)` with `q = (1 - p) / (2^b - 1)`: the expected statistic
/// when one block value has probability `p` and the others share the rest evenly.
fn expected_statistic(p: f64, num_blocks: usize, log_table: &[f64]) -> f64 {
    let q = (1.0 - p) / (BLOCK_VALUES as f64 - 1.0);
    let (gp, gq) = rayon::join(
        || g(p, num_blocks, log_table),
        || g(q, num_blocks, log_table),
    );
    gp + (BLOCK_VALUES as f64 - 1.0) * gq
}

/// Step 7's `G(z) = (1/v) sum_{t=d+1}^{L} sum_{u=1}^{t} log2(u) F(z, t, u)` with
/// `F = z^2 (1-z)^(u-1)` for `u < t` and `z (1-z)^(t-1)` for `u = t`. Exchanging the sums:
/// `G(z) = (1/v) [ z^2 sum_{u=2}^{L-1} m(u) log2(u) (1-z)^(u-1) + z sum_{t=d+1}^{L} log2(t) (1-z)^(t-1) ]`
/// where `m(u) = v` for `u <= d` and `L - u` above (the number of `t > u` in the range).
fn g(z: f64, num_blocks: usize, log_table: &[f64]) -> f64 {
    let l = num_blocks;
    let v = (l - D) as f64;
    let r = 1.0 - z;
    let (mut pairs, mut pairs_c) = (0.0f64, 0.0f64);
    let (mut diag, mut diag_c) = (0.0f64, 0.0f64);
    // (1-z)^(u-1), starting at u = 2 (log2(1) = 0 makes u = 1 vanish).
    let mut pow = r;
    for u in 2..=l {
        if pow < f64::MIN_POSITIVE {
            // Underflow: the remaining terms are below 1e-300 in total (and a subnormal
            // power would stick at the smallest subnormal instead of reaching 0).
            break;
        }
        let log_u = log_table
            .get(u)
            .copied()
            .unwrap_or_else(|| (u as f64).log2());
        let term = log_u * pow;
        if u < l {
            let mult = if u <= D { v } else { (l - u) as f64 };
            kahan_add(&mut pairs, &mut pairs_c, mult * term);
        }
        if u > D {
            kahan_add(&mut diag, &mut diag_c, term);
        }
        pow *= r;
    }
    (z * z * pairs + z * diag) / v
}

/// Compensated (Kahan) addition: the sums run over up to millions of terms.
fn kahan_add(sum: &mut f64, comp: &mut f64, x: f64) {
    let y = x - *comp;
    let t = *sum + y;
    *comp = (t - *sum) - y;
    *sum = t;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// G computed straight from the definition's double sum (small L only).
    fn g_naive(z: f64, l: usize) -> f64 {
        let v = (l - D) as f64;
        let mut total = 0.0;
        for t in D + 1..=l {
            for u in 1..=t {
                let f = if u < t {
                    z * z * (1.0 - z).powi(u as i32 - 1)
                } else {
                    z * (1.0 - z).powi(t as i32 - 1)
                };
                total += (u as f64).log2() * f;
            }
        }
        total / v
    }

    #[test]
    fn telescoped_g_matches_the_definition() {
        let l = 1100;
        let table: Vec<f64> = (0..=l).map(|i| (i.max(1) as f64).log2()).collect();
        for z in [0.9, 0.5, 1.0 / 64.0, 0.003] {
            let (a, b) = (g(z, l, &table), g_naive(z, l));
            assert!((a - b).abs() < 1e-9 * b.abs().max(1.0), "z={z}: {a} vs {b}");
        }
    }

    #[test]
    fn constant_data_has_zero_entropy_and_bisection_solves_e_p() {
        // Every block equal: every distance is 1, X' = 0 < E(p) for every p < 1.
        let r = estimate(&vec![0u8; 6 * 2000]);
        assert_eq!(r.value("X_bar"), Some(0.0));
        assert!(r.h().unwrap() < 1e-9, "{:?}", r);
        // A periodic pattern of period 7 blocks: distances all 7 once primed.
        let bits: Vec<u8> = (0..6 * 3000).map(|i| ((i / 6) % 7 == 0) as u8).collect();
        let r = estimate(&bits);
        let table: Vec<f64> = (0..=3000).map(|i| (i.max(1) as f64).log2()).collect();
        let p = r.value("p").unwrap();
        let x_prime = r.value("X_bar_prime").unwrap();
        assert!((expected_statistic(p, 3000, &table) - x_prime).abs() < 1e-9);
    }

    #[test]
    fn one_block_after_the_dictionary_is_not_applicable() {
        // 1001 blocks: v = 1 and step 5's v - 1 is 0, whether the one distance is 1 (last two
        // blocks equal, 0/0) or more (x/0). Found by the estimator_bounds property test.
        for last_block_differs in [false, true] {
            let mut bits = vec![0u8; 6 * 1001 + 5];
            if last_block_differs {
                bits[6 * 1000] = 1;
            }
            let r = estimate(&bits);
            assert_eq!(r.h(), None, "{r:?}");
            assert!(r.values.is_empty());
        }
        // Two blocks after it: the spread (here 0) is estimated.
        let r = estimate(&vec![0u8; 6 * 1002]);
        assert_eq!(r.value("v"), Some(2.0));
        assert_eq!(r.value("sigma_hat"), Some(0.0));
    }

    #[test]
    fn search_failure_falls_back_to_the_bound() {
        // A de Bruijn-like cycle through all 64 block values: every distance is 64, far
        // above the mean a uniform source would give, so E(2^-6) <= X' and p = 2^-6.
        let bits: Vec<u8> = (0..3000 * 6)
            .map(|i| {
                let blk = (i / 6) % 64;
                ((blk >> (5 - i % 6)) & 1) as u8
            })
            .collect();
        let r = estimate(&bits);
        assert_eq!(r.value("fallback"), Some(1.0));
        assert_eq!(r.h(), Some(1.0));
    }
}
