//! Welch's unequal-variance t test of two independent groups (Welch 1947, with the
//! Welch-Satterthwaite degrees of freedom), the confidence interval of the difference of
//! their means, and the smallest difference the same design could detect.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::spread::t_quantile;

/// Welch's test of `mean(a) - mean(b)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Welch {
    /// Repetitions in `a`.
    pub n_a: usize,
    /// Repetitions in `b`.
    pub n_b: usize,
    /// `mean(a) - mean(b)`.
    pub diff: f64,
    /// Standard error of the difference, `sqrt(s_a^2/n_a + s_b^2/n_b)`.
    pub se: f64,
    /// Welch-Satterthwaite degrees of freedom (`n_a + n_b - 2` when both variances are 0).
    pub df: f64,
    /// `diff / se`; `None` when `se` is 0.
    pub t: Option<f64>,
    /// Two-sided p-value (1 when `se` and `diff` are both 0, 0 when only `se` is).
    pub p_value: f64,
    /// Lower end of the 95% confidence interval of the difference.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, v)
}

/// Welch-Satterthwaite degrees of freedom for variances `va`, `vb` and sizes `na`, `nb`.
pub fn welch_df(va: f64, na: f64, vb: f64, nb: f64) -> f64 {
    let (qa, qb) = (va / na, vb / nb);
    let den = qa * qa / (na - 1.0) + qb * qb / (nb - 1.0);
    if den > 0.0 {
        (qa + qb).powi(2) / den
    } else {
        na + nb - 2.0
    }
}

/// Welch's test; `None` when a group has fewer than 2 values or a value is not finite.
///
/// ```
/// use kqent_analysis::inference::welch;
/// let w = welch(&[3.0, 4.0, 5.0], &[1.0, 2.0, 3.0]).unwrap();
/// assert_eq!(w.diff, 2.0);
/// assert!((w.df - 4.0).abs() < 1e-12);
/// ```
pub fn welch(a: &[f64], b: &[f64]) -> Option<Welch> {
    if a.len() < 2 || b.len() < 2 || a.iter().chain(b).any(|v| !v.is_finite()) {
        return None;
    }
    let (ma, va) = mean_var(a);
    let (mb, vb) = mean_var(b);
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let diff = ma - mb;
    let se = (va / na + vb / nb).sqrt();
    let df = welch_df(va, na, vb, nb);
    let (t, p_value) = if se > 0.0 {
        let t = diff / se;
        let dist = StudentsT::new(0.0, 1.0, df).ok()?;
        (Some(t), (2.0 * dist.sf(t.abs())).min(1.0))
    } else if diff == 0.0 {
        (None, 1.0)
    } else {
        (None, 0.0)
    };
    let half = if se > 0.0 {
        t_quantile(0.975, df) * se
    } else {
        0.0
    };
    Some(Welch {
        n_a: a.len(),
        n_b: b.len(),
        diff,
        se,
        df,
        t,
        p_value,
        ci_low: diff - half,
        ci_high: diff + half,
    })
}

/// The smallest true difference a two-sided test at level `alpha` detects with probability
/// `power`, for a standard error `se` on `df` degrees of freedom:
/// `(t(1 - alpha/2, df) + t(power, df)) * se` (the usual normal-theory approximation with
/// t quantiles in place of z).
///
/// ```
/// use kqent_analysis::inference::welch::detectable_difference;
/// // z-like case (large df): (1.96 + 0.8416) * 1 = 2.8016.
/// assert!((detectable_difference(1.0, 1e9, 0.05, 0.8) - 2.8016).abs() < 1e-3);
/// ```
pub fn detectable_difference(se: f64, df: f64, alpha: f64, power: f64) -> f64 {
    (t_quantile(1.0 - alpha / 2.0, df) + t_quantile(power, df)) * se
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values computed independently (mpmath: the t CDF as a regularised incomplete
    // beta function, quantiles by root finding; the arithmetic by hand):
    //   a = 10.1, 9.8, 10.4, 10.0 ; b = 9.1, 9.6, 8.9, 9.3, 9.5
    //   mean_a = 10.075, var_a = 0.0625, mean_b = 9.28, var_b = 0.082
    //   se = sqrt(0.0625/4 + 0.082/5) = sqrt(0.032025)
    //   df = 0.032025^2 / (0.015625^2/3 + 0.0164^2/4) = 6.90081...
    #[test]
    fn hand_made_groups() {
        let a = [10.1, 9.8, 10.4, 10.0];
        let b = [9.1, 9.6, 8.9, 9.3, 9.5];
        let w = welch(&a, &b).unwrap();
        assert!((w.diff - 0.795).abs() < 1e-12);
        assert!((w.se - 0.032025f64.sqrt()).abs() < 1e-12);
        let df = 0.032025f64.powi(2) / (0.015625f64.powi(2) / 3.0 + 0.0164f64.powi(2) / 4.0);
        assert!((w.df - df).abs() < 1e-9, "{} vs {df}", w.df);
        assert!((w.df - DF_REF).abs() < 1e-9);
        assert!((w.t.unwrap() - T_REF).abs() < 1e-9, "{:?}", w.t);
        assert!((w.p_value - P_REF).abs() < 1e-9, "{}", w.p_value);
        assert!((w.ci_low - CI_LOW_REF).abs() < 1e-8, "{}", w.ci_low);
        assert!((w.ci_high - CI_HIGH_REF).abs() < 1e-8, "{}", w.ci_high);
        // The reverse comparison mirrors it.
        let r = welch(&b, &a).unwrap();
        assert!((r.diff + w.diff).abs() < 1e-12 && (r.p_value - w.p_value).abs() < 1e-12);
    }

    const DF_REF: f64 = 6.900_815_417_373_983;
    const T_REF: f64 = 4.442_450_112_005_545;
    const P_REF: f64 = 0.003_105_376_319_170_851;
    const CI_LOW_REF: f64 = 0.370_601_884_008_817;
    const CI_HIGH_REF: f64 = 1.219_398_115_991_183;

    #[test]
    fn degenerate_groups() {
        assert!(welch(&[1.0], &[1.0, 2.0]).is_none());
        assert!(welch(&[1.0, f64::INFINITY], &[1.0, 2.0]).is_none());
        let same = welch(&[2.0, 2.0, 2.0], &[2.0, 2.0]).unwrap();
        assert_eq!((same.p_value, same.t, same.df), (1.0, None, 3.0));
        let apart = welch(&[3.0, 3.0], &[2.0, 2.0]).unwrap();
        assert_eq!(
            (apart.p_value, apart.ci_low, apart.ci_high),
            (0.0, 1.0, 1.0)
        );
        // Equal sizes and variances: df = 2n - 2, as in Student's test.
        let w = welch(&[1.0, 2.0, 3.0], &[2.0, 3.0, 4.0]).unwrap();
        assert!((w.df - 4.0).abs() < 1e-12);
    }
}
