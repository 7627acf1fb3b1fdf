//! kqent's one path from an input to a result: an input file ([`input::read_input`]:
//! sniffed, read with a bound, hashed, extracted) -> SP 800-90B assessment ([`analyze`]:
//! the non-IID estimators, the IID track, or both, as [`Options`] ask) -> the versioned
//! [`ResultReport`] ([`document`], assembled by [`build::build_result_with`] so that every
//! producer writes the same figures). `kqent analyze`, `kqent health`, `kqent sweep` and
//! anything later go through here, so the same input can never give two answers.
//!
//! Everything in the result except its `provenance` is a function of the input's data, its
//! knobs, the extraction method and the seed, so a mock-backend sweep is reproducible
//! byte for byte outside `provenance`, and a trace analysed alone gives the document its
//! sweep wrote. That is why `input.sha256` hashes a trace's durations
//! ([`input::durations_sha256`]) and the trace file's own hash goes to
//! `provenance.input_file_sha256`: the file's header carries the collection's provenance
//! (host, start time, context switches), which also lands in `provenance.collection`.
//!
//! Symbols that all have one value are assessed, not refused: 0 bits per symbol with the
//! reason (`kqent_analysis::assess::constant_assessment`), and an IID verdict of false.
//!
//! Also here: [`atomic`], the one atomic file writer, [`provenance`], which fills a
//! result's provenance from the collector's reading of the machine, and [`fixture`],
//! synthetic results for tests and previews.

#![warn(missing_docs)]

pub mod atomic;
pub mod build;
pub mod error;
pub mod fixture;
pub mod input;
pub mod limits;
pub mod outputs;
pub mod provenance;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use kqent_analysis::assess::{assess_non_iid, AssessOptions, Assessment};
use kqent_analysis::iid::{assess_iid_cancellable, IidAssessment, IidOptions};
use kqent_analysis::inference::{CollectionInfo, ExtractionAssessment};
use kqent_analysis::stats::{StatsOptions, DEFAULT_BLOCK, DEFAULT_MAX_LAG};
use kqent_analysis::{AnalysisError, Extraction};
use kqent_schema::{config_id, IidSlot, InputInfo, ResultReport};

use crate::build::{build_result_with, ResultInput};
pub use error::PipelineError;

/// An OS error's reason without Rust's ` (os error N)` suffix, for messages that name the
/// file themselves: "No such file or directory".
pub fn os_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
pub use input::{read_input, Input, InputOptions, Source, TraceData};

/// Which SP 800-90B track runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Track {
    /// The non-IID estimators of section 6.3.
    #[default]
    NonIid,
    /// The IID tests of section 5, then the IID estimate (MCV) if they all pass.
    Iid,
    /// The IID tests; the IID estimate if they pass, else the non-IID estimators.
    Auto,
}

/// What to run on an input.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// Which track.
    pub track: Track,
    /// A result document will be built: the non-IID assessment runs whatever the track
    /// (the document always carries it: `kqent gate --min-entropy` reads it).
    pub for_document: bool,
    /// Options of the non-IID assessment (block, conditioned, truncate, H_submitter).
    pub assess: AssessOptions,
    /// Options of the IID track; its seed is the result's seed.
    pub iid: IidOptions,
    /// Further extractions a trace is assessed under, H_assessed only (`sweep --extract`
    /// lists: the result's `extractions`); ignored for a symbol file.
    pub also: Vec<Extraction>,
}

/// What ran on an input.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// The non-IID assessment, when it ran.
    pub non_iid: Option<Assessment>,
    /// The IID track, when it ran (on the `--block` selection, like the estimators).
    pub iid: Option<IidAssessment>,
}

impl Analysis {
    /// Samples assessed (after a `--block` selection).
    pub fn samples(&self) -> u64 {
        self.non_iid
            .as_ref()
            .map(|a| a.samples)
            .or(self.iid.as_ref().map(|a| a.samples))
            .unwrap_or(0)
    }
}

/// Runs what `opts` asks on `input`: the non-IID estimators first when they run anyway
/// (so that a bad option fails before a long IID run), the IID track, and for
/// [`Track::Auto`] the non-IID estimators when the IID tests fail. `cancel` stops the IID
/// permutations soon after it is raised; the estimators do not poll it, so it is checked
/// once more at the end ([`AnalysisError::Interrupted`]).
pub fn analyze(
    input: &Input,
    opts: &Options,
    cancel: Option<&AtomicBool>,
) -> Result<Analysis, PipelineError> {
    let symbols = &input.symbols;
    let mut non_iid = if opts.track == Track::NonIid || opts.for_document {
        Some(assess_non_iid(symbols, &opts.assess)?)
    } else {
        None
    };
    let iid = if opts.track == Track::NonIid {
        None
    } else {
        let selected = match opts.assess.block {
            Some((i, n)) => symbols.block(i, n)?,
            None => symbols.clone(),
        };
        Some(assess_iid_cancellable(&selected, &opts.iid, cancel)?)
    };
    if non_iid.is_none() && opts.track == Track::Auto && iid.as_ref().is_some_and(|a| !a.iid) {
        non_iid = Some(assess_non_iid(symbols, &opts.assess)?);
    }
    if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
        return Err(AnalysisError::Interrupted.into());
    }
    Ok(Analysis { non_iid, iid })
}

/// How a result names its input and where it stands in a sweep.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The configuration's id; `None`: a trace's is [`config_id`] of its knobs, a symbol
    /// file's is its file stem.
    pub config_id: Option<String>,
    /// Repetition index, from 1.
    pub repetition: u32,
    /// How the result names the input file (`traces/<id>-r<rep>.trace` in a sweep; the
    /// path as given otherwise).
    pub file: Option<String>,
    /// When work on the input began (a sweep: collection start), for the provenance.
    pub started: SystemTime,
}

impl Identity {
    /// The identity of an input analysed on its own, started `started`: repetition 1, the
    /// file named as given.
    pub fn alone(input: &Input, started: SystemTime) -> Identity {
        Identity {
            config_id: None,
            repetition: 1,
            file: Some(input.path.display().to_string()),
            started,
        }
    }
}

/// Block length of the entropy-over-time series: the 100,000 samples when the run
/// has at least two such blocks, otherwise a tenth of the run, so that short runs still
/// show ten points of drift instead of one.
pub fn stats_block(samples: usize) -> usize {
    if samples >= 2 * DEFAULT_BLOCK {
        DEFAULT_BLOCK
    } else {
        samples.div_ceil(10).max(1)
    }
}

/// The result document of `analysis` (which must hold the non-IID assessment: run it with
/// [`Options::for_document`]); the provenance covers `id.started` to now.
pub fn document(
    input: &Input,
    analysis: Analysis,
    id: &Identity,
    seed: u64,
) -> Result<ResultReport, PipelineError> {
    let Some(assessment) = analysis.non_iid else {
        return Err(PipelineError::InvalidArgument(
            "a result document needs the non-IID assessment".into(),
        ));
    };
    let iid = analysis
        .iid
        .as_ref()
        .map(IidSlot::from_assessment)
        .transpose()?;
    let mut provenance =
        provenance::collect(env!("CARGO_PKG_VERSION"), id.started, SystemTime::now());
    let trace = input.trace.as_ref();
    // Statistics are for people: ns, converted from ticks where the clock counts ticks.
    let durations_ns = trace.map(TraceData::durations_ns);
    if let Some(t) = trace {
        provenance.input_file_sha256 = Some(input.file_sha256.clone());
        provenance.collection = Some(t.meta.provenance.clone());
    }
    let config_id = id.config_id.clone().unwrap_or_else(|| match trace {
        Some(t) => config_id(&t.meta.knobs),
        // Standard input (`-`) has no stem to name it by.
        None if input.path.as_os_str() == "-" => "stdin".into(),
        None => input
            .path
            .file_stem()
            .map_or_else(|| "input".into(), |s| s.to_string_lossy().into_owned()),
    });
    let result = ResultInput {
        config_id,
        repetition: id.repetition,
        backend: trace.map(|t| t.meta.backend.clone()),
        knobs: trace.map(|t| t.meta.knobs.clone()),
        input: InputInfo {
            sha256: input.data_sha256(),
            file: id.file.clone(),
            samples: input.samples(),
        },
        extraction: input.extraction,
        seed,
        symbols: &input.symbols,
        durations: trace
            .zip(durations_ns.as_deref())
            .map(|(t, ns)| (ns, &t.kinds[..])),
        assessment,
        iid,
        provenance,
    };
    let options = StatsOptions {
        max_lag: DEFAULT_MAX_LAG,
        block: stats_block(input.symbols.len()),
    };
    let mut doc = build_result_with(result, options)?;
    doc.collection = trace.map(collection_info);
    doc.profile = trace
        .and_then(|t| t.meta.profile.as_ref())
        .map(|p| p.name.clone());
    Ok(doc)
}

/// [`analyze`] then [`document`]: the one function from an input and options to a result
/// document. The seed recorded is the IID track's (`opts.iid.seed`).
pub fn result_document(
    input: &Input,
    opts: &Options,
    id: &Identity,
    cancel: Option<&AtomicBool>,
) -> Result<ResultReport, PipelineError> {
    let opts = Options {
        for_document: true,
        ..opts.clone()
    };
    let analysis = analyze(input, &opts, cancel)?;
    let mut result = document(input, analysis, id, opts.iid.seed)?;
    if let Some(t) = &input.trace {
        result.extractions = other_extractions(&t.durations, &opts.also, &opts.assess)?;
    }
    Ok(result)
}

/// How the collection of a trace went, as its trace recorded it: the records' span on its
/// clock, the collector's CPU time and the clock (for the entropy rate and cost).
pub fn collection_info(t: &TraceData) -> CollectionInfo {
    CollectionInfo {
        wall_ns: t.span_ns,
        cpu_ns: t.meta.provenance.collector_cpu_ns,
        clock: t.meta.clock.name.clone(),
        clock_resolution_ns: t.meta.clock.resolution_ns,
    }
}

/// H_assessed of `durations` under each of `methods` (constant symbols: 0 bits, as
/// everywhere).
pub fn other_extractions(
    durations: &[u64],
    methods: &[Extraction],
    opts: &AssessOptions,
) -> Result<Vec<ExtractionAssessment>, PipelineError> {
    methods
        .iter()
        .map(|&m| {
            let symbols = m.apply(durations)?;
            let a = assess_non_iid(&symbols, opts)?;
            Ok(ExtractionAssessment {
                extraction: m,
                bits: symbols.bits(),
                h_assessed: a.h_assessed,
            })
        })
        .collect()
}

#[cfg(test)]
mod inference_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    use kqent_analysis::{Extraction, Symbols};
    use kqent_collector::{collect, BackendKind, CollectConfig};
    use kqent_schema::Knobs;

    fn mock_trace(dir: &Path, seed: u64, samples: u64) -> PathBuf {
        let path = dir.join(format!("m{seed}.trace"));
        let mut cfg = CollectConfig::new(BackendKind::Mock, samples);
        cfg.seed = seed;
        let f = std::fs::File::create(&path).unwrap();
        collect(&cfg, f, &AtomicBool::new(false), &mut |_| {}).unwrap();
        path
    }

    /// What a sweep does with one of its traces.
    fn result_from_trace(trace: &Path, seed: u64, iid: bool) -> ResultReport {
        let input = read_input(
            trace,
            &InputOptions {
                bits: None,
                extract: Some(Extraction::Lsb(4)),
            },
        )
        .unwrap();
        let opts = Options {
            track: if iid { Track::Iid } else { Track::NonIid },
            iid: IidOptions {
                seed,
                ..IidOptions::default()
            },
            ..Options::default()
        };
        let id = Identity {
            config_id: Some("x".into()),
            repetition: 1,
            file: Some("traces/x-r1.trace".into()),
            started: SystemTime::now(),
        };
        result_document(&input, &opts, &id, None).unwrap()
    }

    #[test]
    fn same_records_same_result_outside_provenance() {
        let dir = tempfile::tempdir().unwrap();
        let a = result_from_trace(&mock_trace(dir.path(), 7, 3000), 7, false);
        // A second collection: its header may record other times, its records are the same.
        let b_path = dir.path().join("again.trace");
        std::fs::rename(mock_trace(dir.path(), 7, 3000), &b_path).unwrap();
        let b = result_from_trace(&b_path, 7, false);
        let strip = |r: &ResultReport| {
            kqent_schema::json::without_provenance(&serde_json::to_value(r).unwrap())
        };
        assert_eq!(strip(&a), strip(&b));
        assert_eq!(a.input.samples, 3000);
        assert_eq!(a.backend.as_deref(), Some("mock"));
        assert_eq!(a.knobs, Some(Knobs::default()));
        assert_eq!(a.stats.blocks.len(), 10);
        assert_eq!(a.lag_pairs.len(), crate::build::LAG_PAIRS);
        assert!(a.provenance.collection.is_some());
        // Another seed gives other records, so another digest.
        let c = result_from_trace(&mock_trace(dir.path(), 8, 3000), 8, false);
        assert_ne!(a.input.sha256, c.input.sha256);
    }

    #[test]
    fn digests_are_the_durations_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = mock_trace(dir.path(), 3, 500);
        let durations = kqent_trace::open_file(&path).unwrap().durations().unwrap();
        let r = result_from_trace(&path, 3, false);
        assert_eq!(r.input.sha256, input::durations_sha256(&durations));
        assert_eq!(
            r.provenance.input_file_sha256,
            Some(input::sha256_hex(&std::fs::read(&path).unwrap()))
        );
    }

    #[test]
    fn a_symbol_file_is_named_by_its_stem_a_trace_by_its_knobs() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("noise.bin");
        std::fs::write(
            &bin,
            (0..2000u32).map(|i| (i * 7 % 13) as u8).collect::<Vec<_>>(),
        )
        .unwrap();
        let opts = Options::default();
        let input = read_input(&bin, &InputOptions::default()).unwrap();
        let r = result_document(
            &input,
            &opts,
            &Identity::alone(&input, SystemTime::now()),
            None,
        )
        .unwrap();
        assert_eq!(r.config_id, "noise");
        assert_eq!(r.input.sha256, input.file_sha256);
        assert!(r.knobs.is_none() && r.durations.is_none());
        let trace = mock_trace(dir.path(), 1, 300);
        let input = read_input(
            &trace,
            &InputOptions {
                bits: None,
                extract: Some(Extraction::XorFold),
            },
        )
        .unwrap();
        let r = result_document(
            &input,
            &opts,
            &Identity::alone(&input, SystemTime::now()),
            None,
        )
        .unwrap();
        assert_eq!(r.config_id, config_id(&Knobs::default()));
    }

    #[test]
    fn iid_track_is_recorded_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = mock_trace(dir.path(), 9, 2000);
        assert!(result_from_trace(&path, 9, false).iid.is_none());
        let slot = result_from_trace(&path, 9, true).iid.unwrap();
        assert_eq!(slot.detail["samples"], 2000);
        assert_eq!(slot.detail["options"]["seed"], 9);
        assert_eq!(slot.verdict, slot.detail["iid"].as_bool().unwrap());
        assert_eq!(slot.verdict, slot.h_assessed.is_some());
    }

    #[test]
    fn constant_low_bits_give_a_valid_zero_result() {
        use kqent_trace::{ClockInfo, EventKinds, Metadata, Record, TraceWriter};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("const.trace");
        let meta = Metadata::new("mock", Knobs::default(), ClockInfo::new("x", 1));
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
        let input = read_input(
            &path,
            &InputOptions {
                bits: None,
                extract: Some(Extraction::Lsb(4)),
            },
        )
        .unwrap();
        // The durations share a tick of 16 ns: the input says so.
        assert!(input.warnings[0].contains("multiple of the observed tick, 16 ns"));
        let r = result_from_trace(&path, 1, true);
        assert_eq!(r.h_assessed(), 0.0);
        assert_eq!(r.assessment.original[0].h(), Some(0.0));
        let slot = r.iid.as_ref().unwrap();
        assert!(!slot.verdict);
        assert_eq!(slot.h_assessed, None);
        assert_eq!(
            slot.detail["not_applicable"],
            kqent_analysis::assess::CONSTANT_REASON
        );
        let schema: serde_json::Value = serde_json::from_str(kqent_schema::JSON_SCHEMA).unwrap();
        let v = jsonschema::validator_for(&schema).unwrap();
        let doc = serde_json::to_value(&r).unwrap();
        let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        // Constant symbols assess to zero through the same path as any other.
        let s = Symbols::new(vec![5; 1000], 4).unwrap();
        assert_eq!(
            assess_non_iid(&s, &AssessOptions::default())
                .unwrap()
                .h_assessed,
            0.0
        );
    }

    #[test]
    fn statistics_blocks() {
        assert_eq!(stats_block(1_000_000), DEFAULT_BLOCK);
        assert_eq!(stats_block(2000), 200);
        assert_eq!(stats_block(5), 1);
    }
}
