//! The serial correlation coefficient exactly as Fourmilab's `ent` defines it.

/// `ent`'s serial correlation coefficient of a byte sequence: the lag-1 correlation in
/// which the last byte is paired with the first (circular),
/// `(n * sum x_i x_{(i+1) mod n} - (sum x_i)^2) / (n * sum x_i^2 - (sum x_i)^2)`.
/// Like `ent`, it returns -100000 when the denominator is zero (constant data), and 0
/// for empty input.
///
/// ```
/// use kqent_analysis::stats::serial_correlation_ent;
/// // 0,1,0,1 circular: every neighbour differs -> perfectly anticorrelated.
/// assert_eq!(serial_correlation_ent(&[0, 1, 0, 1]), -1.0);
/// ```
pub fn serial_correlation_ent(bytes: &[u8]) -> f64 {
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return 0.0;
    };
    // Integer sums are exact (n * 255^2 < 2^64 for any n below 2^47), so the only
    // rounding is in the final division, as close to ent's doubles as can be.
    let n = bytes.len() as u128;
    let mut t1: u128 = 0;
    let mut t2: u128 = 0;
    let mut t3: u128 = 0;
    for w in bytes.windows(2) {
        t1 += u128::from(w[0]) * u128::from(w[1]);
    }
    for &b in bytes {
        t2 += u128::from(b);
        t3 += u128::from(b) * u128::from(b);
    }
    t1 += u128::from(last) * u128::from(first);
    // n * sum x^2 >= (sum x)^2 (Cauchy-Schwarz), so the denominator never underflows.
    let denom = n * t3 - t2 * t2;
    if denom == 0 {
        return -100_000.0;
    }
    let num = (n * t1) as i128 - (t2 * t2) as i128;
    num as f64 / denom as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        // 1,2,3: n=3, sum=6, sumsq=14, circular products 1*2+2*3+3*1 = 11.
        // (3*11 - 36) / (3*14 - 36) = -3/6.
        assert_eq!(serial_correlation_ent(&[1, 2, 3]), -0.5);
        assert_eq!(serial_correlation_ent(&[5, 5, 5]), -100_000.0);
        assert_eq!(serial_correlation_ent(&[]), 0.0);
        assert_eq!(serial_correlation_ent(&[9]), -100_000.0);
        // Slowly varying data is positively correlated.
        let ramp: Vec<u8> = (0..=255).collect();
        assert!(serial_correlation_ent(&ramp) > 0.9);
    }
}
