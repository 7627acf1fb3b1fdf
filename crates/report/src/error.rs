//! The report crate's error type.

use std::path::PathBuf;

/// Why a report could not be read, written or evaluated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file is not valid JSON or does not match the schema.
    #[error("{path}: not a valid kqent report: {message}")]
    Json {
        /// The file.
        path: PathBuf,
        /// What is wrong, as serde_json says it.
        message: String,
    },
    /// A report written by a newer kqent.
    #[error("{path}: schema_version {found} is newer than this kqent understands ({supported}); upgrade kqent to read it")]
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// Its schema_version.
        found: u64,
        /// The newest this build reads.
        supported: u32,
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
    /// `--require-iid` on results that carry no IID verdict.
    #[error("--require-iid: {0} has no IID verdict (run the IID tests first)")]
    MissingIid(String),
    /// A plot could not be drawn.
    #[error("plot {name}: {message}")]
    Plot {
        /// Which plot.
        name: String,
        /// The backend's message.
        message: String,
    },
    /// Any other invalid argument.
    #[error("{0}")]
    InvalidArgument(String),
}

impl ReportError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ReportError::Io {
            path: path.into(),
            source,
        }
    }
}
