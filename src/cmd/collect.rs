//! `kqent collect`: time wait calls over a fixed load of event sources and store every
//! duration in a trace. The trace is written under a temporary name beside `--out` and
//! renamed once complete (also after Ctrl-C, with the samples so far); on error the
//! temporary file is removed (`kqent_pipeline::atomic`, the one atomic writer).
//!
//! With `--restarts R`, the source is restarted R times and `--out` receives the restart
//! matrix (R rows of `--per-restart` symbols, NIST byte-per-symbol format) while the raw
//! trace, one segment per restart, goes to `--trace` (default `<out>.trace`).
//!
//! With `--profile openentropy`, the loop is openentropy's `KqueueEventsSource` as it ships
//! (see `kqent_collector::collect_openentropy`): sessions of `--session-n` + 64 calls, one
//! segment each, until `--samples` bytes' worth of sessions are recorded.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{anyhow, Context};
use kqent_analysis::Extraction;
use kqent_collector::{
    collect, collect_openentropy, collect_restarts, openentropy_knobs, openentropy_sessions,
    validate, BackendKind, CollectConfig, CollectError, DEFAULT_SESSION_N, SESSION_EXTRA_CALLS,
};
use kqent_pipeline::atomic::AtomicFile;
use kqent_trace::{Knobs, Profile, WriteTrigger};

use crate::{exit, interrupt, progress};

/// Arguments of `kqent collect`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Event mechanism to time: auto (kqueue on macOS/FreeBSD, epoll on Linux), epoll,
    /// kqueue, mock (seeded synthetic durations) or clock (the clock-only control: two clock
    /// reads back to back, no wait call).
    #[arg(long, default_value = "auto", value_name = "BACKEND")]
    pub backend: BackendKind,
    /// Timers registered; timer i fires every 1 + (i mod 10) ms.
    #[arg(long, default_value_t = Knobs::default().num_timers, value_name = "N")]
    pub timers: u32,
    /// Socket pairs registered (read end for reading, write end for writability).
    #[arg(long, default_value_t = Knobs::default().num_sockets, value_name = "N")]
    pub sockets: u32,
    /// Private temporary files watched for writes and attribute changes.
    #[arg(long, default_value_t = Knobs::default().num_file_watchers, value_name = "N")]
    pub watchers: u32,
    /// Timeout of each wait call in milliseconds (0 = return at once).
    #[arg(long, default_value_t = Knobs::default().timeout_ms, value_name = "MS")]
    pub timeout_ms: u32,
    /// Interval between pokes of the sockets and files, in microseconds (0 = no poker).
    #[arg(long, default_value_t = Knobs::default().poke_interval_us, value_name = "US")]
    pub poke_us: u64,
    /// Socket write readiness: edge or level (every wait returns at once, like
    /// the original kqueue source).
    #[arg(long, default_value = "edge", value_name = "edge|level")]
    pub write_trigger: WriteTrigger,
    /// Wait calls discarded before recording starts.
    #[arg(long, default_value_t = Knobs::default().warmup, value_name = "N")]
    pub warmup: u64,
    /// Wait calls to record.
    #[arg(long, default_value_t = 1_000_000, value_name = "N")]
    pub samples: u64,
    /// Seed of every random step (only the mock backend has any).
    #[arg(long, default_value_t = 0, value_name = "SEED")]
    pub seed: u64,
    /// Trace file to write (with --restarts: the restart matrix).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Restart the source this many times (new queue, descriptors and poker each time) and
    /// write a restart matrix (SP 800-90B 3.1.4) to --out.
    #[arg(long, value_name = "R", conflicts_with = "samples")]
    pub restarts: Option<u32>,
    /// Symbols per restart (matrix row length).
    #[arg(long, default_value_t = 1000, value_name = "N", requires = "restarts")]
    pub per_restart: u64,
    /// How durations become matrix symbols: lsb:K, delta-lsb:K or xorfold.
    #[arg(
        long,
        default_value = "lsb:8",
        value_name = "SPEC",
        requires = "restarts"
    )]
    pub extract: Extraction,
    /// Where the raw restart trace goes (default: the --out file with .trace appended).
    #[arg(long, value_name = "FILE", requires = "restarts")]
    pub trace: Option<PathBuf>,
    /// Which loop to run: kqent (kqent's design, the knobs above) or openentropy
    /// (openentropy-core 0.12.3's KqueueEventsSource as it ships: blocking drain, path
    /// pokes, sessions of --session-n + 64 calls on a fresh queue; it fixes --poke-us 500,
    /// --write-trigger level and --warmup 0, and --samples counts the bytes wanted).
    #[arg(long, default_value = "kqent", value_name = "kqent|openentropy")]
    pub profile: Profile,
    /// openentropy profile: n of each collect(n) session (bytes it yields).
    #[arg(long, default_value_t = DEFAULT_SESSION_N, value_name = "N")]
    pub session_n: u64,
}

impl Args {
    /// The library configuration these arguments describe.
    fn config(&self) -> CollectConfig {
        CollectConfig {
            backend: self.backend,
            knobs: Knobs {
                num_timers: self.timers,
                num_sockets: self.sockets,
                num_file_watchers: self.watchers,
                timeout_ms: self.timeout_ms,
                poke_interval_us: self.poke_us,
                write_trigger: self.write_trigger,
                warmup: self.warmup,
            },
            samples: self.samples,
            seed: self.seed,
        }
    }
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<u8> {
    if args.profile == Profile::Openentropy {
        if args.restarts.is_some() {
            anyhow::bail!(
                "--restarts applies to the kqent profile; the openentropy profile restarts its queue every session"
            );
        }
        return run_openentropy(&args);
    }
    if let Some(restarts) = args.restarts {
        return run_restarts(&args, restarts);
    }
    let cfg = args.config();
    // Everything that can be checked without creating anything, before the output exists.
    validate(&cfg)?;
    let backend = cfg.backend.resolve()?;
    let replace = check_output("--out", &args.out)?;
    let stop = interrupt::flag()?;
    let partial = AtomicFile::create(&args.out)?;

    let bar = progress::bar(cfg.samples, "samples");
    let mut on_progress = |n: u64| {
        if n == 0 {
            bar.suspend(|| {
                eprintln!("kqent: collecting {} samples ({backend}) ...", cfg.samples);
                let _ = std::io::stderr().flush();
            });
        } else {
            bar.set_position(n);
        }
    };
    let result = collect(&cfg, partial.file(), &stop, &mut on_progress);
    bar.finish_and_clear();
    let kqent_collector::CollectOutcome {
        metadata: m,
        interrupted,
        ..
    } = result?;
    persist(partial, replace)?;

    if interrupted {
        eprintln!(
            "kqent: interrupted: wrote {} of {} samples to {}",
            m.samples,
            cfg.samples,
            args.out.display()
        );
        return Ok(crate::interrupt::exit_code());
    }
    eprintln!(
        "kqent: wrote {} samples ({}, {}, tick {} ns) to {}",
        m.samples,
        m.backend,
        m.clock.name,
        m.tick_ns,
        args.out.display()
    );
    Ok(exit::SUCCESS)
}

/// `collect --profile openentropy`: sessions of the shipped loop into one trace.
fn run_openentropy(args: &Args) -> anyhow::Result<u8> {
    let mut cfg = args.config();
    cfg.knobs = openentropy_knobs(&cfg.knobs);
    validate(&cfg)?;
    let sessions = openentropy_sessions(cfg.samples, args.session_n)?;
    let backend = cfg.backend.resolve()?;
    let replace = check_output("--out", &args.out)?;
    let stop = interrupt::flag()?;
    let partial = AtomicFile::create(&args.out)?;
    let calls = u64::from(sessions) * (args.session_n + SESSION_EXTRA_CALLS);
    let bar = progress::bar(calls, "calls");
    let mut on_progress = |n: u64| {
        if n == 0 {
            bar.suspend(|| {
                eprintln!(
                    "kqent: collecting {sessions} openentropy sessions of {} calls ({backend}) ...",
                    args.session_n + SESSION_EXTRA_CALLS
                );
                let _ = std::io::stderr().flush();
            });
        } else {
            bar.set_position(n);
        }
    };
    let result = collect_openentropy(
        &cfg,
        args.session_n,
        partial.file(),
        &stop,
        &mut on_progress,
    );
    bar.finish_and_clear();
    let kqent_collector::CollectOutcome {
        metadata: m,
        interrupted,
        ..
    } = result?;
    persist(partial, replace)?;
    if interrupted {
        eprintln!(
            "kqent: interrupted: wrote {} wait calls to {}",
            m.samples,
            args.out.display()
        );
        return Ok(crate::interrupt::exit_code());
    }
    eprintln!(
        "kqent: wrote {} wait calls in {sessions} openentropy sessions ({}, {}) to {}",
        m.samples,
        m.backend,
        m.clock.name,
        args.out.display()
    );
    Ok(exit::SUCCESS)
}

/// Checks an output before anything is collected (the parent-folder policy, not a
/// directory); says so when it will replace a file, and returns whether it will.
fn check_output(flag: &str, path: &std::path::Path) -> anyhow::Result<bool> {
    kqent_pipeline::outputs::Outputs::new().check(flag, path)?;
    let exists = path.exists();
    if exists {
        eprintln!(
            "kqent: warning: {flag} {:?} exists; it is replaced once the collection is done",
            path.display().to_string()
        );
    }
    Ok(exists)
}

/// Moves a finished output into place: over the old file when the user was told it would
/// be replaced, else only if no other process (a second `collect` to the same `--out`)
/// finished one there meanwhile.
fn persist(partial: AtomicFile, replace: bool) -> anyhow::Result<()> {
    if replace {
        partial.persist()?;
    } else {
        partial.persist_new()?;
    }
    Ok(())
}

/// Durations needed per restart so that `ex` yields `per` symbols (differences need one or
/// two more).
fn durations_for(ex: Extraction, per: u64) -> anyhow::Result<u64> {
    (per..=per.saturating_add(64))
        .find(|&n| usize::try_from(n).is_ok_and(|n| ex.output_len(n) as u64 == per))
        .ok_or_else(|| anyhow!("--per-restart {per} is too large"))
}

/// `collect --restarts`: the matrix to `--out`, the segmented trace beside it.
fn run_restarts(args: &Args, restarts: u32) -> anyhow::Result<u8> {
    let mut cfg = args.config();
    let ex = args.extract;
    let per = args.per_restart;
    if restarts == 0 || per == 0 {
        anyhow::bail!("--restarts and --per-restart must be at least 1");
    }
    let need = durations_for(ex, per)?;
    cfg.samples = u64::from(restarts)
        .checked_mul(need)
        .ok_or_else(|| anyhow!("--restarts x --per-restart is too large"))?;
    validate(&cfg)?;
    let backend = cfg.backend.resolve()?;
    let trace_path = args.trace.clone().unwrap_or_else(|| {
        let mut p = args.out.clone().into_os_string();
        p.push(".trace");
        PathBuf::from(p)
    });
    if trace_path == args.out {
        anyhow::bail!("--trace and --out name the same file");
    }
    let replace_matrix = check_output("--out", &args.out)?;
    let replace_trace = check_output("--trace", &trace_path)?;
    let stop = interrupt::flag()?;
    let matrix_partial = AtomicFile::create(&args.out)?;
    let trace_partial = AtomicFile::create(&trace_path)?;
    let mut matrix = BufWriter::new(matrix_partial.file());

    let bar = progress::bar(cfg.samples, "samples");
    let mut on_progress = |n: u64| {
        if n == 0 {
            bar.suspend(|| {
                eprintln!("kqent: collecting {restarts} restarts x {need} samples ({backend}) ...");
                let _ = std::io::stderr().flush();
            });
        } else {
            bar.set_position(n);
        }
    };
    let mut on_restart = |_r: u32, durations: &[u64]| -> Result<(), CollectError> {
        let row = ex.apply_raw(durations);
        debug_assert_eq!(row.len() as u64, per);
        matrix.write_all(&row).map_err(|e| CollectError::Os {
            what: format!("cannot write {}", args.out.display()),
            source: e,
        })
    };
    let result = collect_restarts(
        &cfg,
        restarts,
        need,
        trace_partial.file(),
        &stop,
        &mut on_progress,
        &mut on_restart,
    );
    bar.finish_and_clear();
    let outcome = result?;
    let m = &outcome.metadata;
    if outcome.interrupted {
        persist(trace_partial, replace_trace)?;
        // An incomplete matrix is useless to the restart tests: keep only the trace.
        drop(matrix);
        drop(matrix_partial);
        eprintln!(
            "kqent: interrupted: wrote {} samples to {}; no restart matrix written",
            m.samples,
            trace_path.display()
        );
        return Ok(crate::interrupt::exit_code());
    }
    matrix
        .flush()
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    drop(matrix);
    persist(trace_partial, replace_trace)?;
    persist(matrix_partial, replace_matrix)?;
    eprintln!(
        "kqent: wrote a {restarts} x {per} restart matrix ({ex}) to {} and {} samples to {}",
        args.out.display(),
        m.samples,
        trace_path.display()
    );
    Ok(exit::SUCCESS)
}
