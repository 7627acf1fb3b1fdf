//! `kqent analyze INPUT`: the SP 800-90B non-IID assessment of a NIST-format symbol file or
//! of a kqent trace (through `--extract`), printed as a table and optionally written as JSON.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use kqent_analysis::assess::{assess, AssessOptions, Assessment, MIN_SAMPLES};
use kqent_analysis::{Estimator, EstimatorResult, Extraction, Symbols};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::exit;

/// Arguments of `kqent analyze`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A NIST-format symbol file (one sample per byte, the low `--bits` bits are the
    /// symbol) or a kqent trace.
    pub input: PathBuf,
    /// Bits per symbol, 1..=8 (symbol files; inferred from the highest bit set when absent).
    #[arg(long, value_name = "N")]
    pub bits: Option<u8>,
    /// How trace durations become symbols: lsb:K, delta-lsb:K or xorfold (required for
    /// traces).
    #[arg(long, value_name = "METHOD")]
    pub extract: Option<Extraction>,
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
    /// Also write every value, with the input's SHA-256, to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// What was read, for the JSON document.
#[derive(Debug, Clone, Serialize)]
pub struct InputInfo {
    /// The path as given.
    pub path: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// `symbols` (NIST format) or `trace`.
    pub kind: &'static str,
    /// The extraction method, for traces.
    pub extraction: Option<String>,
    /// Symbol width in bits.
    pub bits: u8,
    /// Number of symbols in the input (before `--block`).
    pub samples: u64,
}

/// The JSON document `--json` writes. Later assessments (IID tests, ...) add optional
/// fields here.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// Always `kqent`.
    pub tool: &'static str,
    /// The kqent version that produced it.
    pub tool_version: &'static str,
    /// The input.
    pub input: InputInfo,
    /// The non-IID assessment.
    pub assessment: Assessment,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<u8> {
    if let Some(0) = args.threads {
        bail!("--threads must be at least 1");
    }
    let (symbols, info) = load(&args)?;
    let opts = AssessOptions {
        conditioned: args.conditioned,
        truncate: args.truncate,
        h_submitter: args.h_submitter,
        block: args.block,
    };
    let assessment = match args.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .context("cannot start the worker threads")?
            .install(|| assess(&symbols, &opts))?,
        None => assess(&symbols, &opts)?,
    };
    drop(symbols);
    // Warn once the options are known to be valid, so an error stays a single line.
    let assessed = assessment.samples;
    if assessed < MIN_SAMPLES as u64 {
        eprintln!(
            "kqent: warning: {assessed} samples is below the {MIN_SAMPLES} SP 800-90B requires; \
             the estimates are less reliable"
        );
    }
    let doc = Document {
        tool: "kqent",
        tool_version: env!("CARGO_PKG_VERSION"),
        input: info,
        assessment,
    };
    print!("{}", render(&doc));
    if let Some(path) = &args.json {
        write_json(path, &doc)?;
    }
    Ok(exit::SUCCESS)
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

/// Reads the input as symbols, with what the JSON says about it.
fn load(args: &Args) -> anyhow::Result<(Symbols, InputInfo)> {
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
    let path_str = path.display().to_string();
    if kqent_trace::looks_like_trace(&prefix[..got]) {
        let Some(method) = args.extract else {
            bail!("{shown} is a kqent trace: give --extract lsb:K, delta-lsb:K or xorfold");
        };
        if args.bits.is_some() {
            bail!("--bits applies to symbol files; a trace's symbol width comes from --extract");
        }
        drop(file);
        let sha256 = sha256_file(path)?;
        let durations = kqent_trace::open_file(path)
            .and_then(|r| r.durations())
            .with_context(|| format!("cannot read trace {shown}"))?;
        let symbols = method
            .apply(&durations)
            .with_context(|| format!("cannot extract symbols from {shown}"))?;
        let info = InputInfo {
            path: path_str,
            sha256,
            kind: "trace",
            extraction: Some(method.to_string()),
            bits: symbols.bits(),
            samples: symbols.len() as u64,
        };
        Ok((symbols, info))
    } else {
        if args.extract.is_some() {
            bail!("{shown} is not a kqent trace: --extract applies to traces only");
        }
        let mut data = prefix[..got].to_vec();
        file.read_to_end(&mut data)
            .with_context(|| format!("cannot read {shown}"))?;
        let sha256 = hex(&Sha256::digest(&data));
        let symbols = Symbols::from_nist_bytes(data, args.bits)
            .with_context(|| format!("{shown} is not a valid symbol file"))?;
        let info = InputInfo {
            path: path_str,
            sha256,
            kind: "symbols",
            extraction: None,
            bits: symbols.bits(),
            samples: symbols.len() as u64,
        };
        Ok((symbols, info))
    }
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

fn write_json(path: &Path, doc: &Document) -> anyhow::Result<()> {
    let shown = path.display();
    let file = File::create(path).with_context(|| format!("cannot create {shown}"))?;
    let mut w = BufWriter::new(file);
    serde_json::to_writer_pretty(&mut w, doc).with_context(|| format!("cannot write {shown}"))?;
    w.write_all(b"\n")
        .and_then(|()| w.flush())
        .with_context(|| format!("cannot write {shown}"))?;
    Ok(())
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

/// The terminal report.
fn render(doc: &Document) -> String {
    let a = &doc.assessment;
    let mut out = String::new();
    let source = match &doc.input.extraction {
        Some(m) => format!("trace, extracted with {m}"),
        None => "symbol file".into(),
    };
    let _ = writeln!(
        out,
        "{} ({source}, SHA-256 {})",
        doc.input.path, doc.input.sha256
    );
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
    out
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
