//! Basic statistics on the 1,000,000-sample conformance file (8-bit uniform): the cost a
//! sweep pays per configuration on top of the estimators.

use criterion::{criterion_group, criterion_main, Criterion};
use kqent_analysis::stats::{basic_stats, duration_stats, StatsOptions};
use kqent_analysis::Symbols;

fn bench(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/conformance/v1_uniform8.bin"
    );
    let bytes = std::fs::read(path).expect("conformance file");
    let symbols = Symbols::new(bytes.clone(), 8).expect("8-bit symbols");
    let durations: Vec<u64> = bytes
        .iter()
        .enumerate()
        .map(|(i, &b)| 50_000 + (i as u64 % 977) * 31 + u64::from(b))
        .collect();
    let kinds: Vec<u32> = (0..durations.len()).map(|i| 1 << (i % 4)).collect();
    let mut g = c.benchmark_group("stats_1e6");
    g.sample_size(10);
    g.bench_function("basic_stats_lag64", |b| {
        b.iter(|| basic_stats(&symbols, StatsOptions::default()))
    });
    g.bench_function("duration_stats", |b| {
        b.iter(|| duration_stats(&durations, &kinds))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
