//! Throughput of writing and reading traces (1 million records, in memory).

use std::io::Cursor;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kqent_trace::{ClockInfo, EventKinds, Knobs, Metadata, Record, TraceReader, TraceWriter};

const N: u64 = 1_000_000;

fn record(i: u64) -> Record {
    Record {
        start_ns: i * 20_000,
        duration_ns: 10_000 + (i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 52),
        events: 1 + (i % 3) as u32,
        kinds: EventKinds((i % 16) as u32),
        segment: 0,
    }
}

fn write(n: u64) -> Vec<u8> {
    let meta = Metadata::new("mock", Knobs::default(), ClockInfo::new("mock", 1));
    let mut w = TraceWriter::create(Cursor::new(Vec::with_capacity(40 << 20)), &meta).unwrap();
    for i in 0..n {
        w.push(&record(i)).unwrap();
    }
    w.finish(|_| {}).unwrap().into_inner()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("trace");
    g.throughput(Throughput::Elements(N));
    g.sample_size(10);
    g.bench_function("write 1M records", |b| b.iter(|| write(N)));
    let bytes = write(N);
    g.bench_function("read 1M durations", |b| {
        b.iter(|| {
            TraceReader::open(Cursor::new(bytes.as_slice()))
                .unwrap()
                .durations()
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
