//! Result files for the `report` and `gate` CLI tests, made with the report crate's
//! synthetic fixtures (real statistics on seeded durations).
#![allow(dead_code)]

use std::path::Path;

use kqent_pipeline::fixture::{knobs, synthetic_result};
use kqent_schema::{IidSlot, ResultReport};
use kqent_sweep::layout::write_result;

/// A result for (timers, sockets, watchers) with `noise` random low bits (lsb:4 symbols:
/// 4 gives about 3.6 bits/symbol, 0 gives 0).
pub fn result(t: u32, s: u32, w: u32, rep: u32, noise: u32) -> ResultReport {
    synthetic_result(
        &knobs(t, s, w),
        rep,
        u64::from(100 * t + 10 * s + w + rep),
        noise,
        3000,
    )
    .unwrap()
}

/// Writes results into `dir/results/`.
pub fn write_all(dir: &Path, results: &[ResultReport]) {
    for r in results {
        write_result(dir, r).unwrap();
    }
}

/// Sets an IID verdict.
pub fn with_iid(mut r: ResultReport, verdict: bool) -> ResultReport {
    r.iid = Some(IidSlot {
        verdict,
        h_assessed: Some(r.assessment.h_assessed),
        detail: serde_json::json!({}),
    });
    r
}
