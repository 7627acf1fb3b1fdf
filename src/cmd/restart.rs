//! `kqent restart MATRIX --bits W --h-initial H [--iid]`: the SP 800-90B restart tests
//! (3.1.4) on a 1000 x 1000 restart matrix (row r = the 1000 samples of restart r), printed
//! as a summary and optionally written as JSON.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use kqent_analysis::restart::{
    self, RestartAssessment, RestartMatrix, RestartOptions, DEFAULT_SIMULATION_ROUNDS,
};
use kqent_analysis::{AnalysisError, EstimatorResult, Symbols};
use serde::Serialize;

use crate::exit;

/// Arguments of `kqent restart`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The restart matrix: 1,000,000 samples in NIST format (one per byte), restart after
    /// restart (1000 restarts of 1000 samples).
    pub matrix: PathBuf,
    /// Bits per symbol, 1..=8.
    #[arg(long, value_name = "W")]
    pub bits: u8,
    /// The initial entropy estimate H_I in bits per symbol, in (0, W].
    #[arg(long, value_name = "H", allow_negative_numbers = true)]
    pub h_initial: f64,
    /// IID source: assess rows and columns with the MCV estimate only (default: every
    /// non-IID estimator).
    #[arg(long)]
    pub iid: bool,
    /// Seed of the sanity-check cutoff simulation.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// Rounds of the cutoff simulation (the reference uses 5,000,000).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SIMULATION_ROUNDS)]
    pub simulation_rounds: u64,
    /// Also write every value, with the input's SHA-256, to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// The JSON document `--json` writes.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// Always `kqent`.
    pub tool: &'static str,
    /// The kqent version that produced it.
    pub tool_version: &'static str,
    /// The matrix file as given.
    pub path: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// `iid` (MCV only) or `non_iid` (every estimator).
    pub estimators: &'static str,
    /// The restart tests.
    pub restart: RestartAssessment,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<u8> {
    super::check_threads(args.threads)?;
    if !(1..=8).contains(&args.bits) {
        bail!("--bits {} is outside 1..=8", args.bits);
    }
    let w = f64::from(args.bits);
    if !(args.h_initial > 0.0 && args.h_initial <= w) {
        bail!(
            "--h-initial {} must be in (0, {}] (bits per {}-bit symbol)",
            args.h_initial,
            args.bits,
            args.bits
        );
    }
    let shown = format!("{:?}", args.matrix.display().to_string());
    // Reject a file of the wrong size before reading it all (it may be huge).
    let meta = std::fs::metadata(&args.matrix).with_context(|| format!("cannot read {shown}"))?;
    if !meta.is_file() {
        bail!("{shown} is not a regular file: a restart matrix is a file of 1000000 samples");
    }
    let size = meta.len();
    if let Some(path) = &args.json {
        kqent_pipeline::outputs::Outputs::new()
            .input(&args.matrix)
            .check("--json", path)?;
    }
    let expected = (restart::ROWS * restart::COLUMNS) as u64;
    if size != expected {
        bail!(
            "{shown}: a restart matrix must hold {} restarts x {} samples = {expected} samples \
             (one byte each); this file holds {size} samples",
            restart::ROWS,
            restart::COLUMNS
        );
    }
    let bytes = std::fs::read(&args.matrix).with_context(|| format!("cannot read {shown}"))?;
    let sha256 = kqent_pipeline::input::sha256_hex(&bytes);
    let matrix = RestartMatrix::from_bytes(bytes, args.bits).with_context(|| shown.clone())?;
    let opts = RestartOptions {
        h_initial: args.h_initial,
        seed: args.seed,
        simulation_rounds: args.simulation_rounds,
    };
    if args.simulation_rounds < 1_000_000 {
        eprintln!(
            "kqent: warning: {} simulation rounds is below the 1,000,000 the cutoff needs to be \
             stable (the reference uses {DEFAULT_SIMULATION_ROUNDS})",
            args.simulation_rounds
        );
    }
    type Estimate = fn(&Symbols) -> Result<Vec<EstimatorResult>, AnalysisError>;
    let estimate: Estimate = if args.iid {
        restart::mcv_only
    } else {
        restart::non_iid
    };
    let run = || restart::assess_restart(&matrix, &opts, &estimate);
    let result = match args.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .context("cannot start the worker threads")?
            .install(run)?,
        None => run()?,
    };
    let doc = Document {
        tool: "kqent",
        tool_version: env!("CARGO_PKG_VERSION"),
        path: shown,
        sha256,
        estimators: if args.iid { "iid" } else { "non_iid" },
        restart: result,
    };
    print!(
        "{}",
        kqent_report::text::restart(&doc.path, doc.estimators == "iid", &doc.restart)
    );
    if let Some(path) = &args.json {
        write_json(path, &doc)?;
    }
    Ok(exit::SUCCESS)
}

/// Writes the document under a temporary name and renames it, so an error leaves nothing.
fn write_json(path: &Path, doc: &Document) -> anyhow::Result<()> {
    let json = serde_json::to_vec_pretty(doc).context("cannot serialize the report")?;
    Ok(kqent_pipeline::atomic::write_with(path, |w| {
        w.write_all(&json)?;
        w.write_all(b"\n")
    })?)
}
