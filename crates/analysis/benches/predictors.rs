//! Wall time of the four prediction estimators (SP 800-90B 6.3.7 - 6.3.10) on the
//! conformance files: 1,000,000 uniform 8-bit symbols and their 8,000,000-bit bitstring,
//! and 1,000,000 4-bit Gaussian symbols. `cargo bench -p kqent-analysis --bench predictors`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use kqent_analysis::estimators::{lag, lz78y, multi_mcw, multi_mmc};
use kqent_analysis::{EstimatorResult, Symbols};
use std::hint::black_box;
use std::time::Duration;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/conformance/");

type Estimate = fn(&[u8], usize) -> EstimatorResult;

const PREDICTORS: [(&str, Estimate); 4] = [
    ("multi_mcw", multi_mcw::estimate),
    ("lag", lag::estimate),
    ("multi_mmc", multi_mmc::estimate),
    ("lz78y", lz78y::estimate),
];

fn load(name: &str, bits: u8) -> Symbols {
    let bytes = std::fs::read(format!("{DIR}{name}.bin")).expect("conformance file");
    Symbols::from_nist_bytes(bytes, Some(bits)).expect("valid symbols")
}

fn predictors(c: &mut Criterion) {
    let uniform = load("v1_uniform8", 8);
    let gauss = load("v3_gauss4", 4);
    let u = uniform.translated();
    let inputs: [(&str, Vec<u8>, usize); 3] = [
        ("v1_uniform8/symbols", u.data, u.alphabet),
        ("v1_uniform8/bitstring", uniform.bitstring(), 2),
        ("v3_gauss4/symbols", gauss.translated().data, 16),
    ];
    let mut group = c.benchmark_group("predictors");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for (name, estimate) in PREDICTORS {
        for (input, data, k) in &inputs {
            group.bench_with_input(BenchmarkId::new(name, input), data, |b, data| {
                b.iter(|| estimate(black_box(data), *k))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, predictors);
criterion_main!(benches);
