//! SP 800-90B section 5.1.11: the compression test statistic. The samples are written as
//! decimal text separated by single spaces (no trailing space) and compressed with bzip2 at
//! block size 5 and the default work factor, as the reference tool does; the statistic is
//! the compressed length in bytes. The `bzip2` crate's backend (libbz2-rs) produces the same
//! stream as libbz2.

use bzip2::{Action, Compress, Compression, Status};

use crate::AnalysisError;

/// The text the reference compresses: `"12 0 255"` for samples 12, 0, 255.
///
/// ```
/// use kqent_analysis::iid::compression::as_text;
/// assert_eq!(as_text(&[12, 0, 255]), b"12 0 255".to_vec());
/// ```
pub fn as_text(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() * 4);
    for (i, &v) in data.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        if v >= 100 {
            out.push(b'0' + v / 100);
        }
        if v >= 10 {
            out.push(b'0' + (v / 10) % 10);
        }
        out.push(b'0' + v % 10);
    }
    out
}

/// Length in bytes of `text` compressed by bzip2 at block size 5, work factor 0 (default).
///
/// ```
/// use kqent_analysis::iid::compression::bzip2_len;
/// // libbz2 (python3: len(bz2.compress(b"1 2 3", 5))) gives 43 bytes.
/// assert_eq!(bzip2_len(b"1 2 3").unwrap(), 43);
/// ```
pub fn bzip2_len(text: &[u8]) -> Result<u64, AnalysisError> {
    let mut c = Compress::new(Compression::new(5), 0);
    // The bound of the bzip2 manual: 1% + 600 bytes always suffices.
    let mut out = Vec::with_capacity(text.len() + text.len() / 100 + 601);
    match c.compress_vec(text, &mut out, Action::Finish) {
        Ok(Status::StreamEnd) => Ok(c.total_out()),
        Ok(other) => Err(AnalysisError::InvalidArgument(format!(
            "bzip2 did not finish the stream ({other:?})"
        ))),
        Err(e) => Err(AnalysisError::InvalidArgument(format!("bzip2 failed: {e}"))),
    }
}

/// The compression statistic of `data` (untranslated samples).
pub fn compression(data: &[u8]) -> Result<u64, AnalysisError> {
    bzip2_len(&as_text(data))
}
