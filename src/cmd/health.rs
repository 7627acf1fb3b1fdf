//! `kqent health`: SP 800-90B Repetition Count and Adaptive Proportion tests (4.4) over a
//! symbol file or a trace, for a claimed min-entropy (`--h-claim`). A report, not a
//! verdict: it exits 0 whether or not the tests fire. The input is read by
//! `kqent_pipeline::input`, as `analyze` and `sweep` read it.

use std::path::PathBuf;

use anyhow::{bail, Context};
use kqent_analysis::health::{self, HealthReport};
use kqent_analysis::Extraction;
use kqent_pipeline::InputOptions;
use serde::Serialize;

use crate::cmd::output;
use crate::exit;

/// Arguments of `kqent health`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A NIST-format symbol file (one symbol per byte) or a kqent trace; `-` reads
    /// standard input.
    pub input: PathBuf,
    /// The claimed min-entropy per symbol the cutoffs are derived from, in bits
    /// (0 < H <= symbol width). Not a threshold: `kqent gate --min-entropy` is one.
    #[arg(
        long = "h-claim",
        // The old spellings, kept working but no longer shown.
        alias = "h",
        alias = "min-entropy",
        value_name = "H",
        allow_negative_numbers = true
    )]
    pub h_claim: f64,
    /// False-positive probability of each test: a number or a power of two like `2^-30`.
    #[arg(long, default_value = "2^-20", value_parser = crate::cmd::decision::parse_alpha, value_name = "ALPHA")]
    pub alpha: f64,
    /// Symbol width of a symbol file (default: inferred from the highest bit set).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=8))]
    pub bits: Option<u8>,
    /// How a trace's durations become symbols (required for traces): `lsb:K`,
    /// `delta-lsb:K`, `xorfold` or `openentropy`.
    #[arg(long, value_name = "METHOD")]
    pub extract: Option<Extraction>,
    /// Also write the full report (every firing position) as JSON; `-` writes it to
    /// standard output (the summary then goes to standard error).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// How many firing positions of each test to list on the terminal.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub list: usize,
}

/// The JSON document written by `--json`.
#[derive(Serialize)]
struct Output<'a> {
    input: String,
    extraction: Option<String>,
    bits: u8,
    #[serde(flatten)]
    report: &'a HealthReport,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<u8> {
    if let Some(path) = &args.json {
        let mut guard = kqent_pipeline::outputs::Outputs::new();
        if let kqent_pipeline::Source::File(p) = kqent_pipeline::Source::from_arg(&args.input) {
            guard = guard.input(&p);
        }
        guard.check("--json", path)?;
    }
    let input = kqent_pipeline::Source::from_arg(&args.input).read(&InputOptions {
        bits: args.bits,
        extract: args.extract,
    })?;
    let symbols = &input.symbols;
    if args.h_claim > f64::from(symbols.bits()) {
        bail!(
            "H = {} bits exceeds the {}-bit symbol width: a symbol cannot carry more entropy than its width",
            args.h_claim,
            symbols.bits()
        );
    }
    for w in &input.warnings {
        eprintln!("kqent: warning: {w}");
    }
    // SP 800-90B calls a source binary when it produces two distinct values.
    let binary = symbols.bits() == 1 || symbols.is_binary();
    let cutoffs = health::cutoffs(args.h_claim, args.alpha, binary)?;
    let report = health::run(symbols, &cutoffs);

    if let Some(path) = &args.json {
        let doc = Output {
            input: args.input.display().to_string(),
            extraction: args.extract.map(|e| e.to_string()),
            bits: symbols.bits(),
            report: &report,
        };
        let json = serde_json::to_vec_pretty(&doc).context("cannot serialize the report")?;
        output::write_with(path, |w| {
            w.write_all(&json)?;
            w.write_all(b"\n")
        })?;
    }
    output::show(
        &kqent_report::text::health(
            &output::shown_input(&args.input),
            args.extract,
            symbols.bits(),
            &report,
            args.list,
        ),
        args.json.as_deref().is_some_and(output::is_stdout),
    );
    Ok(exit::SUCCESS)
}
