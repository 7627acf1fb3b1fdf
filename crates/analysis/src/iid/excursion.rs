//! SP 800-90B section 5.1.1: the excursion test statistic.

/// max over i of |s_1 + ... + s_i - i * mean|, with `mean` the mean of the original data.
/// Computed in double precision in the same order as the reference, so that ties between
/// the original and a permutation are decided the same way.
///
/// ```
/// use kqent_analysis::iid::excursion::excursion;
/// // Running sums 2, 2, 6 against 2, 4, 6: largest deviation 2.
/// assert_eq!(excursion(&[2, 0, 4], 2.0), 2.0);
/// ```
pub fn excursion(data: &[u8], mean: f64) -> f64 {
    // The plain loop: measured as fast as blocked integer-sum variants (the double
    // additions pipeline well), and it is the reference's arithmetic by construction.
    let mut sum = 0.0f64;
    let mut max = 0.0f64;
    for (i, &v) in data.iter().enumerate() {
        sum += f64::from(v);
        let d = (sum - (i + 1) as f64 * mean).abs();
        if d > max {
            max = d;
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        // Sums 0 0 3 against 1 2 3: deviations 1 2 0.
        assert_eq!(excursion(&[0, 0, 3], 1.0), 2.0);
        // Sums 4 4 4 4 against 1 2 3 4: the first sample already deviates by 3.
        assert_eq!(excursion(&[4, 0, 0, 0], 1.0), 3.0);
        assert_eq!(excursion(&[], 1.0), 0.0);
    }
}
