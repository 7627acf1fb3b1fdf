//! Holm's (1979) step-down adjustment: controls the family-wise error rate of a family of
//! tests at level alpha, uniformly more powerful than Bonferroni.

/// Holm-adjusted p-values, in the input order: sort ascending, `p_(i) * (m - i)` (i from 0),
/// made monotone non-decreasing along the sorted order, capped at 1. A hypothesis is
/// rejected at family-wise level alpha exactly when its adjusted p-value is <= alpha.
/// Ties keep their input order (the result does not depend on it).
///
/// ```
/// use kqent_analysis::inference::holm;
/// assert_eq!(holm(&[0.01, 0.04, 0.03]), vec![0.03, 0.06, 0.06]);
/// ```
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    let mut out = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (i, &k) in order.iter().enumerate() {
        let adj = (p[k] * (m - i) as f64).min(1.0);
        running = running.max(adj);
        out[k] = running;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-12, "{a:?} vs {b:?}");
        }
    }

    // Reference values worked by hand from the definition:
    // sorted 0.005, 0.01, 0.02, 0.04, 0.3 -> x5, x4, x3, x2, x1 = 0.025, 0.04, 0.06, 0.08, 0.3.
    #[test]
    fn matches_p_adjust() {
        close(
            &holm(&[0.04, 0.005, 0.3, 0.01, 0.02]),
            &[0.08, 0.025, 0.3, 0.04, 0.06],
        );
        // Monotonicity: 0.02 * 3 = 0.06 exceeds 0.025 * 2 = 0.05, so the second is raised.
        close(&holm(&[0.02, 0.025, 0.5]), &[0.06, 0.06, 0.5]);
        // Cap at 1.
        close(&holm(&[0.6, 0.7]), &[1.0, 1.0]);
        assert!(holm(&[]).is_empty());
        close(&holm(&[0.2]), &[0.2]);
    }
}
