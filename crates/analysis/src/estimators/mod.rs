//! The ten non-IID estimators of SP 800-90B section 6.3, one module each.
//!
//! Every estimator takes symbols already translated to a dense alphabet `0..k`
//! (see [`crate::symbols::Symbols::translated`]); the binary-only ones (Collision, Markov,
//! Compression) take a bitstring of 0/1 bytes.

mod context_table;
pub mod lag;
pub mod lz78y;
pub mod multi_mcw;
pub mod multi_mmc;
pub mod predictor;
