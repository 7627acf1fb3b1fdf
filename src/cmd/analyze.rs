//! `kqent analyze INPUT`: the SP 800-90B assessment of a NIST-format symbol file or of a
//! kqent trace (through `--extract`): the non-IID estimators (section 6.3), the IID track
//! (section 5) or both (`--track auto`), printed as tables and optionally written as a
//! versioned result document (`--json`), the document `kqent gate` and `kqent report` read.
//! The work is `kqent_pipeline`'s (the path a sweep's runs take too); the tables are
//! `kqent_report::text`'s.

use std::path::PathBuf;
use std::time::SystemTime;

use anyhow::{bail, Context};
use kqent_analysis::assess::{AssessOptions, REQUIRED_SAMPLES};
use kqent_analysis::iid::{IidOptions, PERMUTATIONS};
use kqent_analysis::Extraction;
use kqent_pipeline::{Identity, InputOptions, Options};

use crate::cmd::output;
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
    /// symbol) or a kqent trace; `-` reads standard input.
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
    /// basic statistics and provenance) to this JSON file; `-` writes it to standard
    /// output (the tables then go to standard error).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

impl From<Track> for kqent_pipeline::Track {
    fn from(t: Track) -> Self {
        match t {
            Track::NonIid => kqent_pipeline::Track::NonIid,
            Track::Iid => kqent_pipeline::Track::Iid,
            Track::Auto => kqent_pipeline::Track::Auto,
        }
    }
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<u8> {
    super::check_threads(args.threads)?;
    if let Some(b) = args.bits {
        if !(1..=8).contains(&b) {
            bail!("--bits {b} is outside 1..=8");
        }
    }
    // Before the work: the --json file is not the input and can be written.
    if let Some(path) = &args.json {
        kqent_pipeline::outputs::Outputs::new()
            .input(&args.input)
            .check("--json", path)?;
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
    let started = SystemTime::now();
    let input = kqent_pipeline::Source::from_arg(&args.input).read(&InputOptions {
        bits: args.bits,
        extract: args.extract,
    })?;
    let opts = Options {
        track: track.into(),
        // The document always carries the non-IID assessment (gate's --min-entropy reads
        // it), so --json runs it on every track.
        for_document: args.json.is_some(),
        assess: AssessOptions {
            conditioned: args.conditioned,
            truncate: args.truncate,
            h_submitter: args.h_submitter,
            block: args.block,
        },
        iid: IidOptions {
            seed: args.seed,
            permutations: args.permutations,
            all_statistics: args.all_statistics,
        },
        also: Vec::new(),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")?;
    let analysis = pool.install(|| kqent_pipeline::analyze(&input, &opts, cancel.as_deref()))?;
    // Warn once the options are known to be valid, so an error stays a single line.
    for w in &input.warnings {
        eprintln!("kqent: warning: {w}");
    }
    let assessed = analysis.samples();
    if assessed < REQUIRED_SAMPLES as u64 {
        eprintln!(
            "kqent: warning: {assessed} samples is below the {REQUIRED_SAMPLES} SP 800-90B \
             requires; the estimates are less reliable"
        );
    }
    let shown = output::shown_input(&args.input);
    let json_to_stdout = args.json.as_deref().is_some_and(output::is_stdout);
    output::show(
        &kqent_report::text::analysis(&kqent_report::text::Analysis {
            path: &shown,
            extraction: input.extraction,
            file_sha256: &input.file_sha256,
            auto: track == Track::Auto,
            iid: analysis.iid.as_ref(),
            assessment: analysis.non_iid.as_ref(),
        }),
        json_to_stdout,
    );
    if let Some(path) = &args.json {
        let doc = kqent_pipeline::document(
            &input,
            analysis,
            &Identity::alone(&input, started),
            args.seed,
        )?;
        let text = kqent_schema::json::to_json(&doc)?;
        output::write_with(path, |w| w.write_all(text.as_bytes()))
            .with_context(|| format!("cannot write {}", path.display()))?;
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
}
