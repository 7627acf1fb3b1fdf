//! `kqent openentropy` (cargo feature `openentropy`): the entropy sources of the
//! `openentropy-core` crate, assessed for real. `list` shows the sources available on this
//! machine; `assess` collects bytes from one through its own `collect(n)`, runs the full
//! SP 800-90B assessment on them (8-bit symbols) and writes a result document that names
//! the source, the library's version and the source's settings, and carries, next to
//! `H_assessed`, the MCV-only min-entropy and A-F grade openentropy itself reports.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::SystemTime;

use anyhow::{bail, Context};
use kqent_analysis::iid::IidOptions;
use kqent_analysis::Symbols;
use kqent_pipeline::atomic::write_atomic;
use kqent_pipeline::input::sha256_hex;
use kqent_pipeline::{Identity, Input, Options, Track};
use kqent_schema::ExternalSource;
use openentropy_core::EntropySource;

use crate::exit;

/// The library whose sources this command reaches.
pub const LIBRARY: &str = "openentropy-core";
/// Its version, as linked (pinned in Cargo.toml).
pub const VERSION: &str = openentropy_core::VERSION;

/// Arguments of `kqent openentropy`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// List the sources available on this machine (name, whether openentropy calls it
    /// fast, its settings, its description).
    List,
    /// Collect bytes from one source and assess them (SP 800-90B), writing a result.
    Assess(AssessArgs),
}

/// Arguments of `kqent openentropy assess`.
#[derive(clap::Args, Debug)]
struct AssessArgs {
    /// The source's name, as `list` shows it (e.g. clock_jitter).
    #[arg(long, value_name = "NAME")]
    source: String,
    /// Bytes to collect and assess (SP 800-90B asks for 1,000,000).
    #[arg(long, default_value_t = 1_000_000, value_name = "N")]
    bytes: u64,
    /// Bytes asked for per call of the source's collect(n) (openentropy's pool asks 1000).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    per_call: u64,
    /// A source setting, KEY=VALUE, passed to its set_config (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    settings: Vec<String>,
    /// Also run the IID track (SP 800-90B section 5), seeded with --seed.
    #[arg(long)]
    iid: bool,
    /// Seed of every random step (the IID permutations).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Write the collected bytes as a NIST-format symbol file too.
    #[arg(long, value_name = "FILE")]
    symbols: Option<PathBuf>,
    /// The result document (JSON).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<u8> {
    match args.command {
        Command::List => list(),
        Command::Assess(a) => assess(&a),
    }
}

fn list() -> anyhow::Result<u8> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{LIBRARY} {VERSION}: sources available here")?;
    let mut sources = openentropy_core::detect_available_sources();
    sources.sort_by_key(|s| s.name());
    for s in &sources {
        let info = s.info();
        let settings = s
            .config_options()
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        writeln!(
            out,
            "{:<28} {:<5} {:<30} {}",
            info.name,
            if info.is_fast { "fast" } else { "slow" },
            if settings.is_empty() { "-" } else { &settings },
            info.description
        )?;
    }
    writeln!(
        out,
        "{} of {} sources",
        sources.len(),
        openentropy_core::sources::all_sources().len()
    )?;
    Ok(exit::SUCCESS)
}

fn assess(a: &AssessArgs) -> anyhow::Result<u8> {
    if a.bytes == 0 || a.per_call == 0 {
        bail!("--bytes and --per-call must be at least 1");
    }
    let per_call = usize::try_from(a.per_call).context("--per-call is too large")?;
    // The bytes are held in memory and assessed: no more than the largest symbol file.
    let max = kqent_pipeline::limits::MAX_SYMBOL_FILE_BYTES;
    if a.bytes > max {
        bail!(
            "--bytes {} is more than the {max} kqent assesses at once",
            a.bytes
        );
    }
    // Outputs checked before collecting (the README's output rules).
    let guard = kqent_pipeline::outputs::Outputs::new();
    guard.check("--out", &a.out)?;
    if let Some(path) = &a.symbols {
        guard.check("--symbols", path)?;
    }
    let started = SystemTime::now();
    // Ctrl-C stops between two collect calls (exit 130 from main).
    crate::interrupt::flag()?;
    let source = openentropy_core::sources::all_sources()
        .into_iter()
        .find(|s| s.name() == a.source)
        .with_context(|| {
            format!(
                "{LIBRARY} {VERSION} has no source {:?} (see kqent openentropy list)",
                a.source
            )
        })?;
    if !source.is_available() {
        bail!(
            "source {} is not available on this machine (see kqent openentropy list)",
            a.source
        );
    }
    for kv in &a.settings {
        let (k, v) = kv
            .split_once('=')
            .with_context(|| format!("--set {kv:?}: expected KEY=VALUE"))?;
        source
            .set_config(k, v)
            .map_err(|e| anyhow::anyhow!("--set {kv}: {e}"))?;
    }
    let settings: BTreeMap<String, String> = source
        .config_options()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();

    eprintln!(
        "kqent: collecting {} bytes from {LIBRARY} {VERSION} source {} ({} per call) ...",
        a.bytes,
        source.name(),
        per_call
    );
    let (bytes, calls) = collect(&*source, a.bytes, per_call)?;
    if let Some(path) = &a.symbols {
        write_atomic(path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let (library_min_entropy, library_p_upper) =
        openentropy_core::conditioning::mcv_estimate(&bytes);
    let library_grade = openentropy_core::conditioning::grade_min_entropy(library_min_entropy);
    let file_sha256 = sha256_hex(&bytes);
    let symbols = Symbols::new(bytes, 8)?;
    // The one pipeline, as for a symbol file: the bytes are the input.
    let input = Input {
        path: a.symbols.clone().unwrap_or_default(),
        symbols,
        file_sha256,
        extraction: None,
        trace: None,
        warnings: Vec::new(),
    };
    let opts = Options {
        track: if a.iid { Track::Iid } else { Track::NonIid },
        iid: IidOptions {
            seed: a.seed,
            ..IidOptions::default()
        },
        ..Options::default()
    };
    let id = Identity {
        config_id: Some(format!("openentropy-{}", source.name())),
        repetition: 1,
        file: a.symbols.as_ref().map(|p| p.display().to_string()),
        started,
    };
    let mut result = kqent_pipeline::result_document(&input, &opts, &id, None)
        .context("cannot assess the bytes")?;
    let symbols = &input.symbols;
    result.source = Some(ExternalSource {
        library: LIBRARY.to_string(),
        version: VERSION.to_string(),
        name: source.name().to_string(),
        settings,
        bytes_per_call: a.per_call,
        calls,
        bytes_requested: a.bytes,
        bytes_collected: symbols.len() as u64,
        library_min_entropy,
        library_p_upper,
        library_grade: library_grade.to_string(),
    });
    let text = kqent_schema::json::to_json(&result)?;
    write_atomic(&a.out, text.as_bytes())
        .with_context(|| format!("cannot write {}", a.out.display()))?;
    println!(
        "{} ({LIBRARY} {VERSION}): {} bytes; H_assessed {:.4} bits/byte (SP 800-90B, all estimators); openentropy's MCV-only H {:.4} bits/byte, grade {}; written to {}",
        source.name(),
        symbols.len(),
        result.h_assessed(),
        library_min_entropy,
        library_grade,
        a.out.display()
    );
    Ok(exit::SUCCESS)
}

/// Calls `collect(per_call)` until `want` bytes are in (the last call's surplus cut), and
/// returns them with the number of calls. A source that returns nothing ten times in a
/// row is an error, not an endless loop.
fn collect(
    source: &dyn EntropySource,
    want: u64,
    per_call: usize,
) -> anyhow::Result<(Vec<u8>, u64)> {
    let want = usize::try_from(want).context("--bytes is too large")?;
    let mut out = Vec::with_capacity(want);
    let (mut calls, mut empty) = (0u64, 0);
    while out.len() < want {
        if crate::interrupt::interrupted() {
            bail!("interrupted after {} of {want} bytes", out.len());
        }
        let got = source.collect(per_call.min(want - out.len()));
        calls += 1;
        if got.is_empty() {
            empty += 1;
            if empty == 10 {
                bail!(
                    "source {} returned no bytes ten times in a row (after {} bytes)",
                    source.name(),
                    out.len()
                );
            }
            continue;
        }
        empty = 0;
        out.extend_from_slice(&got[..got.len().min(want - out.len())]);
    }
    Ok((out, calls))
}
