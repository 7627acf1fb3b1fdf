//! The report documents. Field names are the JSON names; `schema/kqent-report.schema.json`
//! describes the same documents for other tools.
//!
//! Everything except [`Provenance`] is a function of the input, the knobs, the extraction
//! method and the seed, so two runs of the same analysis give byte-identical JSON once
//! `provenance` is removed.

use kqent_analysis::assess::Assessment;
use kqent_analysis::stats::{BasicStats, DurationStats};
use kqent_analysis::Extraction;
use serde::{Deserialize, Serialize};

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
}

/// The collector's knobs, under the trace's config names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Knobs {
    /// Timers armed.
    pub num_timers: u64,
    /// Socket pairs watched.
    pub num_sockets: u64,
    /// Files watched.
    pub num_file_watchers: u64,
    /// Wait-call timeout, ms.
    pub timeout_ms: u64,
    /// Interval of the poker thread, µs.
    pub poke_interval_us: u64,
    /// How socket writability is watched: `edge` or `level`.
    pub write_trigger: String,
    /// Wait calls discarded at the start.
    pub warmup: u64,
}

impl From<&kqent_trace::Knobs> for Knobs {
    /// The knobs recorded in a trace's metadata.
    fn from(k: &kqent_trace::Knobs) -> Self {
        Knobs {
            num_timers: u64::from(k.num_timers),
            num_sockets: u64::from(k.num_sockets),
            num_file_watchers: u64::from(k.num_file_watchers),
            timeout_ms: u64::from(k.timeout_ms),
            poke_interval_us: k.poke_interval_us,
            write_trigger: k.write_trigger.to_string(),
            warmup: k.warmup,
        }
    }
}

/// The knob values a sweep runs: the Cartesian product of these lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnobLists {
    /// Values of `num_timers`.
    pub num_timers: Vec<u64>,
    /// Values of `num_sockets`.
    pub num_sockets: Vec<u64>,
    /// Values of `num_file_watchers`.
    pub num_file_watchers: Vec<u64>,
    /// Values of `timeout_ms`.
    pub timeout_ms: Vec<u64>,
    /// Values of `poke_interval_us`.
    pub poke_interval_us: Vec<u64>,
    /// Values of `write_trigger`.
    pub write_trigger: Vec<String>,
    /// Values of `warmup`.
    pub warmup: Vec<u64>,
}

impl KnobLists {
    /// Every configuration, in a fixed order (the first knob varies slowest).
    ///
    /// ```
    /// use kqent_report::KnobLists;
    /// let k = KnobLists {
    ///     num_timers: vec![0, 4], num_sockets: vec![0, 4], num_file_watchers: vec![0],
    ///     timeout_ms: vec![1], poke_interval_us: vec![500],
    ///     write_trigger: vec!["edge".into()], warmup: vec![1000],
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
                            for tr in &self.write_trigger {
                                for &wu in &self.warmup {
                                    out.push(Knobs {
                                        num_timers: t,
                                        num_sockets: s,
                                        num_file_watchers: w,
                                        timeout_ms: to,
                                        poke_interval_us: p,
                                        write_trigger: tr.clone(),
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
    /// durations as little-endian u64 ([`crate::layout::durations_sha256`]). A trace file's
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
    pub fn from_assessment(
        a: &kqent_analysis::iid::IidAssessment,
    ) -> Result<IidSlot, crate::ReportError> {
        Ok(IidSlot {
            verdict: a.iid,
            h_assessed: a.entropy.as_ref().map(|e| e.h_assessed),
            detail: serde_json::to_value(a).map_err(|e| {
                crate::ReportError::InvalidArgument(format!(
                    "cannot serialize the IID assessment: {e}"
                ))
            })?,
        })
    }

    /// `detail` read back as an IID assessment (an error if it was written by another
    /// version of the IID track).
    pub fn assessment(&self) -> Result<kqent_analysis::iid::IidAssessment, crate::ReportError> {
        serde_json::from_value(self.detail.clone())
            .map_err(|e| crate::ReportError::InvalidArgument(format!("IID detail: {e}")))
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
    /// The configuration's id ([`crate::layout::config_id`] in a sweep; the input's file
    /// stem for a single analysis).
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
    /// Where and when the sweep started (not reproducible).
    pub provenance: Provenance,
}

/// The JSON Schema (draft 2020-12) of both documents, as shipped in
/// `crates/report/schema/kqent-report.schema.json`.
pub const JSON_SCHEMA: &str = include_str!("../schema/kqent-report.schema.json");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knobs_from_a_trace_keep_their_names_and_values() {
        let t = kqent_trace::Knobs {
            write_trigger: kqent_trace::WriteTrigger::Level,
            ..kqent_trace::Knobs::default()
        };
        let k = Knobs::from(&t);
        assert_eq!(k.write_trigger, "level");
        assert_eq!(
            (k.num_timers, k.num_sockets, k.num_file_watchers),
            (8, 4, 4)
        );
        // Same JSON field names and values as the trace's metadata.
        assert_eq!(
            serde_json::to_value(&k).unwrap(),
            serde_json::to_value(&t).unwrap()
        );
    }
}
