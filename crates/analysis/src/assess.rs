//! The initial entropy estimate of SP 800-90B section 3.1.3 (and the conditioned-data
//! variant of 3.1.5.2): runs the non-IID estimators of section 6.3 on the symbols and on
//! their bitstring and combines them into H_assessed.

use serde::{Deserialize, Serialize};

use crate::EstimatorResult;

/// Options of an assessment (the reference tool's flags in brackets).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AssessOptions {
    /// Conditioned-data mode, 3.1.5.2: bitstring only (`-c`).
    pub conditioned: bool,
    /// Cut the bitstring to its first 1,000,000 bits (`-t`).
    pub truncate: bool,
    /// The submitter's claimed entropy per symbol, folded into the minimum.
    pub h_submitter: Option<f64>,
}

/// The result of an assessment: every estimator with its intermediate values, and the
/// combined figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// Symbol width in bits.
    pub bits: u8,
    /// Number of symbols assessed.
    pub samples: u64,
    /// Number of distinct symbols present.
    pub alphabet: usize,
    /// Exactly two distinct symbols: all ten estimators ran on the symbols and there is no
    /// H_bitstring.
    pub binary: bool,
    /// The options used.
    pub options: AssessOptions,
    /// Estimators on the (translated) symbols; empty in conditioned mode.
    pub original: Vec<EstimatorResult>,
    /// Estimators on the bitstring; empty for binary data.
    pub bitstring: Vec<EstimatorResult>,
    /// Length of the bitstring assessed (after `truncate`), 0 when none was.
    pub bitstring_len: u64,
    /// Minimum over `original`, bits per symbol.
    pub h_original: Option<f64>,
    /// Minimum over `bitstring`, bits per bit.
    pub h_bitstring: Option<f64>,
    /// min(bits, H_original, bits x H_bitstring, H_submitter), bits per symbol.
    pub h_assessed: f64,
}
