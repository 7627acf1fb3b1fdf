//! Entropies of the empirical distribution (plug-in estimates, no confidence bound).

/// Shannon entropy in bits per sample of the distribution given by `counts`:
/// `-sum p_i log2 p_i` with `p_i = counts[i] / total`. Zero counts contribute nothing;
/// an all-zero `counts` gives 0.
///
/// ```
/// use kqent_analysis::stats::shannon_entropy;
/// assert_eq!(shannon_entropy(&[5, 5, 5, 5]), 2.0);
/// assert_eq!(shannon_entropy(&[7, 0]), 0.0);
/// ```
pub fn shannon_entropy(counts: &[u64]) -> f64 {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return 0.0;
    }
    let n = total as f64;
    let h: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum();
    // A single symbol sums to -0.0; report it as 0.
    h.max(0.0)
}

/// Plug-in min-entropy in bits per sample: `-log2(max_i p_i)`, without the upper
/// confidence bound that SP 800-90B's Most Common Value estimate adds. An all-zero
/// `counts` gives 0.
///
/// ```
/// use kqent_analysis::stats::min_entropy_plugin;
/// assert_eq!(min_entropy_plugin(&[1, 1, 2]), 1.0);
/// ```
pub fn min_entropy_plugin(counts: &[u64]) -> f64 {
    let total: u64 = counts.iter().sum();
    let max = counts.iter().copied().max().unwrap_or(0);
    if total == 0 || max == 0 {
        return 0.0;
    }
    (-(max as f64 / total as f64).log2()).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // p = (1/2, 1/4, 1/4): H = 1.5, H_min = 1.
        assert!((shannon_entropy(&[2, 1, 1]) - 1.5).abs() < 1e-15);
        assert_eq!(min_entropy_plugin(&[2, 1, 1]), 1.0);
        assert_eq!(shannon_entropy(&[]), 0.0);
        assert_eq!(min_entropy_plugin(&[0, 0]), 0.0);
        assert_eq!(shannon_entropy(&[3]), 0.0);
        // Uniform over 256 symbols.
        assert!((shannon_entropy(&[9; 256]) - 8.0).abs() < 1e-12);
        assert!((min_entropy_plugin(&[9; 256]) - 8.0).abs() < 1e-12);
    }

    #[test]
    fn min_entropy_never_exceeds_shannon() {
        let c = [10, 3, 7, 0, 1, 99, 4];
        assert!(min_entropy_plugin(&c) <= shannon_entropy(&c));
    }
}
