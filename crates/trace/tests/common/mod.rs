//! Helpers shared by the trace tests.
#![allow(dead_code)]

use std::io::Cursor;

use kqent_trace::{
    ClockInfo, EventKinds, Knobs, Metadata, Record, RestartLayout, TraceError, TraceReader,
    TraceWriter,
};

/// Metadata with a few non-default fields.
pub fn meta() -> Metadata {
    let mut m = Metadata::new("mock", Knobs::default(), ClockInfo::new("mock", 1));
    m.seed = Some(7);
    m.samples_requested = 10;
    m
}

/// `n` records with durations that are multiples of `tick`.
pub fn records(n: u64, tick: u64) -> Vec<Record> {
    (0..n)
        .map(|i| Record {
            start_ns: i * 10_000,
            duration_ns: tick * (1 + i % 7),
            events: (i % 3) as u32,
            kinds: EventKinds((i % 16) as u32),
            segment: 0,
        })
        .collect()
}

/// Bytes of a finished trace.
pub fn trace_bytes(meta: &Metadata, recs: &[Record]) -> Vec<u8> {
    let mut w = TraceWriter::create(Cursor::new(Vec::new()), meta).unwrap();
    for r in recs {
        w.push(r).unwrap();
    }
    w.finish(|_| {}).unwrap().into_inner()
}

/// Opens and reads everything, returning the first error.
pub fn read_all(bytes: Vec<u8>) -> Result<(Metadata, Vec<Record>), TraceError> {
    let r = TraceReader::open(Cursor::new(bytes))?;
    let m = r.metadata().clone();
    let recs = r.records().collect::<Result<Vec<_>, _>>()?;
    Ok((m, recs))
}

/// A restart layout for tests.
pub fn restarts(count: u32, per_restart: u64) -> Option<RestartLayout> {
    Some(RestartLayout { count, per_restart })
}
