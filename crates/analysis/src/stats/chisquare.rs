//! Chi-square goodness of fit against the uniform distribution over all `2^w` symbols.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::{AnalysisError, Symbols};

/// Result of a chi-square goodness-of-fit test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChiSquare {
    /// `sum (O_i - E)^2 / E` over the `2^w` symbol values, `E = n / 2^w`.
    pub statistic: f64,
    /// Degrees of freedom, `2^w - 1`.
    pub df: u32,
    /// Probability that a uniform source gives a statistic at least this large.
    pub p_value: f64,
}

/// Tests the symbols against the uniform distribution over every value their width
/// allows (absent values count as zero observations, as in `ent`).
///
/// ```
/// use kqent_analysis::{stats::chi_square_uniform, Symbols};
/// let s = Symbols::new(vec![0, 1, 2, 3, 0, 1, 2, 3], 2).unwrap();
/// let c = chi_square_uniform(&s).unwrap();
/// assert_eq!((c.statistic, c.df), (0.0, 3));
/// assert!((c.p_value - 1.0).abs() < 1e-12);
/// ```
pub fn chi_square_uniform(symbols: &Symbols) -> Result<ChiSquare, AnalysisError> {
    let k = 1usize << symbols.bits();
    let counts = symbols.counts();
    let expected = symbols.len() as f64 / k as f64;
    let statistic: f64 = counts[..k]
        .iter()
        .map(|&o| {
            let d = o as f64 - expected;
            d * d / expected
        })
        .sum();
    let df = (k - 1) as u32;
    let dist = ChiSquared::new(f64::from(df))
        .map_err(|e| AnalysisError::InvalidArgument(format!("chi-square distribution: {e}")))?;
    Ok(ChiSquare {
        statistic,
        df,
        p_value: dist.sf(statistic).clamp(0.0, 1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        // 1-bit, counts 30/10: E = 20, chi2 = (100 + 100)/20 = 10, df 1.
        let mut d = vec![0u8; 30];
        d.extend(vec![1u8; 10]);
        let c = chi_square_uniform(&Symbols::new(d, 1).unwrap()).unwrap();
        assert!((c.statistic - 10.0).abs() < 1e-12);
        assert_eq!(c.df, 1);
        // P(chi2_1 >= 10) = erfc(sqrt(5)) = 0.0015654022580025...
        assert!(
            (c.p_value - 0.001_565_402_258_002_5).abs() < 1e-12,
            "{}",
            c.p_value
        );
    }

    #[test]
    fn absent_values_count() {
        // Width 2 but only symbol 3 present: all four bins enter.
        let c = chi_square_uniform(&Symbols::new(vec![3; 8], 2).unwrap()).unwrap();
        // E = 2: three bins (0-2)^2/2 = 2 each, one (8-2)^2/2 = 18.
        assert!((c.statistic - 24.0).abs() < 1e-12);
        assert!(c.p_value < 1e-4);
    }
}
