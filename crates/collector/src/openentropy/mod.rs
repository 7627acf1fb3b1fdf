//! `--profile openentropy`: the loop of openentropy's `KqueueEventsSource` (crate
//! `openentropy-core` 0.12.3, `src/sources/ipc/kqueue_events.rs`) as it ships, so that the
//! source people actually run can be assessed, not only kqent's own design.
//!
//! One session is one `collect(n)` of the shipped source:
//!
//! - a fresh queue with timers (timer `i` every `1 + i mod 10` ms), socket pairs watched
//!   for reading and for writing, both **level-triggered**, on **blocking** sockets, each
//!   pair primed with one byte `0xAA` written up front, and file watchers (write and
//!   attribute changes, cleared on delivery);
//! - a poker thread that every 500 µs writes one byte `0xBB` to every socket's write end
//!   and rewrites every watched file **by path** (open, truncate, write `b"poke"`, close);
//! - `n + 64` timed wait calls, no warm-up, checked against a 4 s deadline every 64 calls;
//! - after every call that returned events, a **blocking** 64-byte `read` on *every*
//!   socket's read end, which paces the loop to the poker;
//! - a call that fails (EINTR too) is still a sample: its duration counts, and here its
//!   record is flagged [`kqent_trace::EventKinds::FAILED`] with the errno in `events`.
//!
//! On Linux the same structure runs over epoll: timerfds and inotify instances stand in for
//! EVFILT_TIMER and EVFILT_VNODE (edge-triggered, and read when reported, as kqueue delivers
//! each timer expiry and vnode note once). Linux classifies a path poke's truncation as a
//! modify event (`fsnotify_change` maps a size change to IN_MODIFY), so there the pokes raise
//! IN_MODIFY only where kqueue raises NOTE_WRITE and NOTE_ATTRIB; IN_ATTRIB is watched all the
//! same and arrives for real attribute changes. Sessions are the trace's segments; the metadata's
//! [`kqent_trace::ProfileInfo`] gives `n` so that `--extract openentropy` can return the
//! exact bytes `collect(n)` would.

#[cfg(target_os = "linux")]
mod epoll;
#[cfg(any(target_os = "macos", target_os = "freebsd"))]
mod kqueue;
#[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
mod poker;

use std::io::{Seek, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
#[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
use std::time::Instant;

use kqent_trace::{EventKinds, Knobs, ProfileInfo, Record, SplitMix64, TraceWriter, WriteTrigger};

use crate::backend::{Backend, Wait};
use crate::collect::{clock_info, initial_metadata, sources, validate};
use crate::config::Sources;
use crate::mock::Mock;
use crate::sampler::Sample;
use crate::{provenance, BackendKind, CollectConfig, CollectError, CollectOutcome};

/// The `openentropy-core` version whose source this profile reproduces.
pub const OPENENTROPY_SOURCE_VERSION: &str = "0.12.3";
/// The profile's name in the trace and on the command line.
pub const OPENENTROPY_PROFILE: &str = kqent_trace::Profile::Openentropy.name();
/// Extra wait calls per session: `collect(n)` makes `n + 64`.
pub const SESSION_EXTRA_CALLS: u64 = 64;
/// `n` of each session unless asked otherwise: what openentropy's pool requests.
pub const DEFAULT_SESSION_N: u64 = 1000;
/// The shipped poker's period.
pub const OPENENTROPY_POKE_US: u64 = 500;
/// The shipped session deadline.
pub const OPENENTROPY_DEADLINE: Duration = Duration::from_secs(4);

/// The knobs a profile session really runs with: the user's source counts and timeout,
/// the shipped poke period, level-triggered writability and no warm-up.
///
/// ```
/// let k = kqent_collector::openentropy_knobs(&kqent_trace::Knobs::default());
/// assert_eq!((k.poke_interval_us, k.warmup), (500, 0));
/// assert_eq!(k.write_trigger, kqent_trace::WriteTrigger::Level);
/// ```
pub fn openentropy_knobs(k: &Knobs) -> Knobs {
    Knobs {
        poke_interval_us: OPENENTROPY_POKE_US,
        write_trigger: WriteTrigger::Level,
        warmup: 0,
        ..k.clone()
    }
}

/// Sessions needed for `samples` bytes at `session_n` bytes per session (at least one).
///
/// ```
/// assert_eq!(kqent_collector::openentropy_sessions(2500, 1000).unwrap(), 3);
/// assert!(kqent_collector::openentropy_sessions(10, 0).is_err());
/// ```
pub fn openentropy_sessions(samples: u64, session_n: u64) -> Result<u32, CollectError> {
    if session_n == 0 {
        return Err(CollectError::InvalidConfig(
            "--session-n must be at least 1".into(),
        ));
    }
    u32::try_from(samples.div_ceil(session_n).max(1)).map_err(|_| {
        CollectError::InvalidConfig(format!(
            "--samples {samples} at --session-n {session_n} needs more than {} sessions",
            u32::MAX
        ))
    })
}

/// What one wait call of a session returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    /// Ready events (0 on timeout).
    Ready(u32),
    /// The call failed with this errno (EINTR included).
    Failed(i32),
}

/// A session's queue, as the loop drives it.
pub(crate) trait Session {
    /// The clock (raw units: ticks where the clock has a timebase).
    fn now(&mut self) -> u64;
    /// One wait call.
    fn wait(&mut self) -> Call;
    /// After a call that returned `n > 0` events: the blocking drain of every read end
    /// (and consuming what the Linux stand-ins need consumed). Returns the kinds that fired.
    fn after_ready(&mut self, n: u32) -> Result<u32, CollectError>;
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SessionEnd {
    /// Calls recorded.
    pub calls: u64,
    /// The deadline cut the session short.
    pub deadline_hit: bool,
    /// The stop flag ended it.
    pub interrupted: bool,
}

/// The shipped loop: up to `calls` timed waits; before every 64th (from the first) the
/// deadline is checked; failed calls are samples too. The stop flag (kqent's, for Ctrl-C)
/// is checked before every call. Samples go to `out`, which is not touched inside the timed
/// windows beyond a push into reserved space.
pub(crate) fn run_session<S: Session + ?Sized>(
    s: &mut S,
    calls: u64,
    deadline_passed: &mut dyn FnMut() -> bool,
    stop: &AtomicBool,
    out: &mut Vec<Sample>,
) -> Result<SessionEnd, CollectError> {
    out.clear();
    out.reserve(calls as usize);
    let mut end = SessionEnd {
        calls: 0,
        deadline_hit: false,
        interrupted: false,
    };
    for iter in 0..calls {
        if iter % 64 == 0 && deadline_passed() {
            end.deadline_hit = true;
            break;
        }
        if stop.load(Ordering::Relaxed) {
            end.interrupted = true;
            break;
        }
        let t0 = s.now();
        let r = s.wait();
        let t1 = s.now();
        let (events, kinds) = match r {
            Call::Ready(n) => {
                let kinds = if n > 0 { s.after_ready(n)? } else { 0 };
                (n, kinds)
            }
            Call::Failed(errno) => (errno.max(0) as u32, EventKinds::FAILED.0),
        };
        out.push(Sample {
            start_ns: t0,
            // openentropy takes `t1.wrapping_sub(t0)`; the clocks are monotonic.
            duration_ns: t1.wrapping_sub(t0),
            events,
            kinds,
        });
        end.calls += 1;
    }
    Ok(end)
}

/// The mock backend under the profile's loop: its synthetic waits, a drain after every
/// ready call, EINTR never happens. Lets the profile's layout be tested anywhere.
struct MockSession(Mock);

impl Session for MockSession {
    fn now(&mut self) -> u64 {
        self.0.now_ns()
    }
    fn wait(&mut self) -> Call {
        match self.0.wait() {
            Ok(Wait::Ready(n)) => Call::Ready(n),
            Ok(Wait::Interrupted) => Call::Failed(libc::EINTR),
            Err(_) => Call::Failed(libc::EIO),
        }
    }
    fn after_ready(&mut self, _n: u32) -> Result<u32, CollectError> {
        self.0.drain()
    }
}

/// Collects `openentropy_sessions(cfg.samples, session_n)` sessions of the shipped loop into
/// one trace: records carry their session as `segment`, the metadata the
/// [`ProfileInfo`] and the knobs the session ran with ([`openentropy_knobs`]). Each session
/// opens a fresh queue, sockets, files and poker and releases them before the next.
/// `on_progress(0)` runs once when the first session is open, then with the records
/// kept after each session. A stop request ends the current session; the trace is then
/// finished and marked interrupted.
///
/// ```
/// use std::io::Cursor;
/// use std::sync::atomic::AtomicBool;
/// use kqent_collector::{collect_openentropy, BackendKind, CollectConfig};
///
/// let cfg = CollectConfig::new(BackendKind::Mock, 200);
/// let out = collect_openentropy(&cfg, 100, Cursor::new(Vec::new()), &AtomicBool::new(false),
///     &mut |_| {}).unwrap();
/// let p = out.metadata.profile.clone().unwrap();
/// assert_eq!((p.name.as_str(), p.sessions, p.calls_per_session), ("openentropy", 2, 164));
/// assert_eq!(out.metadata.samples, 2 * 164);
/// ```
pub fn collect_openentropy<W: Write + Seek>(
    cfg: &CollectConfig,
    session_n: u64,
    out: W,
    stop: &AtomicBool,
    on_progress: &mut dyn FnMut(u64),
) -> Result<CollectOutcome<W>, CollectError> {
    let sessions = openentropy_sessions(cfg.samples, session_n)?;
    let calls = session_n
        .checked_add(SESSION_EXTRA_CALLS)
        .filter(|&c| usize::try_from(c).is_ok())
        .ok_or_else(|| CollectError::InvalidConfig("--session-n is too large".into()))?;
    let cfg = CollectConfig {
        knobs: openentropy_knobs(&cfg.knobs),
        ..cfg.clone()
    };
    validate(&cfg)?;
    let kind = cfg.backend.resolve()?;
    let src = sources(&cfg.knobs)?;
    let mut meta = initial_metadata(&cfg, kind, None);
    if kind != BackendKind::Mock {
        let c = crate::clock::RawClock::openentropy();
        meta.clock = kqent_trace::ClockInfo::new(c.name(), c.resolution_ns());
        meta.clock.timebase = c.timebase();
    } else {
        meta.clock = clock_info(kind);
    }
    meta.profile = Some(ProfileInfo {
        name: OPENENTROPY_PROFILE.to_string(),
        source_version: OPENENTROPY_SOURCE_VERSION.to_string(),
        sessions,
        session_n,
        calls_per_session: calls,
        deadline_ms: OPENENTROPY_DEADLINE.as_millis() as u64,
    });
    let mut writer = TraceWriter::create(out, &meta)?;
    let ctx0 = provenance::ctx_switches();
    let mut batch = Vec::with_capacity(calls as usize);
    let mut origin: Option<u64> = None;
    let mut kept = 0u64;
    let mut interrupted = false;
    let mut mock_clock = 0u64;
    for session in 0..sessions {
        let end = run_one(
            kind,
            &src,
            cfg.seed,
            session,
            calls,
            stop,
            &mut batch,
            &mut mock_clock,
        )?;
        if session == 0 {
            on_progress(0);
        }
        if let Some(first) = batch.first() {
            let o = *origin.get_or_insert(first.start_ns);
            for s in &batch {
                writer.push(&Record {
                    start_ns: s.start_ns.saturating_sub(o),
                    duration_ns: s.duration_ns,
                    events: s.events,
                    kinds: EventKinds(s.kinds),
                    segment: session,
                })?;
            }
        }
        kept += end.calls;
        if end.interrupted {
            interrupted = true;
            break;
        }
        on_progress(kept);
    }
    let ctx1 = provenance::ctx_switches();
    let (w, metadata) = writer.finish_with_metadata(|m| {
        m.interrupted = interrupted;
        if let (Some((v0, i0)), Some((v1, i1))) = (ctx0, ctx1) {
            m.provenance.voluntary_ctx_switches = Some(v1.saturating_sub(v0));
            m.provenance.involuntary_ctx_switches = Some(i1.saturating_sub(i0));
        }
    })?;
    Ok(CollectOutcome {
        writer_output: w,
        metadata,
        interrupted,
    })
}

/// Opens session `session`'s queue, runs it, and releases everything before returning.
#[allow(clippy::too_many_arguments)]
fn run_one(
    kind: BackendKind,
    src: &Sources,
    seed: u64,
    session: u32,
    calls: u64,
    stop: &AtomicBool,
    batch: &mut Vec<Sample>,
    mock_clock: &mut u64,
) -> Result<SessionEnd, CollectError> {
    match kind {
        BackendKind::Mock => {
            let seed = if session == 0 {
                seed
            } else {
                SplitMix64::new(seed ^ (u64::from(session) << 32)).next_u64()
            };
            let mut m = MockSession(Mock::new(src, seed, *mock_clock));
            // The mock never sleeps: its deadline never passes.
            let end = run_session(&mut m, calls, &mut || false, stop, batch)?;
            *mock_clock = m.0.now_ns() + crate::MOCK_TICK_NS * 1000;
            Ok(end)
        }
        #[cfg(target_os = "linux")]
        BackendKind::Epoll => {
            let mut q = epoll::OeEpoll::open(src)?;
            let deadline = Instant::now() + OPENENTROPY_DEADLINE;
            run_session(
                &mut q,
                calls,
                &mut || Instant::now() >= deadline,
                stop,
                batch,
            )
        }
        #[cfg(any(target_os = "macos", target_os = "freebsd"))]
        BackendKind::Kqueue => {
            let mut q = kqueue::OeKqueue::open(src)?;
            let deadline = Instant::now() + OPENENTROPY_DEADLINE;
            run_session(
                &mut q,
                calls,
                &mut || Instant::now() >= deadline,
                stop,
                batch,
            )
        }
        other => Err(CollectError::BackendUnavailable {
            backend: other.to_string(),
            os: std::env::consts::OS,
            available: "mock".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::kind_bits::*;
    use std::collections::VecDeque;

    /// A scripted queue on a fake clock: each call takes its scripted time; a drain after
    /// a ready call costs 500 µs of fake time (the poker's pace), outside the window.
    struct Fake {
        clock: u64,
        script: VecDeque<(u64, Call, u32)>,
        pending: u32,
        drains: usize,
    }

    impl Session for Fake {
        fn now(&mut self) -> u64 {
            self.clock
        }
        fn wait(&mut self) -> Call {
            let (dur, call, kinds) = self.script.pop_front().expect("script exhausted");
            self.clock += dur;
            self.pending = kinds;
            call
        }
        fn after_ready(&mut self, _n: u32) -> Result<u32, CollectError> {
            self.drains += 1;
            self.clock += 500_000;
            Ok(self.pending)
        }
    }

    fn fake(script: impl IntoIterator<Item = (u64, Call, u32)>) -> Fake {
        Fake {
            clock: 1_000,
            script: script.into_iter().collect(),
            pending: 0,
            drains: 0,
        }
    }

    #[test]
    fn failed_calls_are_samples_and_flagged_and_never_drained() {
        let mut f = fake([
            (1500, Call::Ready(2), TIMER | SOCKET_READ),
            (900, Call::Failed(libc::EINTR), 0),
            (1_000_000, Call::Ready(0), 0),
            (1200, Call::Failed(libc::EINVAL), 0),
        ]);
        let stop = AtomicBool::new(false);
        let mut out = Vec::new();
        let end = run_session(&mut f, 4, &mut || false, &stop, &mut out).unwrap();
        assert_eq!(
            end,
            SessionEnd {
                calls: 4,
                deadline_hit: false,
                interrupted: false
            }
        );
        let got: Vec<(u64, u32, u32)> = out
            .iter()
            .map(|s| (s.duration_ns, s.events, s.kinds))
            .collect();
        let failed = EventKinds::FAILED.0;
        assert_eq!(
            got,
            [
                (1500, 2, TIMER | SOCKET_READ),
                (900, libc::EINTR as u32, failed),
                (1_000_000, 0, 0),
                (1200, libc::EINVAL as u32, failed),
            ]
        );
        // Only the call that returned events was drained; the drain's 500 µs is between
        // the first and second windows, not inside one.
        assert_eq!(f.drains, 1);
        assert_eq!(out[1].start_ns - out[0].start_ns, 1500 + 500_000);
    }

    #[test]
    fn deadline_is_checked_every_64_calls_from_the_first() {
        let script = (0..200).map(|_| (10, Call::Ready(0), 0));
        let mut f = fake(script);
        let stop = AtomicBool::new(false);
        let mut out = Vec::new();
        let mut checks = 0;
        // The deadline passes after the second check: calls 0..128 run, call 128 sees it.
        let end = run_session(
            &mut f,
            200,
            &mut || {
                checks += 1;
                checks > 2
            },
            &stop,
            &mut out,
        )
        .unwrap();
        assert_eq!((end.calls, end.deadline_hit), (128, true));
        assert_eq!(out.len(), 128);
        assert_eq!(checks, 3);
    }

    #[test]
    fn stop_ends_the_session_with_what_was_recorded() {
        let mut f = fake((0..10).map(|_| (10, Call::Ready(0), 0)));
        let stop = AtomicBool::new(true);
        let mut out = vec![Sample::default(); 3];
        let end = run_session(&mut f, 10, &mut || false, &stop, &mut out).unwrap();
        assert_eq!((end.calls, end.interrupted), (0, true));
        assert!(out.is_empty(), "the previous session's samples are cleared");
    }

    #[test]
    fn sessions_restart_and_have_n_plus_64_records() {
        use std::io::Cursor;
        let mut cfg = CollectConfig::new(BackendKind::Mock, 250);
        cfg.seed = 5;
        cfg.knobs.warmup = 1000; // overridden: the profile has no warm-up
        let mut progress = Vec::new();
        let out = collect_openentropy(
            &cfg,
            100,
            Cursor::new(Vec::new()),
            &AtomicBool::new(false),
            &mut |k| progress.push(k),
        )
        .unwrap();
        let m = &out.metadata;
        let p = m.profile.as_ref().unwrap();
        assert_eq!(p.sessions, 3);
        assert_eq!(p.session_n, 100);
        assert_eq!(p.calls_per_session, 164);
        assert_eq!(p.deadline_ms, 4000);
        assert_eq!(p.source_version, "0.12.3");
        assert_eq!(m.knobs.warmup, 0);
        assert_eq!(m.knobs.write_trigger, WriteTrigger::Level);
        assert_eq!(m.knobs.poke_interval_us, 500);
        assert_eq!(m.samples, 3 * 164);
        assert_eq!(m.samples_requested, 250);
        assert_eq!(progress, [0, 164, 328, 492]);
        let reader =
            kqent_trace::TraceReader::open(Cursor::new(out.writer_output.into_inner())).unwrap();
        let (_, _, lens) = reader.durations_kinds_segments().unwrap();
        assert_eq!(lens, [164, 164, 164]);
    }

    #[test]
    fn zero_session_n_is_refused() {
        let cfg = CollectConfig::new(BackendKind::Mock, 10);
        let e = collect_openentropy(
            &cfg,
            0,
            std::io::Cursor::new(Vec::new()),
            &AtomicBool::new(false),
            &mut |_| {},
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "--session-n must be at least 1");
    }
}
