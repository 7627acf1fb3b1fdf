//! kqent's sweep directory, owned in one place: its layout ([`layout`]), its manifest and
//! the rules of `--resume` ([`prepare`]), its advisory lock ([`lock`]) and the run loop
//! that collects and assesses every configuration x repetition into it ([`run`]).
//!
//! Each run (configuration x repetition) is: collect -> `traces/<id>-r<rep>.trace`
//! (written under a temporary name and renamed once complete) -> assess through
//! `kqent_pipeline` (the path `kqent analyze` takes too) -> `results/<id>-r<rep>.json`
//! (temporary file + rename). A result file that exists is therefore complete, which is
//! what `--resume` relies on: it skips exactly the runs that have one. A raised stop flag
//! (Ctrl-C) stops the run in progress without writing anything for it; a kill loses at most
//! that run (two with `pipeline`: the one being collected and the one being analysed).
//!
//! Runs go repetition by repetition (every configuration once, then again), so a slow
//! drift of the machine touches every configuration alike rather than the last ones.
//!
//! By default a run is analysed before the next is collected: analysing on the other core
//! while collecting would compete for the CPU, caches and memory bandwidth whose timing is
//! being measured (the README's `kqent sweep` section has the measurement). `pipeline`
//! overlaps them anyway, for machines with cores to spare.
//!
//! Nothing here prints: what the user sees goes through [`Observer`].

#![warn(missing_docs)]

pub mod error;
pub mod layout;
pub mod lock;
pub mod merge;
pub mod shard;
pub mod validate;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use kqent_analysis::iid::IidOptions;
use kqent_analysis::Extraction;
use kqent_collector::{
    collect, collect_openentropy, openentropy_knobs, openentropy_sessions, validate, BackendKind,
    CollectConfig, SESSION_EXTRA_CALLS,
};
use kqent_pipeline::atomic::{is_temporary, AtomicFile};
use kqent_pipeline::{Identity, InputOptions, Options, Track};
use kqent_schema::summary::CLOCK_CONTROL_ID;
use kqent_schema::{config_id, DocKind, KnobLists, Knobs, Profile, ResultReport, SweepManifest};
use sha2::{Digest, Sha256};

pub use error::SweepError;
pub use lock::SweepLock;

/// Extension of the trace files in `DIR/traces`.
pub const TRACE_EXT: &str = "trace";

/// A sweep: what to collect and assess, and where.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Event mechanism to time (resolved: not `Auto`).
    pub backend: BackendKind,
    /// Seed of the sweep; each run's seed is [`run_seed`] of it.
    pub seed: u64,
    /// Wait calls recorded per run.
    pub samples: u64,
    /// Repetitions of every configuration.
    pub repeat: u32,
    /// How durations become symbols (the main extraction).
    pub extraction: Extraction,
    /// Further extractions every trace is assessed under without collecting again
    /// (`--extract` lists; H_assessed only).
    pub also: Vec<Extraction>,
    /// Also collect the clock-only control ([`BackendKind::Clock`], config id
    /// [`CLOCK_CONTROL_ID`]) once per repetition.
    pub clock_control: bool,
    /// The knob lists whose product is swept.
    pub knobs: KnobLists,
    /// The collection profiles every configuration runs under (at least one; `[Kqent]` is
    /// kqent's design alone). See [`sweep_configs`].
    pub profiles: Vec<Profile>,
    /// `n` of each openentropy session (the openentropy profile only).
    pub session_n: u64,
    /// Also run the IID track on every run.
    pub iid: bool,
    /// Analyse each run while collecting the next.
    pub pipeline: bool,
    /// The sweep directory.
    pub dir: PathBuf,
    /// Continue the sweep in `dir`.
    pub resume: bool,
    /// Run only this shard of the sweep (`--shard K/N`, [`shard`]); `None`: every run.
    pub shard: Option<kqent_schema::Shard>,
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

/// The id of `knobs` collected under `profile`: [`config_id`] for kqent's design;
/// `oe-` + the id of the knobs the openentropy loop really runs
/// ([`openentropy_knobs`]: poke 500 µs, level-triggered, no warm-up) for openentropy's.
///
/// ```
/// use kqent_schema::{Knobs, Profile};
/// let k = Knobs::default();
/// assert_eq!(kqent_sweep::profile_config_id(Profile::Kqent, &k), kqent_schema::config_id(&k));
/// assert_eq!(
///     kqent_sweep::profile_config_id(Profile::Openentropy, &k),
///     "oe-t8-s4-w4-to1-p500-level-wu0"
/// );
/// ```
pub fn profile_config_id(profile: Profile, knobs: &Knobs) -> String {
    match profile {
        Profile::Kqent => config_id(knobs),
        Profile::Openentropy => format!("oe-{}", config_id(&openentropy_knobs(knobs))),
    }
}

/// One configuration of a sweep: its profile, the knobs its collection runs with and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepConfig {
    /// The collection profile.
    pub profile: Profile,
    /// The knobs the collection runs with (for openentropy, [`openentropy_knobs`] of the
    /// product's).
    pub knobs: Knobs,
    /// Its config id ([`profile_config_id`]).
    pub id: String,
}

/// Every configuration a sweep runs: the knob product under each profile in order. The
/// openentropy profile fixes the poke period, trigger and warm-up, so product entries that
/// differ only there are one openentropy configuration (listed once).
pub fn sweep_configs(knobs: &KnobLists, profiles: &[Profile]) -> Vec<SweepConfig> {
    let product = knobs.configs();
    let mut out: Vec<SweepConfig> = Vec::new();
    for &profile in profiles {
        for k in &product {
            let id = profile_config_id(profile, k);
            if out.iter().any(|c| c.id == id) {
                continue;
            }
            let knobs = match profile {
                Profile::Kqent => k.clone(),
                Profile::Openentropy => openentropy_knobs(k),
            };
            out.push(SweepConfig { profile, knobs, id });
        }
    }
    out
}

/// What the sweep has to do, once the directory is prepared.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Configurations in the product.
    pub configs: usize,
    /// Whether each repetition also collects the clock-only control.
    pub clock_control: bool,
    /// Runs in the whole sweep ((configurations + the clock control) x repetitions).
    pub total: u64,
    /// Runs this invocation does (those without a result).
    pub to_do: u64,
}

/// One finished run.
#[derive(Debug, Clone)]
pub struct RunDone<'a> {
    /// Runs finished so far, this one included (earlier invocations' too).
    pub finished: u64,
    /// Runs in the whole sweep.
    pub total: u64,
    /// The result written.
    pub result: &'a ResultReport,
    /// Time from the start of its collection to its result.
    pub elapsed: Duration,
}

/// What the caller shows of a sweep in progress.
pub trait Observer {
    /// The directory is ready and the plan known.
    fn started(&mut self, plan: &Plan);
    /// Samples collected by this invocation so far (all runs).
    fn collected(&mut self, samples: u64);
    /// A warning for the user (once per kind).
    fn warn(&mut self, message: &str);
    /// A run's result is written.
    fn run_done(&mut self, done: &RunDone<'_>);
}

/// How a sweep ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every run has its result.
    Complete,
    /// The stop flag was raised; `finished` of `total` runs have results.
    Interrupted {
        /// Runs with a result.
        finished: u64,
        /// Runs in the whole sweep.
        total: u64,
    },
}

/// The manifest `spec` describes, started at `started`.
pub fn manifest(spec: &Spec, started: SystemTime) -> SweepManifest {
    SweepManifest {
        schema_version: kqent_schema::SCHEMA_VERSION,
        kind: DocKind::Sweep,
        backend: spec.backend.to_string(),
        seed: spec.seed,
        samples: spec.samples,
        repeat: spec.repeat,
        extraction: spec.extraction,
        knobs: spec.knobs.clone(),
        iid: Some(spec.iid),
        pipeline: Some(spec.pipeline),
        extractions: (!spec.also.is_empty()).then(|| {
            std::iter::once(spec.extraction)
                .chain(spec.also.iter().copied())
                .collect()
        }),
        clock_control: spec.clock_control.then_some(true),
        shard: spec.shard,
        merged: None,
        profiles: (spec.profiles != [Profile::Kqent]).then(|| spec.profiles.clone()),
        session_n: spec
            .profiles
            .contains(&Profile::Openentropy)
            .then_some(spec.session_n),
        // The manifest records when the sweep started; it has no end of its own.
        provenance: kqent_pipeline::provenance::collect(
            env!("CARGO_PKG_VERSION"),
            started,
            started,
        ),
    }
}

/// Runs the sweep: checks every configuration, prepares the directory (or checks it for
/// `--resume`), takes its lock, and collects and assesses every run without a result.
pub fn run(
    spec: &Spec,
    observer: &mut dyn Observer,
    stop: &AtomicBool,
) -> Result<Outcome, SweepError> {
    if spec.repeat == 0 {
        return Err(SweepError::Other("--repeat must be at least 1".into()));
    }
    if let Some(s) = spec.shard {
        // Spec is public: a shard not made by shard::parse_shard is checked here too.
        shard::parse_shard(&s.to_string())?;
    }
    let extractions: Vec<Extraction> = std::iter::once(spec.extraction)
        .chain(spec.also.iter().copied())
        .collect();
    for (i, e) in extractions.iter().enumerate() {
        if extractions[..i].contains(e) {
            return Err(SweepError::Other(format!("--extract lists {e} twice")));
        }
    }
    if spec.profiles.is_empty() {
        return Err(SweepError::Other(
            "--profile needs at least one profile".into(),
        ));
    }
    for (i, p) in spec.profiles.iter().enumerate() {
        if spec.profiles[..i].contains(p) {
            return Err(SweepError::Other(format!("--profile lists {p} twice")));
        }
    }
    let started = SystemTime::now();
    spec.knobs.check_size().map_err(SweepError::Other)?;
    let configs = sweep_configs(&spec.knobs, &spec.profiles);
    // Every configuration is checked before anything is created, so a descriptor limit
    // hit by the last one does not surface an hour into the sweep.
    for c in &configs {
        let cfg = CollectConfig {
            backend: spec.backend,
            knobs: c.knobs.clone(),
            samples: spec.samples,
            seed: 0,
        };
        let config_error = |cause| SweepError::Config {
            config_id: c.id.clone(),
            cause,
        };
        validate(&cfg).map_err(config_error)?;
        if c.profile == Profile::Openentropy {
            openentropy_sessions(spec.samples, spec.session_n).map_err(config_error)?;
        }
    }
    let dir = &spec.dir;
    let _lock = prepare(dir, &manifest(spec, started), spec.resume)?;
    check_iid_consistency(dir, spec.iid)?;

    let done = layout::finished(dir)?;
    // The clock control records the empty queue's knobs (it opens no source whatever they
    // say) under its own id.
    let control = spec.clock_control.then(|| Knobs {
        num_timers: 0,
        num_sockets: 0,
        num_file_watchers: 0,
        ..configs[0].knobs.clone()
    });
    let backend = spec.backend;
    let runs: Vec<Run> = (1..=spec.repeat)
        .flat_map(|rep| {
            let control = control.clone().map(|k| Run {
                knobs: k,
                id: CLOCK_CONTROL_ID.to_string(),
                rep,
                backend: BackendKind::Clock,
                profile: Profile::Kqent,
            });
            configs
                .iter()
                .map(move |c| Run {
                    knobs: c.knobs.clone(),
                    id: c.id.clone(),
                    rep,
                    backend,
                    profile: c.profile,
                })
                .chain(control)
        })
        // The canonical order (shard::canonical_runs); a shard keeps its positions.
        .enumerate()
        .filter(|(p, _)| spec.shard.is_none_or(|s| s.owns(*p)))
        .map(|(_, r)| r)
        .filter(|r| !done.contains(&(r.id.clone(), r.rep)))
        .collect();
    let per_rep = configs.len() as u64 + u64::from(spec.clock_control);
    let mut total = per_rep * u64::from(spec.repeat);
    if let Some(s) = spec.shard {
        total = s.share(total as usize) as u64;
    }
    observer.started(&Plan {
        configs: configs.len(),
        clock_control: spec.clock_control,
        total,
        to_do: runs.len() as u64,
    });
    let mut sweeper = Sweeper {
        spec,
        stop,
        observer,
        collected: 0,
        finished: total - runs.len() as u64,
        total,
        warned_tick: false,
    };
    match sweeper.run_all(&runs) {
        Ok(()) => Ok(Outcome::Complete),
        Err(Stop::Interrupted) => Ok(Outcome::Interrupted {
            finished: sweeper.finished,
            total,
        }),
        Err(Stop::Failed(e)) => Err(e),
    }
}

/// Creates the sweep directory and its manifest, or, with `resume`, checks that the
/// directory's manifest describes the same sweep and clears what a killed run left behind;
/// returns the directory's lock, held from before the manifest is written.
pub fn prepare(
    dir: &Path,
    manifest: &SweepManifest,
    resume: bool,
) -> Result<SweepLock, SweepError> {
    let shown = dir.display();
    if dir.exists() && !dir.is_dir() {
        return Err(SweepError::Directory(format!(
            "--out {shown} exists and is not a directory"
        )));
    }
    let manifest_path = dir.join(layout::MANIFEST);
    if manifest_path.exists() {
        if !resume {
            return Err(SweepError::Directory(format!(
                "{shown} already holds a sweep: add --resume to continue it, or choose another --out"
            )));
        }
        let old = kqent_schema::json::read_manifest(&manifest_path)?;
        let diffs = differences(&old, manifest);
        if !diffs.is_empty() {
            return Err(SweepError::Directory(format!(
                "--resume: {shown} holds a sweep with other settings ({}); resume it with its own settings or choose another --out",
                diffs.join("; ")
            )));
        }
        let lock = SweepLock::acquire(dir)?;
        clean_temporaries(dir)?;
        // The collectors' private directories a SIGKILL left in $TMPDIR.
        kqent_collector::remove_orphaned_dirs();
        return Ok(lock);
    }
    if dir.is_dir() {
        let entries = std::fs::read_dir(dir).map_err(|e| SweepError::io(dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| SweepError::io(dir, e))?;
            // The lock file of a sweep that failed before writing its manifest is no
            // content.
            if entry.file_name() != lock::LOCK_FILE {
                return Err(SweepError::Directory(format!(
                    "--out {shown} is not empty and holds no sweep ({}): choose a new or empty directory",
                    layout::MANIFEST
                )));
            }
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        SweepError::Directory(format!("cannot create the sweep directory {shown}: {e}"))
    })?;
    let lock = SweepLock::acquire(dir)?;
    // The manifest first: from then on the directory is a sweep that --resume can finish.
    layout::write_manifest(dir, manifest)?;
    for sub in [layout::RESULTS_DIR, layout::TRACES_DIR] {
        let d = dir.join(sub);
        std::fs::create_dir_all(&d).map_err(|e| SweepError::io(&d, e))?;
    }
    Ok(lock)
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
    let list = |m: &SweepManifest| match &m.extractions {
        Some(v) => join(v),
        None => m.extraction.to_string(),
    };
    check("--extract", list(old), list(new));
    fn join<T: ToString>(v: &[T]) -> String {
        v.iter().map(T::to_string).collect::<Vec<_>>().join(",")
    }
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
        join(&o.write_trigger),
        join(&n.write_trigger),
    );
    check("--warmup", join(&o.warmup), join(&n.warmup));
    let shard = |m: &SweepManifest| m.shard.map_or("none".to_string(), |s| s.to_string());
    check("--shard", shard(old), shard(new));
    let profiles = |m: &SweepManifest| join(m.profiles.as_deref().unwrap_or(&[Profile::Kqent]));
    check("--profile", profiles(old), profiles(new));
    if let (Some(was), Some(now)) = (old.session_n, new.session_n) {
        check("--session-n", was.to_string(), now.to_string());
    }
    if old.clock_control.unwrap_or(false) != new.clock_control.unwrap_or(false) {
        out.push(if new.clock_control == Some(true) {
            "--clock-control given, the sweep was made without it".to_string()
        } else {
            "no --clock-control, the sweep was made with it".to_string()
        });
    }
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
fn check_iid_consistency(dir: &Path, iid: bool) -> Result<(), SweepError> {
    let Some(first) = layout::result_files(dir)?.into_iter().next() else {
        return Ok(());
    };
    let had = kqent_schema::json::read_result(&first)?.iid.is_some();
    if had != iid {
        return Err(SweepError::Directory(format!(
            "--resume: the results in {} were made {} --iid; resume {} it",
            dir.display(),
            if had { "with" } else { "without" },
            if had { "with" } else { "without" }
        )));
    }
    Ok(())
}

/// Removes the temporary files of a killed run (the atomic writer's `.kqent-tmp-*`
/// names) from `DIR/traces` and `DIR/results`; nothing else is touched.
fn clean_temporaries(dir: &Path) -> Result<(), SweepError> {
    for sub in [layout::TRACES_DIR, layout::RESULTS_DIR] {
        let d = dir.join(sub);
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&d).map_err(|e| SweepError::io(&d, e))?;
                continue;
            }
            Err(e) => return Err(SweepError::io(&d, e)),
        };
        for entry in entries {
            let path = entry.map_err(|e| SweepError::io(&d, e))?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if is_debris(name) && path.is_file() {
                std::fs::remove_file(&path).map_err(|e| SweepError::io(&path, e))?;
            }
        }
    }
    Ok(())
}

/// Whether `name` is what a killed run leaves behind: the atomic writer's temporary files,
/// or those of kqent versions before it (`.<name>.partial-<pid>` traces,
/// `.<name>.tmp<pid>` results), which a resume by this version clears too.
fn is_debris(name: &str) -> bool {
    is_temporary(name)
        || (name.starts_with('.') && (name.contains(".partial-") || name.contains(".tmp")))
}

/// One configuration x repetition.
#[derive(Debug, Clone)]
struct Run {
    knobs: Knobs,
    id: String,
    rep: u32,
    /// The sweep's backend, or the clock control's.
    backend: BackendKind,
    /// The collection loop.
    profile: Profile,
}

/// Why the loop stopped early.
enum Stop {
    /// The stop flag was raised.
    Interrupted,
    /// A run failed.
    Failed(SweepError),
}

impl From<SweepError> for Stop {
    fn from(e: SweepError) -> Self {
        Stop::Failed(e)
    }
}

impl From<kqent_pipeline::PipelineError> for Stop {
    fn from(e: kqent_pipeline::PipelineError) -> Self {
        Stop::Failed(e.into())
    }
}

/// A collected run, ready for assessment.
struct Collected {
    run: Run,
    trace: PathBuf,
    seed: u64,
    started: SystemTime,
}

/// An analysis running on its own thread.
struct Pending {
    run: Run,
    trace: PathBuf,
    result: mpsc::Receiver<Result<ResultReport, SweepError>>,
    started: Instant,
}

/// The state of a sweep in progress.
struct Sweeper<'a> {
    spec: &'a Spec,
    stop: &'a AtomicBool,
    observer: &'a mut dyn Observer,
    /// Runs collected by this invocation.
    collected: u64,
    finished: u64,
    total: u64,
    warned_tick: bool,
}

impl Sweeper<'_> {
    /// Collects and assesses every run in order; with `pipeline`, run k is analysed while
    /// run k+1 is collected.
    fn run_all(&mut self, runs: &[Run]) -> Result<(), Stop> {
        let mut pending: Option<Pending> = None;
        for run in runs {
            let started = Instant::now();
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
            let p = spawn_analysis(job, self.spec, started)?;
            if self.spec.pipeline {
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
    fn collect_run(&mut self, run: &Run) -> Result<Collected, Stop> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(Stop::Interrupted);
        }
        let seed = run_seed(self.spec.seed, &run.id, run.rep);
        let cfg = CollectConfig {
            backend: run.backend,
            knobs: run.knobs.clone(),
            samples: self.spec.samples,
            seed,
        };
        let path = layout::trace_path(&self.spec.dir, &run.id, run.rep, TRACE_EXT);
        let started = SystemTime::now();
        let partial = AtomicFile::create(&path)?;
        let base = self.collected * self.spec.samples;
        let observer = &mut *self.observer;
        let samples = self.spec.samples;
        let outcome = match run.profile {
            Profile::Kqent => collect(&cfg, partial.file(), self.stop, &mut |n| {
                observer.collected(base + n)
            }),
            Profile::Openentropy => {
                // Progress in samples: the calls recorded, scaled to the bytes wanted.
                let n = self.spec.session_n;
                let calls = u64::from(openentropy_sessions(samples, n).unwrap_or(1))
                    .saturating_mul(n.saturating_add(SESSION_EXTRA_CALLS))
                    .max(1);
                collect_openentropy(&cfg, n, partial.file(), self.stop, &mut |k| {
                    let k = u128::from(k.min(calls)) * u128::from(samples) / u128::from(calls);
                    observer.collected(base + k as u64)
                })
            }
        }
        .map_err(|cause| SweepError::Collect {
            config_id: run.id.clone(),
            rep: run.rep,
            cause,
        })?;
        let interrupted = outcome.interrupted;
        let tick_ns = outcome.metadata.tick_ns;
        drop(outcome);
        if interrupted {
            // `partial` is dropped here, which removes the shortened trace.
            return Err(Stop::Interrupted);
        }
        partial.persist()?;
        self.collected += 1;
        self.observer.collected(self.collected * self.spec.samples);
        self.warn_tick(tick_ns);
        Ok(Collected {
            run: run.clone(),
            trace: path,
            seed,
            started,
        })
    }

    /// Waits for an analysis (or the stop flag) and writes its result.
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
                    return Err(Stop::Failed(SweepError::Other(format!(
                        "the analysis of {} r{} stopped unexpectedly",
                        p.run.id, p.run.rep
                    ))))
                }
            }
        };
        layout::write_result(&self.spec.dir, &result)?;
        self.finished += 1;
        self.observer.run_done(&RunDone {
            finished: self.finished,
            total: self.total,
            result: &result,
            elapsed: p.started.elapsed(),
        });
        Ok(())
    }

    /// Warns once when the durations share a tick above 1 ns (the input module's words).
    fn warn_tick(&mut self, tick_ns: u64) {
        if self.warned_tick {
            return;
        }
        if let Some(msg) = kqent_pipeline::input::coarse_tick_warning(tick_ns, self.spec.extraction)
        {
            self.warned_tick = true;
            self.observer.warn(&msg);
        }
    }
}

/// The assessment of a collected run: the one pipeline, as `kqent analyze` runs it.
fn assess_run(job: &Collected, spec: &Spec) -> Result<ResultReport, SweepError> {
    let wrap = |cause| SweepError::Assess {
        config_id: job.run.id.clone(),
        rep: job.run.rep,
        cause,
    };
    let input = kqent_pipeline::read_input(
        &job.trace,
        &InputOptions {
            bits: None,
            extract: Some(spec.extraction),
        },
    )
    .map_err(wrap)?;
    let opts = Options {
        track: if spec.iid { Track::Iid } else { Track::NonIid },
        for_document: true,
        iid: IidOptions {
            seed: job.seed,
            ..IidOptions::default()
        },
        also: spec.also.clone(),
        ..Options::default()
    };
    let id = Identity {
        config_id: Some(job.run.id.clone()),
        repetition: job.run.rep,
        file: Some(format!(
            "{}/{}-r{}.{TRACE_EXT}",
            layout::TRACES_DIR,
            job.run.id,
            job.run.rep
        )),
        started: job.started,
    };
    kqent_pipeline::result_document(&input, &opts, &id, None).map_err(wrap)
}

/// Starts the analysis of a collected run on its own thread.
fn spawn_analysis(job: Collected, spec: &Spec, started: Instant) -> Result<Pending, Stop> {
    let (tx, rx) = mpsc::channel();
    let trace = job.trace.clone();
    let run = job.run.clone();
    let spec = spec.clone();
    thread::Builder::new()
        .name("kqent-analysis".into())
        .spawn(move || {
            // The receiver is gone only when the sweep stopped; nothing to report then.
            let _ = tx.send(assess_run(&job, &spec));
        })
        .map_err(|e| SweepError::Other(format!("cannot start the analysis thread: {e}")))?;
    Ok(Pending {
        run,
        trace,
        result: rx,
        started,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kqent_schema::WriteTrigger;

    #[test]
    fn the_counted_configurations_are_the_listed_ones() {
        // KnobLists::count_for (what a report's "incomplete: X of Y" counts, in the schema
        // crate) must agree with sweep_configs (what the sweep runs), duplicates included.
        let lists = [
            KnobLists {
                num_timers: vec![0, 4],
                num_sockets: vec![1, 2],
                num_file_watchers: vec![0],
                timeout_ms: vec![5, 10, 20],
                poke_interval_us: vec![100, 500],
                write_trigger: vec![WriteTrigger::Edge, WriteTrigger::Level],
                warmup: vec![0, 1000],
            },
            KnobLists {
                num_timers: vec![3, 3],
                num_sockets: vec![1],
                num_file_watchers: vec![2, 1, 2],
                timeout_ms: vec![7],
                poke_interval_us: vec![250],
                write_trigger: vec![WriteTrigger::Level, WriteTrigger::Level],
                warmup: vec![9, 0],
            },
        ];
        let profile_sets: [&[Profile]; 3] = [
            &[Profile::Kqent],
            &[Profile::Openentropy],
            &[Profile::Kqent, Profile::Openentropy],
        ];
        for k in &lists {
            for profiles in profile_sets {
                let counted: u64 = profiles.iter().map(|&p| k.count_for(p).unwrap()).sum();
                assert_eq!(
                    counted,
                    sweep_configs(k, profiles).len() as u64,
                    "{profiles:?} {k:?}"
                );
            }
        }
    }

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
        assert!(is_debris(".kqent-tmp-a1B2c3"));
        assert!(is_debris(".t0-r1.trace.partial-123"));
        assert!(is_debris(".t0-r1.json.tmp123"));
        assert!(!is_debris("t0-r1.json"));
        assert!(!is_debris(".keep"));
    }
}
