//! The report crate's error type.

/// Why a report could not be rendered or evaluated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
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
    /// A document that cannot be read back (an IID detail of another version).
    #[error(transparent)]
    Schema(#[from] kqent_schema::SchemaError),
    /// Any other invalid argument.
    #[error("{0}")]
    InvalidArgument(String),
}
