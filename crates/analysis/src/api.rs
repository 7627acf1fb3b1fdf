//! The entry point for programs that use kqent-analysis as a library: four functions from
//! a byte slice of samples to a serde result, one per SP 800-90B procedure.
//!
//! | function | SP 800-90B | result |
//! |---|---|---|
//! | [`non_iid`] | 3.1.3, 6.3: the ten non-IID estimators, H_original, H_bitstring, H_assessed | [`Assessment`] |
//! | [`iid`] | 5: chi-square, LRS and permutation tests, then the IID estimate | [`IidAssessment`] |
//! | [`restart`] | 3.1.4: sanity check and row/column assessment of a 1000 x 1000 matrix | [`RestartAssessment`] |
//! | [`health`] | 4.4: Repetition Count and Adaptive Proportion cutoffs and where they fire | [`HealthReport`] |
//!
//! The input is NIST-format: one sample per byte whose low `bits` bits are the symbol. A
//! width of `None` is inferred from the highest bit set anywhere in the data, as the
//! reference tool does. Every function checks its input and returns
//! [`AnalysisError`] with a message written for the user (the same messages `kqent`
//! prints); none prints, touches files or panics on bad input. The results serialize to
//! the JSON `kqent` writes (`analyze --json` holds an [`Assessment`] under `assessment` and
//! an [`IidAssessment`] under `iid.detail`).
//!
//! Work runs on rayon's global thread pool; call from inside
//! `rayon::ThreadPool::install` to bound it. Results do not depend on the thread count.
//!
//! ```
//! use kqent_analysis::api::{self, HealthOptions};
//! use kqent_analysis::assess::AssessOptions;
//! use kqent_analysis::iid::IidOptions;
//!
//! // 20,000 four-bit samples from a small generator.
//! let mut x = 1u32;
//! let data: Vec<u8> = (0..20_000)
//!     .map(|_| { x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223); (x >> 28) as u8 })
//!     .collect();
//!
//! let a = api::non_iid(&data, Some(4), &AssessOptions::default())?;
//! assert!(a.h_assessed > 0.0 && a.h_assessed <= 4.0);
//!
//! let opts = IidOptions { seed: 1, permutations: 100, all_statistics: false };
//! let i = api::iid(&data, None, &opts)?; // width inferred: 4 bits
//! assert_eq!(i.bits, 4);
//!
//! let h = api::health(&data, Some(4), &HealthOptions { h: a.h_assessed, ..HealthOptions::default() })?;
//! assert_eq!(h.counts.samples, 20_000);
//! println!("{}", serde_json::to_string(&a).unwrap());
//! # Ok::<(), kqent_analysis::AnalysisError>(())
//! ```

use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};

pub use crate::assess::{AssessOptions, Assessment};
pub use crate::health::HealthReport;
pub use crate::iid::{IidAssessment, IidOptions};
pub use crate::restart::{RestartAssessment, RestartOptions};
use crate::{AnalysisError, Symbols};

/// Validates `data` as NIST-format samples of `bits` bits (inferred when `None`).
///
/// ```
/// use kqent_analysis::api::symbols;
/// assert_eq!(symbols(&[0, 5, 1], None).unwrap().bits(), 3);
/// assert!(symbols(&[0, 5, 1], Some(2)).is_err());
/// ```
pub fn symbols(data: &[u8], bits: Option<u8>) -> Result<Symbols, AnalysisError> {
    Symbols::from_nist_bytes(data.to_vec(), bits)
}

/// The non-IID assessment (SP 800-90B 3.1.3 with the estimators of 6.3) of `data`: what
/// `kqent analyze` computes.
///
/// ```
/// use kqent_analysis::api::{non_iid, AssessOptions};
/// let data: Vec<u8> = (0..5_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 & 7).collect();
/// let a = non_iid(&data, Some(3), &AssessOptions::default()).unwrap();
/// assert_eq!(a.samples, 5_000);
/// assert!(non_iid(&[], Some(3), &AssessOptions::default()).is_err());
/// ```
pub fn non_iid(
    data: &[u8],
    bits: Option<u8>,
    opts: &AssessOptions,
) -> Result<Assessment, AnalysisError> {
    crate::assess::assess_non_iid(&symbols(data, bits)?, opts)
}

/// The IID track (SP 800-90B section 5): what `kqent analyze --iid` computes. A failed
/// verdict is a result (`iid == false`, no entropy), not an error.
pub fn iid(
    data: &[u8],
    bits: Option<u8>,
    opts: &IidOptions,
) -> Result<IidAssessment, AnalysisError> {
    iid_cancellable(data, bits, opts, None)
}

/// [`iid`] that stops with [`AnalysisError::Interrupted`] soon after `cancel` is raised
/// (for a caller that catches Ctrl-C, or any other reason to give up).
///
/// ```
/// use std::sync::atomic::AtomicBool;
/// use kqent_analysis::api::{iid_cancellable, IidOptions};
/// use kqent_analysis::AnalysisError;
/// let data: Vec<u8> = (0..1_000u32).map(|i| (i * 7 % 16) as u8).collect();
/// let r = iid_cancellable(&data, Some(4), &IidOptions::default(), Some(&AtomicBool::new(true)));
/// assert!(matches!(r, Err(AnalysisError::Interrupted)));
/// ```
pub fn iid_cancellable(
    data: &[u8],
    bits: Option<u8>,
    opts: &IidOptions,
    cancel: Option<&AtomicBool>,
) -> Result<IidAssessment, AnalysisError> {
    crate::iid::assess_iid_cancellable(&symbols(data, bits)?, opts, cancel)
}

/// Which estimators assess the rows and columns of a restart matrix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RestartEstimators {
    /// Every non-IID estimator of 6.3 that applies (the default).
    #[default]
    NonIid,
    /// The MCV estimate alone, for an IID source (`kqent restart --iid`).
    Iid,
}

/// The restart tests (SP 800-90B 3.1.4) on `matrix`: 1,000 restarts of 1,000 samples each,
/// restart after restart, one sample per byte. What `kqent restart` computes.
///
/// ```
/// use kqent_analysis::api::{restart, RestartEstimators, RestartOptions};
/// let opts = RestartOptions { h_initial: 1.0, seed: 0, simulation_rounds: 1000 };
/// let e = restart(&[0, 1, 0], 1, &opts, RestartEstimators::Iid).unwrap_err();
/// assert!(e.to_string().contains("1000 restarts x 1000 samples"));
/// ```
pub fn restart(
    matrix: &[u8],
    bits: u8,
    opts: &RestartOptions,
    estimators: RestartEstimators,
) -> Result<RestartAssessment, AnalysisError> {
    let m = crate::restart::RestartMatrix::from_bytes(matrix.to_vec(), bits)?;
    let estimate = match estimators {
        RestartEstimators::NonIid => crate::restart::non_iid,
        RestartEstimators::Iid => crate::restart::mcv_only,
    };
    crate::restart::assess_restart(&m, opts, &estimate)
}

/// Options of [`health`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HealthOptions {
    /// The claimed min-entropy per symbol, bits, in (0, bits].
    pub h: f64,
    /// False-positive probability of each test, in (0, 1); SP 800-90B recommends 2^-20.
    pub alpha: f64,
}

impl Default for HealthOptions {
    /// `h = 1` bit per symbol, `alpha = 2^-20`.
    fn default() -> Self {
        HealthOptions {
            h: 1.0,
            alpha: crate::health::DEFAULT_ALPHA,
        }
    }
}

/// The health tests (SP 800-90B 4.4) on `data` for a claimed entropy: their cutoffs and
/// every place they fire. What `kqent health` computes. A source is binary (APT window
/// 1024) when its width is 1 bit or exactly two distinct values occur.
///
/// ```
/// use kqent_analysis::api::{health, HealthOptions};
/// let data: Vec<u8> = (0..4096u32).map(|i| (i % 16) as u8).collect();
/// let r = health(&data, Some(4), &HealthOptions { h: 4.0, ..HealthOptions::default() }).unwrap();
/// assert_eq!(r.counts.rct_failures, 0);
/// let e = health(&data, Some(4), &HealthOptions { h: 5.0, ..HealthOptions::default() });
/// assert!(e.unwrap_err().to_string().contains("exceeds the 4-bit symbol width"));
/// ```
pub fn health(
    data: &[u8],
    bits: Option<u8>,
    opts: &HealthOptions,
) -> Result<HealthReport, AnalysisError> {
    let s = symbols(data, bits)?;
    health_of(&s, opts)
}

/// [`health`] on validated symbols.
pub fn health_of(symbols: &Symbols, opts: &HealthOptions) -> Result<HealthReport, AnalysisError> {
    if opts.h > f64::from(symbols.bits()) {
        return Err(AnalysisError::InvalidArgument(format!(
            "H = {} bits exceeds the {}-bit symbol width: a symbol cannot carry more entropy than its width",
            opts.h,
            symbols.bits()
        )));
    }
    // SP 800-90B calls a source binary when it produces two distinct values.
    let binary = symbols.bits() == 1 || symbols.is_binary();
    let cutoffs = crate::health::cutoffs(opts.h, opts.alpha, binary)?;
    Ok(crate::health::run(symbols, &cutoffs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(n: usize, bits: u8) -> Vec<u8> {
        let mut x = 7u32;
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (x >> (32 - u32::from(bits))) as u8
            })
            .collect()
    }

    #[test]
    fn same_results_as_the_modules_it_fronts() {
        let data = lcg(20_000, 3);
        let s = Symbols::new(data.clone(), 3).unwrap();
        let opts = AssessOptions::default();
        assert_eq!(
            non_iid(&data, Some(3), &opts).unwrap(),
            crate::assess::assess_non_iid(&s, &opts).unwrap()
        );
        let iopts = IidOptions {
            permutations: 50,
            ..IidOptions::default()
        };
        assert_eq!(
            iid(&data, None, &iopts).unwrap(),
            crate::iid::assess_iid(&s, &iopts).unwrap()
        );
        let h = health(&data, Some(3), &HealthOptions::default()).unwrap();
        let c = crate::health::cutoffs(1.0, crate::health::DEFAULT_ALPHA, false).unwrap();
        assert_eq!(h, crate::health::run(&s, &c));
    }

    #[test]
    fn bad_input_is_an_error_with_the_reason() {
        let e = non_iid(&[0, 9, 1], Some(2), &AssessOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "sample 1 has value 9, which does not fit in 2 bit(s)"
        );
        assert!(matches!(
            iid(&[1, 2], Some(9), &IidOptions::default()),
            Err(AnalysisError::InvalidWidth(9))
        ));
        assert!(matches!(
            health(&[], None, &HealthOptions::default()),
            Err(AnalysisError::Empty)
        ));
        let bad_alpha = HealthOptions { h: 1.0, alpha: 1.5 };
        assert!(health(&[0, 1, 1, 0], None, &bad_alpha).is_err());
        let opts = RestartOptions {
            h_initial: 9.0,
            seed: 0,
            simulation_rounds: 10,
        };
        let m = lcg(1_000_000, 1);
        let e = restart(&m, 1, &opts, RestartEstimators::Iid).unwrap_err();
        assert!(e.to_string().contains("must be in (0, 1]"), "{e}");
    }

    #[test]
    fn binary_rule_of_health() {
        // Two distinct values in 4-bit samples: binary, so the 1024-sample window.
        let data: Vec<u8> = lcg(5000, 1).iter().map(|&b| b * 9).collect();
        let r = health(&data, Some(4), &HealthOptions::default()).unwrap();
        assert!(r.cutoffs.binary);
        assert_eq!(r.cutoffs.apt_window, crate::health::BINARY_WINDOW);
    }
}
