//! SP 800-90B section 5.1.9: the periodicity test statistic at lag p (the tool uses
//! p = 1, 2, 8, 16, 32). Binary data is first reduced with Conversion I.

/// Number of i with s_i == s_{i+p}; 0 when the data is not longer than `p`.
///
/// ```
/// use kqent_analysis::iid::periodicity::periodicity;
/// assert_eq!(periodicity(&[1, 2, 1, 2, 3], 2), 2);
/// ```
pub fn periodicity(data: &[u8], p: usize) -> u64 {
    if data.len() <= p {
        return 0;
    }
    // Per-block u32 counts vectorise; a block never holds more than u32::MAX matches.
    const BLOCK: usize = 1 << 20;
    let (a, b) = (&data[..data.len() - p], &data[p..]);
    a.chunks(BLOCK)
        .zip(b.chunks(BLOCK))
        .map(|(x, y)| {
            let c: u32 = x.iter().zip(y).map(|(u, v)| u32::from(u == v)).sum();
            u64::from(c)
        })
        .sum()
}
