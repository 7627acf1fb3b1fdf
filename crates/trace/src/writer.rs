//! Streaming writer: records go straight to the output, the header is patched at finish.

use std::io::{BufWriter, Seek, SeekFrom, Write};

use crate::layout::{
    Preamble, FORMAT_VERSION, HEADER_ALIGN, PREAMBLE_LEN, RECORD_LEN, UNFINISHED_COUNT,
};
use crate::record::{check_record, gcd};
use crate::{Metadata, Record, TraceError};

/// Room left in the JSON region for the metadata to grow between creation and finish
/// (provenance and counters are usually filled at the end).
const DEFAULT_SLACK: u64 = 16 * 1024;

/// Writes a trace record by record, holding O(1) memory whatever the number of records.
///
/// The header is written at [`TraceWriter::create`] with an unfinished sentinel as the
/// record count; [`TraceWriter::finish`] rewrites it in place. Dropping the writer without
/// finishing leaves a trace that readers reject as [`TraceError::Unfinished`].
pub struct TraceWriter<W: Write + Seek> {
    out: BufWriter<W>,
    meta: Metadata,
    header_len: u64,
    count: u64,
    tick: u64,
    prev: Option<Record>,
}

impl<W: Write + Seek> TraceWriter<W> {
    /// Starts a trace at the current position of `w` (normally a fresh file), reserving
    /// 16 KiB of room for the metadata to grow by finish.
    pub fn create(w: W, meta: &Metadata) -> Result<Self, TraceError> {
        Self::create_with_slack(w, meta, DEFAULT_SLACK)
    }

    /// Like [`TraceWriter::create`] with `slack` bytes of room for the metadata to grow.
    pub fn create_with_slack(mut w: W, meta: &Metadata, slack: u64) -> Result<Self, TraceError> {
        if meta.format_version != FORMAT_VERSION {
            return Err(TraceError::Metadata(format!(
                "format_version is {}, this writer writes version {FORMAT_VERSION}",
                meta.format_version
            )));
        }
        // Traces are written from the start of the stream: the header offsets are absolute.
        if w.stream_position()? != 0 {
            return Err(TraceError::Metadata(
                "a trace must start at offset 0 of its output".into(),
            ));
        }
        let json = to_json(meta)?;
        let wanted = PREAMBLE_LEN + json.len() as u64 + slack;
        let header_len = wanted.div_ceil(HEADER_ALIGN) * HEADER_ALIGN;
        if header_len > u64::from(u32::MAX) {
            return Err(TraceError::MetadataTooLarge {
                needed: json.len() as u64,
                reserved: u64::from(u32::MAX) - PREAMBLE_LEN,
            });
        }
        let mut out = BufWriter::with_capacity(64 * 1024, w);
        let pre = Preamble {
            version: FORMAT_VERSION,
            record_len: RECORD_LEN as u16,
            header_len: header_len as u32,
            count: UNFINISHED_COUNT,
            json_len: json.len() as u32,
            reserved: 0,
        };
        out.write_all(&pre.encode())?;
        write_json_region(&mut out, &json, header_len - PREAMBLE_LEN)?;
        Ok(TraceWriter {
            out,
            meta: meta.clone(),
            header_len,
            count: 0,
            tick: 0,
            prev: None,
        })
    }

    /// Appends one record (buffered). Rejects records the format forbids: unknown kind
    /// bits, a start offset or segment below the previous record's.
    #[inline]
    pub fn push(&mut self, r: &Record) -> Result<(), TraceError> {
        check_record(r, self.prev.as_ref(), u32::MAX).map_err(|(_, what)| {
            TraceError::InvalidRecord {
                index: self.count,
                what,
            }
        })?;
        self.out.write_all(&r.encode())?;
        self.count += 1;
        // Once the tick is 1 ns no later duration can change it; skip the division loop.
        if self.tick != 1 {
            self.tick = gcd(self.tick, r.duration_ns);
        }
        self.prev = Some(*r);
        Ok(())
    }

    /// Number of records pushed so far.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// True when no record has been pushed.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The metadata as given at creation.
    pub fn metadata(&self) -> &Metadata {
        &self.meta
    }

    /// GCD of the durations pushed so far (0 before any non-zero duration): the
    /// `tick_ns` that [`TraceWriter::finish`] will record.
    pub fn tick_ns(&self) -> u64 {
        self.tick
    }

    /// Closes the trace: lets `update` fill what is known only at the end (provenance,
    /// `interrupted`, ...), then sets `samples` and `tick_ns` itself, rewrites the header in
    /// place, flushes and returns the output positioned at its end.
    ///
    /// The JSON region is rewritten before the record count, so a crash half-way still
    /// leaves a trace that reads as unfinished.
    pub fn finish(self, update: impl FnOnce(&mut Metadata)) -> Result<W, TraceError> {
        self.finish_with_metadata(update).map(|(w, _)| w)
    }

    /// Like [`TraceWriter::finish`], also returning the metadata exactly as written.
    ///
    /// ```
    /// use std::io::Cursor;
    /// use kqent_trace::{ClockInfo, Knobs, Metadata, Record, TraceWriter};
    /// let meta = Metadata::new("mock", Knobs::default(), ClockInfo::new("mock", 1));
    /// let mut w = TraceWriter::create(Cursor::new(Vec::new()), &meta).unwrap();
    /// w.push(&Record { duration_ns: 40, ..Record::default() }).unwrap();
    /// w.push(&Record { duration_ns: 60, ..Record::default() }).unwrap();
    /// let (_, written) = w.finish_with_metadata(|m| m.interrupted = true).unwrap();
    /// assert_eq!((written.samples, written.tick_ns, written.interrupted), (2, 20, true));
    /// ```
    pub fn finish_with_metadata(
        mut self,
        update: impl FnOnce(&mut Metadata),
    ) -> Result<(W, Metadata), TraceError> {
        let mut meta = self.meta.clone();
        update(&mut meta);
        meta.samples = self.count;
        meta.tick_ns = self.tick;
        if meta.format_version != FORMAT_VERSION {
            return Err(TraceError::Metadata(format!(
                "format_version changed to {} at finish",
                meta.format_version
            )));
        }
        let segments = segment_limit(&meta);
        if let Some(last) = &self.prev {
            // Segments are non-decreasing, so the last record holds the largest.
            if last.segment >= segments {
                return Err(TraceError::Metadata(format!(
                    "records use segment {} but the metadata allows {segments}",
                    last.segment
                )));
            }
        }
        let json = to_json(&meta)?;
        let region = self.header_len - PREAMBLE_LEN;
        if json.len() as u64 > region {
            return Err(TraceError::MetadataTooLarge {
                needed: json.len() as u64,
                reserved: region,
            });
        }
        self.out.flush()?;
        let end = self.header_len + self.count * RECORD_LEN;
        let mut w = self.out.into_inner().map_err(|e| e.into_error())?;
        w.seek(SeekFrom::Start(PREAMBLE_LEN))?;
        let mut region_writer = BufWriter::new(&mut w);
        write_json_region(&mut region_writer, &json, region)?;
        region_writer.flush()?;
        drop(region_writer);
        let pre = Preamble {
            version: FORMAT_VERSION,
            record_len: RECORD_LEN as u16,
            header_len: self.header_len as u32,
            count: self.count,
            json_len: json.len() as u32,
            reserved: 0,
        };
        // Count and JSON length last: only now does the trace become valid.
        w.seek(SeekFrom::Start(16))?;
        w.write_all(&pre.encode()[16..])?;
        w.seek(SeekFrom::Start(end))?;
        w.flush()?;
        Ok((w, meta))
    }
}

/// Number of distinct segments the metadata allows.
pub(crate) fn segment_limit(meta: &Metadata) -> u32 {
    match (meta.restarts, &meta.profile) {
        (Some(r), _) => r.count,
        (None, Some(p)) => p.sessions.max(1),
        (None, None) => 1,
    }
}

fn to_json(meta: &Metadata) -> Result<Vec<u8>, TraceError> {
    serde_json::to_vec(meta).map_err(|e| TraceError::Metadata(e.to_string()))
}

/// Writes `json` then spaces up to `region` bytes.
fn write_json_region(out: &mut impl Write, json: &[u8], region: u64) -> Result<(), TraceError> {
    out.write_all(json)?;
    let mut pad = region - json.len() as u64;
    let spaces = [b' '; 1024];
    while pad > 0 {
        let n = pad.min(spaces.len() as u64) as usize;
        out.write_all(&spaces[..n])?;
        pad -= n as u64;
    }
    Ok(())
}
