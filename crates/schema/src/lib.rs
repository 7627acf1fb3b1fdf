//! kqent's machine-readable documents, like nextest's metadata crate: serde types and
//! nothing else. A [`ResultReport`] per analysed input (one per configuration and
//! repetition in a sweep), a [`SweepManifest`] per sweep directory, a
//! [`summary::SummaryReport`] of a sweep's statistics over its repetitions, their
//! [`SCHEMA_VERSION`], and the JSON Schema ([`JSON_SCHEMA`],
//! `schema/kqent-report.schema.json`) that describes them for other tools.
//!
//! The JSON Schema is written by hand (it says more than the types can: patterns, ranges,
//! unique knob values) and kept equal to the types by `tests/schema_validation.rs`, which
//! walks the schema along fully populated documents and fails when a field exists on one
//! side only.
//!
//! Field names are the JSON names. Everything except [`Provenance`] is a function of the
//! input, the knobs, the extraction method and the seed, so two runs of the same analysis
//! give byte-identical JSON once `provenance` is removed.
//!
//! Stability: a change an older reader would misread bumps [`SCHEMA_VERSION`]; readers
//! ([`json::read_result`], [`json::read_manifest`]) refuse newer versions with a clear error.

#![warn(missing_docs)]

pub mod error;
pub mod json;
pub mod summary;

use kqent_analysis::assess::Assessment;
use kqent_analysis::stats::{BasicStats, DurationStats};
use kqent_analysis::Extraction;
use serde::{Deserialize, Serialize};

pub use error::SchemaError;
/// The collector's knobs: one type for the trace metadata, the collector, the sweep and
/// the documents (field names are the JSON names).
pub use kqent_trace::{Knobs, Profile, WriteTrigger};

/// The schema version this build writes and the newest it reads. Bump it on any change
/// an older reader would misread; older versions stay readable where possible.
pub const SCHEMA_VERSION: u32 = 1;

/// Which document a JSON file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// One analysed configuration and repetition ([`ResultReport`]).
    Result,
    /// A sweep directory's manifest ([`SweepManifest`]).
    Sweep,
    /// The statistics over a sweep's results ([`crate::summary::SummaryReport`]).
    Summary,
}

/// The id of a configuration: every knob, short and file-name safe. A result's
/// `config_id` in a sweep, and for a trace analysed alone (its knobs are in its metadata).
///
/// ```
/// use kqent_schema::{config_id, Knobs, WriteTrigger};
/// let k = Knobs { num_timers: 8, num_sockets: 4, num_file_watchers: 0, timeout_ms: 1,
///     poke_interval_us: 500, write_trigger: WriteTrigger::Edge, warmup: 1000 };
/// assert_eq!(config_id(&k), "t8-s4-w0-to1-p500-edge-wu1000");
/// ```
pub fn config_id(k: &Knobs) -> String {
    format!(
        "t{}-s{}-w{}-to{}-p{}-{}-wu{}",
        k.num_timers,
        k.num_sockets,
        k.num_file_watchers,
        k.timeout_ms,
        k.poke_interval_us,
        k.write_trigger,
        k.warmup
    )
}

/// The knob values a sweep runs: the Cartesian product of these lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnobLists {
    /// Values of `num_timers`.
    pub num_timers: Vec<u32>,
    /// Values of `num_sockets`.
    pub num_sockets: Vec<u32>,
    /// Values of `num_file_watchers`.
    pub num_file_watchers: Vec<u32>,
    /// Values of `timeout_ms`.
    pub timeout_ms: Vec<u32>,
    /// Values of `poke_interval_us`.
    pub poke_interval_us: Vec<u64>,
    /// Values of `write_trigger`.
    pub write_trigger: Vec<WriteTrigger>,
    /// Values of `warmup`.
    pub warmup: Vec<u64>,
}

/// The most configurations a sweep's knob lists may describe (their product): far more
/// than any sweep can collect (each run is a collection of its own), few enough that the
/// list of configurations is small. A manifest or a command line over it is refused
/// before the product is built.
pub const MAX_CONFIGS: u64 = 100_000;

impl KnobLists {
    /// The number of configurations (the product of the list lengths), `None` when it
    /// overflows `u64`.
    ///
    /// ```
    /// let k = kqent_schema::KnobLists { num_timers: vec![0, 4], num_sockets: vec![1, 2, 3],
    ///     ..Default::default() };
    /// assert_eq!(k.count(), Some(0)); // an empty list: no configuration
    /// ```
    pub fn count(&self) -> Option<u64> {
        [
            self.num_timers.len(),
            self.num_sockets.len(),
            self.num_file_watchers.len(),
            self.timeout_ms.len(),
            self.poke_interval_us.len(),
            self.write_trigger.len(),
            self.warmup.len(),
        ]
        .iter()
        .try_fold(1u64, |acc, &n| acc.checked_mul(n as u64))
    }

    /// The configurations a sweep of these lists runs under `profile`: the product of the
    /// numbers of distinct values, without the knobs the openentropy profile fixes (its poke
    /// period, write trigger and warm-up; `kqent_collector::openentropy_knobs`), so it counts
    /// what `kqent_sweep::sweep_configs` lists, without building it. `None` on overflow.
    ///
    /// ```
    /// use kqent_schema::{KnobLists, Profile, WriteTrigger};
    /// let k = KnobLists { num_timers: vec![0, 4], num_sockets: vec![1], num_file_watchers: vec![1],
    ///     timeout_ms: vec![10], poke_interval_us: vec![100, 500],
    ///     write_trigger: vec![WriteTrigger::Edge, WriteTrigger::Level], warmup: vec![0] };
    /// assert_eq!(k.count_for(Profile::Kqent), Some(8));
    /// assert_eq!(k.count_for(Profile::Openentropy), Some(2));
    /// ```
    pub fn count_for(&self, profile: Profile) -> Option<u64> {
        fn distinct<T: Ord + Clone>(list: &[T]) -> usize {
            let mut v = list.to_vec();
            v.sort_unstable();
            v.dedup();
            v.len()
        }
        let mut lengths = vec![
            distinct(&self.num_timers),
            distinct(&self.num_sockets),
            distinct(&self.num_file_watchers),
            distinct(&self.timeout_ms),
        ];
        if profile == Profile::Kqent {
            lengths.extend([
                distinct(&self.poke_interval_us),
                distinct(&self.write_trigger),
                distinct(&self.warmup),
            ]);
        }
        lengths
            .iter()
            .try_fold(1u64, |acc, &n| acc.checked_mul(n as u64))
    }

    /// Refuses lists whose product exceeds [`MAX_CONFIGS`] or that leave a knob without a
    /// value; the message is one line.
    pub fn check_size(&self) -> Result<u64, String> {
        match self.count() {
            Some(0) => Err("a knob list is empty: the sweep has no configuration".into()),
            Some(n) if n <= MAX_CONFIGS => Ok(n),
            Some(n) => Err(format!(
                "the knob lists describe {n} configurations, more than the {MAX_CONFIGS} a sweep may hold"
            )),
            None => Err(format!(
                "the knob lists describe more configurations than fit a 64-bit count (at most {MAX_CONFIGS})"
            )),
        }
    }

    /// Every configuration, in a fixed order (the first knob varies slowest).
    ///
    /// ```
    /// use kqent_schema::{KnobLists, WriteTrigger};
    /// let k = KnobLists {
    ///     num_timers: vec![0, 4], num_sockets: vec![0, 4], num_file_watchers: vec![0],
    ///     timeout_ms: vec![1], poke_interval_us: vec![500],
    ///     write_trigger: vec![WriteTrigger::Edge], warmup: vec![1000],
    /// };
    /// let c = k.configs();
    /// assert_eq!(c.len(), 4);
    /// assert_eq!((c[1].num_timers, c[1].num_sockets), (0, 4));
    /// ```
    pub fn configs(&self) -> Vec<Knobs> {
        let mut out = Vec::new();
        for &t in &self.num_timers {
            for &s in &self.num_sockets {
                for &w in &self.num_file_watchers {
                    for &to in &self.timeout_ms {
                        for &p in &self.poke_interval_us {
                            for &tr in &self.write_trigger {
                                for &wu in &self.warmup {
                                    out.push(Knobs {
                                        num_timers: t,
                                        num_sockets: s,
                                        num_file_watchers: w,
                                        timeout_ms: to,
                                        poke_interval_us: p,
                                        write_trigger: tr,
                                        warmup: wu,
                                    });
                                }
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

/// What was analysed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputInfo {
    /// SHA-256 of the data analysed, lowercase hex: a symbol file's bytes, or a trace's
    /// durations as little-endian u64 (`kqent_pipeline::input::durations_sha256`). A trace file's
    /// own hash is in [`Provenance::input_file_sha256`], since its metadata records when and
    /// where it was collected.
    pub sha256: String,
    /// The input file, relative to the sweep directory when in one (`traces/...`).
    pub file: Option<String>,
    /// Raw samples in the input (durations for a trace, symbols for a symbol file).
    pub samples: u64,
}

/// The IID track's outcome. `verdict` is what `kqent gate --require-iid` reads; `detail`
/// holds the whole `kqent_analysis::iid::IidAssessment` ([`IidSlot::from_assessment`],
/// [`IidSlot::assessment`]), kept as JSON so that reports stay readable while the IID
/// assessment's fields evolve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IidSlot {
    /// True when every IID test passed (the data may be treated as IID).
    pub verdict: bool,
    /// The IID entropy estimate, bits per symbol, when there is one.
    pub h_assessed: Option<f64>,
    /// The full IID assessment.
    pub detail: serde_json::Value,
}

impl IidSlot {
    /// The slot for an IID assessment: its verdict, its entropy estimate and the whole
    /// assessment as `detail`.
    pub fn from_assessment(a: &kqent_analysis::iid::IidAssessment) -> Result<IidSlot, SchemaError> {
        Ok(IidSlot {
            verdict: a.iid,
            h_assessed: a.entropy.as_ref().map(|e| e.h_assessed),
            detail: serde_json::to_value(a)
                .map_err(|e| SchemaError::Serialize(format!("the IID assessment: {e}")))?,
        })
    }

    /// `detail` read back as an IID assessment (an error if it was written by another
    /// version of the IID track).
    pub fn assessment(&self) -> Result<kqent_analysis::iid::IidAssessment, SchemaError> {
        serde_json::from_value(self.detail.clone())
            .map_err(|e| SchemaError::Serialize(format!("IID detail: {e}")))
    }
}

/// Where and when a result was produced: the only part that differs between two runs of the
/// same analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// kqent's version.
    pub tool_version: String,
    /// Host name.
    pub host: String,
    /// Operating system (`linux`, `macos`, `freebsd`).
    pub os: String,
    /// Kernel release.
    pub kernel: String,
    /// CPU model.
    pub cpu: String,
    /// Start, RFC 3339 UTC.
    pub started: String,
    /// End, RFC 3339 UTC.
    pub finished: String,
    /// Wall-clock seconds spent.
    pub elapsed_s: f64,
    /// SHA-256 of the input file's bytes, when it differs from `input.sha256` (a trace).
    #[serde(default)]
    pub input_file_sha256: Option<String>,
    /// The trace's own provenance (the collection: governor, affinity, context switches,
    /// ...), when the input was a trace.
    #[serde(default)]
    pub collection: Option<kqent_trace::Provenance>,
}

/// One analysed configuration and repetition: `DIR/results/<config-id>-r<rep>.json` in a
/// sweep, or the JSON of a single `kqent analyze`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultReport {
    /// [`SCHEMA_VERSION`] at writing.
    pub schema_version: u32,
    /// Always [`DocKind::Result`].
    pub kind: DocKind,
    /// The configuration's id (`kqent_sweep::layout::config_id` in a sweep; the input's
    /// file stem for a single analysis).
    pub config_id: String,
    /// Repetition index, from 1.
    pub repetition: u32,
    /// Collector backend (`epoll`, `kqueue`, `mock`); `None` for a symbol file.
    pub backend: Option<String>,
    /// The collector's knobs; `None` for a symbol file.
    pub knobs: Option<Knobs>,
    /// The input.
    pub input: InputInfo,
    /// How durations became symbols; `None` for a symbol file.
    pub extraction: Option<Extraction>,
    /// Seed of every random step.
    pub seed: u64,
    /// The SP 800-90B non-IID assessment, every estimator with its intermediate values.
    pub assessment: Assessment,
    /// The IID track, when it ran.
    pub iid: Option<IidSlot>,
    /// Basic statistics of the symbols.
    pub stats: BasicStats,
    /// Statistics of the raw durations; `None` for a symbol file.
    pub durations: Option<DurationStats>,
    /// Consecutive duration pairs `(d_i, d_{i+1})` in ns for the lag plot, a capped sample
    /// chosen by the producer (see `kqent_analysis::stats::lag_pairs`).
    pub lag_pairs: Vec<[u64; 2]>,
    /// Where and when (not reproducible).
    pub provenance: Provenance,
    /// The collection as its trace recorded it (wall time on its clock, CPU time, the
    /// clock); for trace inputs. Wall and CPU time are not reproducible: they are measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<kqent_analysis::inference::CollectionInfo>,
    /// The same trace assessed under the sweep's other extractions (`--extract` list).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extractions: Vec<kqent_analysis::inference::ExtractionAssessment>,
    /// The collection profile when it was not kqent's own (`openentropy`: openentropy's
    /// kqueue source as it ships); absent for kqent's design and for symbol files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The external source the bytes came from (`kqent openentropy assess`), with the
    /// figure that source's own library grades by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ExternalSource>,
}

/// A source of another library, assessed on the bytes it returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalSource {
    /// The library (`openentropy-core`).
    pub library: String,
    /// Its version.
    pub version: String,
    /// The source's name in it (`clock_jitter`, `kqueue_events`, ...).
    pub name: String,
    /// The source's settings as the library lists them (`config_options`).
    pub settings: std::collections::BTreeMap<String, String>,
    /// Bytes asked for per call of the source's `collect(n)`.
    pub bytes_per_call: u64,
    /// Calls of `collect(n)` made.
    pub calls: u64,
    /// Bytes asked for in all.
    pub bytes_requested: u64,
    /// Bytes it returned (what was assessed).
    pub bytes_collected: u64,
    /// The min-entropy the library itself grades by (its MCV estimate), bits per byte,
    /// to be read next to `assessment.h_assessed`.
    pub library_min_entropy: f64,
    /// The MCV's upper bound on the most likely value's probability, as the library
    /// computes it.
    pub library_p_upper: f64,
    /// The library's grade (A-F) for `library_min_entropy`.
    pub library_grade: String,
}

impl ResultReport {
    /// `H_assessed`, bits per symbol.
    pub fn h_assessed(&self) -> f64 {
        self.assessment.h_assessed
    }

    /// Largest `|r_k|` over the computed lags; `None` when the autocorrelation is
    /// undefined (constant symbols).
    pub fn max_abs_autocorr(&self) -> Option<f64> {
        self.stats.autocorrelation.as_ref().map(|a| a.max_abs)
    }
}

/// A sweep directory's manifest, `DIR/sweep.json`, written before the first configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepManifest {
    /// [`SCHEMA_VERSION`] at writing.
    pub schema_version: u32,
    /// Always [`DocKind::Sweep`].
    pub kind: DocKind,
    /// Collector backend.
    pub backend: String,
    /// Seed of the sweep.
    pub seed: u64,
    /// Samples collected per configuration and repetition.
    pub samples: u64,
    /// Repetitions per configuration.
    pub repeat: u32,
    /// How durations become symbols.
    pub extraction: Extraction,
    /// The knob lists whose product is swept.
    pub knobs: KnobLists,
    /// Whether the IID track runs too (`--iid`). `None` in manifests written before it was
    /// recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iid: Option<bool>,
    /// Whether collection and analysis overlap (`--pipeline`), which changes what is
    /// measured. `None` in manifests written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<bool>,
    /// Every extraction each trace is assessed under, the main one (`extraction`) first,
    /// when `--extract` gave a list. `None`: only `extraction`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extractions: Option<Vec<Extraction>>,
    /// Whether each repetition also collects the clock-only control (config id
    /// [`crate::summary::CLOCK_CONTROL_ID`]). `None`: it does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_control: Option<bool>,
    /// The shard of the sweep this directory holds (`sweep --shard K/N`); `None`: the whole
    /// sweep. The knob lists and `repeat` above are still the whole grid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// What `kqent merge` combined into this directory; `None` for a sweep that ran here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<MergeRecord>,
    /// The collection profiles swept (`--profile`), when it is not kqent's alone: every
    /// configuration of the knob product runs under each (openentropy configurations under
    /// their own ids, `oe-...`). `None`: kqent's design only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profiles: Option<Vec<Profile>>,
    /// `n` of each openentropy session (`--session-n`), when the openentropy profile is swept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_n: Option<u64>,
    /// Where and when the sweep started (not reproducible).
    pub provenance: Provenance,
}

/// Shard `index` of `count` (`--shard K/N`, K from 1): the runs of the sweep's canonical
/// order whose position (from 0) is `index - 1` modulo `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// K, from 1.
    pub index: u32,
    /// N.
    pub count: u32,
}

impl Shard {
    /// Runs of a sweep of `total` runs that fall to this shard.
    ///
    /// ```
    /// use kqent_schema::Shard;
    /// let share = |k| Shard { index: k, count: 3 }.share(8);
    /// assert_eq!((share(1), share(2), share(3)), (3, 3, 2));
    /// ```
    pub fn share(&self, total: usize) -> usize {
        let n = self.count.max(1) as usize;
        let k = self.index.saturating_sub(1) as usize;
        total / n + usize::from(k < total % n)
    }

    /// Whether the run at `position` (from 0) of the canonical order is this shard's.
    pub fn owns(&self, position: usize) -> bool {
        position % self.count.max(1) as usize == self.index.saturating_sub(1) as usize
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// How a merged sweep directory was put together (`kqent merge`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeRecord {
    /// Every directory merged, in the order given.
    pub sources: Vec<MergeSource>,
    /// Runs of the grid that no directory holds, per platform: the report is incomplete.
    pub missing: Vec<MissingRun>,
}

/// One directory of a merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeSource {
    /// The directory as given on the command line.
    pub dir: String,
    /// Its shard, when it was one.
    pub shard: Option<Shard>,
    /// Host, OS and kernel its sweep ran on (its manifest's provenance).
    pub host: String,
    /// Operating system.
    pub os: String,
    /// Kernel release.
    pub kernel: String,
    /// Collector backend.
    pub backend: String,
    /// Results taken from it (a result identical to one already taken is counted once).
    pub results: u64,
}

/// A run of the grid that a merge did not find.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingRun {
    /// The platform it is missing for (`os/backend`).
    pub platform: String,
    /// Configuration id.
    pub config_id: String,
    /// Repetition, from 1.
    pub repetition: u32,
}

/// The results of a sweep directory or of one result file, as read back for rendering and
/// gating.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The manifest, when the source is a sweep directory that has one.
    pub manifest: Option<SweepManifest>,
    /// Every result, sorted by (knobs, config id, repetition).
    pub results: Vec<ResultReport>,
}

impl Loaded {
    /// (results present, results the manifest asks for: configurations x repeat, the
    /// shard's share of them in a shard directory, present + missing in a merged one), when
    /// there is a manifest.
    pub fn completeness(&self) -> Option<(usize, usize)> {
        let m = self.manifest.as_ref()?;
        // Counted, not built: a manifest's lists are checked by `json::read_manifest`, but
        // the product of hostile ones must not be materialised here either.
        let mut profiles = m.profiles.clone().unwrap_or_else(|| vec![Profile::Kqent]);
        profiles.sort_unstable();
        profiles.dedup();
        let mut configs = usize::from(m.clock_control == Some(true));
        for profile in profiles {
            configs = configs.checked_add(usize::try_from(m.knobs.count_for(profile)?).ok()?)?;
        }
        let mut expected = configs.checked_mul(m.repeat as usize)?;
        if let Some(shard) = m.shard {
            expected = shard.share(expected);
        }
        if let Some(merged) = &m.merged {
            // Several platforms each cover the grid: what is there plus what is missing.
            expected = self.results.len() + merged.missing.len();
        }
        Some((self.results.len(), expected))
    }
}

/// The JSON Schema (draft 2020-12) of both documents, as shipped in
/// `crates/schema/schema/kqent-report.schema.json`.
pub const JSON_SCHEMA: &str = include_str!("../schema/kqent-report.schema.json");
