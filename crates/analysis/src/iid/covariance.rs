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
    let (a, b) = (&data[..data.len() - p], &data[p..]);
    // 32-bit partial sums vectorise; 65,536 products of at most 255 x 255 fit in a u32.
    const BLOCK: usize = 65_536;
    a.chunks(BLOCK)
        .zip(b.chunks(BLOCK))
        .map(|(x, y)| {
            let s: u32 = x
                .iter()
                .zip(y)
                .map(|(&u, &v)| u32::from(u) * u32::from(v))
                .sum();
            u64::from(s)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_values_do_not_overflow() {
        let d = vec![255u8; 200_000];
        assert_eq!(covariance(&d, 32), (200_000 - 32) * 65_025);
    }
}
