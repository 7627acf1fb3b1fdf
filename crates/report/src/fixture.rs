//! Synthetic results for tests, examples and the renderers' previews. The durations come
//! from a seeded generator, every statistic is computed for real, and the assessment holds
//! a single estimator (Most Common Value, SP 800-90B 6.3.1) so that fixtures do not depend on
//! the full estimator suite. Not for assessing anything.

use std::time::UNIX_EPOCH;

use kqent_analysis::assess::{AssessOptions, Assessment};
use kqent_analysis::stats::StatsOptions;
use kqent_analysis::{vals, Estimator, EstimatorResult, Extraction};

use crate::build::{build_result_with, ResultInput};
use crate::layout::config_id;
use crate::schema::{InputInfo, Knobs, Provenance, ResultReport};
use crate::ReportError;

/// splitmix64: a tiny seeded generator, enough for test data.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Durations around 50 µs whose low `noise_bits` bits are uniformly random (0 = constant
/// low bits), with event kinds cycling over the kinds the knobs enable.
pub fn synthetic_durations(seed: u64, samples: usize, noise_bits: u32) -> (Vec<u64>, Vec<u32>) {
    let mut st = seed;
    let mask = if noise_bits >= 64 {
        u64::MAX
    } else {
        (1u64 << noise_bits) - 1
    };
    let durations = (0..samples)
        .map(|_| 50_000 + (next(&mut st) % 2_000) * 16 + (next(&mut st) & mask))
        .collect();
    let kinds = (0..samples).map(|i| [1u32, 4, 2, 5, 0][i % 5]).collect();
    (durations, kinds)
}

/// Most Common Value estimate (6.3.1) over the symbols' counts.
fn mcv(counts: &[u64], n: u64) -> EstimatorResult {
    let max = counts.iter().copied().max().unwrap_or(0) as f64;
    let n = n as f64;
    let p_hat = max / n;
    let p_u = (p_hat + 2.576 * (p_hat * (1.0 - p_hat) / (n - 1.0)).sqrt()).min(1.0);
    // -log2(1) is -0.0; an estimate of no entropy is +0.
    EstimatorResult::estimate(
        Estimator::Mcv,
        0.0 - p_u.log2() + 0.0,
        vals![("p_hat", p_hat), ("p_u", p_u)],
    )
}

/// A complete result for `knobs`, repetition `repetition`, with `samples` durations whose
/// low `noise_bits` bits are random, symbols extracted with `lsb:4`. Provenance is fixed.
pub fn synthetic_result(
    knobs: &Knobs,
    repetition: u32,
    seed: u64,
    noise_bits: u32,
    samples: usize,
) -> Result<ResultReport, ReportError> {
    let (durations, kinds) = synthetic_durations(seed, samples, noise_bits);
    let extraction = Extraction::Lsb(4);
    let a = |e: kqent_analysis::AnalysisError| ReportError::InvalidArgument(e.to_string());
    let symbols = extraction.apply(&durations).map_err(a)?;
    let est = mcv(
        &symbols.counts()[..1 << symbols.bits()],
        symbols.len() as u64,
    );
    let h = est.h().unwrap_or(0.0).min(f64::from(symbols.bits()));
    let mut r = build_result_with(
        ResultInput {
            config_id: config_id(knobs),
            repetition,
            backend: Some("mock".into()),
            knobs: Some(knobs.clone()),
            input: InputInfo {
                sha256: crate::layout::durations_sha256(&durations),
                file: Some(format!("traces/{}-r{repetition}.trace", config_id(knobs))),
                samples: samples as u64,
            },
            extraction: Some(extraction),
            seed,
            symbols: &symbols,
            durations: Some((&durations, &kinds)),
            assessment: Assessment {
                bits: symbols.bits(),
                samples: symbols.len() as u64,
                alphabet: symbols.distinct(),
                binary: symbols.is_binary(),
                options: AssessOptions::default(),
                original: vec![est],
                bitstring: Vec::new(),
                bitstring_len: 0,
                h_original: Some(h),
                h_bitstring: None,
                h_assessed: h,
            },
            iid: None,
            provenance: Provenance {
                tool_version: "fixture".into(),
                host: "fixture".into(),
                os: "linux".into(),
                kernel: "fixture".into(),
                cpu: "fixture".into(),
                started: crate::provenance::rfc3339(UNIX_EPOCH),
                finished: crate::provenance::rfc3339(UNIX_EPOCH),
                elapsed_s: 0.0,
                input_file_sha256: None,
                collection: None,
            },
        },
        StatsOptions {
            max_lag: 16,
            block: samples.div_ceil(8).max(1),
        },
    )?;
    // Small fixtures keep small files.
    r.lag_pairs = kqent_analysis::stats::lag_pairs(&durations, 200);
    Ok(r)
}

/// Knobs with the given counts of timers, sockets and watchers, the rest at the
/// collector's defaults (timeout 1 ms, poke 500 µs, edge, warmup 1000).
pub fn knobs(timers: u64, sockets: u64, watchers: u64) -> Knobs {
    Knobs {
        num_timers: timers,
        num_sockets: sockets,
        num_file_watchers: watchers,
        timeout_ms: 1,
        poke_interval_us: 500,
        write_trigger: "edge".into(),
        warmup: 1000,
    }
}
