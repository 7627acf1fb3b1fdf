//! `kqent export`: a trace becomes a NIST-format symbol file (`--extract`) or a CSV of its
//! raw records (`--csv`). Output goes to a temporary file in the destination directory and
//! is renamed into place, so a failed export leaves nothing behind.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use kqent_analysis::Extraction;

use crate::exit;

/// Arguments of `kqent export`.
#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("format").required(true).args(["extract", "csv"])))]
pub struct Args {
    /// The trace written by `kqent collect`.
    pub trace: PathBuf,
    /// Write symbols, one byte each: `lsb:K`, `delta-lsb:K` (K = 1..8) or `xorfold`.
    #[arg(long, value_name = "METHOD")]
    pub extract: Option<Extraction>,
    /// Write the raw records as CSV (start_ns,duration_ns,events,kinds,segment).
    #[arg(long)]
    pub csv: bool,
    /// Output file.
    #[arg(long, short, value_name = "FILE")]
    pub out: PathBuf,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<u8> {
    refuse_overwriting_input(&args.trace, &args.out)?;
    let reader = kqent_trace::open_file(&args.trace)
        .with_context(|| format!("cannot read trace {}", args.trace.display()))?;
    let meta = reader.metadata().clone();
    if let Some(method) = args.extract {
        warn_coarse_tick(&meta);
        let durations = reader
            .durations()
            .with_context(|| format!("cannot read trace {}", args.trace.display()))?;
        let symbols = method
            .apply(&durations)
            .with_context(|| format!("cannot extract {method} symbols"))?;
        write_atomically(&args.out, |w| Ok(w.write_all(symbols.as_slice())?))?;
        println!(
            "wrote {} symbols of {} bit(s) ({method}) to {}",
            symbols.len(),
            symbols.bits(),
            args.out.display()
        );
    } else {
        let trace = &args.trace;
        write_atomically(&args.out, |w| {
            writeln!(w, "start_ns,duration_ns,events,kinds,segment")?;
            for r in reader.records() {
                let r = r.with_context(|| format!("cannot read trace {}", trace.display()))?;
                writeln!(
                    w,
                    "{},{},{},{},{}",
                    r.start_ns, r.duration_ns, r.events, r.kinds, r.segment
                )?;
            }
            Ok(())
        })?;
        println!(
            "wrote {} records as CSV to {}",
            meta.samples,
            args.out.display()
        );
    }
    Ok(exit::SUCCESS)
}

/// Symbols taken from the low bits of durations that all share a factor are partly
/// constant: say so before anyone assesses them.
pub(crate) fn warn_coarse_tick(meta: &kqent_trace::Metadata) {
    if meta.tick_ns > 1 {
        eprintln!(
            "kqent: warning: every duration is a multiple of the observed tick, {} ns: \
             the low bits of the durations are not random",
            meta.tick_ns
        );
    }
}

/// Renaming the output over the trace would destroy the input.
fn refuse_overwriting_input(input: &Path, out: &Path) -> anyhow::Result<()> {
    if let (Ok(a), Ok(b)) = (fs::canonicalize(input), fs::canonicalize(out)) {
        if a == b {
            bail!(
                "the output {} is the input trace: choose another --out",
                out.display()
            );
        }
    }
    Ok(())
}

/// Writes `out` through `fill` into a temporary file next to it, then renames it into
/// place. On any error (or panic) the temporary file is removed and `out` is untouched.
pub(crate) fn write_atomically(
    out: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let name = out
        .file_name()
        .with_context(|| format!("the output path {} names no file", out.display()))?;
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".kqent-tmp-{}", std::process::id()));
    let mut guard = TempFile {
        path: dir.join(tmp_name),
        keep: false,
    };
    let file =
        File::create(&guard.path).with_context(|| format!("cannot write {}", out.display()))?;
    let mut w = BufWriter::with_capacity(256 * 1024, file);
    fill(&mut w)?;
    let file = w
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("cannot write {}", out.display()))?;
    file.sync_all()
        .with_context(|| format!("cannot write {}", out.display()))?;
    drop(file);
    fs::rename(&guard.path, out).with_context(|| format!("cannot write {}", out.display()))?;
    guard.keep = true;
    Ok(())
}

/// Removes the temporary file unless it was renamed into place.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            // Best effort: the error being reported matters more than a leftover.
            let _ = fs::remove_file(&self.path);
        }
    }
}
