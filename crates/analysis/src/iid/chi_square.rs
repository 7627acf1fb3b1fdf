//! SP 800-90B section 5.2: the chi-square tests of independence (5.2.1) and goodness of
//! fit (5.2.2) for non-binary data, and their binary variants (5.2.3, 5.2.4). A test fails
//! when its p-value is below 0.001.
//!
//! Where the section leaves the binning open, this follows the reference tool: expected
//! counts are sorted in increasing order (ties by symbol or pair value) and accumulated
//! into bins until each holds at least 5; a last bin below 5 is merged into the one before.
//!
//! The proportions are built as the reference builds them, a running sum of `1/n` per
//! sample (`proportions`), not as `count / n`: the two differ in the last bits, and
//! expected counts that tie under one can differ under the other, which moves cells between
//! bins and changes T (1013.164903 against 1026.242376 on NIST's `rand8_short.bin`).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// The p-value below which a chi-square test fails.
pub const P_THRESHOLD: f64 = 0.001;

/// Which chi-square test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChiSquareTest {
    /// 5.2.1, non-binary data: pairs of consecutive samples.
    Independence,
    /// 5.2.2, non-binary data: symbol frequencies in ten sub-sequences.
    GoodnessOfFit,
    /// 5.2.3, binary data: m-bit tuples.
    BinaryIndependence,
    /// 5.2.4, binary data: ones and zeros in ten sub-sequences.
    BinaryGoodnessOfFit,
}

impl ChiSquareTest {
    /// The section of SP 800-90B that defines it.
    pub fn section(self) -> &'static str {
        match self {
            ChiSquareTest::Independence => "5.2.1",
            ChiSquareTest::GoodnessOfFit => "5.2.2",
            ChiSquareTest::BinaryIndependence => "5.2.3",
            ChiSquareTest::BinaryGoodnessOfFit => "5.2.4",
        }
    }
}

/// A chi-square test's numbers and outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChiSquareResult {
    /// Which test.
    pub test: ChiSquareTest,
    /// Section of SP 800-90B.
    pub section: String,
    /// The statistic T.
    pub statistic: f64,
    /// Degrees of freedom (0 when the test could not be formed: then p = 1).
    pub df: i64,
    /// P(chi-square with `df` degrees of freedom >= T).
    pub p_value: f64,
    /// The test fails when `p_value` is below this (0.001).
    pub threshold: f64,
    /// `p_value >= threshold`.
    pub pass: bool,
}

fn result(test: ChiSquareTest, statistic: f64, df: i64) -> ChiSquareResult {
    let p_value = p_value(statistic, df);
    ChiSquareResult {
        test,
        section: test.section().to_string(),
        statistic,
        df,
        p_value,
        threshold: P_THRESHOLD,
        pass: p_value >= P_THRESHOLD,
    }
}

/// Upper tail of the chi-square distribution; 1 when `df <= 0` (nothing to test), as in
/// the reference.
///
/// ```
/// use kqent_analysis::iid::chi_square::p_value;
/// assert!((p_value(3.84145882069412, 1) - 0.05).abs() < 1e-9);
/// assert_eq!(p_value(5.0, 0), 1.0);
/// ```
pub fn p_value(statistic: f64, df: i64) -> f64 {
    if df <= 0 {
        return 1.0;
    }
    if statistic <= 0.0 {
        return 1.0;
    }
    match ChiSquared::new(df as f64) {
        Ok(d) => d.sf(statistic),
        Err(_) => 1.0,
    }
}

/// Both tests on translated symbols `data` over `alphabet` symbols, binary variants when
/// `alphabet == 2`: (independence, goodness of fit).
pub fn tests(data: &[u8], alphabet: usize) -> (ChiSquareResult, ChiSquareResult) {
    if alphabet == 2 {
        (binary_independence(data), binary_goodness_of_fit(data))
    } else {
        (
            independence(data, alphabet),
            goodness_of_fit(data, alphabet),
        )
    }
}

/// The proportion of each symbol, accumulated as `1/n` per sample in data order (the
/// reference's `calc_proportions`), so that equal counts give bit-equal proportions only
/// when the reference's do too, and expected counts tie, sort and bin as in the reference.
pub(crate) fn proportions(data: &[u8], alphabet: usize) -> Vec<f64> {
    let mut p = vec![0.0f64; alphabet.max(1)];
    let step = 1.0 / data.len().max(1) as f64;
    for &v in data {
        if let Some(x) = p.get_mut(v as usize) {
            *x += step;
        }
    }
    p
}

/// Assigns each cell (index into `expected`) to a bin; returns (bin of each cell, expected
/// count of each bin).
fn bins(expected: &[f64]) -> (Vec<usize>, Vec<f64>) {
    let mut order: Vec<usize> = (0..expected.len()).collect();
    order.sort_by(|&a, &b| expected[a].total_cmp(&expected[b]).then(a.cmp(&b)));
    let mut bin_of = vec![0usize; expected.len()];
    let mut bin_exp = Vec::new();
    let mut current = 0.0;
    for &cell in &order {
        if current >= 5.0 {
            bin_exp.push(current);
            current = 0.0;
        }
        bin_of[cell] = bin_exp.len();
        current += expected[cell];
    }
    let last = bin_exp.len();
    if last != 0 && current < 5.0 {
        for b in bin_of.iter_mut().filter(|b| **b == last) {
            *b = last - 1;
        }
        bin_exp[last - 1] += current;
    } else {
        bin_exp.push(current);
    }
    (bin_of, bin_exp)
}

fn t_statistic(observed: &[u64], expected: &[f64]) -> f64 {
    observed
        .iter()
        .zip(expected)
        .map(|(&o, &e)| (o as f64 - e).powi(2) / e)
        .sum()
}

/// 5.2.1: independence of consecutive non-overlapping pairs.
pub fn independence(data: &[u8], alphabet: usize) -> ChiSquareResult {
    let p = proportions(data, alphabet);
    let k = p.len();
    // floor(n / 2) pairs, as the reference's floor(n * 0.5).
    let pairs = (data.len() / 2) as f64;
    let expected: Vec<f64> = (0..k * k).map(|c| p[c / k] * p[c % k] * pairs).collect();
    let (bin_of, bin_exp) = bins(&expected);
    let mut observed = vec![0u64; bin_exp.len()];
    for w in data.chunks_exact(2) {
        observed[bin_of[w[0] as usize * k + w[1] as usize]] += 1;
    }
    let t = t_statistic(&observed, &bin_exp);
    result(
        ChiSquareTest::Independence,
        t,
        bin_exp.len() as i64 - k as i64,
    )
}

/// 5.2.2: the symbol frequencies of ten equal sub-sequences against the whole.
pub fn goodness_of_fit(data: &[u8], alphabet: usize) -> ChiSquareResult {
    let p = proportions(data, alphabet);
    let block = data.len() / 10;
    let expected: Vec<f64> = p.iter().map(|&x| x * block as f64).collect();
    let (bin_of, bin_exp) = bins(&expected);
    let mut t = 0.0;
    for j in 0..10 {
        let mut observed = vec![0u64; bin_exp.len()];
        for &v in &data[j * block..(j + 1) * block] {
            observed[bin_of[v as usize]] += 1;
        }
        t += t_statistic(&observed, &bin_exp);
    }
    result(
        ChiSquareTest::GoodnessOfFit,
        t,
        9 * (bin_exp.len() as i64 - 1),
    )
}

/// 5.2.3: frequencies of non-overlapping m-bit tuples, m the largest value up to 11 with
/// min(p0, p1)^m * floor(n / m) >= 5; no test (T = 0, df = 0) when m < 2.
pub fn binary_independence(data: &[u8]) -> ChiSquareResult {
    let n = data.len();
    let ones = data.iter().filter(|&&b| b != 0).count();
    let p1 = ones as f64 / n.max(1) as f64;
    let p0 = 1.0 - p1;
    let min_p = p0.min(p1);
    let mut m = 11usize;
    while m > 1 {
        if min_p.powi(m as i32) * (n / m) as f64 >= 5.0 {
            break;
        }
        m -= 1;
    }
    if m < 2 {
        return result(ChiSquareTest::BinaryIndependence, 0.0, 0);
    }
    let blocks = n / m;
    let mut occ = vec![0u64; 1 << m];
    for c in data.chunks_exact(m) {
        let v = c
            .iter()
            .fold(0usize, |acc, &b| (acc << 1) | usize::from(b != 0));
        occ[v] += 1;
    }
    let mut t = 0.0;
    for (v, &o) in occ.iter().enumerate() {
        let w = v.count_ones() as i32;
        let e = p1.powi(w) * p0.powi(m as i32 - w) * blocks as f64;
        t += (o as f64 - e).powi(2) / e;
    }
    result(ChiSquareTest::BinaryIndependence, t, (1i64 << m) - 2)
}

/// 5.2.4: ones and zeros in ten equal sub-sequences against the whole.
pub fn binary_goodness_of_fit(data: &[u8]) -> ChiSquareResult {
    let n = data.len();
    let sub = n / 10;
    let ones = data.iter().filter(|&&b| b != 0).count();
    let p = ones as f64 / n.max(1) as f64;
    let e0 = (1.0 - p) * sub as f64;
    let e1 = p * sub as f64;
    let mut t = 0.0;
    for j in 0..10 {
        let o1 = data[j * sub..(j + 1) * sub]
            .iter()
            .filter(|&&b| b != 0)
            .count() as f64;
        let o0 = sub as f64 - o1;
        t += (o0 - e0).powi(2) / e0 + (o1 - e1).powi(2) / e1;
    }
    result(ChiSquareTest::BinaryGoodnessOfFit, t, 9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_merge_small_cells_in_increasing_order() {
        // Sorted: 1 (cell 2), 2 (cell 0), 3 (cell 3), 6 (cell 1): bins {2,0,3} = 6, {1} = 6.
        let (bin_of, exp) = bins(&[2.0, 6.0, 1.0, 3.0]);
        assert_eq!(exp, vec![6.0, 6.0]);
        assert_eq!(bin_of, vec![0, 1, 0, 0]);
        // A last bin below 5 joins the previous one.
        let (bin_of, exp) = bins(&[5.0, 1.0]);
        assert_eq!(exp, vec![6.0]);
        assert_eq!(bin_of, vec![0, 0]);
    }

    fn lcg(n: usize, modulus: u32, seed: u32) -> Vec<u8> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                ((x >> 16) % modulus) as u8
            })
            .collect()
    }

    /// 20 samples over 5 symbols where `count / n` and the reference's running sum of
    /// `1/n` give expected counts that sort, and so bin, differently: T = 0.4 as the
    /// reference computes it, 0 with `count / n`.
    #[test]
    fn proportions_bin_as_the_reference_running_sum() {
        let d = lcg(20, 5, 4);
        let r = independence(&d, 5);
        assert!((r.statistic - 0.4).abs() < 1e-12, "{r:?}");
        // The same test with count / n proportions lands elsewhere.
        let mut c = [0u64; 5];
        d.iter().for_each(|&v| c[v as usize] += 1);
        let p: Vec<f64> = c.iter().map(|&x| x as f64 / 20.0).collect();
        let expected: Vec<f64> = (0..25).map(|i| p[i / 5] * p[i % 5] * 10.0).collect();
        let (bin_of, bin_exp) = bins(&expected);
        let mut observed = vec![0u64; bin_exp.len()];
        for w in d.chunks_exact(2) {
            observed[bin_of[w[0] as usize * 5 + w[1] as usize]] += 1;
        }
        let t = t_statistic(&observed, &bin_exp);
        assert!((t - r.statistic).abs() > 0.1, "count/n T = {t}");
        // Equal counts still give bit-equal proportions.
        let q = proportions(&[0, 1, 1, 0, 2, 2], 3);
        assert!(q[0] == q[1] && q[1] == q[2]);
    }

    #[test]
    fn binary_goodness_of_fit_by_hand() {
        // 20 bits, p = 0.5, blocks of 2: "11" "00" then eight "01".
        let mut d = vec![1, 1, 0, 0];
        for _ in 0..8 {
            d.extend([0, 1]);
        }
        let r = binary_goodness_of_fit(&d);
        // e0 = e1 = 1: blocks "11" and "00" each add 1 + 1, the others 0.
        assert_eq!(r.statistic, 4.0);
        assert_eq!(r.df, 9);
        assert!(r.pass);
    }

    #[test]
    fn binary_independence_too_biased_is_skipped() {
        let mut d = vec![0u8; 100];
        d[3] = 1;
        let r = binary_independence(&d);
        assert_eq!((r.statistic, r.df, r.p_value), (0.0, 0, 1.0));
    }

    #[test]
    fn independence_detects_dependence() {
        // A strictly alternating pattern 0 1 2 0 1 2 ... is far from independent.
        let d: Vec<u8> = (0..30_000).map(|i| (i % 3) as u8).collect();
        let r = independence(&d, 3);
        assert!(!r.pass, "{r:?}");
        let g = goodness_of_fit(&d, 3);
        assert!(g.pass, "{g:?}");
    }
}
