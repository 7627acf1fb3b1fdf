//! Mean, sample standard deviation and the two-sided Student-t confidence interval of the
//! mean of a figure over repetitions.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// The `p` quantile of Student's t with `df` degrees of freedom (`df > 0`, `0 < p < 1`);
/// NaN outside that domain.
///
/// ```
/// use kqent_analysis::inference::t_quantile;
/// // Tables: t(0.975, 4) = 2.7764451051977987.
/// assert!((t_quantile(0.975, 4.0) - 2.7764451051977987).abs() < 1e-9);
/// ```
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if !(df > 0.0 && p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    // statrs inverts the t CDF by search, which crawls for huge df; beyond 1e6 the t and
    // normal quantiles agree to better than 1e-6.
    if df > 1e6 {
        return match Normal::new(0.0, 1.0) {
            Ok(n) => n.inverse_cdf(p),
            Err(_) => f64::NAN,
        };
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) => t.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

/// A figure over `n` repetitions. `sd`, the interval and its half-width need `n >= 2`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// Repetitions.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (n - 1 in the denominator).
    pub sd: Option<f64>,
    /// Confidence level of the interval (0.95).
    pub level: f64,
    /// Lower end of the confidence interval of the mean.
    pub ci_low: Option<f64>,
    /// Upper end.
    pub ci_high: Option<f64>,
    /// `t(1 - (1 - level)/2, n - 1) * sd / sqrt(n)`: the `±` of `mean ± half-width`.
    pub half_width: Option<f64>,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Spread {
    /// The 95% spread of `values`; `None` when empty or when a value is not finite.
    ///
    /// ```
    /// use kqent_analysis::inference::Spread;
    /// let s = Spread::of(&[1.0, 2.0, 3.0]).unwrap();
    /// assert_eq!((s.n, s.mean, s.sd), (3, 2.0, Some(1.0)));
    /// // t(0.975, 2) = 4.302652729749464; half-width = 4.3027 / sqrt(3).
    /// assert!((s.half_width.unwrap() - 2.4841377118471216).abs() < 1e-9);
    /// ```
    pub fn of(values: &[f64]) -> Option<Spread> {
        Spread::with_level(values, 0.95)
    }

    /// As [`Spread::of`] at another confidence level (`0 < level < 1`).
    pub fn with_level(values: &[f64], level: f64) -> Option<Spread> {
        if values.is_empty() || values.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (sd, half) = if n >= 2 {
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let sd = var.sqrt();
            let t = t_quantile(1.0 - (1.0 - level) / 2.0, (n - 1) as f64);
            (Some(sd), Some(t * sd / (n as f64).sqrt()))
        } else {
            (None, None)
        };
        Some(Spread {
            n,
            mean,
            sd,
            level,
            ci_low: half.map(|h| mean - h),
            ci_high: half.map(|h| mean + h),
            half_width: half,
            min,
            max,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values computed independently with mpmath (t CDF as a regularised incomplete
    // beta function, inverted by root finding) and by hand.
    #[test]
    fn student_t_quantiles_match_tables() {
        let cases = [
            (0.975, 1.0, 12.706204736174698),
            (0.975, 2.0, 4.302652729749464),
            (0.975, 10.0, 2.2281388519862744),
            (0.8, 4.0, 0.940964577235181),
            (0.995, 30.0, 2.749995653567257),
            (0.025, 5.0, -2.5705818356363146),
        ];
        for (p, df, want) in cases {
            let got = t_quantile(p, df);
            assert!(
                (got - want).abs() < 1e-8,
                "qt({p}, {df}) = {got}, want {want}"
            );
        }
        // Huge df: the normal quantile, without a slow search.
        assert!((t_quantile(0.975, 1e9) - 1.959963984540054).abs() < 1e-8);
        assert!(t_quantile(0.5, 0.0).is_nan());
        assert!(t_quantile(1.0, 3.0).is_nan());
    }

    #[test]
    fn spread_of_hand_made_values() {
        // x = 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squares 32, s^2 = 32/7.
        let x = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let s = Spread::of(&x).unwrap();
        assert_eq!(s.mean, 5.0);
        let sd = (32.0f64 / 7.0).sqrt();
        assert!((s.sd.unwrap() - sd).abs() < 1e-12);
        // t(0.975, 7) = 2.3646242515927849.
        let hw = 2.364_624_251_592_785 * sd / 8f64.sqrt();
        assert!((s.half_width.unwrap() - hw).abs() < 1e-9);
        assert!((s.ci_low.unwrap() - (5.0 - hw)).abs() < 1e-9);
        assert!((s.ci_high.unwrap() - (5.0 + hw)).abs() < 1e-9);
        assert_eq!((s.min, s.max), (2.0, 9.0));
        let one = Spread::of(&[3.5]).unwrap();
        assert_eq!(
            (one.n, one.mean, one.sd, one.half_width),
            (1, 3.5, None, None)
        );
        assert!(Spread::of(&[]).is_none());
        assert!(Spread::of(&[1.0, f64::NAN]).is_none());
        let flat = Spread::of(&[2.0, 2.0, 2.0]).unwrap();
        assert_eq!(flat.half_width, Some(0.0));
    }
}
