//! `kqent health`: SP 800-90B Repetition Count and Adaptive Proportion tests (4.4) over a
//! symbol file or a trace, for a claimed min-entropy. A report, not a verdict: it exits 0
//! whether or not the tests fire.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use kqent_analysis::health::{self, Failure, HealthReport};
use kqent_analysis::{Extraction, Symbols};
use serde::Serialize;

use crate::cmd::export::{warn_coarse_tick, write_atomically};
use crate::exit;

/// Arguments of `kqent health`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A NIST-format symbol file (one symbol per byte) or a kqent trace.
    pub input: PathBuf,
    /// Claimed min-entropy per symbol, in bits (0 < H <= symbol width).
    #[arg(
        long = "h",
        visible_alias = "min-entropy",
        value_name = "H",
        allow_negative_numbers = true
    )]
    pub h: f64,
    /// False-positive probability of each test: a number or a power of two like `2^-30`.
    #[arg(long, default_value = "2^-20", value_parser = parse_alpha, value_name = "ALPHA")]
    pub alpha: f64,
    /// Symbol width of a symbol file (default: inferred from the highest bit set).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=8))]
    pub bits: Option<u8>,
    /// How a trace's durations become symbols (required for traces): `lsb:K`,
    /// `delta-lsb:K`, `xorfold` or `openentropy`.
    #[arg(long, value_name = "METHOD")]
    pub extract: Option<Extraction>,
    /// Also write the full report (every firing position) as JSON.
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
    let symbols = load(&args.input, args.bits, args.extract)?;
    if args.h > f64::from(symbols.bits()) {
        bail!(
            "H = {} bits exceeds the {}-bit symbol width: a symbol cannot carry more entropy than its width",
            args.h,
            symbols.bits()
        );
    }
    // SP 800-90B calls a source binary when it produces two distinct values.
    let binary = symbols.bits() == 1 || symbols.is_binary();
    let cutoffs = health::cutoffs(args.h, args.alpha, binary)?;
    let report = health::run(&symbols, &cutoffs);

    if let Some(path) = &args.json {
        let doc = Output {
            input: args.input.display().to_string(),
            extraction: args.extract.map(|e| e.to_string()),
            bits: symbols.bits(),
            report: &report,
        };
        let json = serde_json::to_vec_pretty(&doc).context("cannot serialize the report")?;
        write_atomically(path, |w| {
            w.write_all(&json)?;
            Ok(w.write_all(b"\n")?)
        })?;
    }
    print!(
        "{}",
        render(&args.input, args.extract, &symbols, &report, args.list)
    );
    Ok(exit::SUCCESS)
}

/// Reads a trace (through `--extract`) or a NIST-format symbol file.
fn load(path: &Path, bits: Option<u8>, extract: Option<Extraction>) -> anyhow::Result<Symbols> {
    let what = || format!("cannot read {}", path.display());
    let mut prefix = Vec::with_capacity(8);
    File::open(path)
        .with_context(what)?
        .take(8)
        .read_to_end(&mut prefix)
        .with_context(what)?;
    if kqent_trace::looks_like_trace(&prefix) {
        let Some(method) = extract else {
            bail!(
                "{} is a trace: give --extract (lsb:K, delta-lsb:K, xorfold or openentropy) to turn its durations into symbols",
                path.display()
            );
        };
        if bits.is_some() {
            bail!("--bits applies to symbol files; a trace's symbol width comes from --extract");
        }
        let reader = kqent_trace::open_file(path)
            .with_context(|| format!("cannot read trace {}", path.display()))?;
        let cols = crate::pipeline::TraceColumns::read(reader)
            .with_context(|| format!("cannot read trace {}", path.display()))?;
        warn_coarse_tick(&cols);
        Ok(cols
            .symbols(method)
            .with_context(|| format!("cannot extract {method} symbols"))?)
    } else {
        if extract.is_some() {
            bail!(
                "{} is not a kqent trace: --extract applies to traces only (for a symbol file, give --bits if needed)",
                path.display()
            );
        }
        let data = std::fs::read(path).with_context(what)?;
        Ok(Symbols::from_nist_bytes(data, bits)
            .with_context(|| format!("invalid symbol file {}", path.display()))?)
    }
}

/// Parses `2^-20`, `2**-20` or a plain number.
fn parse_alpha(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let value = if let Some(exp) = t.strip_prefix("2^").or_else(|| t.strip_prefix("2**")) {
        let e: i32 = exp
            .parse()
            .map_err(|_| format!("invalid exponent in {s:?}"))?;
        2f64.powi(e)
    } else {
        t.parse::<f64>()
            .map_err(|_| format!("{s:?} is not a number (e.g. 1e-6 or 2^-20)"))?
    };
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(format!("alpha must be in (0, 1), got {s}"))
    }
}

/// `2^-k` when alpha is an exact power of two, otherwise the number.
fn fmt_alpha(a: f64) -> String {
    let k = a.log2();
    if k.fract() == 0.0 && 2f64.powi(k as i32) == a {
        format!("2^{k}")
    } else {
        format!("{a:e}")
    }
}

fn render(
    input: &Path,
    extract: Option<Extraction>,
    symbols: &Symbols,
    r: &HealthReport,
    list: usize,
) -> String {
    let c = &r.cutoffs;
    let n = &r.counts;
    let mut s = String::new();
    let source = match extract {
        Some(m) => format!("{} ({m})", input.display()),
        None => input.display().to_string(),
    };
    let _ = writeln!(s, "Health tests (SP 800-90B 4.4) on {source}");
    let _ = writeln!(
        s,
        "  {} symbols of {} bit(s), {}; claimed H = {} bits/symbol, alpha = {}",
        n.samples,
        symbols.bits(),
        if c.binary { "binary" } else { "non-binary" },
        c.h,
        fmt_alpha(c.alpha)
    );
    let _ = writeln!(
        s,
        "Repetition Count Test:    cutoff {} repeats; fired {} time(s); longest run {}",
        c.rct_cutoff, n.rct_failures, n.longest_run
    );
    list_failures(&mut s, &r.rct_failures, list, |f| {
        format!(
            "run of {} x {:#04x} from sample {} reached the cutoff at sample {}",
            f.count, f.symbol, f.start, f.index
        )
    });
    let _ = writeln!(
        s,
        "Adaptive Proportion Test: window {}, cutoff {}; fired in {} of {} window(s); highest count {}",
        c.apt_window, c.apt_cutoff, n.apt_failures, n.apt_windows, n.max_window_count
    );
    list_failures(&mut s, &r.apt_failures, list, |f| {
        format!(
            "window from sample {}: {:#04x} reached the cutoff at sample {} ({} in the window)",
            f.start, f.symbol, f.index, f.count
        )
    });
    s
}

fn list_failures(s: &mut String, f: &[Failure], list: usize, line: impl Fn(&Failure) -> String) {
    for x in f.iter().take(list) {
        let _ = writeln!(s, "    {}", line(x));
    }
    if f.len() > list {
        let _ = writeln!(s, "    ... and {} more (see --json)", f.len() - list);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_parses_powers_of_two_and_numbers() {
        assert_eq!(parse_alpha("2^-20"), Ok(2f64.powi(-20)));
        assert_eq!(parse_alpha("2**-30"), Ok(2f64.powi(-30)));
        assert_eq!(parse_alpha("0.001"), Ok(0.001));
        assert!(parse_alpha("2^3").is_err());
        assert!(parse_alpha("0").is_err());
        assert!(parse_alpha("1").is_err());
        assert!(parse_alpha("x").is_err());
        assert_eq!(fmt_alpha(2f64.powi(-20)), "2^-20");
        assert_eq!(fmt_alpha(0.001), "1e-3");
    }
}
