//! SP 800-90B entropy assessment: pure functions from samples to typed, serde-serializable
//! results. Nothing here prints, touches files or plots.
//!
//! # Start here: [`api`]
//!
//! Four functions take a `&[u8]` of samples (one per byte, the low `bits` bits are the
//! symbol) and an options struct, and return a result that serializes to the JSON the
//! `kqent` command writes:
//!
//! - [`api::non_iid`]: the non-IID assessment (3.1.3 and the ten estimators of 6.3) ->
//!   [`assess::Assessment`] with H_original, H_bitstring and H_assessed;
//! - [`api::iid`]: the IID tests of section 5, then the IID estimate -> [`iid::IidAssessment`];
//! - [`api::restart`]: the restart tests of 3.1.4 on a 1000 x 1000 matrix ->
//!   [`restart::RestartAssessment`];
//! - [`api::health`]: the health-test cutoffs of 4.4 and where they fire ->
//!   [`health::HealthReport`].
//!
//! ```
//! use kqent_analysis::api;
//! use kqent_analysis::assess::AssessOptions;
//!
//! // 100,000 one-bit samples (a real program reads a NIST-format file).
//! let data: Vec<u8> = (0..100_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 20) as u8 & 1).collect();
//! let a = api::non_iid(&data, Some(1), &AssessOptions::default())?;
//! println!("H_assessed = {:.6} bits per sample", a.h_assessed);
//! assert!(a.h_assessed > 0.0 && a.h_assessed <= 1.0);
//! # Ok::<(), kqent_analysis::AnalysisError>(())
//! ```
//!
//! # The modules underneath
//!
//! A trace's durations (or a NIST-format symbol file) become [`Symbols`] through
//! [`extract`]; the estimators of SP 800-90B section 6.3 ([`estimators`]), the IID tests of
//! section 5 ([`iid`]), the restart tests of 3.1.4 ([`restart`]), the health-test cutoffs
//! of 4.4 ([`health`]) and the basic statistics ([`stats`]) turn symbols into results.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod api;
pub mod assess;
pub mod error;
pub mod estimators;
pub mod extract;
pub mod health;
pub mod iid;
pub mod inference;
pub mod restart;
pub mod result;
pub mod rng;
pub mod stats;
pub mod symbols;
pub mod ticks;

pub use error::AnalysisError;
pub use extract::Extraction;
pub use result::{Estimator, EstimatorResult, Outcome, Value};
pub use symbols::Symbols;
