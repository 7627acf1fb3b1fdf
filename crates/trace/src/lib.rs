//! kqent's on-disk trace format: one lossless record per timed wait call.
//!
//! A trace is a fixed 32-byte binary preamble (magic, version, record size, header length,
//! record count, JSON length), a JSON [`Metadata`] object padded with spaces to a reserved
//! size, then one fixed-size little-endian [`Record`] per wait call. The reserved JSON
//! region and the record count in the preamble are what let [`TraceWriter::finish`] patch
//! the header in place after streaming any number of records; until then the count holds a
//! sentinel, so a trace whose writer never finished is rejected as [`TraceError::Unfinished`].
//!
//! ```
//! use std::io::Cursor;
//! use kqent_trace::{ClockInfo, EventKinds, Knobs, Metadata, Record, TraceReader, TraceWriter};
//!
//! let meta = Metadata::new("mock", Knobs::default(), ClockInfo::new("CLOCK_MONOTONIC", 1));
//! let mut w = TraceWriter::create(Cursor::new(Vec::new()), &meta).unwrap();
//! w.push(&Record { start_ns: 0, duration_ns: 1500, events: 1, kinds: EventKinds::TIMER, segment: 0 })
//!     .unwrap();
//! let bytes = w.finish(|m| m.interrupted = false).unwrap().into_inner();
//!
//! let r = TraceReader::open(Cursor::new(bytes)).unwrap();
//! assert_eq!(r.metadata().samples, 1);
//! assert_eq!(r.metadata().tick_ns, 1500);
//! assert_eq!(r.durations().unwrap(), vec![1500]);
//! ```
#![forbid(unsafe_code)]

mod error;
mod layout;
mod metadata;
mod reader;
mod record;
mod rng;
mod time;
mod writer;

pub use error::TraceError;
pub use layout::{
    looks_like_trace, FORMAT_VERSION, MAGIC, PREAMBLE_LEN, RECORD_LEN, UNFINISHED_COUNT,
};
pub use metadata::{
    ClockInfo, Knobs, Metadata, Profile, ProfileInfo, Provenance, RestartLayout, Timebase,
    WriteTrigger,
};
pub use reader::{open_file, read_file, Columns, Records, TraceReader};
pub use record::{gcd, EventKinds, Record};
pub use rng::SplitMix64;
pub use time::rfc3339;
pub use writer::TraceWriter;
