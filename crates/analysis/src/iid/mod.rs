//! SP 800-90B section 5: testing the IID assumption, and the IID-track entropy estimate.
//!
//! [`assess_iid`] runs the chi-square tests (5.2.1 - 5.2.4), the longest-repeated-substring
//! test (5.2.5) and the permutation tests (5.1) on the 19 statistics, verdict first: the
//! cheap statistics run over all their permutations; the expensive one (compression,
//! bzip2) only while the verdict is still open, unless [`IidOptions::all_statistics`] asks
//! for it. When every test passes, the IID entropy (MCV on the symbols and the bitstring)
//! is given; otherwise none is claimed. A failed verdict is a result, not an error.

mod bit_runs;
pub(crate) mod bzip2;
pub mod chi_square;
pub mod collision;
pub mod compression;
pub mod conversion;
pub mod covariance;
pub mod directional;
pub mod entropy;
pub mod excursion;
pub mod lrs;
pub mod median_runs;
pub mod periodicity;
pub mod permutation;
pub mod statistic;

use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};

use crate::{AnalysisError, Symbols};
pub use chi_square::{ChiSquareResult, ChiSquareTest};
pub use entropy::IidEntropy;
pub use lrs::LrsTestResult;
pub use permutation::{PermutationOutcome, PermutationResult};
pub use statistic::Statistic;

use statistic::{Context, StatSet, COUNT};

/// The number of permutations SP 800-90B prescribes.
pub const PERMUTATIONS: usize = 10_000;

/// Fewest samples the IID tests accept: the goodness-of-fit tests cut the data into ten
/// parts, and below this the statistics say nothing (SP 800-90B asks for 1,000,000,
/// [`crate::assess::REQUIRED_SAMPLES`]).
pub const MIN_IID_SAMPLES: usize = 100;

/// Why a statistic was not computed when the verdict was already decided.
pub const VERDICT_DECIDED: &str = "verdict already decided";

/// Options of the IID track.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IidOptions {
    /// Seed of the permutations (`--seed`).
    pub seed: u64,
    /// Number of permutations (10,000 in SP 800-90B).
    pub permutations: usize,
    /// Compute every statistic even once the verdict is decided (`--all-statistics`).
    pub all_statistics: bool,
}

impl Default for IidOptions {
    fn default() -> Self {
        IidOptions {
            seed: 0,
            permutations: PERMUTATIONS,
            all_statistics: false,
        }
    }
}

/// Everything the IID track found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IidAssessment {
    /// Symbol width in bits.
    pub bits: u8,
    /// Number of samples.
    pub samples: u64,
    /// Number of distinct symbols.
    pub alphabet: usize,
    /// Exactly two distinct symbols (the binary rules of 5.1 and 5.2.3/5.2.4 apply).
    pub binary: bool,
    /// The options used.
    pub options: IidOptions,
    /// Mean of the untranslated samples.
    pub mean: f64,
    /// Median of the translated samples (0.5 for binary data).
    pub median: f64,
    /// Chi-square test of independence (5.2.1 or 5.2.3).
    pub chi_square_independence: ChiSquareResult,
    /// Chi-square goodness-of-fit test (5.2.2 or 5.2.4).
    pub chi_square_goodness_of_fit: ChiSquareResult,
    /// Longest-repeated-substring test (5.2.5).
    pub lrs: LrsTestResult,
    /// The 19 permutation-test statistics (5.1), in section order.
    pub permutation_tests: Vec<PermutationResult>,
    /// No permutation statistic failed (statistics not evaluated do not count).
    pub permutation_pass: bool,
    /// The verdict: every test passed.
    pub iid: bool,
    /// The IID entropy estimate, only when `iid`.
    pub entropy: Option<IidEntropy>,
    /// Why the permutation tests did not run, when the data leaves nothing to test (every
    /// symbol has the same value): the verdict is then false and no IID entropy is claimed.
    /// The symbols carry no entropy; the non-IID assessment says 0 bits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_applicable: Option<String>,
}

/// Runs the IID tests of section 5 on `symbols` and, when they all pass, the IID entropy
/// estimate.
///
/// ```
/// use kqent_analysis::iid::{assess_iid, IidOptions};
/// use kqent_analysis::{rng::Rng, Symbols};
/// let mut r = Rng::new(1, 0);
/// let data: Vec<u8> = (0..5_000).map(|_| r.below(16) as u8).collect();
/// let opts = IidOptions { seed: 1, permutations: 200, all_statistics: false };
/// let a = assess_iid(&Symbols::new(data, 4).unwrap(), &opts).unwrap();
/// assert_eq!(a.permutation_tests.len(), 19);
/// assert_eq!(a.iid, a.entropy.is_some());
/// ```
pub fn assess_iid(symbols: &Symbols, opts: &IidOptions) -> Result<IidAssessment, AnalysisError> {
    assess_iid_cancellable(symbols, opts, None)
}

/// [`assess_iid`] that stops with [`AnalysisError::Interrupted`] soon after `cancel` is raised
/// (it is checked between chunks of permutations): for callers that catch SIGINT.
///
/// ```
/// use std::sync::atomic::AtomicBool;
/// use kqent_analysis::iid::{assess_iid_cancellable, IidOptions};
/// use kqent_analysis::{AnalysisError, Symbols};
/// let s = Symbols::new((0..1000).map(|i| (i * 7 % 16) as u8).collect(), 4).unwrap();
/// let raised = AtomicBool::new(true);
/// let r = assess_iid_cancellable(&s, &IidOptions::default(), Some(&raised));
/// assert!(matches!(r, Err(AnalysisError::Interrupted)));
/// ```
pub fn assess_iid_cancellable(
    symbols: &Symbols,
    opts: &IidOptions,
    cancel: Option<&AtomicBool>,
) -> Result<IidAssessment, AnalysisError> {
    if opts.permutations == 0 {
        return Err(AnalysisError::InvalidArgument(
            "the number of permutations must be at least 1".into(),
        ));
    }
    if symbols.len() < MIN_IID_SAMPLES {
        return Err(AnalysisError::TooFewSamples {
            what: "the IID tests".into(),
            needed: MIN_IID_SAMPLES,
            actual: symbols.len(),
        });
    }
    let t = symbols.translated();
    let ctx = Context::new(&t.data, t.original.clone());
    if t.alphabet < 2 {
        return Ok(constant(symbols, opts, &t.data, &ctx));
    }
    // Three independent pieces of work before the permutations (the statistics of the
    // original include one compression): side by side on the pool.
    let ((independence, goodness), (lrs, original)) = rayon::join(
        || chi_square::tests(&t.data, t.alphabet),
        || {
            rayon::join(
                || lrs::lrs_test(&t.data, t.alphabet),
                || {
                    let mut original = [0.0; COUNT];
                    ctx.evaluate(&t.data, StatSet::ALL, &mut original);
                    original
                },
            )
        },
    );
    let mut counters = permutation::Counters::new(original);
    if opts.all_statistics {
        // Everything runs to its end anyway: one pass, so each permutation is shuffled once.
        permutation::run_stage(
            &t.data,
            &ctx,
            opts.seed,
            opts.permutations,
            StatSet::ALL,
            &mut counters,
            cancel,
        )?;
    } else {
        let mut cheap = StatSet::ALL;
        let mut costly = StatSet::default();
        for s in Statistic::ALL {
            if s.expensive() {
                cheap.remove(s);
                costly.0 |= 1 << s.index();
            }
        }
        permutation::run_stage(
            &t.data,
            &ctx,
            opts.seed,
            opts.permutations,
            cheap,
            &mut counters,
            cancel,
        )?;
        let cheap_failed = Statistic::ALL
            .iter()
            .any(|&s| !s.expensive() && counters.failed(s, opts.permutations));
        let decided = cheap_failed || !independence.pass || !goodness.pass || !lrs.pass;
        if !decided {
            permutation::run_stage(
                &t.data,
                &ctx,
                opts.seed,
                opts.permutations,
                costly,
                &mut counters,
                cancel,
            )?;
        }
    }
    let permutation_tests = counters.results(opts.permutations, VERDICT_DECIDED);
    let permutation_pass = permutation_tests
        .iter()
        .all(|r| r.outcome != PermutationOutcome::Fail);
    let iid = permutation_pass && independence.pass && goodness.pass && lrs.pass;
    let entropy = iid.then(|| entropy::iid_entropy(symbols, &t.data, t.alphabet));
    Ok(IidAssessment {
        bits: symbols.bits(),
        samples: symbols.len() as u64,
        alphabet: t.alphabet,
        binary: t.alphabet == 2,
        options: opts.clone(),
        mean: ctx.raw_mean,
        median: ctx.median,
        chi_square_independence: independence,
        chi_square_goodness_of_fit: goodness,
        lrs,
        permutation_tests,
        permutation_pass,
        iid,
        entropy,
        not_applicable: None,
    })
}

/// The IID track on symbols that all have one value: the chi-square tests (cheap, and
/// degenerate: no degrees of freedom) and the statistics of the sequence are reported,
/// the longest repeat is the whole sequence but one, and no permutation is run (each would
/// equal the original). The verdict is false, with the reason.
fn constant(symbols: &Symbols, opts: &IidOptions, data: &[u8], ctx: &Context) -> IidAssessment {
    let (independence, goodness) = chi_square::tests(data, 1);
    let mut original = [0.0; COUNT];
    ctx.evaluate(data, StatSet::ALL, &mut original);
    let n = data.len() as u64;
    // Any two of the n - 1 shifts agree everywhere: W = n - 1, p_col = 1, one pair.
    let lrs = LrsTestResult {
        p_col: 1.0,
        w: n.saturating_sub(1),
        pairs: 1.0,
        pr_at_least_one: 1.0,
        pass: true,
    };
    IidAssessment {
        bits: symbols.bits(),
        samples: n,
        alphabet: 1,
        binary: false,
        options: opts.clone(),
        mean: ctx.raw_mean,
        median: ctx.median,
        chi_square_independence: independence,
        chi_square_goodness_of_fit: goodness,
        lrs,
        permutation_tests: permutation::Counters::new(original)
            .results(opts.permutations, crate::assess::CONSTANT_REASON),
        permutation_pass: false,
        iid: false,
        entropy: None,
        not_applicable: Some(crate::assess::CONSTANT_REASON.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn random(n: usize, k: u64, seed: u64) -> Symbols {
        let mut r = Rng::new(seed, 0);
        let bits = (64 - (k - 1).leading_zeros()).max(1) as u8;
        Symbols::new((0..n).map(|_| r.below(k) as u8).collect(), bits).unwrap()
    }

    fn json_with_threads(s: &Symbols, opts: &IidOptions, threads: usize) -> String {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let a = pool.install(|| assess_iid(s, opts)).unwrap();
        serde_json::to_string(&a).unwrap()
    }

    #[test]
    fn constant_data_is_not_iid_with_the_reason() {
        let s = Symbols::new(vec![3; 1000], 2).unwrap();
        let a = assess_iid(&s, &IidOptions::default()).unwrap();
        assert!(!a.iid && !a.permutation_pass);
        assert!(a.entropy.is_none());
        assert_eq!(
            a.not_applicable.as_deref(),
            Some(crate::assess::CONSTANT_REASON)
        );
        assert_eq!(a.alphabet, 1);
        assert_eq!(a.permutation_tests.len(), 19);
        assert!(a.permutation_tests.iter().all(|r| r.permutations == 0
            && matches!(&r.outcome, PermutationOutcome::NotEvaluated { .. })));
        assert_eq!(a.lrs.w, 999);
        assert_eq!(a.mean, 3.0);
        // Varied data records no reason.
        let v = assess_iid(
            &random(1000, 4, 1),
            &IidOptions {
                permutations: 10,
                ..IidOptions::default()
            },
        )
        .unwrap();
        assert!(v.not_applicable.is_none());
        assert!(!serde_json::to_string(&v)
            .unwrap()
            .contains("not_applicable"));
    }

    #[test]
    fn same_seed_same_json_whatever_the_threads() {
        let s = random(20_000, 10, 1);
        let opts = IidOptions {
            seed: 42,
            permutations: 2_000,
            all_statistics: true,
        };
        let one = json_with_threads(&s, &opts, 1);
        assert_eq!(one, json_with_threads(&s, &opts, 2));
        assert_eq!(one, json_with_threads(&s, &opts, 3));
        let other = IidOptions { seed: 43, ..opts };
        assert_ne!(one, json_with_threads(&s, &other, 2));
    }

    #[test]
    fn random_data_passes_and_gets_mcv_entropy() {
        let s = random(50_000, 4, 2);
        let opts = IidOptions {
            seed: 1,
            permutations: 1_000,
            all_statistics: false,
        };
        let a = assess_iid(&s, &opts).unwrap();
        assert!(a.iid, "{:#?}", a.permutation_tests);
        let e = a.entropy.unwrap();
        // MCV of 4 equally likely values: a little below 2 bits; bitstring a little below 1.
        assert!(e.h_original > 1.9 && e.h_original < 2.0, "{}", e.h_original);
        let hb = e.h_bitstring.unwrap();
        assert!(hb > 0.95 && hb < 1.0);
        assert_eq!(e.h_assessed, e.h_original.min(2.0 * hb));
        for r in &a.permutation_tests {
            assert_eq!(r.outcome, PermutationOutcome::Pass, "{}", r.name);
            assert!(r.permutations >= 6 && r.permutations < 1_000);
            assert_eq!(r.c0 + r.c1 + r.c2, r.permutations);
        }
    }

    #[test]
    fn sorted_data_fails_and_skips_compression_unless_asked() {
        // A slow ramp: every run statistic is extreme.
        let data: Vec<u8> = (0..20_000u32).map(|i| (i / 2_000) as u8).collect();
        let s = Symbols::new(data, 4).unwrap();
        let mut opts = IidOptions {
            seed: 1,
            permutations: 300,
            all_statistics: false,
        };
        let a = assess_iid(&s, &opts).unwrap();
        assert!(!a.iid && a.entropy.is_none());
        let c = &a.permutation_tests[Statistic::Compression.index()];
        assert_eq!(c.permutations, 0);
        assert!(matches!(c.outcome, PermutationOutcome::NotEvaluated { .. }));
        opts.all_statistics = true;
        let b = assess_iid(&s, &opts).unwrap();
        let c = &b.permutation_tests[Statistic::Compression.index()];
        // The ramp compresses far better than any shuffle: C0 + C1 stays 0.
        assert_eq!(c.outcome, PermutationOutcome::Fail);
        assert_eq!((c.c0, c.c1, c.permutations), (300, 0, 300));
        // The cheap statistics are the same either way.
        assert_eq!(a.permutation_tests[..18], b.permutation_tests[..18]);
    }

    #[test]
    fn rejects_too_few_samples_and_zero_permutations() {
        // One symbol is assessed (not IID, with the reason: see constant_data_is_not_iid...).
        let s = Symbols::new(vec![3; 100], 2).unwrap();
        assert!(!assess_iid(&s, &IidOptions::default()).unwrap().iid);
        let e = assess_iid(&random(99, 2, 1), &IidOptions::default()).unwrap_err();
        assert!(e.to_string().contains("at least 100"), "{e}");
        let s = random(100, 2, 1);
        let opts = IidOptions {
            permutations: 0,
            ..IidOptions::default()
        };
        assert!(assess_iid(&s, &opts).is_err());
    }
}
