//! SP 800-90B entropy assessment for kqent: pure functions from symbols to typed results.
//!
//! Data flows one way: a trace (or a NIST-format symbol file) becomes [`Symbols`]
//! through [`extract`]; the estimators of SP 800-90B section 6.3 ([`estimators`]), the IID
//! tests of section 5 ([`iid`]), the restart tests of 3.1.4 ([`restart`]), the health-test
//! cutoffs of 4.4 ([`health`]) and the basic statistics ([`stats`]) turn symbols into
//! serde-serializable results. Nothing here prints, touches files or plots.
#![forbid(unsafe_code)]

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
