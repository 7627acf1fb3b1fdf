//! Sample autocorrelation of the symbol values at lags 1..=L.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Lags computed unless told otherwise.
pub const DEFAULT_MAX_LAG: usize = 64;

/// Autocorrelation coefficients with the approximate 95% band of white noise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Autocorrelation {
    /// `r[k-1]` is the coefficient at lag `k`, for k = 1..=r.len().
    pub r: Vec<f64>,
    /// `2 / sqrt(n)`: white noise stays within ±band at about 95% of lags.
    pub band: f64,
    /// Number of lags with `|r_k| > band`.
    pub outside: usize,
    /// Largest `|r_k|` over the lags computed.
    pub max_abs: f64,
}

/// Computes `r_k = sum_{i<n-k} (x_i - m)(x_{i+k} - m) / sum_i (x_i - m)^2` for
/// k = 1..=min(max_lag, n-1), where `m` is the mean (the usual biased estimator of the
/// autocorrelation function). Returns `None` when it is undefined: constant data, or fewer
/// than two samples, or `max_lag == 0`.
///
/// ```
/// use kqent_analysis::stats::autocorrelation;
/// let a = autocorrelation(&[0, 1, 0, 1, 0, 1], 2).unwrap();
/// assert!(a.r[0] < -0.8 && a.r[1] > 0.6);
/// assert!(autocorrelation(&[7, 7, 7], 2).is_none());
/// ```
pub fn autocorrelation(x: &[u8], max_lag: usize) -> Option<Autocorrelation> {
    let n = x.len();
    let lags = max_lag.min(n.saturating_sub(1));
    if lags == 0 {
        return None;
    }
    let mean = x.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64;
    let c: Vec<f64> = x.iter().map(|&v| f64::from(v) - mean).collect();
    let denom: f64 = c.iter().map(|v| v * v).sum();
    if denom <= 0.0 {
        return None;
    }
    // Each lag is one sequential sum, so the result does not depend on the thread count.
    let r: Vec<f64> = (1..=lags)
        .into_par_iter()
        .map(|k| {
            c[..n - k]
                .iter()
                .zip(&c[k..])
                .map(|(a, b)| a * b)
                .sum::<f64>()
                / denom
        })
        .collect();
    let band = 2.0 / (n as f64).sqrt();
    let outside = r.iter().filter(|v| v.abs() > band).count();
    let max_abs = r.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    Some(Autocorrelation {
        r,
        band,
        outside,
        max_abs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        // x = 1,2,3,4: m = 2.5, c = -1.5,-.5,.5,1.5, sum c^2 = 5.
        // lag1: (.75 - .25 + .75)/5 = .25; lag2: (-.75 - .75)/5 = -.3; lag3: -2.25/5 = -.45.
        let a = autocorrelation(&[1, 2, 3, 4], 64).unwrap();
        let want = [0.25, -0.3, -0.45];
        assert_eq!(a.r.len(), 3);
        for (g, w) in a.r.iter().zip(want) {
            assert!((g - w).abs() < 1e-15, "{g} vs {w}");
        }
        assert!((a.band - 1.0).abs() < 1e-15);
        assert_eq!(a.outside, 0);
        assert!((a.max_abs - 0.45).abs() < 1e-15);
    }

    #[test]
    fn undefined_cases() {
        assert!(autocorrelation(&[1], 4).is_none());
        assert!(autocorrelation(&[1, 2], 0).is_none());
        assert!(autocorrelation(&[], 4).is_none());
    }

    #[test]
    fn periodic_signal_is_flagged() {
        let x: Vec<u8> = (0..10_000).map(|i| (i % 4) as u8).collect();
        let a = autocorrelation(&x, 8).unwrap();
        // Per period, lag 1 and 3 products sum to -1 and lag 2 to -3, over sum c^2 = 5.
        assert!(a.r[3] > 0.99 && a.r[7] > 0.99);
        assert!((a.r[0] + 0.2).abs() < 1e-3 && (a.r[1] + 0.6).abs() < 1e-3);
        assert_eq!(a.outside, 8);
    }
}
