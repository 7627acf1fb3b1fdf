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
    // Integer running sums first (exact, as the reference's double sums are for these
    // magnitudes), then the per-sample double arithmetic of the reference, in blocks the
    // compiler can vectorise: max is exact, so the order of the maxima does not matter.
    const BLOCK: usize = 1024;
    let mut sums = [0i32; BLOCK];
    let mut running = 0u64;
    let mut max = 0.0f64;
    for (b, chunk) in data.chunks(BLOCK).enumerate() {
        let base = running as f64;
        let start = (b * BLOCK) as f64;
        let mut acc = 0i32;
        for (s, &v) in sums.iter_mut().zip(chunk) {
            acc += i32::from(v);
            *s = acc;
        }
        running += acc as u64;
        // Integers below 2^53 are exact in doubles: base + s and start + j + 1 are the very
        // values the reference's double running sum and (i + 1) take.
        let mut lanes = [0.0f64; 4];
        let full = chunk.len() / 4 * 4;
        for (q, four) in sums[..full].chunks_exact(4).enumerate() {
            for k in 0..4 {
                let i = start + (q * 4 + k + 1) as f64;
                let d = (base + f64::from(four[k]) - i * mean).abs();
                if d > lanes[k] {
                    lanes[k] = d;
                }
            }
        }
        for (j, &s) in sums[full..chunk.len()].iter().enumerate() {
            let i = start + (full + j + 1) as f64;
            let d = (base + f64::from(s) - i * mean).abs();
            if d > lanes[0] {
                lanes[0] = d;
            }
        }
        for l in lanes {
            if l > max {
                max = l;
            }
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn matches_the_plain_loop() {
        let mut r = Rng::new(8, 0);
        let data: Vec<u8> = (0..5_000).map(|_| r.below(256) as u8).collect();
        let mean = data.iter().map(|&v| f64::from(v)).sum::<f64>() / data.len() as f64;
        let mut sum = 0.0f64;
        let mut plain = 0.0f64;
        for (i, &v) in data.iter().enumerate() {
            sum += f64::from(v);
            plain = plain.max((sum - (i + 1) as f64 * mean).abs());
        }
        assert_eq!(excursion(&data, mean), plain);
    }
}
