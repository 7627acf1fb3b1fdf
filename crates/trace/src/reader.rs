//! Validating reader: checks the whole layout at open, then streams records.

use std::fs::File;
use std::io::{BufReader, ErrorKind, Read, Seek, SeekFrom};
use std::path::Path;

use crate::layout::{
    Preamble, FORMAT_VERSION, HEADER_ALIGN, MAGIC, MAX_HEADER_LEN, OFF_COUNT, OFF_HEADER_LEN,
    OFF_JSON_LEN, OFF_RECORD_LEN, OFF_RESERVED, PREAMBLE_LEN, RECORD_LEN, UNFINISHED_COUNT,
};
use crate::record::{check_record, gcd};
use crate::writer::segment_limit;
use crate::{Metadata, Record, TraceError};

/// An open, validated trace: the header has been checked against the file length, the
/// records are read on demand.
pub struct TraceReader<R: Read + Seek> {
    input: R,
    meta: Metadata,
    header_len: u64,
}

impl<R: Read + Seek> TraceReader<R> {
    /// Reads and validates the header: magic, version, record size, header and JSON
    /// lengths, metadata, and that the input holds exactly the announced records.
    pub fn open(mut input: R) -> Result<Self, TraceError> {
        let actual = input.seek(SeekFrom::End(0))?;
        input.seek(SeekFrom::Start(0))?;
        let mut pre = [0u8; PREAMBLE_LEN as usize];
        let got = read_up_to(&mut input, &mut pre)?;
        let magic_len = got.min(MAGIC.len());
        if pre[..magic_len] != MAGIC[..magic_len] || got == 0 {
            return Err(TraceError::BadMagic {
                found: pre[..magic_len].to_vec(),
            });
        }
        if got < PREAMBLE_LEN as usize {
            return Err(TraceError::Truncated {
                offset: 0,
                expected: PREAMBLE_LEN,
                actual,
            });
        }
        let p = Preamble::decode(&pre);
        if p.version != FORMAT_VERSION {
            return Err(TraceError::UnsupportedVersion {
                found: p.version,
                supported: FORMAT_VERSION,
            });
        }
        if u64::from(p.record_len) != RECORD_LEN {
            return Err(corrupt(
                OFF_RECORD_LEN,
                format!(
                    "record size is {} bytes, version {FORMAT_VERSION} records are {RECORD_LEN}",
                    p.record_len
                ),
            ));
        }
        if p.reserved != 0 {
            return Err(corrupt(
                OFF_RESERVED,
                format!("reserved preamble field is {:#x}, not 0", p.reserved),
            ));
        }
        let header_len = u64::from(p.header_len);
        if !(PREAMBLE_LEN..=MAX_HEADER_LEN).contains(&header_len) {
            return Err(corrupt(
                OFF_HEADER_LEN,
                format!("header length {header_len} is outside {PREAMBLE_LEN}..={MAX_HEADER_LEN}"),
            ));
        }
        if header_len % HEADER_ALIGN != 0 {
            return Err(corrupt(
                OFF_HEADER_LEN,
                format!("header length {header_len} is not a multiple of {HEADER_ALIGN}"),
            ));
        }
        let region = header_len - PREAMBLE_LEN;
        if u64::from(p.json_len) > region || p.json_len == 0 {
            return Err(corrupt(
                OFF_JSON_LEN,
                format!(
                    "metadata length {} does not fit the {region}-byte header region",
                    p.json_len
                ),
            ));
        }
        if p.count == UNFINISHED_COUNT {
            return Err(TraceError::Unfinished);
        }
        let expected = p
            .count
            .checked_mul(RECORD_LEN)
            .and_then(|b| b.checked_add(header_len))
            .ok_or_else(|| corrupt(OFF_COUNT, format!("record count {} is impossible", p.count)))?;
        if actual < header_len {
            return Err(TraceError::Truncated {
                offset: PREAMBLE_LEN,
                expected,
                actual,
            });
        }
        let mut header = vec![0u8; region as usize];
        input.read_exact(&mut header)?;
        let (json, padding) = header.split_at(p.json_len as usize);
        // The JSON length is the JSON's: whitespace after it belongs to the padding, so a
        // length that runs past the closing brace is a corrupt preamble, not a style.
        if json.last().is_some_and(|b| b.is_ascii_whitespace()) {
            return Err(corrupt(
                OFF_JSON_LEN,
                format!(
                    "metadata length {} runs past the end of the metadata JSON",
                    p.json_len
                ),
            ));
        }
        if let Some(i) = padding.iter().position(|&b| b != b' ') {
            return Err(corrupt(
                PREAMBLE_LEN + u64::from(p.json_len) + i as u64,
                format!(
                    "byte {:#04x} in the space padding of the metadata",
                    padding[i]
                ),
            ));
        }
        let meta: Metadata = serde_json::from_slice(json).map_err(|e| {
            corrupt(
                PREAMBLE_LEN + json_error_offset(json, &e),
                format!("invalid metadata JSON ({e})"),
            )
        })?;
        if meta.format_version != p.version {
            return Err(corrupt(
                PREAMBLE_LEN,
                format!(
                    "metadata says format_version {}, the preamble {}",
                    meta.format_version, p.version
                ),
            ));
        }
        if meta.samples != p.count {
            return Err(corrupt(
                OFF_COUNT,
                format!(
                    "record count {} disagrees with the metadata's samples {}",
                    p.count, meta.samples
                ),
            ));
        }
        if actual < expected {
            let whole = (actual - header_len) / RECORD_LEN;
            return Err(TraceError::Truncated {
                offset: header_len + whole * RECORD_LEN,
                expected,
                actual,
            });
        }
        if actual > expected {
            return Err(corrupt(
                expected,
                format!(
                    "{} unexpected bytes after the last of {} records",
                    actual - expected,
                    p.count
                ),
            ));
        }
        Ok(TraceReader {
            input,
            meta,
            header_len,
        })
    }

    /// The validated metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.meta
    }

    /// Number of records.
    pub fn len(&self) -> u64 {
        self.meta.samples
    }

    /// True when the trace holds no record.
    pub fn is_empty(&self) -> bool {
        self.meta.samples == 0
    }

    /// Streams the records, checking each (known kind bits, non-decreasing start offsets
    /// and segments, segments within the restart layout) and, after the last, that their
    /// durations' GCD is the metadata's `tick_ns`. Stops after the first error.
    pub fn records(self) -> Records<R> {
        Records {
            segments: segment_limit(&self.meta),
            input: self.input,
            count: self.meta.samples,
            tick_expected: self.meta.tick_ns,
            header_len: self.header_len,
            index: 0,
            tick: 0,
            prev: None,
            positioned: false,
            done: false,
        }
    }

    /// All durations in ns, validated like [`TraceReader::records`].
    pub fn durations(self) -> Result<Vec<u64>, TraceError> {
        let mut out = Vec::with_capacity(self.meta.samples as usize);
        for r in self.records() {
            out.push(r?.duration_ns);
        }
        Ok(out)
    }

    /// All durations in ns and, alongside, each record's event-kind bitmask
    /// ([`crate::EventKinds::bits`]), validated like [`TraceReader::records`].
    pub fn durations_and_kinds(self) -> Result<(Vec<u64>, Vec<u32>), TraceError> {
        let n = self.meta.samples as usize;
        let (mut durations, mut kinds) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for r in self.records() {
            let r = r?;
            durations.push(r.duration_ns);
            kinds.push(r.kinds.bits());
        }
        Ok((durations, kinds))
    }

    /// Like [`TraceReader::durations_and_kinds`], plus the number of records of each
    /// segment in order (one entry for a trace without restarts or sessions, none when
    /// it is empty): where a segmented extraction (`--extract openentropy`) cuts.
    pub fn durations_kinds_segments(self) -> Result<Columns, TraceError> {
        let n = self.meta.samples as usize;
        let (mut durations, mut kinds) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut lens: Vec<usize> = Vec::new();
        let mut last = None;
        for r in self.records() {
            let r = r?;
            durations.push(r.duration_ns);
            kinds.push(r.kinds.bits());
            match (last, lens.last_mut()) {
                (Some(s), Some(len)) if s == r.segment => *len += 1,
                _ => lens.push(1),
            }
            last = Some(r.segment);
        }
        Ok((durations, kinds, lens))
    }
}

/// Durations, event-kind bitmasks and segment lengths
/// ([`TraceReader::durations_kinds_segments`]).
pub type Columns = (Vec<u64>, Vec<u32>, Vec<usize>);

/// Streaming iterator over the records of a [`TraceReader`].
pub struct Records<R: Read + Seek> {
    input: R,
    count: u64,
    tick_expected: u64,
    segments: u32,
    header_len: u64,
    index: u64,
    tick: u64,
    prev: Option<Record>,
    positioned: bool,
    done: bool,
}

impl<R: Read + Seek> Records<R> {
    fn next_record(&mut self) -> Result<Option<Record>, TraceError> {
        if !self.positioned {
            self.input.seek(SeekFrom::Start(self.header_len))?;
            self.positioned = true;
        }
        let offset = self.header_len + self.index * RECORD_LEN;
        if self.index == self.count {
            self.done = true;
            if self.tick != self.tick_expected {
                return Err(corrupt(
                    PREAMBLE_LEN,
                    format!(
                        "metadata says tick_ns {} but the durations' GCD is {}",
                        self.tick_expected, self.tick
                    ),
                ));
            }
            return Ok(None);
        }
        let mut b = [0u8; RECORD_LEN as usize];
        if let Err(e) = self.input.read_exact(&mut b) {
            return Err(if e.kind() == ErrorKind::UnexpectedEof {
                // The file shrank after it was opened.
                TraceError::Truncated {
                    offset,
                    expected: self.header_len + self.count * RECORD_LEN,
                    actual: offset,
                }
            } else {
                TraceError::Io(e)
            });
        }
        let r = Record::decode(&b);
        check_record(&r, self.prev.as_ref(), self.segments).map_err(|(field, what)| {
            corrupt(offset + field, format!("record {} has {what}", self.index))
        })?;
        self.index += 1;
        self.tick = gcd(self.tick, r.duration_ns);
        self.prev = Some(r);
        Ok(Some(r))
    }
}

impl<R: Read + Seek> Iterator for Records<R> {
    type Item = Result<Record, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_record() {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => None,
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Opens and validates a trace file.
pub fn open_file(path: impl AsRef<Path>) -> Result<TraceReader<BufReader<File>>, TraceError> {
    let f = File::open(path.as_ref())?;
    TraceReader::open(BufReader::with_capacity(256 * 1024, f))
}

/// Reads a whole trace into memory, validating it.
pub fn read_file(path: &Path) -> Result<(Metadata, Vec<Record>), TraceError> {
    let reader = open_file(path)?;
    let meta = reader.metadata().clone();
    let records = reader.records().collect::<Result<Vec<_>, _>>()?;
    Ok((meta, records))
}

fn corrupt(offset: u64, what: String) -> TraceError {
    TraceError::Corrupt { offset, what }
}

/// Reads as many bytes as available into `buf`, up to its length.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> Result<usize, TraceError> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(n)
}

/// Byte offset within `json` of a serde_json error (which reports line and column).
fn json_error_offset(json: &[u8], e: &serde_json::Error) -> u64 {
    if e.line() == 0 {
        return 0;
    }
    let line_start: usize = json
        .split(|&b| b == b'\n')
        .take(e.line() - 1)
        .map(|l| l.len() + 1)
        .sum();
    let off = line_start + e.column().saturating_sub(1);
    off.min(json.len()) as u64
}
