//! The collector's error type: every message is written for the person running `kqent`.

use std::io;

/// Why a collection could not start or had to stop.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectError {
    /// A knob or argument out of range; the message names it and the accepted range.
    #[error("{0}")]
    InvalidConfig(String),
    /// The requested sources need more descriptors than the process may open.
    #[error(
        "the requested sources need {needed} file descriptors ({detail}) but RLIMIT_NOFILE allows {limit}; lower the knobs or raise the limit (ulimit -n)"
    )]
    TooManyDescriptors {
        /// Descriptors the configuration needs, reserve included.
        needed: u64,
        /// The soft RLIMIT_NOFILE.
        limit: u64,
        /// How `needed` adds up.
        detail: String,
    },
    /// The backend does not exist on this operating system.
    #[error("the {backend} backend is not available on {os} (available here: {available})")]
    BackendUnavailable {
        /// Requested backend.
        backend: String,
        /// This operating system.
        os: &'static str,
        /// Backends that are.
        available: String,
    },
    /// A system call failed while setting up or running the event source.
    #[error("{what}: {source}")]
    Os {
        /// What was being done, e.g. "cannot create a timerfd".
        what: String,
        /// The OS error.
        source: io::Error,
    },
    /// Writing the trace failed.
    #[error("cannot write the trace: {0}")]
    Trace(#[from] kqent_trace::TraceError),
}

impl CollectError {
    /// Wraps the current `errno` with a description of what failed.
    pub(crate) fn last_os(what: impl Into<String>) -> Self {
        CollectError::Os {
            what: what.into(),
            source: io::Error::last_os_error(),
        }
    }

    /// Wraps an I/O error with a description of what failed.
    pub(crate) fn io(what: impl Into<String>, source: io::Error) -> Self {
        CollectError::Os {
            what: what.into(),
            source,
        }
    }
}
