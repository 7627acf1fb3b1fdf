//! SP 800-90B section 5.1.10: the covariance test statistic at lag p (the tool uses
//! p = 1, 2, 8, 16, 32), on the untranslated values. Binary data is first reduced with
//! Conversion I.

/// Sum over i of s_i * s_{i+p}; 0 when the data is not longer than `p`.
///
/// ```
/// use kqent_analysis::iid::covariance::covariance;
/// assert_eq!(covariance(&[1, 2, 3, 4], 1), 2 + 6 + 12);
/// ```
pub fn covariance(data: &[u8], p: usize) -> u64 {
    if data.len() <= p {
        return 0;
    }
    data.iter()
        .zip(&data[p..])
        .map(|(&a, &b)| u64::from(a) * u64::from(b))
        .sum()
}
