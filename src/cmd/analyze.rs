//! `kqent analyze INPUT`: the SP 800-90B assessment of a NIST-format symbol file or of a
//! kqent trace (through `--extract`): the non-IID estimators (section 6.3), the IID track
//! (section 5) or both (`--track auto`), printed as tables and optionally written as a
//! versioned [`ResultReport`] (`--json`), the document `kqent gate` and `kqent report` read.

use std::fmt::Write as _;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::SystemTime;

use anyhow::{bail, Context};
use kqent_analysis::assess::{assess, AssessOptions, Assessment, MIN_SAMPLES};
use kqent_analysis::iid::{
    assess_cancellable, ChiSquareTest, IidAssessment, IidOptions, PermutationOutcome, PERMUTATIONS,
};
use kqent_analysis::stats::{StatsOptions, DEFAULT_MAX_LAG};
use kqent_analysis::{AnalysisError, Estimator, EstimatorResult, Extraction, Symbols};
use kqent_report::build::{build_result_with, ResultInput};
use kqent_report::layout::{durations_sha256, write_atomic};
use kqent_report::{IidSlot, InputInfo, Knobs, Provenance, ResultReport};
use sha2::{Digest, Sha256};

use crate::exit;

/// Which SP 800-90B track runs.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Track {
    /// The ten non-IID estimators of section 6.3.
    NonIid,
    /// The IID tests of section 5, then the IID estimate (MCV) if they all pass.
    Iid,
    /// The IID tests; the IID estimate if they pass, else the non-IID estimators.
    Auto,
}

/// Arguments of `kqent analyze`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A NIST-format symbol file (one sample per byte, the low `--bits` bits are the
    /// symbol) or a kqent trace.
    pub input: PathBuf,
    /// Bits per symbol, 1..=8 (symbol files; inferred from the highest bit set when absent).
    #[arg(long, value_name = "N")]
    pub bits: Option<u8>,
    /// How trace durations become symbols: lsb:K, delta-lsb:K, xorfold or openentropy (required for
    /// traces).
    #[arg(long, value_name = "METHOD")]
    pub extract: Option<Extraction>,
    /// Which track: non-iid (the ten estimators), iid (the IID tests, then the IID
    /// estimate if they pass) or auto (IID tests; the non-IID estimators if they fail).
    #[arg(long, value_enum, default_value = "non-iid")]
    pub track: Track,
    /// Shorthand for `--track iid`.
    #[arg(long, conflicts_with = "track")]
    pub iid: bool,
    /// Seed of the IID permutations (the same seed gives the same result whatever
    /// `--threads`).
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// IID track: compute every permutation statistic to its end even once the verdict is
    /// decided (slower).
    #[arg(long)]
    pub all_statistics: bool,
    /// IID track: number of permutations (SP 800-90B: 10,000; fewer only for tests and
    /// quick looks — the number is recorded in the JSON).
    #[arg(long, value_name = "N", default_value_t = PERMUTATIONS)]
    pub permutations: usize,
    /// The submitter's claimed entropy per symbol, folded into H_assessed.
    #[arg(long, value_name = "H")]
    pub h_submitter: Option<f64>,
    /// Conditioned-data mode (SP 800-90B 3.1.5.2): assess the bitstring only.
    #[arg(long)]
    pub conditioned: bool,
    /// Cut the bitstring to its first 1,000,000 bits.
    #[arg(long)]
    pub truncate: bool,
    /// Assess only samples [INDEX x COUNT, INDEX x COUNT + COUNT).
    #[arg(long, value_name = "INDEX,COUNT", value_parser = parse_block)]
    pub block: Option<(usize, usize)>,
    /// Also write the versioned result report (every value, the input's SHA-256, the seed,
    /// basic statistics and provenance) to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// The input as read: its symbols and what the report says about it.
struct Loaded {
    symbols: Symbols,
    /// SHA-256 of the file's bytes.
    file_sha256: String,
    /// The trace's metadata, durations and kind bitmasks; `None` for a symbol file.
    trace: Option<TraceData>,
}

use crate::pipeline::TraceColumns as TraceData;

/// What ran, for the terminal report.
struct Outcome<'a> {
    path: &'a Path,
    extraction: Option<Extraction>,
    file_sha256: &'a str,
    track: Track,
    iid: Option<&'a IidAssessment>,
    assessment: Option<&'a Assessment>,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<u8> {
    if let Some(0) = args.threads {
        bail!("--threads must be at least 1");
    }
    if args.permutations == 0 {
        bail!("--permutations must be at least 1");
    }
    let track = if args.iid { Track::Iid } else { args.track };
    // Only the IID track can run long enough to want a clean stop; elsewhere Ctrl-C keeps
    // its default effect (the process ends at once).
    let cancel = if track == Track::NonIid {
        None
    } else {
        Some(crate::interrupt::flag()?)
    };
    let stopped = || cancel.as_ref().is_some_and(|f| f.load(Ordering::Relaxed));
    let started = SystemTime::now();
    let loaded = load(&args)?;
    let opts = AssessOptions {
        conditioned: args.conditioned,
        truncate: args.truncate,
        h_submitter: args.h_submitter,
        block: args.block,
    };
    let iid_opts = IidOptions {
        seed: args.seed,
        permutations: args.permutations,
        all_statistics: args.all_statistics,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")?;
    let symbols = &loaded.symbols;
    let (iid, assessment) = pool.install(|| -> anyhow::Result<_> {
        // The report document always carries the non-IID assessment (gate's
        // --min-entropy reads it), so --json runs it on every track; run it first so that a
        // bad option fails before a long IID run.
        let mut assessment = if track == Track::NonIid || args.json.is_some() {
            Some(assess(symbols, &opts)?)
        } else {
            None
        };
        let iid = if track == Track::NonIid {
            None
        } else {
            let selected = match args.block {
                Some((i, n)) => symbols.block(i, n)?,
                None => symbols.clone(),
            };
            Some(assess_cancellable(&selected, &iid_opts, cancel.as_deref())?)
        };
        if assessment.is_none() && track == Track::Auto && iid.as_ref().is_some_and(|a| !a.iid) {
            assessment = Some(assess(symbols, &opts)?);
        }
        // The non-IID estimators do not poll the flag: a Ctrl-C during them ends the run
        // here, before anything is printed or written.
        if stopped() {
            return Err(AnalysisError::Interrupted.into());
        }
        Ok((iid, assessment))
    })?;
    // Warn once the options are known to be valid, so an error stays a single line.
    let assessed = assessment
        .as_ref()
        .map(|a| a.samples)
        .or(iid.as_ref().map(|a| a.samples))
        .unwrap_or(0);
    if assessed < MIN_SAMPLES as u64 {
        eprintln!(
            "kqent: warning: {assessed} samples is below the {MIN_SAMPLES} SP 800-90B requires; \
             the estimates are less reliable"
        );
    }
    print!(
        "{}",
        render(&Outcome {
            path: &args.input,
            extraction: args.extract,
            file_sha256: &loaded.file_sha256,
            track,
            iid: iid.as_ref(),
            assessment: assessment.as_ref(),
        })
    );
    if let (Some(path), Some(assessment)) = (&args.json, assessment) {
        let report = report(&args, &loaded, assessment, iid.as_ref(), started)?;
        let text = kqent_report::json::to_json(&report)?;
        write_atomic(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(exit::SUCCESS)
}

/// The versioned result document, assembled by the report crate's builder with the same
/// statistics options as `kqent sweep` (`pipeline`). As in a sweep, a trace's `input.sha256` hashes its durations and the
/// file's own hash goes to the provenance, since the file's header records when and where
/// it was collected.
fn report(
    args: &Args,
    loaded: &Loaded,
    assessment: Assessment,
    iid: Option<&IidAssessment>,
    started: SystemTime,
) -> anyhow::Result<ResultReport> {
    let config_id = args
        .input
        .file_stem()
        .map_or_else(|| "input".into(), |s| s.to_string_lossy().into_owned());
    let iid = iid.map(IidSlot::from_assessment).transpose()?;
    let mut provenance = Provenance::collect(env!("CARGO_PKG_VERSION"), started, SystemTime::now());
    let file = Some(args.input.display().to_string());
    let ns;
    let input = match &loaded.trace {
        Some(t) => {
            provenance.input_file_sha256 = Some(loaded.file_sha256.clone());
            provenance.collection = Some(t.meta.provenance.clone());
            ns = t.durations_ns();
            ResultInput {
                config_id,
                repetition: 1,
                backend: Some(t.meta.backend.clone()),
                knobs: Some(Knobs::from(&t.meta.knobs)),
                input: InputInfo {
                    sha256: durations_sha256(&t.durations),
                    file,
                    samples: t.durations.len() as u64,
                },
                extraction: args.extract,
                seed: args.seed,
                symbols: &loaded.symbols,
                durations: Some((&ns, &t.kinds)),
                assessment,
                iid,
                provenance,
            }
        }
        None => ResultInput {
            config_id,
            repetition: 1,
            backend: None,
            knobs: None,
            input: InputInfo {
                sha256: loaded.file_sha256.clone(),
                file,
                samples: loaded.symbols.len() as u64,
            },
            extraction: None,
            seed: args.seed,
            symbols: &loaded.symbols,
            durations: None,
            assessment,
            iid,
            provenance,
        },
    };
    // The sweep's choice of block length, so that a trace analysed alone and the same
    // trace in a sweep give the same statistics.
    let options = StatsOptions {
        max_lag: DEFAULT_MAX_LAG,
        block: crate::pipeline::stats_block(loaded.symbols.len()),
    };
    let mut result = build_result_with(input, options)?;
    result.profile = loaded
        .trace
        .as_ref()
        .and_then(|t| t.meta.profile.as_ref())
        .map(|p| p.name.clone());
    Ok(result)
}

/// Parses `INDEX,COUNT`.
fn parse_block(s: &str) -> Result<(usize, usize), String> {
    let (i, c) = s
        .split_once(',')
        .ok_or_else(|| format!("expected INDEX,COUNT, got {s:?}"))?;
    let index = i
        .trim()
        .parse()
        .map_err(|_| format!("block index {i:?} is not a non-negative integer"))?;
    let count: usize = c
        .trim()
        .parse()
        .map_err(|_| format!("block count {c:?} is not a non-negative integer"))?;
    if count == 0 {
        return Err("block count must be at least 1".into());
    }
    Ok((index, count))
}

/// Reads the input as symbols, with what the report says about it.
fn load(args: &Args) -> anyhow::Result<Loaded> {
    let path = &args.input;
    let shown = path.display();
    let meta = std::fs::metadata(path).with_context(|| format!("cannot open {shown}"))?;
    if meta.is_dir() {
        bail!("{shown} is a directory, not a symbol file or trace");
    }
    let mut file = File::open(path).with_context(|| format!("cannot open {shown}"))?;
    let mut prefix = [0u8; 16];
    let got =
        read_prefix(&mut file, &mut prefix).with_context(|| format!("cannot read {shown}"))?;
    if got == 0 {
        bail!("{shown} is empty");
    }
    if kqent_trace::looks_like_trace(&prefix[..got]) {
        let Some(method) = args.extract else {
            bail!("{shown} is a kqent trace: give --extract lsb:K, delta-lsb:K, xorfold or openentropy");
        };
        if args.bits.is_some() {
            bail!("--bits applies to symbol files; a trace's symbol width comes from --extract");
        }
        drop(file);
        let file_sha256 = sha256_file(path)?;
        let trace = read_trace(path).with_context(|| format!("cannot read trace {shown}"))?;
        for w in trace.tick_warnings() {
            eprintln!("kqent: warning: {w}");
        }
        let symbols = trace
            .symbols(method)
            .with_context(|| format!("cannot extract symbols from {shown}"))?;
        Ok(Loaded {
            symbols,
            file_sha256,
            trace: Some(trace),
        })
    } else {
        if args.extract.is_some() {
            bail!("{shown} is not a kqent trace: --extract applies to traces only");
        }
        let mut data = prefix[..got].to_vec();
        file.read_to_end(&mut data)
            .with_context(|| format!("cannot read {shown}"))?;
        let file_sha256 = hex(&Sha256::digest(&data));
        let symbols = Symbols::from_nist_bytes(data, args.bits)
            .with_context(|| format!("{shown} is not a valid symbol file"))?;
        Ok(Loaded {
            symbols,
            file_sha256,
            trace: None,
        })
    }
}

/// A trace's metadata, durations and event-kind bitmasks (the report's duration
/// statistics use the kinds).
fn read_trace(path: &Path) -> Result<TraceData, kqent_trace::TraceError> {
    TraceData::read(kqent_trace::open_file(path)?)
}

/// Fills `buf` as far as the file allows; returns the number of bytes read.
fn read_prefix(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..])? {
            0 => break,
            k => got += k,
        }
    }
    Ok(got)
}

/// SHA-256 of a file, streamed (traces can be large).
fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let k = file
            .read(&mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if k == 0 {
            break;
        }
        hasher.update(&buf[..k]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
/// The intermediate values shown in the table for each estimator (all of them are in the
/// JSON).
fn key_values(e: Estimator) -> &'static [&'static str] {
    match e {
        Estimator::Mcv => &["p_hat", "p_u"],
        Estimator::Collision => &["X_bar", "sigma_hat", "p"],
        Estimator::Markov => &["p_max"],
        Estimator::Compression => &["X_bar", "sigma_hat", "p"],
        Estimator::TTuple => &["t", "p_hat_max", "p_u"],
        Estimator::Lrs => &["u", "v", "p_hat", "p_u"],
        Estimator::MultiMcw | Estimator::Lag | Estimator::MultiMmc | Estimator::Lz78y => {
            &["C", "p_global_prime", "r", "p_local"]
        }
    }
}

fn describe(r: &EstimatorResult) -> String {
    if let Some(reason) = na_reason(r) {
        return format!("n/a: {reason}");
    }
    let shown: Vec<&kqent_analysis::Value> = key_values(r.estimator)
        .iter()
        .filter_map(|n| r.values.iter().find(|v| v.name == *n))
        .collect();
    shown
        .iter()
        .map(|v| format!("{}={}", v.name, short(v.value)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn na_reason(r: &EstimatorResult) -> Option<&str> {
    match &r.outcome {
        kqent_analysis::Outcome::NotApplicable { reason } => Some(reason),
        kqent_analysis::Outcome::Estimate { .. } => None,
    }
}

/// A compact number: integers as such, others with 6 significant digits.
fn short(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else if x != 0.0 && (x.abs() < 1e-4 || x.abs() >= 1e6) {
        format!("{x:.5e}")
    } else {
        format!("{x:.6}")
    }
}

fn cell(r: Option<&EstimatorResult>) -> String {
    match r {
        None => "-".into(),
        Some(r) => r.h().map_or_else(|| "n/a".into(), |h| format!("{h:.6}")),
    }
}

/// The terminal report: the IID tests when they ran, the non-IID table when it ran, and
/// which entropy the track settles on.
fn render(o: &Outcome<'_>) -> String {
    let mut out = String::new();
    let source = match &o.extraction {
        Some(m) => format!("trace, extracted with {m}"),
        None => "symbol file".into(),
    };
    let _ = writeln!(
        out,
        "{} ({source}, SHA-256 {})",
        o.path.display(),
        o.file_sha256
    );
    if let Some(iid) = o.iid {
        render_iid(&mut out, iid);
    }
    if let Some(a) = o.assessment {
        if o.iid.is_some() {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "{}",
                match o.track {
                    Track::Auto if o.iid.is_some_and(|i| !i.iid) =>
                        "Non-IID estimators (section 6.3), as the IID tests failed:",
                    _ => "Non-IID estimators (section 6.3), for the report:",
                }
            );
        }
        render_non_iid(&mut out, a);
    }
    if o.track == Track::Auto {
        let _ = writeln!(out);
        match (o.iid.and_then(|i| i.entropy.as_ref()), o.assessment) {
            (Some(e), _) => {
                let _ = writeln!(
                    out,
                    "Track auto: IID tests passed; entropy = IID H_assessed = {:.6} bits/symbol",
                    e.h_assessed
                );
            }
            (None, Some(a)) => {
                let _ = writeln!(
                    out,
                    "Track auto: IID tests failed; entropy = non-IID H_assessed = {:.6} \
                     bits/symbol",
                    a.h_assessed
                );
            }
            (None, None) => {}
        }
    }
    out
}

fn chi_square_name(t: ChiSquareTest) -> &'static str {
    match t {
        ChiSquareTest::Independence => "chi-square independence",
        ChiSquareTest::GoodnessOfFit => "chi-square goodness of fit",
        ChiSquareTest::BinaryIndependence => "chi-square independence (binary)",
        ChiSquareTest::BinaryGoodnessOfFit => "chi-square goodness of fit (binary)",
    }
}

fn pass_fail(pass: bool) -> &'static str {
    if pass {
        "pass"
    } else {
        "FAIL"
    }
}

/// The IID tests of section 5: chi-square, LRS, each permutation statistic, the verdict
/// and the IID entropy.
fn render_iid(out: &mut String, a: &IidAssessment) {
    let _ = writeln!(
        out,
        "{} samples of {} distinct {}-bit symbols{}; IID tests (section 5), seed {}, {} \
         permutations{}",
        a.samples,
        a.alphabet,
        a.bits,
        if a.binary { " (binary)" } else { "" },
        a.options.seed,
        a.options.permutations,
        if a.options.all_statistics {
            ", all statistics"
        } else {
            ""
        }
    );
    let _ = writeln!(out);
    for c in [&a.chi_square_independence, &a.chi_square_goodness_of_fit] {
        let _ = writeln!(
            out,
            "{:<34} {:<7} T={} df={} p={}  {}",
            chi_square_name(c.test),
            c.section,
            short(c.statistic),
            c.df,
            short(c.p_value),
            pass_fail(c.pass)
        );
    }
    let l = &a.lrs;
    let _ = writeln!(
        out,
        "{:<34} {:<7} W={} p_col={} Pr(X>=1)={}  {}",
        "longest repeated substring",
        "5.2.5",
        l.w,
        short(l.p_col),
        short(l.pr_at_least_one),
        pass_fail(l.pass)
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<24} {:<7} {:>14} {:>6} {:>6} {:>6} {:>6}  outcome",
        "permutation statistic", "section", "original", "C0", "C1", "C2", "perms"
    );
    for p in &a.permutation_tests {
        let outcome = match &p.outcome {
            PermutationOutcome::Pass => "pass".to_string(),
            PermutationOutcome::Fail => "FAIL".to_string(),
            PermutationOutcome::NotEvaluated { reason } => format!("not evaluated: {reason}"),
        };
        let _ = writeln!(
            out,
            "{:<24} {:<7} {:>14} {:>6} {:>6} {:>6} {:>6}  {outcome}",
            p.name,
            p.section,
            short(p.original),
            p.c0,
            p.c1,
            p.c2,
            p.permutations
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "IID verdict: {}",
        if a.iid {
            "pass (the data may be treated as IID)"
        } else {
            "FAIL (the data cannot be treated as IID)"
        }
    );
    match &a.entropy {
        Some(e) => {
            let _ = writeln!(
                out,
                "IID H_original:  {:.6} bits/symbol (MCV)",
                e.h_original
            );
            let mut terms = vec![a.bits.to_string(), "H_original".to_string()];
            if let Some(h) = e.h_bitstring {
                let _ = writeln!(out, "IID H_bitstring: {h:.6} bits/bit (MCV)");
                terms.push(format!("{} x H_bitstring", a.bits));
            }
            let _ = writeln!(
                out,
                "IID H_assessed = min({}) = {:.6} bits/symbol",
                terms.join(", "),
                e.h_assessed
            );
        }
        None => {
            let _ = writeln!(out, "no IID entropy claimed");
        }
    }
}

/// The non-IID estimators' table and H_assessed.
fn render_non_iid(out: &mut String, a: &Assessment) {
    let _ = writeln!(
        out,
        "{} samples of {} distinct {}-bit symbols{}{}",
        a.samples,
        a.alphabet,
        a.bits,
        if a.binary { " (binary)" } else { "" },
        if a.bitstring_len > 0 {
            format!("; bitstring of {} bits", a.bitstring_len)
        } else {
            String::new()
        }
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<20} {:<7} {:>11} {:>11}  intermediate values",
        "estimator", "section", "H_original", "H_bitstring"
    );
    for e in Estimator::ALL {
        let orig = a.original.iter().find(|r| r.estimator == e);
        let bits = a.bitstring.iter().find(|r| r.estimator == e);
        if orig.is_none() && bits.is_none() {
            continue;
        }
        let mut notes = Vec::new();
        if let Some(r) = orig {
            notes.push(describe(r));
        }
        if let Some(r) = bits {
            notes.push(format!("bits: {}", describe(r)));
        }
        let _ = writeln!(
            out,
            "{:<20} {:<7} {:>11} {:>11}  {}",
            e.display_name(),
            e.section(),
            cell(orig),
            cell(bits),
            notes.join(" | ")
        );
    }
    let _ = writeln!(out);
    if let Some(h) = a.h_original {
        let _ = writeln!(out, "H_original:  {h:.6} bits/symbol");
    }
    if let Some(h) = a.h_bitstring {
        let _ = writeln!(out, "H_bitstring: {h:.6} bits/bit");
    }
    let mut terms = vec![a.bits.to_string()];
    if a.h_original.is_some() {
        terms.push("H_original".into());
    }
    if a.h_bitstring.is_some() {
        terms.push(format!("{} x H_bitstring", a.bits));
    }
    if a.options.h_submitter.is_some() {
        terms.push("H_submitter".into());
    }
    let _ = writeln!(
        out,
        "H_assessed = min({}) = {:.6} bits/symbol",
        terms.join(", "),
        a.h_assessed
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_arguments() {
        assert_eq!(parse_block("2,100"), Ok((2, 100)));
        assert!(parse_block("2").is_err());
        assert!(parse_block("a,1").is_err());
        assert!(parse_block("1,0").is_err());
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(35.0), "35");
        assert_eq!(short(0.5), "0.500000");
        assert_eq!(short(2.5e-30), "2.50000e-30");
    }
}
