//! The schema crate's error type.

use std::path::PathBuf;

/// Why a document could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// A file could not be read.
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
    /// A value could not be turned into JSON, or back.
    #[error("cannot serialize {0}")]
    Serialize(String),
}
