//! Byte layout of the preamble and records (see the README's trace format section).

/// First 8 bytes of every trace.
pub const MAGIC: [u8; 8] = *b"KQENTTRC";
/// Version of the format written by this build; the only one it reads.
pub const FORMAT_VERSION: u16 = 1;
/// Length of the fixed binary preamble that precedes the JSON header.
pub const PREAMBLE_LEN: u64 = 32;
/// Size in bytes of one record (`<QQIII` in Python's `struct` notation).
pub const RECORD_LEN: u64 = 28;
/// Record count written at creation and replaced by [`crate::TraceWriter::finish`]: a
/// trace that still holds it was never finished.
pub const UNFINISHED_COUNT: u64 = u64::MAX;
/// Headers are padded to a multiple of this (the records start on a page boundary); the
/// reader refuses any other length.
pub(crate) const HEADER_ALIGN: u64 = 4096;
/// Largest header the reader accepts, so a corrupt length cannot make it allocate wildly.
pub(crate) const MAX_HEADER_LEN: u64 = 64 << 20;

/// Offsets of the preamble fields.
pub(crate) const OFF_RECORD_LEN: u64 = 10;
pub(crate) const OFF_HEADER_LEN: u64 = 12;
pub(crate) const OFF_COUNT: u64 = 16;
pub(crate) const OFF_JSON_LEN: u64 = 24;
pub(crate) const OFF_RESERVED: u64 = 28;

/// The decoded preamble.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Preamble {
    pub version: u16,
    pub record_len: u16,
    pub header_len: u32,
    pub count: u64,
    pub json_len: u32,
    pub reserved: u32,
}

impl Preamble {
    pub fn encode(&self) -> [u8; PREAMBLE_LEN as usize] {
        let mut b = [0u8; PREAMBLE_LEN as usize];
        b[..8].copy_from_slice(&MAGIC);
        b[8..10].copy_from_slice(&self.version.to_le_bytes());
        b[10..12].copy_from_slice(&self.record_len.to_le_bytes());
        b[12..16].copy_from_slice(&self.header_len.to_le_bytes());
        b[16..24].copy_from_slice(&self.count.to_le_bytes());
        b[24..28].copy_from_slice(&self.json_len.to_le_bytes());
        b[28..32].copy_from_slice(&self.reserved.to_le_bytes());
        b
    }

    /// Decodes the fields after the magic (which the caller has checked).
    pub fn decode(b: &[u8; PREAMBLE_LEN as usize]) -> Self {
        let u16_at = |o: usize| u16::from_le_bytes([b[o], b[o + 1]]);
        let u32_at = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        let mut c = [0u8; 8];
        c.copy_from_slice(&b[16..24]);
        Preamble {
            version: u16_at(8),
            record_len: u16_at(10),
            header_len: u32_at(12),
            count: u64::from_le_bytes(c),
            json_len: u32_at(24),
            reserved: u32_at(28),
        }
    }
}

/// True when `prefix` starts with the trace magic: lets `analyze` and friends tell a
/// trace from a NIST-format symbol file by its first bytes.
///
/// ```
/// assert!(kqent_trace::looks_like_trace(b"KQENTTRC\x01\x00"));
/// assert!(!kqent_trace::looks_like_trace(&[0, 1, 1, 0]));
/// ```
pub fn looks_like_trace(prefix: &[u8]) -> bool {
    prefix.len() >= MAGIC.len() && prefix[..MAGIC.len()] == MAGIC
}
