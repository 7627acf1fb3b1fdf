//! Writes a synthetic trace, for benchmarks of the tools that read traces:
//! `cargo run --release -p kqent-trace --example synthetic -- OUT.kqt [RECORDS]`.
//! Durations are 10 µs plus a pseudo-random jitter of up to 4 µs (1 ns tick).

use std::fs::File;
use std::io::BufWriter;

use kqent_trace::{ClockInfo, EventKinds, Knobs, Metadata, Record, TraceWriter};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: synthetic OUT.kqt [RECORDS]")?;
    let n: u64 = args.next().map_or(Ok(10_000_000), |s| s.parse())?;
    let mut meta = Metadata::new("synthetic", Knobs::default(), ClockInfo::new("none", 1));
    meta.samples_requested = n;
    let mut w = TraceWriter::create(BufWriter::new(File::create(&out)?), &meta)?;
    let mut x = 0x2545_f491_4f6c_dd1du64; // xorshift64 state: fixed, so the file is reproducible
    let mut start = 0u64;
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let duration_ns = 10_000 + (x >> 52);
        w.push(&Record {
            start_ns: start,
            duration_ns,
            events: 1,
            kinds: EventKinds::TIMER,
            segment: 0,
        })?;
        start += duration_ns + 500;
    }
    w.finish(|_| {})?;
    Ok(())
}
