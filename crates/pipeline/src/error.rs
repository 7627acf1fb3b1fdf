//! The pipeline's error type.

use std::path::PathBuf;

/// Why an input could not be read, assessed or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// A file could not be opened, read or written.
    #[error("{what} {}: {cause}", path.display())]
    Io {
        /// What was being done ("cannot open", "cannot write").
        what: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        cause: std::io::Error,
    },
    /// The input is not what it must be (the message names the file and says why).
    #[error("{message}")]
    Input {
        /// The input file.
        path: PathBuf,
        /// What is wrong, written for the user.
        message: String,
    },
    /// A trace that cannot be read.
    #[error("cannot read trace {}: {cause}", path.display())]
    Trace {
        /// The trace file.
        path: PathBuf,
        /// What the trace reader found.
        cause: kqent_trace::TraceError,
    },
    /// A trace record that does not validate, before the path is known to the caller
    /// (`TraceData::read`; `read_input` names the file).
    #[error("{0}")]
    TraceRecords(kqent_trace::TraceError),
    /// The analysis refused its options or was interrupted.
    #[error(transparent)]
    Analysis(#[from] kqent_analysis::AnalysisError),
    /// A document could not be built or serialized.
    #[error(transparent)]
    Schema(#[from] kqent_schema::SchemaError),
    /// Any other invalid argument, with a message written for the user.
    #[error("{0}")]
    InvalidArgument(String),
}

impl PipelineError {
    pub(crate) fn io(what: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        PipelineError::Io {
            what,
            path: path.to_path_buf(),
            cause: source,
        }
    }
}
