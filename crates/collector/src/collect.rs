//! `collect`: open the configured source, time the wait calls, stream them into a trace.

use std::io::{Seek, Write};
use std::sync::atomic::AtomicBool;

use kqent_trace::{
    ClockInfo, EventKinds, Knobs, Metadata, Record, RestartLayout, TraceWriter, WriteTrigger,
};

use crate::backend::Backend;
use crate::config::{validate_sources, Sources};
use crate::mock::{Mock, MOCK_CLOCK, MOCK_TICK_NS};
use crate::sampler::{self, Sample};
use crate::{provenance, BackendKind, CollectError};

/// Everything that determines a collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectConfig {
    /// Which event-notification mechanism to time.
    pub backend: BackendKind,
    /// Sources, timeout, poke interval, write trigger and warm-up.
    pub knobs: Knobs,
    /// Wait calls to record (after the warm-up).
    pub samples: u64,
    /// Seed of every random step (only the mock backend has any).
    pub seed: u64,
}

impl CollectConfig {
    /// The default knobs with `backend` and `samples`, seed 0.
    ///
    /// ```
    /// use kqent_collector::{BackendKind, CollectConfig};
    /// let cfg = CollectConfig::new(BackendKind::Mock, 1000);
    /// assert_eq!(cfg.knobs.num_timers, 8);
    /// assert!(kqent_collector::validate(&cfg).is_ok());
    /// ```
    pub fn new(backend: BackendKind, samples: u64) -> Self {
        CollectConfig {
            backend,
            knobs: Knobs::default(),
            samples,
            seed: 0,
        }
    }
}

/// A finished (or interrupted) collection.
#[derive(Debug)]
pub struct CollectOutcome<W> {
    /// The output the trace was written to, positioned at its end.
    pub writer_output: W,
    /// The metadata as written.
    pub metadata: Metadata,
    /// Whether the stop flag cut the collection short.
    pub interrupted: bool,
}

pub(crate) fn sources(knobs: &Knobs) -> Result<Sources, CollectError> {
    let timeout_ms = i32::try_from(knobs.timeout_ms).map_err(|_| {
        CollectError::InvalidConfig(format!(
            "--timeout-ms {} is too large: at most {}",
            knobs.timeout_ms,
            i32::MAX
        ))
    })?;
    Ok(Sources {
        timers: knobs.num_timers as usize,
        sockets: knobs.num_sockets as usize,
        watchers: knobs.num_file_watchers as usize,
        timeout_ms,
        poke_us: knobs.poke_interval_us,
        level_write: knobs.write_trigger == WriteTrigger::Level,
    })
}

/// Checks a configuration without creating anything: the backend exists here, at least one
/// sample is asked for, and the knobs fit the limits (descriptors against RLIMIT_NOFILE,
/// inotify instances, per-kind maximum).
///
/// ```
/// use kqent_collector::{validate, BackendKind, CollectConfig};
/// let mut cfg = CollectConfig::new(BackendKind::Mock, 0);
/// assert_eq!(validate(&cfg).unwrap_err().to_string(), "--samples must be at least 1");
/// cfg.samples = 10;
/// assert!(validate(&cfg).is_ok());
/// ```
pub fn validate(cfg: &CollectConfig) -> Result<(), CollectError> {
    let kind = cfg.backend.resolve()?;
    if cfg.samples == 0 {
        return Err(CollectError::InvalidConfig(
            "--samples must be at least 1".into(),
        ));
    }
    validate_sources(kind, &sources(&cfg.knobs)?)
}

/// The clock the resolved backend will use, for the metadata.
pub(crate) fn clock_info(kind: BackendKind) -> ClockInfo {
    if kind == BackendKind::Mock {
        return ClockInfo::new(MOCK_CLOCK, MOCK_TICK_NS);
    }
    let c = crate::clock::RawClock::best();
    let mut info = ClockInfo::new(c.name(), c.resolution_ns());
    info.timebase = c.timebase();
    info
}

/// The metadata written when the trace is created; `segments` is `Some((count,
/// per_restart))` for a restart collection.
pub(crate) fn initial_metadata(
    cfg: &CollectConfig,
    kind: BackendKind,
    segments: Option<(u32, u64)>,
) -> Metadata {
    let mut meta = Metadata::new(&kind.to_string(), cfg.knobs.clone(), clock_info(kind));
    // Only the mock draws random numbers; recording a seed elsewhere would suggest the
    // trace could be reproduced from it.
    meta.seed = (kind == BackendKind::Mock).then_some(cfg.seed);
    meta.samples_requested = cfg.samples;
    meta.restarts = segments.map(|(count, per_restart)| RestartLayout { count, per_restart });
    meta.provenance = provenance::gather();
    meta
}

/// Collects `cfg.samples` timed wait calls into a trace written to `out`.
///
/// `on_progress(0)` runs once the event source is open and sampling starts (the CLI's
/// readiness line), then with the number of samples kept every 1024 samples. When `stop`
/// becomes true the trace is finished with the samples kept so far and marked
/// `interrupted`. Every descriptor, thread and temporary file is released before this
/// returns, on every path.
///
/// ```
/// use std::io::Cursor;
/// use std::sync::atomic::AtomicBool;
/// use kqent_collector::{collect, BackendKind, CollectConfig};
///
/// let mut cfg = CollectConfig::new(BackendKind::Mock, 500);
/// cfg.seed = 42;
/// let out = collect(&cfg, Cursor::new(Vec::new()), &AtomicBool::new(false), &mut |_| {}).unwrap();
/// assert_eq!(out.metadata.samples, 500);
/// assert_eq!(out.metadata.tick_ns, kqent_collector::MOCK_TICK_NS);
/// let trace = kqent_trace::TraceReader::open(Cursor::new(out.writer_output.into_inner())).unwrap();
/// assert_eq!(trace.durations().unwrap().len(), 500);
/// ```
pub fn collect<W: Write + Seek>(
    cfg: &CollectConfig,
    out: W,
    stop: &AtomicBool,
    on_progress: &mut dyn FnMut(u64),
) -> Result<CollectOutcome<W>, CollectError> {
    collect_segments(cfg, None, out, stop, on_progress, &mut |_, _| Ok(()))
}

/// Collects `restarts` rounds of `per_restart` samples, really restarting the source for
/// each (new event queue, new descriptors, new poker thread, warm-up again), into one trace
/// whose records carry their restart index as `segment` and whose metadata holds the
/// [`RestartLayout`]. `cfg.samples` is ignored (the total is `restarts * per_restart`).
/// After each complete restart, `on_restart(r, durations)` receives its durations (for
/// building the restart matrix). A stop request ends the collection inside the current
/// restart; the trace is then finished and marked interrupted, and `on_restart` is not
/// called for the incomplete restart.
///
/// ```
/// use std::io::Cursor;
/// use std::sync::atomic::AtomicBool;
/// use kqent_collector::{collect_restarts, BackendKind, CollectConfig};
///
/// let cfg = CollectConfig::new(BackendKind::Mock, 1);
/// let mut rows = Vec::new();
/// let out = collect_restarts(&cfg, 3, 50, Cursor::new(Vec::new()), &AtomicBool::new(false),
///     &mut |_| {}, &mut |r, d| { rows.push((r, d.len())); Ok(()) }).unwrap();
/// assert_eq!(rows, [(0, 50), (1, 50), (2, 50)]);
/// assert_eq!(out.metadata.samples, 150);
/// assert_eq!(out.metadata.restarts.unwrap().count, 3);
/// ```
pub fn collect_restarts<W: Write + Seek>(
    cfg: &CollectConfig,
    restarts: u32,
    per_restart: u64,
    out: W,
    stop: &AtomicBool,
    on_progress: &mut dyn FnMut(u64),
    on_restart: &mut SegmentSink<'_>,
) -> Result<CollectOutcome<W>, CollectError> {
    if restarts == 0 || per_restart == 0 {
        return Err(CollectError::InvalidConfig(format!(
            "--restarts {restarts} x --per-restart {per_restart}: both must be at least 1"
        )));
    }
    let total = u64::from(restarts)
        .checked_mul(per_restart)
        .ok_or_else(|| {
            CollectError::InvalidConfig("--restarts x --per-restart overflows".into())
        })?;
    let cfg = CollectConfig {
        samples: total,
        ..cfg.clone()
    };
    collect_segments(
        &cfg,
        Some((restarts, per_restart)),
        out,
        stop,
        on_progress,
        on_restart,
    )
}

/// Receives each completed restart's index and durations.
pub type SegmentSink<'a> = dyn FnMut(u32, &[u64]) -> Result<(), CollectError> + 'a;

/// Runs `segments` (count, per_restart) restarts, or one plain collection when `None`.
/// `on_segment(r, durations)` receives each completed restart's durations.
pub(crate) fn collect_segments<W: Write + Seek>(
    cfg: &CollectConfig,
    segments: Option<(u32, u64)>,
    out: W,
    stop: &AtomicBool,
    on_progress: &mut dyn FnMut(u64),
    on_segment: &mut SegmentSink<'_>,
) -> Result<CollectOutcome<W>, CollectError> {
    validate(cfg)?;
    let kind = cfg.backend.resolve()?;
    let src = sources(&cfg.knobs)?;
    let (count, per) = segments.unwrap_or((1, cfg.samples));
    let meta = initial_metadata(cfg, kind, segments);
    let mut writer = TraceWriter::create(out, &meta)?;

    let mut state = LoopState {
        origin: None,
        kept: 0,
        mock_clock: 0,
        interrupted: false,
        durations: Vec::new(),
    };
    let ctx0 = provenance::ctx_switches();
    let cpu0 = crate::clock_only::process_cpu_ns();
    let mut announced = false;
    for seg in 0..count {
        if segments.is_some() {
            state.durations.clear();
            state.durations.reserve(per as usize);
        }
        let base = state.kept;
        let end = {
            let keep_durations = segments.is_some();
            let (origin, durations) = (&mut state.origin, &mut state.durations);
            // Per batch, not per sample: the origin and the restart durations.
            let mut emit = |batch: &[Sample]| -> Result<(), CollectError> {
                let Some(first) = batch.first() else {
                    return Ok(());
                };
                let origin = *origin.get_or_insert(first.start_ns);
                if keep_durations {
                    durations.extend(batch.iter().map(|s| s.duration_ns));
                }
                for s in batch {
                    writer.push(&Record {
                        start_ns: s.start_ns.saturating_sub(origin),
                        duration_ns: s.duration_ns,
                        events: s.events,
                        kinds: EventKinds(s.kinds),
                        segment: seg,
                    })?;
                }
                Ok(())
            };
            // 0 means "source open, sampling starts"; announced once per collection.
            let mut progress = |k: u64| {
                if k > 0 {
                    on_progress(base + k);
                } else if !announced {
                    announced = true;
                    on_progress(0);
                }
            };
            run_backend(
                kind,
                &src,
                cfg,
                seg,
                per,
                stop,
                &mut state.mock_clock,
                &mut emit,
                &mut progress,
            )?
        };
        state.kept += end.kept;
        if end.interrupted {
            state.interrupted = true;
            break;
        }
        if segments.is_some() {
            // Restarts are usually shorter than the loop's progress interval.
            on_progress(state.kept);
        }
        on_segment(seg, &state.durations)?;
    }
    let ctx1 = provenance::ctx_switches();
    let cpu1 = crate::clock_only::process_cpu_ns();
    let interrupted = state.interrupted;
    let (w, metadata) = writer.finish_with_metadata(|m| {
        m.interrupted = interrupted;
        if let (Some((v0, i0)), Some((v1, i1))) = (ctx0, ctx1) {
            m.provenance.voluntary_ctx_switches = Some(v1.saturating_sub(v0));
            m.provenance.involuntary_ctx_switches = Some(i1.saturating_sub(i0));
        }
        // The mock's CPU time says nothing about a real source's cost.
        if kind != BackendKind::Mock {
            if let (Some(c0), Some(c1)) = (cpu0, cpu1) {
                m.provenance.collector_cpu_ns = Some(c1.saturating_sub(c0));
            }
        }
    })?;
    Ok(CollectOutcome {
        writer_output: w,
        metadata,
        interrupted,
    })
}

struct LoopState {
    origin: Option<u64>,
    kept: u64,
    mock_clock: u64,
    interrupted: bool,
    durations: Vec<u64>,
}

/// Opens the backend for one segment, samples it, and closes it (releasing everything)
/// before returning.
/// Generic over the callbacks so the per-sample work is inlined into the loop.
#[allow(clippy::too_many_arguments)]
fn run_backend<E, P>(
    kind: BackendKind,
    src: &Sources,
    cfg: &CollectConfig,
    segment: u32,
    samples: u64,
    stop: &AtomicBool,
    mock_clock: &mut u64,
    emit: &mut E,
    progress: &mut P,
) -> Result<sampler::LoopEnd, CollectError>
where
    E: FnMut(&[Sample]) -> Result<(), CollectError>,
    P: FnMut(u64),
{
    let warmup = cfg.knobs.warmup;
    match kind {
        BackendKind::Mock => {
            // Each restart gets its own stream, derived from the seed and the index, and
            // a clock that continues where the previous restart stopped.
            let seed = if segment == 0 {
                cfg.seed
            } else {
                kqent_trace::SplitMix64::new(cfg.seed ^ (u64::from(segment) << 32)).next_u64()
            };
            let mut b = Mock::new(src, seed, *mock_clock);
            progress(0);
            let end = sampler::run(&mut b, warmup, samples, stop, emit, progress);
            *mock_clock = b.now_ns() + MOCK_TICK_NS * 1000;
            end
        }
        BackendKind::Clock => {
            let mut b = crate::clock_only::ClockOnly::new();
            progress(0);
            sample(&mut b, warmup, samples, stop, emit, progress)
        }
        #[cfg(target_os = "linux")]
        BackendKind::Epoll => {
            let mut b = crate::epoll::Epoll::open(src)?;
            progress(0);
            sample(&mut b, warmup, samples, stop, emit, progress)
        }
        #[cfg(any(target_os = "macos", target_os = "freebsd"))]
        BackendKind::Kqueue => {
            let mut b = crate::kqueue::Kqueue::open(src)?;
            progress(0);
            sample(&mut b, warmup, samples, stop, emit, progress)
        }
        other => Err(CollectError::BackendUnavailable {
            backend: other.to_string(),
            os: std::env::consts::OS,
            available: "mock".into(),
        }),
    }
}

/// The loop, monomorphised per native backend so the wait call is inlined.
#[allow(dead_code)] // unused on platforms without a native backend
fn sample<B, E, P>(
    b: &mut B,
    warmup: u64,
    samples: u64,
    stop: &AtomicBool,
    emit: &mut E,
    progress: &mut P,
) -> Result<sampler::LoopEnd, CollectError>
where
    B: Backend,
    E: FnMut(&[Sample]) -> Result<(), CollectError>,
    P: FnMut(u64),
{
    sampler::run(b, warmup, samples, stop, emit, progress)
}

/// What [`bare_wait_loop`] measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BareRun {
    /// Wait calls made after the warm-up (`cfg.samples`).
    pub calls: u64,
    /// Nanoseconds, on the backend's clock, from just before the first call after the
    /// warm-up to just after the last call and its drain: the loop's steady-state time,
    /// without setup and teardown.
    pub loop_ns: u64,
    /// Ready events seen plus, when timed, the summed durations; returned so that the
    /// work cannot be optimised away.
    pub checksum: u64,
}

/// The baseline of the collector benchmark: opens the sources `cfg` describes (same
/// registrations and poker as [`collect`]) and makes `cfg.knobs.warmup + cfg.samples` wait
/// calls, draining after each as the collector does, with no trace. With `timed`, the two
/// clock reads of a sample surround each call (their difference goes into the checksum
/// instead of a record), which separates the cost of the clock from the collector's own.
///
/// ```
/// use kqent_collector::{bare_wait_loop, BackendKind, CollectConfig};
/// let cfg = CollectConfig::new(BackendKind::Mock, 1000);
/// let run = bare_wait_loop(&cfg, true).unwrap();
/// assert_eq!(run.calls, 1000);
/// assert!(run.loop_ns > 0 && run.checksum > 0);
/// ```
#[doc(hidden)] // for the collector benchmark (benches/collector.rs) only
pub fn bare_wait_loop(cfg: &CollectConfig, timed: bool) -> Result<BareRun, CollectError> {
    validate(cfg)?;
    let kind = cfg.backend.resolve()?;
    let src = sources(&cfg.knobs)?;
    let (warmup, calls) = (cfg.knobs.warmup, cfg.samples);
    match kind {
        BackendKind::Mock => bare(&mut Mock::new(&src, cfg.seed, 0), warmup, calls, timed),
        BackendKind::Clock => bare(
            &mut crate::clock_only::ClockOnly::new(),
            warmup,
            calls,
            timed,
        ),
        #[cfg(target_os = "linux")]
        BackendKind::Epoll => bare(&mut crate::epoll::Epoll::open(&src)?, warmup, calls, timed),
        #[cfg(any(target_os = "macos", target_os = "freebsd"))]
        BackendKind::Kqueue => bare(
            &mut crate::kqueue::Kqueue::open(&src)?,
            warmup,
            calls,
            timed,
        ),
        other => Err(CollectError::BackendUnavailable {
            backend: other.to_string(),
            os: std::env::consts::OS,
            available: "mock".into(),
        }),
    }
}

fn bare<B: Backend>(
    b: &mut B,
    warmup: u64,
    calls: u64,
    timed: bool,
) -> Result<BareRun, CollectError> {
    let mut checksum = bare_calls(b, warmup, timed)?;
    let t0 = b.now_ns();
    checksum = checksum.wrapping_add(bare_calls(b, calls, timed)?);
    let loop_ns = b.now_ns().saturating_sub(t0);
    Ok(BareRun {
        calls,
        loop_ns,
        checksum,
    })
}

/// `calls` wait calls, each drained when something fired; `timed` brackets each call with
/// the two clock reads of a sample.
fn bare_calls<B: Backend>(b: &mut B, calls: u64, timed: bool) -> Result<u64, CollectError> {
    let mut sum = 0u64;
    for _ in 0..calls {
        let wait = if timed {
            let t0 = b.now_ns();
            let w = b.wait();
            sum = sum.wrapping_add(b.now_ns().wrapping_sub(t0));
            w
        } else {
            b.wait()
        };
        if let crate::backend::Wait::Ready(n) = wait? {
            if n > 0 {
                b.drain()?;
                sum = sum.wrapping_add(u64::from(n));
            }
        }
    }
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn validation_messages() {
        let mut cfg = CollectConfig::new(BackendKind::Mock, 10);
        cfg.knobs.timeout_ms = 3_000_000_000;
        assert_eq!(
            validate(&cfg).unwrap_err().to_string(),
            "--timeout-ms 3000000000 is too large: at most 2147483647"
        );
        cfg.knobs.timeout_ms = 0;
        cfg.knobs.num_file_watchers = 70_000;
        assert!(validate(&cfg)
            .unwrap_err()
            .to_string()
            .starts_with("--watchers 70000 is too large"));
    }

    #[test]
    fn nothing_is_written_for_an_invalid_config() {
        let cfg = CollectConfig::new(BackendKind::Mock, 0);
        let mut buf = Cursor::new(Vec::new());
        let stop = AtomicBool::new(false);
        assert!(collect(&cfg, &mut buf, &stop, &mut |_| {}).is_err());
        assert!(buf.get_ref().is_empty());
    }

    #[test]
    fn mock_metadata_is_a_function_of_the_arguments() {
        let mut cfg = CollectConfig::new(BackendKind::Mock, 3000);
        cfg.seed = 99;
        cfg.knobs.num_timers = 3;
        let stop = AtomicBool::new(false);
        let a = collect(&cfg, Cursor::new(Vec::new()), &stop, &mut |_| {}).unwrap();
        let b = collect(&cfg, Cursor::new(Vec::new()), &stop, &mut |_| {}).unwrap();
        let strip = |mut m: Metadata| {
            m.provenance = Default::default();
            m
        };
        assert_eq!(strip(a.metadata.clone()), strip(b.metadata));
        let m = a.metadata;
        assert_eq!(
            (m.seed, m.samples, m.tick_ns),
            (Some(99), 3000, MOCK_TICK_NS)
        );
        assert_eq!(m.knobs.num_timers, 3);
        assert_eq!(m.clock, ClockInfo::new(MOCK_CLOCK, MOCK_TICK_NS));
        assert!(m.provenance.voluntary_ctx_switches.is_some());
    }
}
