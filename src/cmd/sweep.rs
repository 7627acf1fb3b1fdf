//! `kqent sweep`: collect and assess every configuration of the Cartesian product of the
//! knob lists, `--repeat` times each, into a sweep directory. The directory, its resume
//! rules, its lock and the run loop are `kqent_sweep`'s; this command parses the
//! arguments and shows the progress.

use std::path::PathBuf;

use anyhow::Context;
use kqent_analysis::Extraction;
use kqent_collector::BackendKind;
use kqent_schema::KnobLists;
use kqent_sweep::layout::{self, parse_knob_list, parse_trigger_list};
use kqent_sweep::{Observer, Outcome, Plan, RunDone, Spec};

use crate::{exit, interrupt, progress};

/// Default extraction: the low 4 bits of each duration. The collector's clock ticks in
/// 1 ns on Linux (CLOCK_MONOTONIC_RAW), so the low bits of a duration of microseconds are
/// where the jitter is; 4 bits (16 symbols) keep the estimators meaningful on short runs,
/// where 8-bit symbols would leave most of the 256 values rarely seen.
pub const DEFAULT_EXTRACT: &str = "lsb:4";

/// Arguments of `kqent sweep`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Event mechanism to time: auto (kqueue on macOS/FreeBSD, epoll on Linux), epoll,
    /// kqueue, mock (seeded synthetic durations) or clock (the clock-only control: two
    /// clock reads, no wait call).
    #[arg(long, default_value = "auto", value_name = "BACKEND")]
    pub backend: BackendKind,
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
    /// How durations become symbols: lsb:K, delta-lsb:K, xorfold or openentropy; a comma-separated list
    /// assesses every trace under each (the first is the main one, used everywhere else)
    /// without collecting again.
    #[arg(long, default_value = DEFAULT_EXTRACT, value_name = "METHOD[,METHOD...]", value_delimiter = ',')]
    pub extract: Vec<Extraction>,
    /// Collection loops to sweep: kqent (kqent's design, the knobs above), openentropy
    /// (openentropy-core 0.12.3's KqueueEventsSource as it ships, see `collect --profile`;
    /// it fixes the poke period, trigger and warm-up and its configurations are `oe-...`),
    /// or kqent,openentropy to hold both in one sweep so the report compares them.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "kqent"
    )]
    pub profile: Vec<kqent_trace::Profile>,
    /// openentropy profile: n of each collect(n) session; --samples counts the bytes wanted.
    #[arg(long, default_value_t = kqent_collector::DEFAULT_SESSION_N, value_name = "N")]
    pub session_n: u64,
    /// Also collect the clock-only control (`--backend clock`, config id `clock`) once per
    /// repetition, so the report can compare every configuration with the measurement's
    /// own floor.
    #[arg(long)]
    pub clock_control: bool,
    /// Sweep directory (created; must be new or empty unless --resume; locked while the
    /// sweep runs).
    #[arg(long, value_name = "DIR", required_unless_present = "resume")]
    pub out: Option<PathBuf>,
    /// Continue the sweep in DIR (or --out): skip every run that has a result. Settings
    /// not given are the sweep's own (its manifest's); one given that differs is refused.
    #[arg(long, value_name = "DIR")]
    pub resume: Option<Option<PathBuf>>,
    /// Also run the SP 800-90B IID tests (section 5, 10,000 permutations) on every run, so
    /// that `kqent gate --require-iid` has a verdict. Costly on long runs.
    #[arg(long)]
    pub iid: bool,
    /// Analyse each run while collecting the next (faster, but the analysis competes with
    /// the timing being measured; see the README's `kqent sweep` section).
    #[arg(long)]
    pub pipeline: bool,
    /// Run only shard K of N of the sweep (K from 1): the runs at positions K-1, K-1+N, ...
    /// of its canonical order, into --out; `kqent merge` puts the N directories together.
    /// Slurm: `$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT` (--array=1-N); Kubernetes:
    /// `$((JOB_COMPLETION_INDEX + 1))/N`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<kqent_schema::Shard>,
    /// How the comparisons of the closing answer are decided (`kqent report` takes the
    /// same flags).
    #[command(flatten)]
    pub decision: crate::cmd::decision::DecisionArgs,
    /// The arguments given on the command line (clap ids), filled by `main`: a resumed
    /// sweep takes the others from its manifest.
    #[arg(skip)]
    pub given: Vec<String>,
}

fn parse_shard(s: &str) -> Result<kqent_schema::Shard, String> {
    kqent_sweep::shard::parse_shard(s).map_err(|e| e.to_string())
}

/// The knob lists the arguments describe; every list is checked (no duplicates, no
/// negatives, values that fit).
fn knob_lists(args: &Args) -> anyhow::Result<KnobLists> {
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

/// One numeric knob list; a value too large for the knob is named with its flag.
fn list<T>(flag: &str, spec: &str) -> anyhow::Result<Vec<T>>
where
    T: TryFrom<u64> + PartialEq + Copy + std::fmt::Display + layout::Bounded,
{
    parse_knob_list(spec).map_err(|e| match e {
        kqent_sweep::SweepError::KnobTooLarge { value, max } => {
            anyhow::anyhow!("{flag} {value} is too large: at most {max}")
        }
        e => anyhow::Error::new(e).context(flag.to_string()),
    })
}

/// The progress bar and the lines a sweep prints on stderr.
struct Terminal {
    bar: indicatif::ProgressBar,
    samples: u64,
    dir: PathBuf,
    backend: BackendKind,
    repeat: u32,
}

impl Observer for Terminal {
    fn started(&mut self, plan: &Plan) {
        // Counted in samples collected, so that the ETA moves during a long run too.
        self.bar = progress::bar(plan.to_do * self.samples, "samples");
        eprintln!(
            "kqent: sweeping {} configuration(s){} x {} repetition(s) on {} into {}: {} run(s) to do{}",
            plan.configs,
            if plan.clock_control {
                " + the clock control"
            } else {
                ""
            },
            self.repeat,
            self.backend,
            self.dir.display(),
            plan.to_do,
            if plan.to_do == plan.total {
                String::new()
            } else {
                format!(", {} already done", plan.total - plan.to_do)
            }
        );
    }

    fn collected(&mut self, samples: u64) {
        self.bar.set_position(samples);
    }

    fn warn(&mut self, message: &str) {
        self.bar.suspend(|| eprintln!("kqent: warning: {message}"));
    }

    fn run_done(&mut self, d: &RunDone<'_>) {
        let r = d.result;
        let line = format!(
            "kqent: [{}/{}] {} r{}: H_assessed {:.4} bits/symbol{} ({:.1} s)",
            d.finished,
            d.total,
            r.config_id,
            r.repetition,
            r.h_assessed(),
            match &r.iid {
                Some(slot) if slot.verdict => ", IID tests passed",
                Some(_) => ", IID tests failed",
                None => "",
            },
            d.elapsed.as_secs_f64()
        );
        self.bar.suspend(|| eprintln!("{line}"));
    }
}

/// Runs the command.
pub fn run(mut args: Args) -> anyhow::Result<u8> {
    let (out, resume) = super::sweep_resume::directory(&args)?;
    if resume {
        super::sweep_resume::apply_manifest(&mut args, &out)?;
    }
    let knobs = knob_lists(&args)?;
    let Some((&extraction, also)) = args.extract.split_first() else {
        anyhow::bail!("--extract needs at least one method");
    };
    let backend = args
        .backend
        .resolve()
        .with_context(|| format!("--backend {}", args.backend))?;
    let spec = Spec {
        backend,
        seed: args.seed,
        samples: args.samples,
        repeat: args.repeat,
        extraction,
        also: also.to_vec(),
        clock_control: args.clock_control,
        knobs,
        profiles: args.profile.clone(),
        session_n: args.session_n,
        iid: args.iid,
        pipeline: args.pipeline,
        dir: out.clone(),
        resume,
        shard: args.shard,
    };
    let stop = interrupt::flag()?;
    let mut terminal = Terminal {
        bar: indicatif::ProgressBar::hidden(),
        samples: args.samples,
        dir: out.clone(),
        backend,
        repeat: args.repeat,
    };
    let outcome = kqent_sweep::run(&spec, &mut terminal, &stop);
    terminal.bar.finish_and_clear();
    match outcome? {
        Outcome::Complete => {}
        Outcome::Interrupted { finished, total } => {
            eprintln!(
                "kqent: interrupted: {finished} of {total} run(s) finished in {}; continue with --resume (kqent sweep --resume {0})",
                out.display()
            );
            return Ok(crate::interrupt::exit_code());
        }
    }
    let loaded = layout::load(&out)?;
    // Mean ± CI per configuration, with the rate, and the answer with its statistics.
    let summary = kqent_schema::summary::summary_with(&loaded, args.decision.options()?);
    print!("{}", kqent_report::findings::terminal(&summary));
    eprintln!(
        "kqent: {} result(s) in {}; render them with: kqent report {}",
        loaded.results.len(),
        out.join(layout::RESULTS_DIR).display(),
        out.display()
    );
    Ok(exit::SUCCESS)
}
