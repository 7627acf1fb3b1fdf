//! The JSON metadata header: what was measured, how, and on what machine.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::FORMAT_VERSION;

/// Everything a trace says about itself. With the mock backend, every field outside
/// [`Metadata::provenance`] is a pure function of the collector's arguments and seed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Metadata {
    /// Trace format version (equal to the preamble's).
    pub format_version: u16,
    /// Name of the tool that wrote the trace (`"kqent"`).
    pub tool: String,
    /// Version of that tool.
    pub tool_version: String,
    /// Event-notification backend: `"epoll"`, `"kqueue"`, `"mock"`, ...
    pub backend: String,
    /// The collection knobs, under their config names.
    pub knobs: Knobs,
    /// Seed of every random choice of the collection, if any.
    pub seed: Option<u64>,
    /// Number of samples the user asked for.
    pub samples_requested: u64,
    /// The clock that timed the wait calls.
    pub clock: ClockInfo,
    /// Number of records in the file (set by [`crate::TraceWriter::finish`]).
    pub samples: u64,
    /// Observed tick: GCD of all durations in ns, 0 when there are none or all are 0
    /// (set by [`crate::TraceWriter::finish`]).
    pub tick_ns: u64,
    /// Segment layout of a `collect --restarts` trace; `None` for an ordinary collection.
    pub restarts: Option<RestartLayout>,
    /// True when SIGINT ended the collection early (the trace is valid but shorter).
    pub interrupted: bool,
    /// The collection profile when it was not kqent's own design (`None`): which loop made
    /// the trace and how its sessions are laid out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<ProfileInfo>,
    /// Where and when the trace was taken: never part of the deterministic output.
    pub provenance: Provenance,
}

impl Metadata {
    /// Metadata for a new trace written by this kqent: no seed, no samples requested, no
    /// restarts, empty provenance. `samples` and `tick_ns` are filled at finish.
    ///
    /// ```
    /// use kqent_trace::{ClockInfo, Knobs, Metadata};
    /// let m = Metadata::new("mock", Knobs::default(), ClockInfo::new("mock", 1));
    /// assert_eq!(m.tool, "kqent");
    /// assert_eq!(m.format_version, kqent_trace::FORMAT_VERSION);
    /// ```
    pub fn new(backend: &str, knobs: Knobs, clock: ClockInfo) -> Self {
        Metadata {
            format_version: FORMAT_VERSION,
            tool: "kqent".to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            backend: backend.to_string(),
            knobs,
            seed: None,
            samples_requested: 0,
            clock,
            samples: 0,
            tick_ns: 0,
            restarts: None,
            interrupted: false,
            profile: None,
            provenance: Provenance::default(),
        }
    }
}

/// The collection knobs, named as in the config file and on the command line: the one
/// knob type of kqent (trace metadata, collector configuration, sweep configurations and
/// result documents). Ordered field by field, so results sort by configuration.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Knobs {
    /// Number of timers registered with the event queue.
    pub num_timers: u32,
    /// Number of socket pairs registered.
    pub num_sockets: u32,
    /// Number of watched files.
    pub num_file_watchers: u32,
    /// Timeout of each wait call, in milliseconds.
    pub timeout_ms: u32,
    /// Interval between pokes of the sources, in microseconds.
    pub poke_interval_us: u64,
    /// Edge- or level-triggered socket write readiness.
    pub write_trigger: WriteTrigger,
    /// Wait calls discarded before recording starts.
    pub warmup: u64,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            num_timers: 8,
            num_sockets: 4,
            num_file_watchers: 4,
            timeout_ms: 1,
            poke_interval_us: 500,
            write_trigger: WriteTrigger::Edge,
            warmup: 1000,
        }
    }
}

/// How socket write readiness is registered.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum WriteTrigger {
    /// Edge-triggered (`EPOLLET`, `EV_CLEAR`).
    #[default]
    Edge,
    /// Level-triggered.
    Level,
}

impl fmt::Display for WriteTrigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WriteTrigger::Edge => "edge",
            WriteTrigger::Level => "level",
        })
    }
}

impl FromStr for WriteTrigger {
    type Err = String;

    /// Parses `edge` or `level`.
    ///
    /// ```
    /// use kqent_trace::WriteTrigger;
    /// assert_eq!("level".parse::<WriteTrigger>(), Ok(WriteTrigger::Level));
    /// assert!("both".parse::<WriteTrigger>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "edge" => Ok(WriteTrigger::Edge),
            "level" => Ok(WriteTrigger::Level),
            other => Err(format!(
                "invalid write trigger {other:?}: expected \"edge\" or \"level\""
            )),
        }
    }
}

/// The clock that timed the wait calls.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ClockInfo {
    /// Clock name, e.g. `"CLOCK_MONOTONIC"` or `"mach_absolute_time"`.
    pub name: String,
    /// Resolution the OS reports for it, in ns.
    pub resolution_ns: u64,
    /// Set when the clock counts ticks: the records' `start_ns` and `duration_ns` then hold
    /// raw ticks (lossless; extractions and the tick check work on them), and
    /// `ticks * numer / denom` is nanoseconds, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timebase: Option<Timebase>,
}

impl ClockInfo {
    /// A clock description (a nanosecond clock: no timebase).
    pub fn new(name: &str, resolution_ns: u64) -> Self {
        ClockInfo {
            name: name.to_string(),
            resolution_ns,
            timebase: None,
        }
    }

    /// Nanoseconds for a duration as recorded (ticks when the clock has a timebase).
    ///
    /// ```
    /// use kqent_trace::{ClockInfo, Timebase};
    /// let mut c = ClockInfo::new("mach_absolute_time", 42);
    /// assert_eq!(c.to_ns(24), 24);
    /// c.timebase = Some(Timebase { numer: 125, denom: 3 });
    /// assert_eq!(c.to_ns(24), 1000);
    /// ```
    pub fn to_ns(&self, raw: u64) -> u64 {
        self.timebase.map_or(raw, |t| t.to_ns(raw))
    }
}

/// A tick clock's conversion to nanoseconds, as `mach_timebase_info` gives it: one tick is
/// `numer / denom` ns (125/3 for Apple Silicon's 24 MHz counter, 1/1 on Intel Macs).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Timebase {
    /// Numerator of ns per tick.
    pub numer: u32,
    /// Denominator of ns per tick (never 0 in a valid trace).
    pub denom: u32,
}

impl Timebase {
    /// `floor(ticks * numer / denom)`, exact (128-bit intermediate), saturating at
    /// `u64::MAX`; a zero denominator gives the ticks unchanged.
    ///
    /// ```
    /// let tb = kqent_trace::Timebase { numer: 125, denom: 3 };
    /// assert_eq!(tb.to_ns(3), 125);
    /// assert_eq!(tb.to_ns(1), 41);
    /// ```
    pub fn to_ns(self, ticks: u64) -> u64 {
        if self.denom == 0 {
            return ticks;
        }
        let ns = u128::from(ticks) * u128::from(self.numer) / u128::from(self.denom);
        u64::try_from(ns).unwrap_or(u64::MAX)
    }

    /// One tick in nanoseconds.
    pub fn tick_ns(self) -> f64 {
        if self.denom == 0 {
            return 1.0;
        }
        f64::from(self.numer) / f64::from(self.denom)
    }
}

/// Which collection loop made a trace: kqent's own design, or openentropy's
/// `KqueueEventsSource` as it ships (`--profile openentropy`, described by [`ProfileInfo`]).
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// kqent's own design (the knobs as given).
    #[default]
    Kqent,
    /// openentropy-core 0.12.3's loop: blocking drain, path pokes, sessions of n + 64 calls.
    Openentropy,
}

impl Profile {
    /// The name on the command line and in documents.
    pub const fn name(self) -> &'static str {
        match self {
            Profile::Kqent => "kqent",
            Profile::Openentropy => "openentropy",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = String;

    /// Parses `kqent` or `openentropy`.
    ///
    /// ```
    /// use kqent_trace::Profile;
    /// assert_eq!("openentropy".parse::<Profile>(), Ok(Profile::Openentropy));
    /// assert_eq!(Profile::Kqent.to_string(), "kqent");
    /// assert!("oe".parse::<Profile>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "kqent" => Ok(Profile::Kqent),
            "openentropy" => Ok(Profile::Openentropy),
            other => Err(format!(
                "invalid profile {other:?}: expected \"kqent\" or \"openentropy\""
            )),
        }
    }
}

/// A trace made by another loop than kqent's own: openentropy's `KqueueEventsSource`
/// reproduced (`collect --profile openentropy`). Each session is one `collect(n)` of the
/// shipped source: a fresh queue, up to `calls_per_session` wait calls (fewer when its
/// deadline passed), records tagged with the session index as `segment`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProfileInfo {
    /// The profile's name (`"openentropy"`).
    pub name: String,
    /// The version of the reproduced source (`openentropy-core` 0.12.3).
    pub source_version: String,
    /// Sessions in the trace.
    pub sessions: u32,
    /// `n` of each `collect(n)`: bytes each session yields.
    pub session_n: u64,
    /// Wait calls per session unless the deadline cut it (`n + 64`).
    pub calls_per_session: u64,
    /// A session stops at the first multiple of 64 calls past this many ms.
    pub deadline_ms: u64,
}

/// How a `collect --restarts` trace is cut into segments: `count` restarts of
/// `per_restart` samples each, records tagged with their restart index.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestartLayout {
    /// Number of restarts (segments).
    pub count: u32,
    /// Samples per restart.
    pub per_restart: u64,
}

/// Where and when a trace was taken. Every field is optional: a collector fills what it
/// can read on its platform.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub struct Provenance {
    /// Host name.
    pub host: Option<String>,
    /// Operating system, e.g. `"linux"`.
    pub os: Option<String>,
    /// Kernel release.
    pub kernel: Option<String>,
    /// CPU model string.
    pub cpu_model: Option<String>,
    /// Start of the collection, RFC 3339.
    pub start_time: Option<String>,
    /// CPUs the collector was allowed to run on.
    pub cpu_affinity: Option<Vec<u32>>,
    /// CPU frequency scaling governor, if readable.
    pub scaling_governor: Option<String>,
    /// Virtualisation detected, e.g. `"kvm"`, if detectable.
    pub virtualization: Option<String>,
    /// Voluntary context switches of the collector during collection.
    pub voluntary_ctx_switches: Option<u64>,
    /// Involuntary context switches of the collector during collection.
    pub involuntary_ctx_switches: Option<u64>,
    /// Anything else worth recording.
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
    /// User + system CPU time of the collecting process during the collection, ns (its
    /// cost per sample); absent in older traces and for the mock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collector_cpu_ns: Option<u64>,
}
