//! The analysis crate's error type.

/// Why an analysis could not start. Estimators that merely cannot produce a value do not
/// error: they return [`crate::Outcome::NotApplicable`] with the reason.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnalysisError {
    /// A symbol width outside 1..=8 bits.
    #[error("symbol width {0} is outside 1..=8 bits")]
    InvalidWidth(u32),
    /// A sample has bits set above the declared width.
    #[error("sample {index} has value {value}, which does not fit in {bits} bit(s)")]
    SymbolTooWide {
        /// Position of the sample, from 0.
        index: usize,
        /// Its value.
        value: u8,
        /// The declared width.
        bits: u8,
    },
    /// No samples at all.
    #[error("the input holds no samples")]
    Empty,
    /// Too few samples for the requested operation.
    #[error("{what} needs at least {needed} samples, the input has {actual}")]
    TooFewSamples {
        /// The operation, in words.
        what: String,
        /// Samples it needs.
        needed: usize,
        /// Samples the input has.
        actual: usize,
    },
    /// An `--extract` specification that does not parse.
    #[error("invalid extraction method {spec:?}: {reason}")]
    InvalidExtraction {
        /// The specification as given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Any other invalid argument, with a message written for the user.
    #[error("{0}")]
    InvalidArgument(String),
    /// The caller's cancel flag was raised (e.g. SIGINT) during a long computation.
    #[error("interrupted")]
    Interrupted,
}
