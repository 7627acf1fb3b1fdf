//! Writer/reader behaviour: finish, tick, segments, unfinished traces, memory.

mod common;

use std::io::{self, Cursor, Seek, SeekFrom, Write};

use common::*;
use kqent_trace::{
    open_file, read_file, EventKinds, Record, TraceError, TraceReader, TraceWriter, PREAMBLE_LEN,
    RECORD_LEN,
};

#[test]
fn finish_sets_samples_and_tick_and_keeps_updates() {
    let recs = records(100, 250);
    let mut w = TraceWriter::create(Cursor::new(Vec::new()), &meta()).unwrap();
    for r in &recs {
        w.push(r).unwrap();
    }
    assert_eq!(w.len(), 100);
    let bytes = w
        .finish(|m| {
            m.interrupted = true;
            m.samples = 999; // overwritten: the writer owns the count
            m.provenance.host = Some("box".into());
            m.provenance.voluntary_ctx_switches = Some(12);
        })
        .unwrap()
        .into_inner();
    let (m, back) = read_all(bytes).unwrap();
    assert_eq!(back, recs);
    assert_eq!(m.samples, 100);
    assert_eq!(m.tick_ns, 250);
    assert!(m.interrupted);
    assert_eq!(m.provenance.host.as_deref(), Some("box"));
    assert_eq!(m.provenance.voluntary_ctx_switches, Some(12));
}

#[test]
fn empty_trace_has_tick_zero() {
    let bytes = trace_bytes(&meta(), &[]);
    let (m, recs) = read_all(bytes).unwrap();
    assert!(recs.is_empty());
    assert_eq!((m.samples, m.tick_ns), (0, 0));
}

#[test]
fn file_length_is_header_plus_records() {
    let bytes = trace_bytes(&meta(), &records(10, 1));
    let header_len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as u64;
    assert_eq!(header_len % 4096, 0);
    assert_eq!(bytes.len() as u64, header_len + 10 * RECORD_LEN);
    assert_eq!(u64::from_le_bytes(bytes[16..24].try_into().unwrap()), 10);
}

#[test]
fn unfinished_trace_is_rejected() {
    // A killed collector: whatever reached the output, never finished.
    let mut cur = Cursor::new(Vec::new());
    let recs = records(5, 3);
    {
        let mut w2 = TraceWriter::create(&mut cur, &meta()).unwrap();
        for r in &recs {
            w2.push(r).unwrap();
        }
        drop(w2);
    }
    let err = read_all(cur.into_inner()).unwrap_err();
    assert!(matches!(err, TraceError::Unfinished), "{err}");
    assert!(err.to_string().contains("unfinished"), "{err}");
}

#[test]
fn writer_rejects_bad_records() {
    let mut w = TraceWriter::create(Cursor::new(Vec::new()), &meta()).unwrap();
    let ok = Record {
        start_ns: 100,
        duration_ns: 5,
        events: 1,
        kinds: EventKinds::TIMER,
        segment: 0,
    };
    w.push(&ok).unwrap();
    let back_in_time = Record { start_ns: 99, ..ok };
    let e = w.push(&back_in_time).unwrap_err().to_string();
    assert!(e.contains("record 1") && e.contains("before"), "{e}");
    let bad_kind = Record {
        kinds: EventKinds(0x60),
        ..ok
    };
    let e = w.push(&bad_kind).unwrap_err().to_string();
    assert!(e.contains("0x60"), "{e}");
    let failed_and_ready = Record {
        kinds: EventKinds(EventKinds::FAILED.0 | EventKinds::TIMER.0),
        ..ok
    };
    let e = w.push(&failed_and_ready).unwrap_err().to_string();
    assert!(
        e.contains("a failed call with event kinds timer|failed"),
        "{e}"
    );
    assert_eq!(w.len(), 1);
}

#[test]
fn segments_must_fit_the_restart_layout() {
    let seg = |s: u32, t: u64| Record {
        start_ns: t,
        duration_ns: 10,
        events: 0,
        kinds: EventKinds::NONE,
        segment: s,
    };
    let mut m = meta();
    m.restarts = restarts(3, 2);
    let recs = vec![
        seg(0, 0),
        seg(0, 1),
        seg(1, 2),
        seg(1, 3),
        seg(2, 4),
        seg(2, 5),
    ];
    let (back_meta, back) = read_all(trace_bytes(&m, &recs)).unwrap();
    assert_eq!(back, recs);
    assert_eq!(back_meta.restarts, m.restarts);

    // Segment 1 without a restart layout: refused at finish.
    let mut w = TraceWriter::create(Cursor::new(Vec::new()), &meta()).unwrap();
    w.push(&seg(1, 0)).unwrap();
    let e = w.finish(|_| {}).unwrap_err().to_string();
    assert!(e.contains("segment 1"), "{e}");

    // Decreasing segment refused at push.
    let mut w = TraceWriter::create(Cursor::new(Vec::new()), &m).unwrap();
    w.push(&seg(2, 0)).unwrap();
    assert!(w.push(&seg(1, 1)).is_err());
}

#[test]
fn metadata_that_outgrows_its_reservation_is_an_error() {
    let mut w = TraceWriter::create_with_slack(Cursor::new(Vec::new()), &meta(), 0).unwrap();
    w.push(&records(1, 1)[0]).unwrap();
    let e = w
        .finish(|m| {
            m.provenance.extra.insert("big".into(), "x".repeat(10_000));
        })
        .unwrap_err();
    assert!(matches!(e, TraceError::MetadataTooLarge { .. }), "{e}");
}

#[test]
fn metadata_growth_within_slack_is_fine() {
    let mut w = TraceWriter::create(Cursor::new(Vec::new()), &meta()).unwrap();
    w.push(&records(1, 1)[0]).unwrap();
    let bytes = w
        .finish(|m| {
            m.provenance.cpu_affinity = Some((0..512).collect());
            m.provenance.cpu_model = Some("x".repeat(2000));
        })
        .unwrap()
        .into_inner();
    let (m, _) = read_all(bytes).unwrap();
    assert_eq!(m.provenance.cpu_affinity.unwrap().len(), 512);
}

/// A `Write + Seek` sink that stores nothing: it only tracks its length, so the only
/// memory the writer can use is its own.
#[derive(Default)]
struct CountingSink {
    pos: u64,
    len: u64,
    /// Bytes written at offsets below the header end after records started (the patch).
    writes: u64,
}

impl Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pos += buf.len() as u64;
        self.len = self.len.max(self.pos);
        self.writes += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for CountingSink {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = match to {
            SeekFrom::Start(p) => p,
            SeekFrom::End(d) => self.len.checked_add_signed(d).unwrap(),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d).unwrap(),
        };
        Ok(self.pos)
    }
}

#[test]
fn writer_streams_ten_million_records_with_flat_memory() {
    // The writer is generic over the sink and the sink keeps no data, so the writer's own
    // size (fixed, no Vec of records) is all the memory there is; its buffer is bounded.
    let n = 10_000_000u64;
    let mut w = TraceWriter::create(CountingSink::default(), &meta()).unwrap();
    let header = w.metadata().clone();
    let mut r = Record::default();
    for i in 0..n {
        r.start_ns = i;
        r.duration_ns = 2 * (i % 1000) + 2;
        w.push(&r).unwrap();
    }
    let sink = w.finish(|_| {}).unwrap();
    assert_eq!(header.samples, 0);
    assert_eq!(sink.pos, sink.len);
    assert!(sink.len > n * RECORD_LEN && sink.len < n * RECORD_LEN + 64 * 1024);
    // Everything written once, plus the rewritten header (JSON region, then bytes 16..32).
    let header_len = sink.len - n * RECORD_LEN;
    assert_eq!(sink.writes, sink.len + (header_len - PREAMBLE_LEN) + 16);
    assert!(std::mem::size_of::<TraceWriter<CountingSink>>() < 1024);
}

#[test]
fn files_round_trip_through_the_path_helpers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.kqt");
    let recs = records(50, 4);
    let f = std::fs::File::create(&path).unwrap();
    let mut w = TraceWriter::create(f, &meta()).unwrap();
    for r in &recs {
        w.push(r).unwrap();
    }
    w.finish(|_| {}).unwrap();
    let (m, back) = read_file(&path).unwrap();
    assert_eq!((m.samples, m.tick_ns), (50, 4));
    assert_eq!(back, recs);
    let durs = open_file(&path).unwrap().durations().unwrap();
    assert_eq!(durs, recs.iter().map(|r| r.duration_ns).collect::<Vec<_>>());
    let (durs2, kinds) = open_file(&path).unwrap().durations_and_kinds().unwrap();
    assert_eq!(durs2, durs);
    assert_eq!(
        kinds,
        recs.iter().map(|r| r.kinds.bits()).collect::<Vec<_>>()
    );
    assert!(
        kinds.iter().any(|&k| k != kinds[0]),
        "records() gives varied kinds"
    );
    assert!(kqent_trace::looks_like_trace(
        &std::fs::read(&path).unwrap()[..16]
    ));
}

#[test]
fn reader_streams_from_any_read_seek() {
    let recs = records(3, 9);
    let r = TraceReader::open(Cursor::new(trace_bytes(&meta(), &recs))).unwrap();
    assert_eq!(r.len(), 3);
    let mut it = r.records();
    assert_eq!(it.next().unwrap().unwrap(), recs[0]);
    assert_eq!(it.next().unwrap().unwrap(), recs[1]);
    assert_eq!(it.next().unwrap().unwrap(), recs[2]);
    assert!(it.next().is_none());
    assert!(it.next().is_none());
}
