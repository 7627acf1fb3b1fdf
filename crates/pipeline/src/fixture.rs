//! Synthetic results for tests, examples and the renderers' previews. The durations come
//! from a seeded generator, every statistic is computed for real, and the assessment holds
//! a single estimator (Most Common Value, SP 800-90B 6.3.1, the analysis crate's) so that
//! fixtures do not depend on the full estimator suite. Not for assessing anything.

use std::time::UNIX_EPOCH;

use kqent_analysis::assess::{AssessOptions, Assessment};
use kqent_analysis::estimators::mcv;
use kqent_analysis::stats::StatsOptions;
use kqent_analysis::Extraction;
use kqent_schema::{
    config_id, DocKind, InputInfo, KnobLists, Knobs, Provenance, ResultReport, SweepManifest,
    WriteTrigger, SCHEMA_VERSION,
};
use kqent_trace::SplitMix64;

use crate::build::{build_result_with, ResultInput};
use crate::PipelineError;

/// Durations around 50 µs whose low `noise_bits` bits are uniformly random (0 = constant
/// low bits), with event kinds cycling over the kinds the knobs enable.
pub fn synthetic_durations(seed: u64, samples: usize, noise_bits: u32) -> (Vec<u64>, Vec<u32>) {
    let mut st = SplitMix64::new(seed);
    let mask = if noise_bits >= 64 {
        u64::MAX
    } else {
        (1u64 << noise_bits) - 1
    };
    let durations = (0..samples)
        .map(|_| 50_000 + (st.next_u64() % 2_000) * 16 + (st.next_u64() & mask))
        .collect();
    let kinds = (0..samples).map(|i| [1u32, 4, 2, 5, 0][i % 5]).collect();
    (durations, kinds)
}

/// A complete result for `knobs`, repetition `repetition`, with `samples` durations whose
/// low `noise_bits` bits are random, symbols extracted with `lsb:4`. Provenance is fixed.
pub fn synthetic_result(
    knobs: &Knobs,
    repetition: u32,
    seed: u64,
    noise_bits: u32,
    samples: usize,
) -> Result<ResultReport, PipelineError> {
    let (durations, kinds) = synthetic_durations(seed, samples, noise_bits);
    let extraction = Extraction::Lsb(4);
    let symbols = extraction.apply(&durations)?;
    let t = symbols.translated();
    let est = mcv::estimate(&t.data, t.alphabet);
    let h = est.h().unwrap_or(0.0).min(f64::from(symbols.bits()));
    let mut r = build_result_with(
        ResultInput {
            config_id: config_id(knobs),
            repetition,
            backend: Some("mock".into()),
            knobs: Some(knobs.clone()),
            input: InputInfo {
                sha256: crate::input::durations_sha256(&durations),
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
                started: kqent_trace::rfc3339(UNIX_EPOCH),
                finished: kqent_trace::rfc3339(UNIX_EPOCH),
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
pub fn knobs(timers: u32, sockets: u32, watchers: u32) -> Knobs {
    Knobs {
        num_timers: timers,
        num_sockets: sockets,
        num_file_watchers: watchers,
        timeout_ms: 1,
        poke_interval_us: 500,
        write_trigger: WriteTrigger::Edge,
        warmup: 1000,
    }
}

/// The manifest of a mock-backend sweep over `lists` with `samples` samples, `repeat`
/// repetitions and `seed`, symbols `lsb:4` (as [`synthetic_result`] makes them), the IID
/// track and pipelining off, one profile; this machine's provenance at the epoch.
pub fn synthetic_manifest(lists: KnobLists, seed: u64, samples: u64, repeat: u32) -> SweepManifest {
    SweepManifest {
        schema_version: SCHEMA_VERSION,
        kind: DocKind::Sweep,
        backend: "mock".into(),
        seed,
        samples,
        repeat,
        extraction: Extraction::Lsb(4),
        knobs: lists,
        iid: Some(false),
        pipeline: Some(false),
        extractions: None,
        clock_control: None,
        shard: None,
        merged: None,
        profiles: None,
        session_n: None,
        provenance: crate::provenance::collect("test", UNIX_EPOCH, UNIX_EPOCH),
    }
}
