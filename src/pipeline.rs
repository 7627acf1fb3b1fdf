//! The step a sweep runs after each collection: a trace on disk -> symbols -> SP 800-90B
//! assessment (+ the IID track on request) -> [`ResultReport`], assembled by the report
//! crate's [`build_result_with`] so that every producer writes the same figures.
//!
//! Everything in the result except its `provenance` is a function of the trace's durations,
//! its knobs, the extraction method and the seed, so a mock-backend sweep is reproducible
//! byte for byte outside `provenance`. That is why `input.sha256` hashes the durations
//! ([`durations_sha256`]) and the trace file's own hash goes to
//! `provenance.input_file_sha256`: the file's header carries the collection's provenance
//! (host, start time, context switches), which also lands in `provenance.collection`.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{anyhow, Context};
use kqent_analysis::assess::{assess, AssessOptions, Assessment};
use kqent_analysis::iid::IidOptions;
use kqent_analysis::stats::{StatsOptions, DEFAULT_MAX_LAG};
use kqent_analysis::{vals, AnalysisError, Estimator, EstimatorResult, Extraction, Symbols};
use kqent_report::build::{build_result_with, ResultInput};
use kqent_report::layout::{durations_sha256, sha256_hex};
use kqent_report::{IidSlot, InputInfo, Knobs, Provenance, ResultReport};

/// One trace to turn into a result.
#[derive(Debug, Clone)]
pub struct TraceJob {
    /// The trace file.
    pub trace: PathBuf,
    /// How the result names the trace (`traces/<id>-r<rep>.trace` in a sweep).
    pub file: Option<String>,
    /// The configuration's id.
    pub config_id: String,
    /// Repetition index, from 1.
    pub repetition: u32,
    /// How durations become symbols.
    pub extraction: Extraction,
    /// The seed recorded in the result (the one the collection used).
    pub seed: u64,
    /// When work on this configuration began (collection start), for the provenance.
    pub started: SystemTime,
    /// Also run the IID track (SP 800-90B section 5), seeded with `seed`.
    pub iid: bool,
}

/// The report's knobs as collector knobs; errors name the flag whose value does not fit.
pub fn trace_knobs(k: &Knobs) -> anyhow::Result<kqent_trace::Knobs> {
    let narrow = |flag: &str, v: u64| {
        u32::try_from(v).map_err(|_| anyhow!("{flag} {v} is too large: at most {}", u32::MAX))
    };
    Ok(kqent_trace::Knobs {
        num_timers: narrow("--timers", k.num_timers)?,
        num_sockets: narrow("--sockets", k.num_sockets)?,
        num_file_watchers: narrow("--watchers", k.num_file_watchers)?,
        timeout_ms: narrow("--timeout-ms", k.timeout_ms)?,
        poke_interval_us: k.poke_interval_us,
        write_trigger: k
            .write_trigger
            .parse()
            .map_err(|e: String| anyhow!("--write-trigger: {e}"))?,
        warmup: k.warmup,
    })
}

/// The block length of a result's entropy-over-time series (shared with the Python
/// package, which builds the same documents).
pub use kqent_report::build::stats_block;

/// The non-IID assessment, or, when every symbol is the same value (which `assess`
/// rejects), the honest answer: Most Common Value with `p_hat = 1` gives 0 bits per
/// symbol, and the other estimators do not apply.
pub fn assess_or_constant(symbols: &Symbols) -> Result<Assessment, AnalysisError> {
    let distinct = symbols.distinct();
    if distinct >= 2 {
        return assess(symbols, &AssessOptions::default());
    }
    let reason = "every symbol has the same value";
    let mut original = vec![EstimatorResult::estimate(
        Estimator::Mcv,
        0.0,
        vals![("p_hat", 1.0), ("p_u", 1.0)],
    )];
    original.extend(
        [
            Estimator::TTuple,
            Estimator::Lrs,
            Estimator::MultiMcw,
            Estimator::Lag,
            Estimator::MultiMmc,
            Estimator::Lz78y,
        ]
        .into_iter()
        .map(|e| EstimatorResult::not_applicable(e, reason)),
    );
    Ok(Assessment {
        bits: symbols.bits(),
        samples: symbols.len() as u64,
        alphabet: distinct,
        binary: false,
        options: AssessOptions::default(),
        original,
        bitstring: Vec::new(),
        bitstring_len: 0,
        h_original: Some(0.0),
        h_bitstring: None,
        h_assessed: 0.0,
    })
}

/// The IID track (SP 800-90B section 5: chi-square, LRS and 10,000-permutation tests, then
/// MCV when every test passes) as the report records it. Symbols that are all equal get a
/// failed verdict and 0 bits: there is nothing to permute, and no entropy to claim.
pub fn iid_slot(symbols: &Symbols, seed: u64) -> Result<IidSlot, AnalysisError> {
    if symbols.distinct() < 2 {
        return Ok(IidSlot {
            verdict: false,
            h_assessed: Some(0.0),
            detail: serde_json::json!({
                "reason": "every symbol has the same value: the IID tests do not apply"
            }),
        });
    }
    let opts = IidOptions {
        seed,
        ..IidOptions::default()
    };
    let a = kqent_analysis::iid::assess(symbols, &opts)?;
    IidSlot::from_assessment(&a).map_err(|e| AnalysisError::InvalidArgument(e.to_string()))
}

/// What [`result_from_trace`] needs from a trace file.
struct TraceData {
    meta: kqent_trace::Metadata,
    durations: Vec<u64>,
    kinds: Vec<u32>,
    file_sha256: String,
}

fn read_trace(path: &Path) -> anyhow::Result<TraceData> {
    let shown = path.display();
    let bytes = std::fs::read(path).with_context(|| format!("cannot read trace {shown}"))?;
    let file_sha256 = sha256_hex(&bytes);
    let reader = kqent_trace::TraceReader::open(std::io::Cursor::new(bytes))
        .with_context(|| format!("cannot read trace {shown}"))?;
    let meta = reader.metadata().clone();
    let (durations, kinds) = reader
        .durations_and_kinds()
        .with_context(|| format!("cannot read trace {shown}"))?;
    Ok(TraceData {
        meta,
        durations,
        kinds,
        file_sha256,
    })
}

/// Reads the trace of `job`, extracts its symbols, assesses them (and runs the IID track
/// when asked) and builds the result; the provenance covers `job.started` to now.
pub fn result_from_trace(job: &TraceJob) -> anyhow::Result<ResultReport> {
    let t = read_trace(&job.trace)?;
    let shown = job.trace.display();
    if t.durations.is_empty() {
        anyhow::bail!("{shown}: the trace holds no samples");
    }
    let symbols = job
        .extraction
        .apply(&t.durations)
        .with_context(|| format!("cannot extract symbols from {shown}"))?;
    let assessment = assess_or_constant(&symbols)
        .with_context(|| format!("cannot assess {shown} ({})", job.extraction))?;
    let iid = if job.iid {
        Some(
            iid_slot(&symbols, job.seed)
                .with_context(|| format!("cannot run the IID tests on {shown}"))?,
        )
    } else {
        None
    };
    let mut provenance =
        Provenance::collect(env!("CARGO_PKG_VERSION"), job.started, SystemTime::now());
    provenance.input_file_sha256 = Some(t.file_sha256);
    provenance.collection = Some(t.meta.provenance.clone());
    let input = ResultInput {
        config_id: job.config_id.clone(),
        repetition: job.repetition,
        backend: Some(t.meta.backend.clone()),
        knobs: Some(Knobs::from(&t.meta.knobs)),
        input: InputInfo {
            sha256: durations_sha256(&t.durations),
            file: job.file.clone(),
            samples: t.durations.len() as u64,
        },
        extraction: Some(job.extraction),
        seed: job.seed,
        symbols: &symbols,
        durations: Some((&t.durations, &t.kinds)),
        assessment,
        iid,
        provenance,
    };
    let options = StatsOptions {
        max_lag: DEFAULT_MAX_LAG,
        block: stats_block(symbols.len()),
    };
    build_result_with(input, options).with_context(|| format!("cannot build the result of {shown}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    use kqent_collector::{collect, BackendKind, CollectConfig};

    fn mock_trace(dir: &Path, seed: u64, samples: u64) -> PathBuf {
        let path = dir.join(format!("m{seed}.trace"));
        let mut cfg = CollectConfig::new(BackendKind::Mock, samples);
        cfg.seed = seed;
        let f = std::fs::File::create(&path).unwrap();
        collect(&cfg, f, &AtomicBool::new(false), &mut |_| {}).unwrap();
        path
    }

    fn job(trace: PathBuf, seed: u64) -> TraceJob {
        TraceJob {
            trace,
            file: Some("traces/x-r1.trace".into()),
            config_id: "x".into(),
            repetition: 1,
            extraction: Extraction::Lsb(4),
            seed,
            started: SystemTime::now(),
            iid: false,
        }
    }

    #[test]
    fn same_records_same_result_outside_provenance() {
        let dir = tempfile::tempdir().unwrap();
        let a = result_from_trace(&job(mock_trace(dir.path(), 7, 3000), 7)).unwrap();
        // A second collection: its header may record other times, its records are the same.
        let b_path = dir.path().join("again.trace");
        std::fs::rename(mock_trace(dir.path(), 7, 3000), &b_path).unwrap();
        let b = result_from_trace(&job(b_path, 7)).unwrap();
        let strip = |r: &ResultReport| {
            kqent_report::json::without_provenance(&serde_json::to_value(r).unwrap())
        };
        assert_eq!(strip(&a), strip(&b));
        assert_eq!(a.input.samples, 3000);
        assert_eq!(a.backend.as_deref(), Some("mock"));
        assert_eq!(a.knobs, Some(Knobs::from(&kqent_trace::Knobs::default())));
        assert_eq!(a.stats.blocks.len(), 10);
        assert_eq!(a.lag_pairs.len(), kqent_report::build::LAG_PAIRS);
        assert!(a.provenance.collection.is_some());
        // Another seed gives other records, so another digest.
        let c = result_from_trace(&job(mock_trace(dir.path(), 8, 3000), 8)).unwrap();
        assert_ne!(a.input.sha256, c.input.sha256);
    }

    #[test]
    fn digests_are_the_durations_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = mock_trace(dir.path(), 3, 500);
        let durations = kqent_trace::open_file(&path).unwrap().durations().unwrap();
        let r = result_from_trace(&job(path.clone(), 3)).unwrap();
        assert_eq!(r.input.sha256, durations_sha256(&durations));
        assert_eq!(
            r.provenance.input_file_sha256,
            Some(sha256_hex(&std::fs::read(&path).unwrap()))
        );
    }

    #[test]
    fn constant_symbols_assess_to_zero() {
        let s = Symbols::new(vec![5; 1000], 4).unwrap();
        let a = assess_or_constant(&s).unwrap();
        assert_eq!(a.h_assessed, 0.0);
        assert_eq!(a.original[0].h(), Some(0.0));
        assert!(a.original[1..].iter().all(|r| r.h().is_none()));
        let varied = Symbols::new((0..1000).map(|i| (i % 3) as u8).collect(), 2).unwrap();
        assert!(assess_or_constant(&varied).unwrap().alphabet == 3);
    }

    #[test]
    fn iid_track_is_recorded_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = job(mock_trace(dir.path(), 9, 2000), 9);
        assert!(result_from_trace(&j).unwrap().iid.is_none());
        j.iid = true;
        let slot = result_from_trace(&j).unwrap().iid.unwrap();
        assert_eq!(slot.detail["samples"], 2000);
        assert_eq!(slot.detail["options"]["seed"], 9);
        assert_eq!(slot.verdict, slot.detail["iid"].as_bool().unwrap());
        assert_eq!(slot.verdict, slot.h_assessed.is_some());
        let constant = iid_slot(&Symbols::new(vec![1; 100], 1).unwrap(), 0).unwrap();
        assert!(!constant.verdict);
        assert_eq!(constant.h_assessed, Some(0.0));
    }

    #[test]
    fn constant_low_bits_give_a_valid_zero_result() {
        use kqent_trace::{ClockInfo, EventKinds, Metadata, Record, TraceWriter};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("const.trace");
        let meta = Metadata::new(
            "mock",
            kqent_trace::Knobs::default(),
            ClockInfo::new("x", 1),
        );
        let f = std::fs::File::create(&path).unwrap();
        let mut w = TraceWriter::create(f, &meta).unwrap();
        for i in 0..300u64 {
            // Multiples of 16: the low 4 bits are always 0.
            w.push(&Record {
                start_ns: i * 1000,
                duration_ns: 16 * (i % 7 + 1),
                events: 1,
                kinds: EventKinds::TIMER,
                segment: 0,
            })
            .unwrap();
        }
        w.finish(|_| {}).unwrap();
        let mut j = job(path, 1);
        j.iid = true;
        let r = result_from_trace(&j).unwrap();
        assert_eq!(r.h_assessed(), 0.0);
        assert_eq!(r.iid.as_ref().map(|s| s.verdict), Some(false));
        let schema: serde_json::Value =
            serde_json::from_str(kqent_report::schema::JSON_SCHEMA).unwrap();
        let v = jsonschema::validator_for(&schema).unwrap();
        let doc = serde_json::to_value(&r).unwrap();
        let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn knobs_round_trip_and_overflow() {
        let k = Knobs::from(&kqent_trace::Knobs::default());
        assert_eq!(trace_knobs(&k).unwrap(), kqent_trace::Knobs::default());
        let big = Knobs {
            num_sockets: u64::from(u32::MAX) + 1,
            ..k
        };
        let e = trace_knobs(&big).unwrap_err().to_string();
        assert!(e.starts_with("--sockets 4294967296 is too large"), "{e}");
        assert_eq!(stats_block(1_000_000), kqent_analysis::stats::DEFAULT_BLOCK);
        assert_eq!(stats_block(2000), 200);
        assert_eq!(stats_block(5), 1);
    }
}
