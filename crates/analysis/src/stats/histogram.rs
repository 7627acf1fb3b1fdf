//! Histograms: of the symbols (one bin per value) and of raw durations on a log scale.

use serde::{Deserialize, Serialize};

use crate::Symbols;

/// Count of each symbol value `0..2^w`, absent values included.
///
/// ```
/// use kqent_analysis::{stats::symbol_histogram, Symbols};
/// let s = Symbols::new(vec![0, 3, 3], 2).unwrap();
/// assert_eq!(symbol_histogram(&s), vec![1, 0, 0, 2]);
/// ```
pub fn symbol_histogram(symbols: &Symbols) -> Vec<u64> {
    let k = 1usize << symbols.bits();
    symbols.counts()[..k].to_vec()
}

/// One bin of a logarithmic histogram: durations `lo <= d < hi` (ns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogBin {
    /// Lower edge, ns (inclusive).
    pub lo: f64,
    /// Upper edge, ns (exclusive).
    pub hi: f64,
    /// Number of durations in the bin.
    pub count: u64,
}

/// Histogram of non-zero durations with `bins_per_decade` equal-width bins per power of
/// ten, from the bin holding the smallest to the bin holding the largest (empty bins in
/// between included). Zero durations have no place on a log axis and are left out; the
/// caller counts them. Empty when there is no non-zero duration or `bins_per_decade == 0`.
///
/// ```
/// use kqent_analysis::stats::log_histogram;
/// let h = log_histogram(&[1, 2, 10, 11, 0], 1);
/// assert_eq!(h.iter().map(|b| b.count).collect::<Vec<_>>(), vec![2, 2]);
/// assert_eq!((h[1].lo, h[1].hi), (10.0, 100.0));
/// ```
pub fn log_histogram(durations: &[u64], bins_per_decade: u32) -> Vec<LogBin> {
    if bins_per_decade == 0 {
        return Vec::new();
    }
    let per = f64::from(bins_per_decade);
    let index = |d: u64| ((d as f64).log10() * per).floor() as i64;
    let nonzero = durations.iter().copied().filter(|&d| d > 0);
    let (Some(lo), Some(hi)) = (nonzero.clone().min(), nonzero.clone().max()) else {
        return Vec::new();
    };
    let (first, last) = (index(lo), index(hi));
    let mut counts = vec![0u64; (last - first + 1) as usize];
    for d in nonzero {
        counts[(index(d) - first) as usize] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, count)| {
            let j = first + i as i64;
            LogBin {
                lo: 10f64.powf(j as f64 / per),
                hi: 10f64.powf((j + 1) as f64 / per),
                count,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_bins_cover_every_nonzero_duration() {
        let d: Vec<u64> = (0..5000).map(|i| i * 37 + (i % 7)).collect();
        let h = log_histogram(&d, 10);
        let total: u64 = h.iter().map(|b| b.count).sum();
        assert_eq!(total, d.iter().filter(|&&x| x > 0).count() as u64);
        for w in h.windows(2) {
            assert!((w[0].hi - w[1].lo).abs() < 1e-9 * w[1].lo);
        }
        assert!(h[0].lo <= 37.0 && h.last().unwrap().hi > *d.iter().max().unwrap() as f64);
        assert!(log_histogram(&[0, 0], 10).is_empty());
        assert!(log_histogram(&[5], 0).is_empty());
    }
}
