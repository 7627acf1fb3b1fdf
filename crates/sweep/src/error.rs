//! The sweep crate's error type.

use std::path::PathBuf;

/// Why a sweep could not start, continue or be read back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    /// A file or directory could not be read or written.
    #[error("{path}: {cause}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        cause: std::io::Error,
    },
    /// A directory with no result files.
    #[error("{0}: no results found (expected results/*.json, or a result JSON file)")]
    NoResults(PathBuf),
    /// A knob list that does not parse.
    #[error("invalid knob list {spec:?}: {reason}")]
    InvalidKnobList {
        /// The list as given.
        spec: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A knob value beyond what the knob's type holds.
    #[error("{value} is too large: at most {max}")]
    KnobTooLarge {
        /// The value given.
        value: u64,
        /// The largest the knob takes.
        max: u64,
    },
    /// The sweep directory cannot hold this sweep (not empty, other settings, locked).
    #[error("{0}")]
    Directory(String),
    /// A configuration the collector refuses.
    #[error("configuration {config_id}: {cause}")]
    Config {
        /// The configuration.
        config_id: String,
        /// What the collector said.
        cause: kqent_collector::CollectError,
    },
    /// A run whose collection failed.
    #[error("collecting {config_id} r{rep}: {cause}")]
    Collect {
        /// The configuration.
        config_id: String,
        /// The repetition.
        rep: u32,
        /// What the collector said.
        cause: kqent_collector::CollectError,
    },
    /// A run whose assessment failed.
    #[error("{config_id} r{rep}: {cause}")]
    Assess {
        /// The configuration.
        config_id: String,
        /// The repetition.
        rep: u32,
        /// What went wrong.
        cause: kqent_pipeline::PipelineError,
    },
    /// Reading or writing a document, or a file through the atomic writer.
    #[error(transparent)]
    Pipeline(#[from] kqent_pipeline::PipelineError),
    /// Reading a document.
    #[error(transparent)]
    Schema(#[from] kqent_schema::SchemaError),
    /// Any other failure, with a message written for the user.
    #[error("{0}")]
    Other(String),
}

impl SweepError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SweepError::Io {
            path: path.into(),
            cause: source,
        }
    }
}
