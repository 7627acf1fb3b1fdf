//! `kqent sweep`: collect and assess every configuration of the Cartesian product of the
//! knob lists, `--repeat` times each, into a sweep directory (layout in
//! [`kqent_report::layout`]).
//!
//! Each run (configuration x repetition) is: collect -> `traces/<id>-r<rep>.trace` (written
//! under a temporary name and renamed once complete) -> assess -> `results/<id>-r<rep>.json`
//! (temporary file + rename). A result file that exists is therefore complete, which is
//! what `--resume` relies on: it skips exactly the runs that have one. Ctrl-C stops the run
//! in progress without writing anything for it (exit 130); a kill loses at most that run
//! (two with `--pipeline`: the one being collected and the one being analysed).
//!
//! Runs go repetition by repetition (every configuration once, then again), so a slow
//! drift of the machine touches every configuration alike rather than the last ones.
//!
//! By default a run is analysed before the next is collected: analysing on the other core
//! while collecting would compete for the CPU, caches and memory bandwidth whose timing is
//! being measured (the README's `kqent sweep` section has the measurement). `--pipeline` overlaps them anyway,
//! for machines with cores to spare.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, SystemTime};

use anyhow::{anyhow, bail, Context};
use kqent_analysis::Extraction;
use kqent_collector::{collect, validate, BackendKind, CollectConfig};
use kqent_report::aggregate::aggregate;
use kqent_report::layout::{self, config_id, parse_knob_list, parse_trigger_list};
use kqent_report::{DocKind, KnobLists, Knobs, Provenance, ResultReport, SweepManifest};
use sha2::{Digest, Sha256};

use crate::cmd::collect::PartialFile;
use crate::pipeline::{self, TraceJob};
use crate::{exit, interrupt, progress};

/// Default extraction: the low 4 bits of each duration. The collector's clock ticks in
/// 1 ns on Linux (CLOCK_MONOTONIC_RAW), so the low bits of a duration of microseconds are
/// where the jitter is; 4 bits (16 symbols) keep the estimators meaningful on short runs,
/// where 8-bit symbols would leave most of the 256 values rarely seen.
pub const DEFAULT_EXTRACT: &str = "lsb:4";

/// Extension of the trace files in `DIR/traces`.
pub const TRACE_EXT: &str = "trace";

/// Arguments of `kqent sweep`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Event mechanism to time: auto (kqueue on macOS/FreeBSD, epoll on Linux), epoll,
    /// kqueue or mock (seeded synthetic durations).
    #[arg(long, default_value = "auto", value_name = "BACKEND")]
    pub backend: String,
    /// Seed of the sweep; each run's seed is derived from it and the run's configuration
    /// id and repetition (see the README's `kqent sweep` section).
    #[arg(long, default_value_t = 0, value_name = "SEED")]
    pub seed: u64,
    /// Timer counts to sweep, comma-separated (e.g. 0,4,8,16).
    #[arg(long, value_name = "LIST", default_value_t = kqent_trace::Knobs::default().num_timers.to_string())]
    pub timers: String,
    /// Socket-pair counts to sweep.
    #[arg(long, value_name = "LIST", default_value_t = kqent_trace::Knobs::default().num_sockets.to_string())]
    pub sockets: String,
    /// Watched-file counts to sweep.
    #[arg(long, value_name = "LIST", default_value_t = kqent_trace::Knobs::default().num_file_watchers.to_string())]
    pub watchers: String,
    /// Wait-call timeouts to sweep, ms.
    #[arg(long, value_name = "LIST", default_value_t = kqent_trace::Knobs::default().timeout_ms.to_string())]
    pub timeout_ms: String,
    /// Poke intervals to sweep, µs (0 = no poker).
    #[arg(long, value_name = "LIST", default_value_t = kqent_trace::Knobs::default().poke_interval_us.to_string())]
    pub poke_us: String,
    /// Socket write triggers to sweep: edge, level or edge,level.
    #[arg(long, value_name = "LIST", default_value = "edge")]
    pub write_trigger: String,
    /// Warm-up lengths to sweep (wait calls discarded before recording).
    #[arg(long, value_name = "LIST", default_value_t = kqent_trace::Knobs::default().warmup.to_string())]
    pub warmup: String,
    /// Wait calls recorded per run (SP 800-90B asks for 1,000,000).
    #[arg(long, default_value_t = 1_000_000, value_name = "N")]
    pub samples: u64,
    /// Repetitions of every configuration, each its own result.
    #[arg(long, default_value_t = 1, value_name = "R")]
    pub repeat: u32,
    /// How durations become symbols: lsb:K, delta-lsb:K, xorfold or openentropy.
    #[arg(long, default_value = DEFAULT_EXTRACT, value_name = "METHOD")]
    pub extract: Extraction,
    /// Sweep directory (created; must be new or empty unless --resume).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Continue the sweep in --out: skip every run that has a result. The settings must
    /// be the ones the sweep started with.
    #[arg(long)]
    pub resume: bool,
    /// Also run the SP 800-90B IID tests (section 5, 10,000 permutations) on every run, so
    /// that `kqent gate --require-iid` has a verdict. Costly on long runs.
    #[arg(long)]
    pub iid: bool,
    /// Analyse each run while collecting the next (faster, but the analysis competes with
    /// the timing being measured; see the README's `kqent sweep` section).
    #[arg(long)]
    pub pipeline: bool,
}

/// The seed of run `rep` of configuration `config_id` in a sweep seeded `sweep_seed`: the
/// first 8 bytes (little-endian) of SHA-256(`kqent-sweep/<sweep_seed>/<config_id>/r<rep>`).
/// It depends on the configuration itself, not on its position in the knob lists, so a
/// configuration gives the same run in any sweep that contains it.
pub fn run_seed(sweep_seed: u64, config_id: &str, rep: u32) -> u64 {
    let d = Sha256::digest(format!("kqent-sweep/{sweep_seed}/{config_id}/r{rep}"));
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_le_bytes(b)
}

/// The knob lists the arguments describe; every list is checked (no duplicates, no
/// negatives).
fn knob_lists(args: &Args) -> anyhow::Result<KnobLists> {
    let list = |flag: &str, spec: &str| parse_knob_list(spec).with_context(|| flag.to_string());
    Ok(KnobLists {
        num_timers: list("--timers", &args.timers)?,
        num_sockets: list("--sockets", &args.sockets)?,
        num_file_watchers: list("--watchers", &args.watchers)?,
        timeout_ms: list("--timeout-ms", &args.timeout_ms)?,
        poke_interval_us: list("--poke-us", &args.poke_us)?,
        write_trigger: parse_trigger_list(&args.write_trigger).context("--write-trigger")?,
        warmup: list("--warmup", &args.warmup)?,
    })
}

/// One configuration x repetition.
#[derive(Debug, Clone)]
struct Run {
    knobs: Knobs,
    id: String,
    rep: u32,
}

/// Why the loop stopped early.
enum Stop {
    /// SIGINT arrived.
    Interrupted,
    /// A run failed.
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for Stop {
    fn from(e: anyhow::Error) -> Self {
        Stop::Failed(e)
    }
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<u8> {
    let lists = knob_lists(&args)?;
    if args.repeat == 0 {
        bail!("--repeat must be at least 1");
    }
    let backend = args
        .backend
        .parse::<BackendKind>()?
        .resolve()
        .with_context(|| format!("--backend {}", args.backend))?;
    let started = SystemTime::now();
    let configs = lists.configs();
    // Every configuration is checked before anything is created, so a descriptor limit
    // hit by the last one does not surface an hour into the sweep.
    for knobs in &configs {
        let cfg = CollectConfig {
            backend,
            knobs: pipeline::trace_knobs(knobs)?,
            samples: args.samples,
            seed: 0,
        };
        validate(&cfg).with_context(|| format!("configuration {}", config_id(knobs)))?;
    }
    let manifest = SweepManifest {
        schema_version: kqent_report::SCHEMA_VERSION,
        kind: DocKind::Sweep,
        backend: backend.to_string(),
        seed: args.seed,
        samples: args.samples,
        repeat: args.repeat,
        extraction: args.extract,
        knobs: lists,
        iid: Some(args.iid),
        pipeline: Some(args.pipeline),
        // The manifest records when the sweep started; it has no end of its own.
        provenance: Provenance::collect(env!("CARGO_PKG_VERSION"), started, started),
    };
    let dir = &args.out;
    prepare_dir(dir, &manifest, args.resume)?;
    check_iid_consistency(dir, args.iid)?;
    let stop = interrupt::flag()?;

    let done = layout::finished(dir)?;
    let runs: Vec<Run> = (1..=args.repeat)
        .flat_map(|rep| {
            configs.iter().map(move |k| Run {
                knobs: k.clone(),
                id: config_id(k),
                rep,
            })
        })
        .filter(|r| !done.contains(&(r.id.clone(), r.rep)))
        .collect();
    let total = configs.len() as u64 * u64::from(args.repeat);
    eprintln!(
        "kqent: sweeping {} configuration(s) x {} repetition(s) on {backend} into {}: {} run(s) to do{}",
        configs.len(),
        args.repeat,
        dir.display(),
        runs.len(),
        if runs.len() as u64 == total {
            String::new()
        } else {
            format!(", {} already done", total - runs.len() as u64)
        }
    );

    let mut sweeper = Sweeper {
        dir,
        backend,
        args: &args,
        stop: &stop,
        // Counted in samples collected, so that the ETA moves during a long run too.
        bar: progress::bar(runs.len() as u64 * args.samples, "samples"),
        collected: 0,
        finished: total - runs.len() as u64,
        total,
        warned_tick: false,
    };
    let outcome = sweeper.run_all(&runs);
    sweeper.bar.finish_and_clear();
    match outcome {
        Ok(()) => {}
        Err(Stop::Interrupted) => {
            eprintln!(
                "kqent: interrupted: {} of {total} run(s) finished in {}; continue with --resume",
                sweeper.finished,
                dir.display()
            );
            return Ok(exit::INTERRUPTED);
        }
        Err(Stop::Failed(e)) => return Err(e),
    }
    print_summary(dir)?;
    Ok(exit::SUCCESS)
}

/// Creates the sweep directory and its manifest, or, with `--resume`, checks that the
/// directory's manifest describes the same sweep and clears what a killed run left behind.
fn prepare_dir(dir: &Path, manifest: &SweepManifest, resume: bool) -> anyhow::Result<()> {
    let shown = dir.display();
    if dir.exists() && !dir.is_dir() {
        bail!("--out {shown} exists and is not a directory");
    }
    let manifest_path = dir.join(layout::MANIFEST);
    if manifest_path.exists() {
        if !resume {
            bail!(
                "{shown} already holds a sweep: add --resume to continue it, or choose another --out"
            );
        }
        let old = kqent_report::json::read_manifest(&manifest_path)?;
        let diffs = differences(&old, manifest);
        if !diffs.is_empty() {
            bail!(
                "--resume: {shown} holds a sweep with other settings ({}); resume it with its own settings or choose another --out",
                diffs.join("; ")
            );
        }
        return clean_temporaries(dir);
    }
    if dir.is_dir()
        && std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {shown}"))?
            .next()
            .is_some()
    {
        bail!(
            "--out {shown} is not empty and holds no sweep ({}): choose a new or empty directory",
            layout::MANIFEST
        );
    }
    // The manifest first: from then on the directory is a sweep that --resume can finish.
    layout::write_manifest(dir, manifest)
        .with_context(|| format!("cannot create the sweep directory {shown}"))?;
    for sub in [layout::RESULTS_DIR, layout::TRACES_DIR] {
        std::fs::create_dir_all(dir.join(sub))
            .with_context(|| format!("cannot create the sweep directory {shown}"))?;
    }
    Ok(())
}

/// The settings in which two manifests differ, worded for the user.
fn differences(old: &SweepManifest, new: &SweepManifest) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |what: &str, was: String, now: String| {
        if was != now {
            out.push(format!("{what} {now}, the sweep has {was}"));
        }
    };
    check("--backend", old.backend.clone(), new.backend.clone());
    check("--seed", old.seed.to_string(), new.seed.to_string());
    check(
        "--samples",
        old.samples.to_string(),
        new.samples.to_string(),
    );
    check("--repeat", old.repeat.to_string(), new.repeat.to_string());
    check(
        "--extract",
        old.extraction.to_string(),
        new.extraction.to_string(),
    );
    let join = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
    let (o, n) = (&old.knobs, &new.knobs);
    check("--timers", join(&o.num_timers), join(&n.num_timers));
    check("--sockets", join(&o.num_sockets), join(&n.num_sockets));
    check(
        "--watchers",
        join(&o.num_file_watchers),
        join(&n.num_file_watchers),
    );
    check("--timeout-ms", join(&o.timeout_ms), join(&n.timeout_ms));
    check(
        "--poke-us",
        join(&o.poke_interval_us),
        join(&n.poke_interval_us),
    );
    check(
        "--write-trigger",
        o.write_trigger.join(","),
        n.write_trigger.join(","),
    );
    check("--warmup", join(&o.warmup), join(&n.warmup));
    // Older manifests do not say; for --iid the results then tell (check_iid_consistency).
    for (name, was, now) in [
        ("--iid", old.iid, new.iid),
        ("--pipeline", old.pipeline, new.pipeline),
    ] {
        if let (Some(was), Some(now)) = (was, now) {
            if was != now {
                out.push(if now {
                    format!("{name} given, the sweep was made without it")
                } else {
                    format!("no {name}, the sweep was made with it")
                });
            }
        }
    }
    out
}

/// Manifests written before `--iid` was recorded do not say; the results do. A resumed
/// sweep must not mix results with and without the IID track.
fn check_iid_consistency(dir: &Path, iid: bool) -> anyhow::Result<()> {
    let Some(first) = layout::result_files(dir)?.into_iter().next() else {
        return Ok(());
    };
    let had = kqent_report::json::read_result(&first)?.iid.is_some();
    if had != iid {
        bail!(
            "--resume: the results in {} were made {} --iid; resume {} it",
            dir.display(),
            if had { "with" } else { "without" },
            if had { "with" } else { "without" }
        );
    }
    Ok(())
}

/// Removes the temporary files of a killed run (`.<name>.partial-<pid>` traces,
/// `.<name>.tmp<pid>` results); nothing else is touched.
fn clean_temporaries(dir: &Path) -> anyhow::Result<()> {
    for sub in [layout::TRACES_DIR, layout::RESULTS_DIR] {
        let d = dir.join(sub);
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&d)
                    .with_context(|| format!("cannot create {}", d.display()))?;
                continue;
            }
            Err(e) => return Err(anyhow!(e).context(format!("cannot read {}", d.display()))),
        };
        for entry in entries {
            let path = entry
                .with_context(|| format!("cannot read {}", d.display()))?
                .path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if is_temporary(name) && path.is_file() {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
    }
    Ok(())
}

/// Whether `name` is one of the temporary names the sweep writes under.
fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && (name.contains(".partial-") || name.contains(".tmp"))
}

/// An analysis running on its own thread.
struct Pending {
    run: Run,
    trace: PathBuf,
    result: mpsc::Receiver<anyhow::Result<ResultReport>>,
    started: std::time::Instant,
}

/// The state of a sweep in progress.
struct Sweeper<'a> {
    dir: &'a Path,
    backend: BackendKind,
    args: &'a Args,
    stop: &'a AtomicBool,
    bar: indicatif::ProgressBar,
    /// Runs collected by this invocation (the bar's position is that many runs' samples).
    collected: u64,
    finished: u64,
    total: u64,
    warned_tick: bool,
}

impl Sweeper<'_> {
    /// Collects and assesses every run in order; with `--pipeline`, run k is analysed
    /// while run k+1 is collected.
    fn run_all(&mut self, runs: &[Run]) -> Result<(), Stop> {
        let mut pending: Option<Pending> = None;
        for run in runs {
            let started = std::time::Instant::now();
            let job = match self.collect_run(run) {
                Ok(job) => job,
                Err(e) => {
                    // The analysis under way is abandoned with its trace: no run is left
                    // with a trace and no result.
                    if let Some(p) = pending.take() {
                        let _ = std::fs::remove_file(&p.trace);
                    }
                    return Err(e);
                }
            };
            if let Some(p) = pending.take() {
                self.finish(p)?;
            }
            let p = spawn_analysis(run.clone(), job, started)?;
            if self.args.pipeline {
                pending = Some(p);
            } else {
                self.finish(p)?;
            }
        }
        if let Some(p) = pending.take() {
            self.finish(p)?;
        }
        Ok(())
    }

    /// Collects one run into its trace; nothing is left behind when interrupted.
    fn collect_run(&mut self, run: &Run) -> Result<TraceJob, Stop> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(Stop::Interrupted);
        }
        let seed = run_seed(self.args.seed, &run.id, run.rep);
        let cfg = CollectConfig {
            backend: self.backend,
            knobs: pipeline::trace_knobs(&run.knobs)?,
            samples: self.args.samples,
            seed,
        };
        let path = layout::trace_path(self.dir, &run.id, run.rep, TRACE_EXT);
        let started = SystemTime::now();
        let (partial, file) = PartialFile::create(&path)?;
        let base = self.collected * self.args.samples;
        let bar = self.bar.clone();
        let outcome = collect(&cfg, file, self.stop, &mut |n| bar.set_position(base + n))
            .with_context(|| format!("collecting {} r{}", run.id, run.rep))?;
        if outcome.interrupted {
            // `partial` is dropped here, which removes the shortened trace.
            return Err(Stop::Interrupted);
        }
        outcome
            .writer_output
            .sync_all()
            .with_context(|| format!("cannot write {}", path.display()))?;
        drop(outcome.writer_output);
        partial.persist(&path)?;
        self.collected += 1;
        self.bar.set_position(self.collected * self.args.samples);
        self.warn_tick(outcome.metadata.tick_ns);
        Ok(TraceJob {
            file: Some(format!(
                "{}/{}-r{}.{TRACE_EXT}",
                layout::TRACES_DIR,
                run.id,
                run.rep
            )),
            trace: path,
            config_id: run.id.clone(),
            repetition: run.rep,
            extraction: self.args.extract,
            seed,
            started,
            iid: self.args.iid,
        })
    }

    /// Waits for an analysis (or SIGINT) and writes its result.
    fn finish(&mut self, p: Pending) -> Result<(), Stop> {
        let result = loop {
            match p.result.recv_timeout(Duration::from_millis(100)) {
                Ok(r) => break r?,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    // The analysis cannot be cut short; abandon it (the process exits)
                    // with its trace, so that no run is left half done.
                    if self.stop.load(Ordering::Relaxed) {
                        let _ = std::fs::remove_file(&p.trace);
                        return Err(Stop::Interrupted);
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(Stop::Failed(anyhow!(
                        "the analysis of {} r{} stopped unexpectedly",
                        p.run.id,
                        p.run.rep
                    )))
                }
            }
        };
        layout::write_result(self.dir, &result)
            .with_context(|| format!("cannot write the result of {} r{}", p.run.id, p.run.rep))?;
        self.finished += 1;
        let line = format!(
            "kqent: [{}/{}] {} r{}: H_assessed {:.4} bits/symbol{} ({:.1} s)",
            self.finished,
            self.total,
            p.run.id,
            p.run.rep,
            result.h_assessed(),
            match &result.iid {
                Some(slot) if slot.verdict => ", IID tests passed",
                Some(_) => ", IID tests failed",
                None => "",
            },
            p.started.elapsed().as_secs_f64()
        );
        self.bar.suspend(|| eprintln!("{line}"));
        Ok(())
    }

    /// Warns once when the durations share a tick above 1 ns: their lowest bits are then
    /// not random, and `lsb:K`/`delta-lsb:K` would count them anyway.
    fn warn_tick(&mut self, tick_ns: u64) {
        let low_bits = matches!(
            self.args.extract,
            Extraction::Lsb(_) | Extraction::DeltaLsb(_)
        );
        if tick_ns > 1 && low_bits && !self.warned_tick {
            self.warned_tick = true;
            let msg = format!(
                "kqent: warning: every duration is a multiple of {tick_ns} ns, so its lowest bits are not random; {} counts them anyway (xorfold mixes in higher bits)",
                self.args.extract
            );
            self.bar.suspend(|| eprintln!("{msg}"));
        }
    }
}

/// Starts the analysis of a collected run on its own thread.
fn spawn_analysis(run: Run, job: TraceJob, started: std::time::Instant) -> Result<Pending, Stop> {
    let (tx, rx) = mpsc::channel();
    let trace = job.trace.clone();
    thread::Builder::new()
        .name("kqent-analysis".into())
        .spawn(move || {
            // The receiver is gone only when the sweep stopped; nothing to report then.
            let _ = tx.send(pipeline::result_from_trace(&job));
        })
        .context("cannot start the analysis thread")?;
    Ok(Pending {
        run,
        trace,
        result: rx,
        started,
    })
}

/// Prints H_assessed per configuration (min / mean / max over its repetitions).
fn print_summary(dir: &Path) -> anyhow::Result<()> {
    let loaded = layout::load(dir)?;
    let summaries = aggregate(&loaded.results);
    let width = summaries
        .iter()
        .map(|s| s.config_id.len())
        .max()
        .unwrap_or(0)
        .max("configuration".len());
    println!(
        "{:<width$}  {:>4}  H_assessed min / mean / max (bits/symbol)",
        "configuration", "runs"
    );
    for s in &summaries {
        let h = &s.h_assessed;
        println!(
            "{:<width$}  {:>4}  {:.4} / {:.4} / {:.4}",
            s.config_id,
            s.repetitions.len(),
            h.min,
            h.mean,
            h.max
        );
    }
    eprintln!(
        "kqent: {} result(s) in {}; render them with: kqent report {}",
        loaded.results.len(),
        dir.join(layout::RESULTS_DIR).display(),
        dir.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_depend_on_the_run_only() {
        let id = "t0-s0-w0-to1-p500-edge-wu1000";
        assert_eq!(run_seed(0, id, 1), run_seed(0, id, 1));
        assert_ne!(run_seed(0, id, 1), run_seed(0, id, 2));
        assert_ne!(run_seed(0, id, 1), run_seed(1, id, 1));
        assert_ne!(
            run_seed(0, id, 1),
            run_seed(0, "t1-s0-w0-to1-p500-edge-wu1000", 1)
        );
    }

    #[test]
    fn temporaries_are_recognised() {
        assert!(is_temporary(".t0-r1.trace.partial-123"));
        assert!(is_temporary(".t0-r1.json.tmp123"));
        assert!(!is_temporary("t0-r1.json"));
        assert!(!is_temporary(".keep"));
    }
}
