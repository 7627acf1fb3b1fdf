//! The trace crate's error type. Every message about bad input names the byte offset.

/// Why a trace could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TraceError {
    /// The underlying reader or writer failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The first 8 bytes are not [`crate::MAGIC`]: not a kqent trace.
    #[error("not a kqent trace: bad magic at byte 0 (found {})", show_bytes(.found))]
    BadMagic {
        /// The bytes found where the magic belongs (fewer than 8 if the input is shorter).
        found: Vec<u8>,
    },
    /// A format version this build cannot read.
    #[error(
        "unsupported trace format version {found} at byte 8 (this kqent reads version {supported})"
    )]
    UnsupportedVersion {
        /// Version in the file.
        found: u16,
        /// Version this build reads and writes.
        supported: u16,
    },
    /// A structurally invalid byte range.
    #[error("corrupt trace at byte {offset}: {what}")]
    Corrupt {
        /// Byte offset of the first bad byte (or of the start of the bad field or record).
        offset: u64,
        /// What is wrong, for a person.
        what: String,
    },
    /// The file ends before the data its header announces.
    #[error("truncated trace at byte {offset}: expected {expected} bytes, the input has {actual}")]
    Truncated {
        /// Offset of the first incomplete part (the preamble, the JSON header or a record).
        offset: u64,
        /// Length the header announces, in bytes.
        expected: u64,
        /// Actual length, in bytes.
        actual: u64,
    },
    /// The writer never finished (the record count still holds its sentinel): the
    /// collection was killed before it could close the trace.
    #[error("unfinished trace: the record count at byte 16 was never written (the collection stopped before closing the trace)")]
    Unfinished,
    /// The caller tried to write a record that the format forbids.
    #[error("invalid record {index}: {what}")]
    InvalidRecord {
        /// Index of the record in the trace.
        index: u64,
        /// What is wrong.
        what: String,
    },
    /// The metadata given to [`crate::TraceWriter::finish`] no longer fits the JSON region
    /// reserved at creation.
    #[error("trace metadata needs {needed} bytes but only {reserved} were reserved when the trace was created")]
    MetadataTooLarge {
        /// Serialized size of the final metadata.
        needed: u64,
        /// Size of the reserved JSON region.
        reserved: u64,
    },
    /// Metadata that cannot be serialized or is inconsistent with the trace.
    #[error("invalid trace metadata: {0}")]
    Metadata(String),
}

fn show_bytes(b: &[u8]) -> String {
    if b.is_empty() {
        return "an empty input".to_string();
    }
    let printable = b.iter().all(|c| c.is_ascii_graphic() || *c == b' ');
    if printable && !b.is_empty() {
        format!("{:?}", String::from_utf8_lossy(b))
    } else {
        let hex: Vec<String> = b.iter().map(|c| format!("{c:02x}")).collect();
        format!("0x[{}]", hex.join(" "))
    }
}
