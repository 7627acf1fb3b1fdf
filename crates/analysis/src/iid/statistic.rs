//! The 19 statistics of SP 800-90B section 5.1 (11 tests, periodicity and covariance at
//! five lags each) and their evaluation on one sequence, with the section's rules for
//! binary data.

use serde::{Deserialize, Serialize};

use super::{collision, compression, conversion, covariance, directional, excursion};
use super::{median_runs, periodicity};

/// One permutation-test statistic, in the reference tool's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Statistic {
    /// 5.1.1
    Excursion,
    /// 5.1.2
    NumDirectionalRuns,
    /// 5.1.3
    LenDirectionalRuns,
    /// 5.1.4
    NumIncreasesDecreases,
    /// 5.1.5
    NumRunsMedian,
    /// 5.1.6
    LenRunsMedian,
    /// 5.1.7
    AvgCollision,
    /// 5.1.8
    MaxCollision,
    /// 5.1.9, lag 1
    Periodicity1,
    /// 5.1.9, lag 2
    Periodicity2,
    /// 5.1.9, lag 8
    Periodicity8,
    /// 5.1.9, lag 16
    Periodicity16,
    /// 5.1.9, lag 32
    Periodicity32,
    /// 5.1.10, lag 1
    Covariance1,
    /// 5.1.10, lag 2
    Covariance2,
    /// 5.1.10, lag 8
    Covariance8,
    /// 5.1.10, lag 16
    Covariance16,
    /// 5.1.10, lag 32
    Covariance32,
    /// 5.1.11
    Compression,
}

/// Number of statistics.
pub const COUNT: usize = 19;

/// The lags of the periodicity and covariance tests.
const LAGS: [usize; 5] = [1, 2, 8, 16, 32];

impl Statistic {
    /// All 19, in the reference tool's order (which is the section order).
    pub const ALL: [Statistic; COUNT] = [
        Statistic::Excursion,
        Statistic::NumDirectionalRuns,
        Statistic::LenDirectionalRuns,
        Statistic::NumIncreasesDecreases,
        Statistic::NumRunsMedian,
        Statistic::LenRunsMedian,
        Statistic::AvgCollision,
        Statistic::MaxCollision,
        Statistic::Periodicity1,
        Statistic::Periodicity2,
        Statistic::Periodicity8,
        Statistic::Periodicity16,
        Statistic::Periodicity32,
        Statistic::Covariance1,
        Statistic::Covariance2,
        Statistic::Covariance8,
        Statistic::Covariance16,
        Statistic::Covariance32,
        Statistic::Compression,
    ];

    /// Position in [`Statistic::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The reference tool's name (`numDirectionalRuns`, `periodicity(8)`, ...).
    pub fn reference_name(self) -> &'static str {
        const NAMES: [&str; COUNT] = [
            "excursion",
            "numDirectionalRuns",
            "lenDirectionalRuns",
            "numIncreasesDecreases",
            "numRunsMedian",
            "lenRunsMedian",
            "avgCollision",
            "maxCollision",
            "periodicity(1)",
            "periodicity(2)",
            "periodicity(8)",
            "periodicity(16)",
            "periodicity(32)",
            "covariance(1)",
            "covariance(2)",
            "covariance(8)",
            "covariance(16)",
            "covariance(32)",
            "compression",
        ];
        NAMES[self.index()]
    }

    /// The section of SP 800-90B that defines it.
    pub fn section(self) -> &'static str {
        use Statistic::*;
        match self {
            Excursion => "5.1.1",
            NumDirectionalRuns => "5.1.2",
            LenDirectionalRuns => "5.1.3",
            NumIncreasesDecreases => "5.1.4",
            NumRunsMedian => "5.1.5",
            LenRunsMedian => "5.1.6",
            AvgCollision => "5.1.7",
            MaxCollision => "5.1.8",
            Periodicity1 | Periodicity2 | Periodicity8 | Periodicity16 | Periodicity32 => "5.1.9",
            Covariance1 | Covariance2 | Covariance8 | Covariance16 | Covariance32 => "5.1.10",
            Compression => "5.1.11",
        }
    }

    /// Whether it is expensive (bzip2): run only while the verdict is open.
    pub fn expensive(self) -> bool {
        self == Statistic::Compression
    }
}

/// A set of statistics, one bit per [`Statistic::index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatSet(pub u32);

impl StatSet {
    /// All 19.
    pub const ALL: StatSet = StatSet((1 << COUNT) - 1);

    /// Whether `s` is in the set.
    pub fn contains(self, s: Statistic) -> bool {
        self.0 & (1 << s.index()) != 0
    }

    /// Whether any of `s` is in the set.
    fn any(self, s: &[Statistic]) -> bool {
        s.iter().any(|&x| self.contains(x))
    }

    /// Removes `s`.
    pub fn remove(&mut self, s: Statistic) {
        self.0 &= !(1 << s.index());
    }

    /// True when empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Everything the statistics need besides the (permuted) sequence itself.
#[derive(Debug, Clone)]
pub struct Context {
    /// Mean of the untranslated samples (excursion test).
    pub raw_mean: f64,
    /// Median of the translated samples; 0.5 for binary data (5.1.5, 5.1.6).
    pub median: f64,
    /// Exactly two distinct symbols.
    pub binary: bool,
    /// `raw[t]` is the untranslated value of translated symbol `t`.
    pub raw: Vec<u8>,
}

impl Context {
    /// The context of translated symbols `data` with untranslated values `raw`, computed as
    /// the reference does (mean of the raw values; median of the translated ones, the
    /// average of the two middle values for an even count).
    pub fn new(data: &[u8], raw: Vec<u8>) -> Context {
        let n = data.len();
        let mut counts = [0u64; 256];
        for &v in data {
            counts[v as usize] += 1;
        }
        let raw_sum: u64 = counts
            .iter()
            .enumerate()
            .map(|(t, &c)| c * u64::from(raw.get(t).copied().unwrap_or(t as u8)))
            .sum();
        let binary = counts.iter().filter(|&&c| c > 0).count() == 2;
        let nth = |k: usize| -> f64 {
            let mut acc = 0u64;
            for (v, &c) in counts.iter().enumerate() {
                acc += c;
                if acc as usize > k {
                    return v as f64;
                }
            }
            0.0
        };
        let median = if binary {
            0.5
        } else if n % 2 == 1 {
            nth(n / 2)
        } else if n == 0 {
            0.0
        } else {
            (nth(n / 2) + nth(n / 2 - 1)) / 2.0
        };
        Context {
            raw_mean: if n == 0 {
                0.0
            } else {
                raw_sum as f64 / n as f64
            },
            median,
            binary,
            raw,
        }
    }

    /// Evaluates the statistics in `which` on translated symbols `data`; the others are
    /// left as they are in `out` (indexed by [`Statistic::index`]).
    pub fn evaluate(&self, data: &[u8], which: StatSet, out: &mut [f64; COUNT]) {
        use Statistic::*;
        let needs_raw = which.any(&[Excursion, Compression])
            || (!self.binary
                && which.any(&[
                    Covariance1,
                    Covariance2,
                    Covariance8,
                    Covariance16,
                    Covariance32,
                ]));
        // Most data uses every value up to its largest: then translated and raw coincide.
        let identity = self.raw.iter().enumerate().all(|(i, &r)| r as usize == i);
        let mapped: Vec<u8> = if needs_raw && !identity {
            data.iter().map(|&t| self.raw[t as usize]).collect()
        } else {
            Vec::new()
        };
        let raw: &[u8] = if identity { data } else { &mapped };
        let dir_stats = [
            NumDirectionalRuns,
            LenDirectionalRuns,
            NumIncreasesDecreases,
        ];
        let per_stats = [
            Periodicity1,
            Periodicity2,
            Periodicity8,
            Periodicity16,
            Periodicity32,
        ];
        let cov_stats = [
            Covariance1,
            Covariance2,
            Covariance8,
            Covariance16,
            Covariance32,
        ];
        // Conversion I feeds the directional, periodicity and covariance tests on binary data.
        let ones: Vec<u8> = if self.binary
            && (which.any(&dir_stats) || which.any(&per_stats) || which.any(&cov_stats))
        {
            conversion::ones_per_byte(data)
        } else {
            Vec::new()
        };
        let seq = if self.binary { &ones[..] } else { data };

        if which.contains(Excursion) {
            out[Excursion.index()] = excursion::excursion(raw, self.raw_mean);
        }
        if which.any(&dir_stats) {
            // One pass gives all three.
            let (runs, longest, incdec) = directional::directional(seq);
            out[NumDirectionalRuns.index()] = runs as f64;
            out[LenDirectionalRuns.index()] = longest as f64;
            out[NumIncreasesDecreases.index()] = incdec as f64;
        }
        if which.any(&[NumRunsMedian, LenRunsMedian]) {
            let (runs, longest) = median_runs::median_runs(data, self.median);
            out[NumRunsMedian.index()] = runs as f64;
            out[LenRunsMedian.index()] = longest as f64;
        }
        if which.any(&[AvgCollision, MaxCollision]) {
            let (avg, max) = if self.binary {
                collision::collisions(&conversion::pack_bytes(data))
            } else {
                collision::collisions(data)
            };
            out[AvgCollision.index()] = avg;
            out[MaxCollision.index()] = max as f64;
        }
        for (s, lag) in per_stats.iter().zip(LAGS) {
            if which.contains(*s) {
                out[s.index()] = periodicity::periodicity(seq, lag) as f64;
            }
        }
        let cov_seq = if self.binary { &ones[..] } else { raw };
        for (s, lag) in cov_stats.iter().zip(LAGS) {
            if which.contains(*s) {
                out[s.index()] = covariance::covariance(cov_seq, lag) as f64;
            }
        }
        if which.contains(Compression) {
            out[Compression.index()] = compression::compression(raw) as f64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_mean_and_median() {
        // Translated 0 1 2 2 over raw values 10 20 40: raw mean (10+20+40+40)/4.
        let c = Context::new(&[0, 1, 2, 2], vec![10, 20, 40]);
        assert_eq!(c.raw_mean, 27.5);
        assert_eq!(c.median, 1.5); // even count: mean of the middle two (1, 2)
        assert!(!c.binary);
        let c = Context::new(&[2, 0, 1], vec![0, 1, 2]);
        assert_eq!(c.median, 1.0);
        let c = Context::new(&[0, 0, 0, 1], vec![3, 7]);
        assert!(c.binary);
        assert_eq!(c.median, 0.5);
        assert_eq!(c.raw_mean, 4.0);
    }

    #[test]
    fn non_binary_statistics_by_hand() {
        // Translated 0 2 1 2 0 1, raw values 5 9 7: raw 5 9 7 9 5 7, mean 7.
        let data = [0u8, 2, 1, 2, 0, 1];
        let c = Context::new(&data, vec![5, 7, 9]);
        let mut out = [0.0; COUNT];
        c.evaluate(&data, StatSet::ALL, &mut out);
        use Statistic::*;
        // Raw running sums 5 14 21 30 35 42 vs 7 14 21 28 35 42: max deviation 2.
        assert_eq!(out[Excursion.index()], 2.0);
        // Steps up, down, up, down, up: 5 runs of 1; 3 ups vs 2 downs.
        assert_eq!(out[NumDirectionalRuns.index()], 5.0);
        assert_eq!(out[LenDirectionalRuns.index()], 1.0);
        assert_eq!(out[NumIncreasesDecreases.index()], 3.0);
        // Median of 0 0 1 1 2 2 is 1: above? F T T T F T -> 4 runs, longest 3.
        assert_eq!(out[NumRunsMedian.index()], 4.0);
        assert_eq!(out[LenRunsMedian.index()], 3.0);
        // Windows [0 2 1 2] (4), then [0 1] has no repeat: average 4, max 4.
        assert_eq!(out[AvgCollision.index()], 4.0);
        assert_eq!(out[MaxCollision.index()], 4.0);
        // Lag 2 on translated: (0,1) (2,2) (1,0) (2,1): one match; lags >= 6: none.
        assert_eq!(out[Periodicity2.index()], 1.0);
        assert_eq!(out[Periodicity8.index()], 0.0);
        // Covariance on raw values, lag 1: 45 + 63 + 63 + 45 + 35.
        assert_eq!(out[Covariance1.index()], 251.0);
        // "5 9 7 9 5 7" compressed: libbz2 gives 44 bytes (python3 bz2, level 5).
        assert_eq!(out[Compression.index()], 44.0);
    }

    #[test]
    fn binary_rules_use_the_conversions() {
        // 16 bits: bytes 1111 0000 and 1010 1010 -> Conversion I [4, 4], II [0xF0, 0xAA].
        let data = [1u8, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0];
        let c = Context::new(&data, vec![0, 1]);
        let mut out = [0.0; COUNT];
        c.evaluate(&data, StatSet::ALL, &mut out);
        use Statistic::*;
        // Directional tests on [4, 4]: one step, up.
        assert_eq!(out[NumDirectionalRuns.index()], 1.0);
        assert_eq!(out[NumIncreasesDecreases.index()], 1.0);
        // Periodicity and covariance at lag 1 on [4, 4].
        assert_eq!(out[Periodicity1.index()], 1.0);
        assert_eq!(out[Covariance1.index()], 16.0);
        // Median runs on the bits themselves (median 0.5): [1111] [0000] then 8 runs of 1.
        assert_eq!(out[NumRunsMedian.index()], 10.0);
        assert_eq!(out[LenRunsMedian.index()], 4.0);
        // Collisions on [0xF0, 0xAA]: no repeat.
        assert_eq!(out[MaxCollision.index()], 0.0);
    }
}

#[cfg(test)]
mod properties {
    use super::super::{collision, covariance, directional, median_runs, periodicity};
    use proptest::prelude::*;

    /// The runs of a +1/-1 sequence, the plain way: (number of runs, longest run).
    fn runs(signs: &[bool]) -> (u64, u64) {
        if signs.is_empty() {
            return (0, 0);
        }
        let mut all = vec![1u64];
        for w in signs.windows(2) {
            if w[0] == w[1] {
                *all.last_mut().unwrap() += 1;
            } else {
                all.push(1);
            }
        }
        (all.len() as u64, *all.iter().max().unwrap())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn fast_statistics_match_their_definitions(
            data in proptest::collection::vec(0u8..6, 2..400),
            lag in 1usize..40,
        ) {
            let up: Vec<bool> = data.windows(2).map(|w| w[0] <= w[1]).collect();
            let (n, l) = runs(&up);
            let ups = up.iter().filter(|&&u| u).count() as u64;
            let inc = ups.max(up.len() as u64 - ups);
            prop_assert_eq!(directional::directional(&data), (n, l, inc));
            prop_assert_eq!(directional::number_of_runs(&data), n);
            prop_assert_eq!(directional::increases_decreases(&data), inc);

            let above: Vec<bool> = data.iter().map(|&v| f64::from(v) >= 2.5).collect();
            prop_assert_eq!(median_runs::median_runs(&data, 2.5), runs(&above));

            let n = data.len();
            let per = (0..n.saturating_sub(lag)).filter(|&i| data[i] == data[i + lag]).count();
            prop_assert_eq!(periodicity::periodicity(&data, lag), per as u64);
            let cov: u64 = (0..n.saturating_sub(lag))
                .map(|i| u64::from(data[i]) * u64::from(data[i + lag]))
                .sum();
            prop_assert_eq!(covariance::covariance(&data, lag), cov);

            // Collisions: restart after each window that ends on a repeat.
            let mut lens = Vec::new();
            let mut start = 0;
            while start < n {
                let mut end = None;
                for j in start..n {
                    if data[start..j].contains(&data[j]) {
                        end = Some(j);
                        break;
                    }
                }
                match end {
                    Some(j) => {
                        lens.push((j - start + 1) as u64);
                        start = j + 1;
                    }
                    None => break,
                }
            }
            let (avg, max) = collision::collisions(&data);
            if lens.is_empty() {
                prop_assert_eq!((avg, max), (0.0, 0));
            } else {
                let total: u64 = lens.iter().sum();
                prop_assert_eq!(avg, total as f64 / lens.len() as f64);
                prop_assert_eq!(max, *lens.iter().max().unwrap());
            }
        }
    }
}
