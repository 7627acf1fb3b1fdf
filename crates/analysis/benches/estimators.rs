//! Per-estimator benchmarks on modest inputs (100,000 8-bit symbols and their first
//! 800,000 bits, from the uniform conformance fixture), plus the whole assessment of
//! those symbols. `scripts/bench-assess.sh` times the full 1,000,000-sample run.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use kqent_analysis::assess::{assess_non_iid, AssessOptions};
use kqent_analysis::estimators::{
    collision, compression, lag, lrs, lz78y, markov, mcv, multi_mcw, multi_mmc, t_tuple, tuples,
};
use kqent_analysis::Symbols;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/conformance/v1_uniform8.bin"
);
const SAMPLES: usize = 100_000;

fn inputs() -> (Symbols, Vec<u8>, usize, Vec<u8>) {
    let mut data = std::fs::read(FIXTURE).expect("conformance fixture");
    data.truncate(SAMPLES);
    let s = Symbols::new(data, 8).expect("8-bit symbols");
    let t = s.translated();
    let bits = s.bitstring();
    (s, t.data, t.alphabet, bits)
}

fn bench(c: &mut Criterion) {
    let (symbols, data, k, bits) = inputs();
    let mut g = c.benchmark_group("symbols_100k");
    g.sample_size(10);
    g.bench_function("mcv", |b| b.iter(|| mcv::estimate(black_box(&data), k)));
    g.bench_function("tuples(t_tuple+lrs)", |b| {
        b.iter(|| {
            let counts = tuples::analyze(black_box(&data), k).expect("counts");
            (t_tuple::from_counts(&counts), lrs::from_counts(&counts))
        })
    });
    g.bench_function("multi_mcw", |b| {
        b.iter(|| multi_mcw::estimate(black_box(&data), k))
    });
    g.bench_function("lag", |b| b.iter(|| lag::estimate(black_box(&data), k)));
    g.bench_function("multi_mmc", |b| {
        b.iter(|| multi_mmc::estimate(black_box(&data), k))
    });
    g.bench_function("lz78y", |b| b.iter(|| lz78y::estimate(black_box(&data), k)));
    g.finish();

    let mut g = c.benchmark_group("bits_800k");
    g.sample_size(10);
    g.bench_function("mcv", |b| b.iter(|| mcv::estimate(black_box(&bits), 2)));
    g.bench_function("collision", |b| {
        b.iter(|| collision::estimate(black_box(&bits)))
    });
    g.bench_function("markov", |b| b.iter(|| markov::estimate(black_box(&bits))));
    g.bench_function("compression", |b| {
        b.iter(|| compression::estimate(black_box(&bits)))
    });
    g.bench_function("tuples(t_tuple+lrs)", |b| {
        b.iter(|| {
            let counts = tuples::analyze(black_box(&bits), 2).expect("counts");
            (t_tuple::from_counts(&counts), lrs::from_counts(&counts))
        })
    });
    g.bench_function("multi_mcw", |b| {
        b.iter(|| multi_mcw::estimate(black_box(&bits), 2))
    });
    g.bench_function("lag", |b| b.iter(|| lag::estimate(black_box(&bits), 2)));
    g.bench_function("multi_mmc", |b| {
        b.iter(|| multi_mmc::estimate(black_box(&bits), 2))
    });
    g.bench_function("lz78y", |b| b.iter(|| lz78y::estimate(black_box(&bits), 2)));
    g.finish();

    let mut g = c.benchmark_group("assess_100k");
    g.sample_size(10);
    g.bench_function("full", |b| {
        b.iter(|| {
            assess_non_iid(black_box(&symbols), &AssessOptions::default()).expect("assessment")
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
