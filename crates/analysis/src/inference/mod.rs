//! Statistics over repetitions of a sweep: what a researcher needs to cite a comparison.
//!
//! Not part of SP 800-90B; this is the inference layer on top of its per-run estimates
//! (H_assessed and the basic statistics of each run):
//!
//! - [`spread`]: mean, standard deviation and Student-t confidence interval of a figure over
//!   repetitions.
//! - [`mod@welch`]: Welch's unequal-variance t test of two groups, the confidence interval of
//!   their difference and the smallest difference the design could detect.
//! - [`mod@holm`]: Holm's step-down adjustment of a family of p-values.
//! - [`family`]: the comparisons of a kinds sweep (each kind and combination against the
//!   empty queue, each combination against its best single kind, the empty queue against
//!   the clock-only floor), their verdicts and the overall answer.
//! - [`rate`]: entropy per second of collection, per CPU-second and time to 320 bits.
//! - [`summary`]: the per-sweep summary document all of this feeds.
//!
//! Everything is deterministic (no resampling); distributions come from statrs.

pub mod family;
pub mod holm;
pub mod rate;
pub mod spread;
pub mod summary;
pub mod welch;

pub use family::Role;
pub use family::{compare_family, Comparison, ComparisonKind, FamilyOptions, KindsAnswer, Verdict};
pub use holm::holm;
pub use rate::{CollectionInfo, RunRate};
pub use spread::{t_quantile, Spread};
pub use summary::{
    row_ids, summarize, Caveat, ConfigStats, ExtractionAssessment, ExtractionStats, Observation,
    RateStats, Summary, SweepFacts,
};
pub use welch::{welch, Welch};
